//! A real isac-host server for end-to-end tests: the demo Council seeded into a
//! fresh database, served over HTTP on a free port. The database is a SQLite
//! file in a temporary directory, or a new PostgreSQL database on the server
//! `ISAC_TEST_DATABASE_URL` names (`scripts/test` runs every suite both ways).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use reqwest::{Client, Method, StatusCode};
use serde_json::Value;

pub use isac_host;

pub mod council_fixture;

pub struct TestServer {
    pub base: String,
    pub tokens: BTreeMap<String, String>,
    pub db: isac_host::store::AnyPool,
    client: Client,
    _data: tempfile::TempDir,
}

/// A response: status and JSON body (`Value::Null` when the body is not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    /// The JSON body, an error's `request_id` taken out (into `request_id`): it
    /// differs on every request, and tests compare error bodies whole.
    pub body: Value,
    pub request_id: Option<String>,
}

/// The folder of compiled plugins every test server of a run shares (and the
/// next run finds): its files are named by the plugin's digest and the engine's
/// compatibility hash, so sharing it changes no answer, and each server is
/// spared compiling the reference plugins anew (a tenth of a second each, over
/// a hundred servers per pass; seconds for a Python component).
pub fn compiled_plugins() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/test-compiled-plugins")
}

/// Points `data`'s compiled-plugin cache at [`compiled_plugins`].
fn share_compiled_plugins(data: &Path) {
    let shared = compiled_plugins();
    std::fs::create_dir_all(&shared).expect("the shared cache folder");
    std::os::unix::fs::symlink(&shared, data.join("cache")).expect("a link to the shared cache");
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    /// A server whose state `configure` adjusts first (e.g. the applications' rate limit).
    pub async fn start_with(configure: impl FnOnce(&mut isac_host::api::AppState)) -> TestServer {
        // The server's warnings and errors, shown with a failing test's output.
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter("warn")
            .try_init();
        let data = tempfile::tempdir().expect("temp dir");
        share_compiled_plugins(data.path());
        let database = isac_host::store::database_for_run(data.path())
            .await
            .expect("a database for the test");
        let mut state = isac_host::server::state_in(data.path(), &database, Default::default())
            .await
            .expect("server state");
        configure(&mut state);
        let tokens = isac_host::demo::seed(&state.db).await.expect("demo seed");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("free port");
        let base = format!("http://{}", listener.local_addr().expect("bound address"));
        let db = state.db.clone();
        tokio::spawn(isac_host::server::serve(listener, state));
        TestServer {
            base,
            tokens,
            db,
            client: Client::new(),
            _data: data,
        }
    }

    /// The token of a demo member or role (`sakura-bank@council`, `secretariat`...).
    pub fn token(&self, name: &str) -> &str {
        self.tokens
            .get(name)
            .unwrap_or_else(|| panic!("no demo token {name}"))
    }

    /// Sends a request as `who` (a token name, or "" for anonymous) with an optional JSON body.
    pub async fn call(&self, method: Method, who: &str, path: &str, body: Option<&Value>) -> Reply {
        let token = if who.is_empty() {
            None
        } else {
            Some(
                self.tokens
                    .get(who)
                    .cloned()
                    .unwrap_or_else(|| who.to_string()),
            )
        };
        self.send(
            method,
            token.as_deref(),
            path,
            body.map(|b| ("application/json", b.to_string().into_bytes())),
        )
        .await
    }

    /// Sends raw bytes with a content type, as the bearer `token` (not a name).
    /// `path` is under `/api/v1`, unless it is a TAXII path (`/taxii2/...`).
    pub async fn send(
        &self,
        method: Method,
        token: Option<&str>,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> Reply {
        // TAXII has its own root; everything else is under /api/v1.
        let prefix = if path.starts_with("/taxii2/") {
            ""
        } else {
            "/api/v1"
        };
        let mut request = self
            .client
            .request(method, format!("{}{prefix}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some((content_type, bytes)) = body {
            request = request.header("content-type", content_type).body(bytes);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        let mut body = serde_json::from_str(&text).unwrap_or(Value::Null);
        let request_id = match &mut body {
            Value::Object(fields) => fields
                .remove("request_id")
                .and_then(|id| id.as_str().map(str::to_string)),
            _ => None,
        };
        Reply {
            status,
            body,
            request_id,
        }
    }

    pub async fn get(&self, who: &str, path: &str) -> Reply {
        self.call(Method::GET, who, path, None).await
    }

    pub async fn post(&self, who: &str, path: &str, body: &Value) -> Reply {
        self.call(Method::POST, who, path, Some(body)).await
    }

    pub async fn put(&self, who: &str, path: &str, body: &Value) -> Reply {
        self.call(Method::PUT, who, path, Some(body)).await
    }

    /// Submits `body` to the Council as `who`, which must be delivered (201):
    /// the report's id.
    pub async fn submit_to_council(&self, who: &str, body: &Value) -> String {
        let sent = self.post(who, "/communities/council/reports", body).await;
        assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
        sent.body["report_id"]
            .as_str()
            .expect("a report id")
            .to_string()
    }

    /// The member id behind a demo member token.
    pub async fn member_id(&self, who: &str) -> i64 {
        let hash = isac_host::api::hash_token(self.token(who));
        isac_host::store::scalar_i64(
            &self.db,
            "SELECT member_id FROM tokens WHERE hash = $1",
            &hash,
        )
        .await
        .expect("query runs")
    }

    /// Uploads the plugin built at `plugin` as `community`'s operator and returns
    /// its digest.
    pub async fn upload(&self, community: &str, plugin: &str) -> String {
        let operator = format!("operator@{community}");
        let bytes = std::fs::read(plugin).expect("plugin built");
        let upload = self
            .send(
                Method::POST,
                Some(self.token(&operator)),
                "/plugins",
                Some(("application/wasm", bytes)),
            )
            .await;
        assert!(upload.status.is_success(), "{:?}", upload.body);
        upload.body["digest"]
            .as_str()
            .expect("a digest")
            .to_string()
    }

    /// Makes `community` run the plugin built at `plugin` with `settings` at
    /// once, as its operator configures it (no staging), and returns its digest.
    pub async fn run_plugin(&self, community: &str, plugin: &str, settings: Value) -> String {
        let digest = self.upload(community, plugin).await;
        let policy = serde_json::json!({"plugin": digest, "settings": settings});
        let path = format!("/communities/{community}");
        let set = self
            .put(&format!("operator@{community}"), &path, &policy)
            .await;
        assert_eq!(set.status, StatusCode::OK, "{:?}", set.body);
        digest
    }

    /// Uploads the plugin built at `plugin` for `community`, puts the fixtures
    /// of the workspace folder `fixtures` (its `fixtures/` files) in the
    /// community's suite, and takes the version through stage (which runs the
    /// suite), shadow, the steering committee's approval and activation.
    pub async fn activate(&self, community: &str, plugin: &str, settings: Value, fixtures: &str) {
        let operator = format!("operator@{community}");
        let digest = self.upload(community, plugin).await;
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(fixtures)
            .join("fixtures");
        let files = isac_host::fixture::load_dir(&folder).expect("fixtures load");
        for file in files {
            let text = std::fs::read(&file.path).expect("fixture reads");
            let path = format!("/communities/{community}/policies/fixtures/{}", file.name);
            let token = Some(self.token(&operator));
            let put = self
                .send(Method::PUT, token, &path, Some(("application/yaml", text)))
                .await;
            assert_eq!(put.status, StatusCode::CREATED, "{:?}", put.body);
        }
        let policies = format!("/communities/{community}/policies");
        let body = serde_json::json!({"plugin": digest, "settings": settings});
        let staged = self.post(&operator, &policies, &body).await;
        assert_eq!(staged.status, StatusCode::CREATED, "{:?}", staged.body);
        let version = staged.body["id"].as_i64().expect("version id");
        for (who, step) in [
            (operator.as_str(), "shadow"),
            ("steering_committee", "approve"),
            (operator.as_str(), "activate"),
        ] {
            let path = format!("{policies}/{version}/{step}");
            let reply = self.post(who, &path, &serde_json::json!({})).await;
            assert_eq!(reply.status, StatusCode::OK, "{step}: {:?}", reply.body);
        }
    }

    /// What `who` received of report `report_id` (from its inbox's first 500).
    pub async fn view(&self, who: &str, report_id: &str) -> Value {
        let inbox = self.get(who, "/inbox?limit=500").await;
        let item = inbox.body["items"]
            .as_array()
            .and_then(|items| items.iter().find(|i| i["report_id"] == report_id))
            .unwrap_or_else(|| panic!("{report_id} not delivered to {who}: {:?}", inbox.body));
        let reply = self
            .get(who, &format!("/inbox/{}", item["delivery_id"]))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        reply.body["view"].clone()
    }

    /// Every report id in the member's inbox (following the cursor).
    pub async fn inbox_reports(&self, who: &str) -> Vec<String> {
        let mut ids = Vec::new();
        let mut cursor: Option<i64> = None;
        loop {
            let path = match cursor {
                Some(c) => format!("/inbox?limit=500&cursor={c}"),
                None => "/inbox?limit=500".into(),
            };
            let reply = self.get(who, &path).await;
            assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
            for item in reply.body["items"].as_array().expect("items") {
                ids.push(item["report_id"].as_str().expect("report id").to_string());
            }
            match reply.body["next_cursor"].as_i64() {
                Some(next) => cursor = Some(next),
                None => return ids,
            }
        }
    }
}

/// Runs `tests/python/{script}` with `args` (the OASIS tools it imports are
/// installed by `scripts/test`) and returns what it printed; panics naming
/// `what` with its output if it fails.
pub async fn python(what: &str, script: &str, args: &[&str]) -> String {
    let path = format!("{}/python/{script}", env!("CARGO_MANIFEST_DIR"));
    let output = tokio::process::Command::new("python3")
        .arg(&path)
        .args(args)
        .output()
        .await
        .expect("python3 runs");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(
        !stderr.contains("ModuleNotFoundError"),
        "{what}: the Python packages are missing: run \
         `python3 -m pip install taxii2-client==2.3.0 stix2-validator==3.3.2`\n{stderr}"
    );
    assert!(output.status.success(), "{what}: {stdout}\n{stderr}");
    stdout.into_owned()
}

/// Every value of header `name` in `response`, in order (e.g. the challenges
/// of a 401).
pub fn header_values(response: &reqwest::Response, name: &str) -> Vec<String> {
    response
        .headers()
        .get_all(name)
        .iter()
        .map(|v| v.to_str().expect("a text header").to_string())
        .collect()
}
