//! Two isac-host processes on one PostgreSQL database: an inbox stream on one
//! node receives the deliveries made on the other (and ends when the other
//! expels its member), and a policy version activated on one decides the next
//! report on the other within a second; a TAXII client walking the inbox
//! collection on one node while both nodes take reports sees every object once.
//!
//! Always on PostgreSQL: the server ISAC_TEST_DATABASE_URL or ISAC_TEST_POSTGRES
//! names, else the one this project's machines run (127.0.0.1:5432, user
//! postgres, database test).

use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod common;

use common::Node;

const DEFAULT_SERVER: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A stream that finds new deliveries only by its once-a-second poll would
/// take up to a second; woken by the other node's signal it takes milliseconds.
const STREAM_WAKE_BOUND: Duration = Duration::from_millis(400);

/// What the issue asks of an activation on another node.
const ACTIVATION_BOUND: Duration = Duration::from_secs(1);

/// What the issue asks of a suspension or expulsion: the member's open
/// streams end within a second on every node.
const REVOCATION_BOUND: Duration = Duration::from_secs(1);

struct Cluster {
    /// The PostgreSQL server, and the database both nodes serve.
    server: String,
    database: String,
    /// The role node B connects as (node A is `postgres`).
    role_b: String,
    client: reqwest::Client,
    tokens: Value,
    a: Node,
    b: Node,
    _data: [tempfile::TempDir; 2],
}

impl Cluster {
    /// Node A seeds the demo Council; node B serves the same database, as a
    /// role of its own (so that a test can keep node B out alone).
    async fn start() -> Cluster {
        let server = ["ISAC_TEST_DATABASE_URL", "ISAC_TEST_POSTGRES"]
            .iter()
            .find_map(|name| std::env::var(name).ok().filter(|url| !url.is_empty()))
            .unwrap_or_else(|| DEFAULT_SERVER.into());
        let database = isac_host::store::scratch_database(&server)
            .await
            .expect("a PostgreSQL server for the two-node test");
        let mut url_b = url::Url::parse(&database).unwrap();
        // Scratch names (isac_scratch_*) are dropped by scripts/test.
        let role_b = format!("{}_node_b", url_b.path().trim_start_matches('/'));
        url_b.set_username(&role_b).unwrap();
        on_server(&server, &format!("CREATE ROLE {role_b} LOGIN SUPERUSER")).await;
        let data = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
        let a = Node::start("demo", data[0].path(), Some(&database));
        let tokens = common::demo_tokens(data[0].path()).await;
        let b = Node::start("serve", data[1].path(), Some(url_b.as_str()));
        let client = reqwest::Client::new();
        let secretariat = tokens["secretariat"].as_str().unwrap();
        a.wait_until_up(&client, secretariat).await;
        b.wait_until_up(&client, secretariat).await;
        Cluster {
            server,
            database,
            role_b,
            client,
            tokens,
            a,
            b,
            _data: data,
        }
    }

    fn token(&self, who: &str) -> &str {
        self.tokens[who].as_str().unwrap()
    }

    async fn post(&self, node: &Node, who: &str, path: &str, body: &Value) -> Value {
        let response = self
            .client
            .post(format!("{}/api/v1{path}", node.base))
            .bearer_auth(self.token(who))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert!(status.is_success(), "POST {path}: {status} {body}");
        body
    }

    async fn get(&self, node: &Node, who: &str, path: &str) -> Value {
        let response = self
            .client
            .get(format!("{}/api/v1{path}", node.base))
            .bearer_auth(self.token(who))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "GET {path}");
        response.json().await.unwrap()
    }

    /// The member id behind a demo member token.
    async fn member_id(&self, who: &str) -> i64 {
        let db = isac_host::store::open(&self.database).await.unwrap();
        isac_host::store::scalar_i64(
            &db,
            "SELECT member_id FROM tokens WHERE hash = $1",
            &isac_host::api::hash_token(self.token(who)),
        )
        .await
        .unwrap()
    }

    /// Opens `who`'s inbox stream on `node`.
    async fn open_stream(&self, node: &Node, who: &str) -> reqwest::Response {
        let stream = self
            .client
            .get(format!("{}/api/v1/inbox/stream", node.base))
            .bearer_auth(self.token(who))
            .send()
            .await
            .unwrap();
        assert_eq!(stream.status().as_u16(), 200);
        stream
    }

    /// Submits a report and returns the answer (report id, deliveries...).
    async fn submit(&self, node: &Node, who: &str, community: &str, title: &str) -> Value {
        let body = json!({"title": title, "tlp": "green", "confidence": "confirmed",
                          "indicators": [{"kind": "domain", "value": format!("{title}.example")}]});
        let path = format!("/communities/{community}/reports");
        self.post(node, who, &path, &body).await
    }

    /// Submits a report and returns its id.
    async fn report(&self, node: &Node, who: &str, community: &str, title: &str) -> String {
        let sent = self.submit(node, who, community, title).await;
        sent["report_id"].as_str().unwrap().to_string()
    }

    /// Stages and activates, on node A, the Software ISAC's plugin (a reference
    /// plugin the demo stores) for `community`; returns its digest.
    async fn activate_give_and_take(&self, community: &str) -> String {
        let operator = format!("operator@{community}");
        let (_, give_and_take) = isac_plugin_artifacts::REFERENCE_PLUGINS
            .iter()
            .find(|(name, _)| *name == "give-and-take")
            .unwrap();
        let digest = isac_host::runtime::Digest::of(give_and_take).hex();
        let staged = self
            .post(
                &self.a,
                &operator,
                &format!("/communities/{community}/policies"),
                &json!({"plugin": digest, "settings": {"free_rider_delay_hours": 24}}),
            )
            .await;
        let version = staged["id"].as_i64().unwrap();
        self.post(
            &self.a,
            &operator,
            &format!("/communities/{community}/policies/{version}/activate"),
            &json!({}),
        )
        .await;
        digest
    }

    /// Submits reports to `community` on node B until one is decided by the
    /// plugin `new` (each one before by `old`); returns how long that took.
    async fn wait_for_plugin_on_b(
        &self,
        community: &str,
        member: &str,
        old: &str,
        new: &str,
    ) -> Duration {
        let started = Instant::now();
        for n in 0.. {
            let id = self
                .report(&self.b, member, community, &format!("after-{n}"))
                .await;
            let digest = self.decided_by(&self.b, community, &id).await;
            if digest == new {
                break;
            }
            assert_eq!(digest, old, "decided by neither version");
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "node B still decides with the old plugin 5 s after node A activated the new one"
            );
        }
        started.elapsed()
    }

    /// The plugin that decides `community`'s reports on node B, which loads
    /// and caches it to decide one.
    async fn deciding_on_b(&self, community: &str, member: &str) -> String {
        let report = self.report(&self.b, member, community, "before").await;
        self.decided_by(&self.b, community, &report).await
    }

    /// The plugin digest that decided `report` in `community`.
    async fn decided_by(&self, node: &Node, community: &str, report: &str) -> String {
        let operator = format!("operator@{community}");
        let decisions = self
            .get(
                node,
                &operator,
                &format!("/communities/{community}/decisions"),
            )
            .await;
        decisions["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["report_id"] == report)
            .and_then(|d| d["plugin"].as_str())
            .unwrap_or_else(|| panic!("no decision about {report}"))
            .to_string()
    }
}

impl Cluster {
    /// A TAXII GET on `node` as `who`: the body and `X-TAXII-Date-Added-Last`.
    async fn taxii(&self, node: &Node, who: &str, path: &str) -> (Value, Option<String>) {
        let response = self
            .client
            .get(format!("{}/taxii2{path}", node.base))
            .bearer_auth(self.token(who))
            .header("accept", "application/taxii+json;version=2.1")
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "GET {path}");
        let last = response
            .headers()
            .get("x-taxii-date-added-last")
            .map(|v| v.to_str().unwrap().to_string());
        (response.json().await.unwrap(), last)
    }

    /// The object ids on one page of `who`'s inbox collection, and whether more follow.
    async fn inbox_page(
        &self,
        node: &Node,
        who: &str,
        query: &str,
    ) -> (Vec<String>, bool, Option<String>) {
        let (collections, _) = self.taxii(node, who, "/council/collections/").await;
        let inbox = collections["collections"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["can_read"] == true)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let path = format!("/council/collections/{inbox}/objects/?{query}");
        let (page, last) = self.taxii(node, who, &path).await;
        let ids = page["objects"]
            .as_array()
            .map(|objects| {
                objects
                    .iter()
                    .map(|o| o["id"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default();
        (ids, page["more"] == true, last)
    }
}

/// Each node orders what it commits into the members' collections: a client
/// walking by `added_after` on node B while both nodes commit must still see
/// every object exactly once (the order is one order, not one per node).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_taxii_walk_on_one_node_sees_every_object_once_while_both_nodes_commit() {
    let cluster = Cluster::start().await;
    let reader = "example-security@council";
    let reports_in = |ids: &[String]| ids.iter().filter(|id| id.starts_with("report--")).count();
    let (before, _, _) = cluster.inbox_page(&cluster.a, reader, "limit=1000").await;
    let done = std::sync::atomic::AtomicBool::new(false);
    let writers = async {
        let on_a = async {
            for n in 0..25 {
                cluster
                    .report(
                        &cluster.a,
                        "tokyo@council",
                        "council",
                        &format!("walk-a-{n}"),
                    )
                    .await;
            }
        };
        let on_b = async {
            for n in 0..25 {
                let who = "sakura-bank@council";
                cluster
                    .report(&cluster.b, who, "council", &format!("walk-b-{n}"))
                    .await;
            }
        };
        tokio::join!(on_a, on_b);
        done.store(true, std::sync::atomic::Ordering::SeqCst);
    };
    let walker = async {
        let mut walked = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let finished = done.load(std::sync::atomic::Ordering::SeqCst);
            let query = match &after {
                Some(after) => format!("limit=3&added_after={after}"),
                None => "limit=3".to_string(),
            };
            let (ids, more, last) = cluster.inbox_page(&cluster.b, reader, &query).await;
            walked.extend(ids);
            if let Some(last) = last {
                after = Some(last);
            }
            if finished && !more {
                return walked;
            }
            if !more {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    };
    let ((), walked) = tokio::join!(writers, walker);
    let (all, more, _) = cluster.inbox_page(&cluster.a, reader, "limit=1000").await;
    assert!(!more);
    let mut sorted = walked.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), walked.len(), "an object was returned twice");
    let mut expected = all.clone();
    expected.sort();
    assert_eq!(sorted, expected, "the walk on node B missed objects");
    assert_eq!(
        reports_in(&all),
        reports_in(&before) + 50,
        "every report arrived"
    );
}

/// Runs one statement on the PostgreSQL server, outside the nodes' database.
async fn on_server(server: &str, sql: &str) {
    use sqlx::{Connection as _, Executor as _};
    let mut conn = sqlx::AnyConnection::connect(server).await.unwrap();
    conn.execute(sql).await.unwrap();
    conn.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_inbox_stream_on_one_node_receives_deliveries_made_on_the_other() {
    let cluster = Cluster::start().await;
    let mut stream = cluster
        .open_stream(&cluster.b, "example-security@council")
        .await;
    let mut seen = String::new();
    let mut waits = Vec::new();
    for n in 0..5 {
        let id = cluster
            .report(
                &cluster.a,
                "tokyo@council",
                "council",
                &format!("two-nodes-{n}"),
            )
            .await;
        let acknowledged = Instant::now();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !seen.contains(&id) {
            let chunk = tokio::time::timeout_at(deadline, stream.chunk())
                .await
                .expect("node B streams node A's delivery within 10 s")
                .unwrap()
                .expect("the stream stays open");
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
        waits.push(acknowledged.elapsed());
    }
    eprintln!("node B streamed node A's deliveries after {waits:?}");
    assert!(
        waits.iter().all(|wait| *wait < STREAM_WAKE_BOUND),
        "node B's stream was not woken by node A's commits: {waits:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_policy_activated_on_one_node_decides_on_the_other_within_a_second() {
    let cluster = Cluster::start().await;
    let (community, member) = ("ict-isac", "example-security@ict-isac");
    let old = cluster.deciding_on_b(community, member).await;

    let new = cluster.activate_give_and_take(community).await;
    assert_ne!(new, old);
    let waited = cluster
        .wait_for_plugin_on_b(community, member, &old, &new)
        .await;
    eprintln!("node B decided with the new plugin {waited:?} after the activation");
    assert!(waited < ACTIVATION_BOUND, "{waited:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_that_lost_its_listening_connection_catches_up() {
    let cluster = Cluster::start().await;
    let (community, member) = ("ict-isac", "example-security@ict-isac");
    let old = cluster.deciding_on_b(community, member).await;

    // Keep node B's role out, cut its listening connection, and activate on
    // node A meanwhile: node B cannot hear the signal. (Its pool keeps the
    // connections it has.)
    let role_b = &cluster.role_b;
    on_server(&cluster.server, &format!("ALTER ROLE {role_b} NOLOGIN")).await;
    on_server(
        &cluster.server,
        &format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE usename = '{role_b}' AND query LIKE 'LISTEN%'"
        ),
    )
    .await;
    let new = cluster.activate_give_and_take(community).await;
    on_server(&cluster.server, &format!("ALTER ROLE {role_b} LOGIN")).await;

    // Once node B listens again it drops its caches: the next reports find
    // the new version.
    let waited = cluster
        .wait_for_plugin_on_b(community, member, &old, &new)
        .await;
    eprintln!("node B caught up {waited:?} after its role could log in again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_member_expelled_on_one_node_is_refused_and_skipped_on_the_other() {
    let cluster = Cluster::start().await;
    let kanto = cluster.member_id("kanto-power@council").await;
    let inbox_on_b = async || {
        cluster
            .client
            .get(format!("{}/api/v1/inbox", cluster.b.base))
            .bearer_auth(cluster.token("kanto-power@council"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    // Node B has the member's principal and the roster cached.
    assert_eq!(inbox_on_b().await, 200);
    let before = cluster
        .submit(&cluster.b, "tokyo@council", "council", "before")
        .await;

    cluster
        .post(
            &cluster.a,
            "steering_committee",
            &format!("/members/{kanto}/expel"),
            &json!({"reason": "breach of confidentiality"}),
        )
        .await;
    let expelled = Instant::now();
    while inbox_on_b().await != 401 {
        assert!(
            expelled.elapsed() < ACTIVATION_BOUND,
            "node B still accepts the expelled member's token"
        );
    }
    eprintln!(
        "node B refused the expelled member {:?} after the expulsion",
        expelled.elapsed()
    );
    let after = cluster
        .submit(&cluster.b, "tokyo@council", "council", "after")
        .await;
    assert_eq!(
        after["deliveries"].as_i64().unwrap(),
        before["deliveries"].as_i64().unwrap() - 1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stream_on_one_node_ends_within_a_second_of_an_expulsion_on_the_other() {
    let cluster = Cluster::start().await;
    let who = "kanto-power@council";
    let kanto = cluster.member_id(who).await;
    let mut stream = cluster.open_stream(&cluster.b, who).await;
    // The stream on node B is serving: it has sent node A's delivery.
    let id = cluster
        .report(&cluster.a, "tokyo@council", "council", "before")
        .await;
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !seen.contains(&id) {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .expect("node B streams node A's delivery within 10 s")
            .unwrap()
            .expect("the stream stays open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }

    cluster
        .post(
            &cluster.a,
            "steering_committee",
            &format!("/members/{kanto}/expel"),
            &json!({"reason": "breach of confidentiality"}),
        )
        .await;
    let expelled = Instant::now();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        match tokio::time::timeout_at(deadline, stream.chunk()).await {
            Ok(Ok(Some(_))) => {}
            Ok(Ok(None)) => break,
            Ok(Err(error)) => panic!("the stream failed instead of ending: {error}"),
            Err(_) => panic!("node B's stream is still open 5 s after the expulsion on node A"),
        }
    }
    let waited = expelled.elapsed();
    eprintln!("node B ended the expelled member's stream {waited:?} after the expulsion");
    assert!(waited < REVOCATION_BOUND, "{waited:?}");
}
