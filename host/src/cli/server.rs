//! `isac-host serve`, `demo`, `token` and `audit verify`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use super::data::DataArgs;
use crate::api::AppState;
use crate::api::{Role, issue_token};
use crate::runtime::RuntimeLimits;
use crate::{demo, server, store};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The URL clients reach this server at, e.g. `https://isac.example` behind a
    /// TLS proxy: TAXII discovery builds its API root URLs from it (otherwise
    /// from the request's `X-Forwarded-Proto`/`X-Forwarded-Host` or `Host`).
    #[arg(long, env = "ISAC_PUBLIC_URL")]
    public_url: Option<url::Url>,
    #[command(flatten)]
    store: DataArgs,
    /// The ed25519 key that signs audit checkpoints (created there if missing);
    /// default DATA/audit-key. Give every node of one database the same key.
    #[arg(long)]
    audit_key: Option<PathBuf>,
    /// Sign an audit checkpoint once the chain has grown by this many entries.
    #[arg(long, default_value_t = 1000)]
    checkpoint_entries: u32,
    /// ...or when this many minutes have passed and the chain has grown.
    #[arg(long, default_value_t = 60)]
    checkpoint_minutes: u32,
}

pub(super) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the OS can start the async runtime")
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}

/// Opens the database in `args.store`, binds `args.listen`, runs `prepare` (which
/// may seed and announce), then serves until stopped.
fn run_server(
    args: &ServeArgs,
    limits: RuntimeLimits,
    prepare: impl AsyncFnOnce(&AppState, SocketAddr) -> Result<(), server::ServerError>,
) -> ExitCode {
    let url = match args.store.database_url() {
        Ok(url) => url,
        Err(e) => return fail(e),
    };
    let result = runtime().block_on(async {
        let dir = args.store.dir();
        let key = (args.audit_key.clone()).unwrap_or_else(|| dir.join(store::AUDIT_KEY_FILE));
        let mut state = server::state_signing_with(dir, &url, limits, &key).await?;
        state.public_url = args.public_url.clone();
        state.checkpoints.every_entries = args.checkpoint_entries.max(1).into();
        state.checkpoints.every =
            std::time::Duration::from_secs(u64::from(args.checkpoint_minutes.max(1)) * 60);
        let listener = server::bind(args.listen).await?;
        let address = listener.local_addr().map_err(server::ServerError::Serve)?;
        prepare(&state, address).await?;
        server::serve(listener, state).await
    });
    result.map(|()| ExitCode::SUCCESS).unwrap_or_else(fail)
}

pub fn serve(args: ServeArgs, limits: RuntimeLimits) -> ExitCode {
    run_server(&args, limits, async |_, address| {
        tracing::info!(listen = %address, data = %args.store.dir().display(), "serving");
        Ok(())
    })
}

pub fn demo(args: ServeArgs, limits: RuntimeLimits, clock: bool) -> ExitCode {
    if clock {
        store::clock::make_adjustable();
    }
    run_server(&args, limits, async |state, address| {
        let mut tokens = demo::seed(&state.db)
            .await
            .map_err(store::StoreError::from)?;
        let population = demo::populate(&state.db, &mut tokens)
            .await
            .map_err(store::StoreError::from)?;
        let base_url = format!("http://{address}");
        let credentials = args.store.dir().join("demo-credentials.json");
        let document = json!({ "base_url": base_url, "tokens": tokens });
        write_credentials(&credentials, &document).map_err(server::ServerError::Serve)?;
        let sample = demo::sample_delivery(&state.pipeline, &tokens)
            .await
            .map_err(|e| server::ServerError::Demo(e.to_string()))?;
        demo::publications::seed(&state.db)
            .await
            .map_err(|e| server::ServerError::Demo(e.to_string()))?;
        print_walkthrough(&base_url, &credentials, &tokens, sample, population);
        Ok(())
    })
}

/// Writes the demo's tokens readable by their owner only, through a temporary
/// file and a rename: scripts wait for the file to appear, and must never read
/// half of it.
fn write_credentials(path: &Path, document: &serde_json::Value) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let partial = path.with_extension("json.partial");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&partial)?;
    file.write_all(
        serde_json::to_string_pretty(document)
            .unwrap_or_default()
            .as_bytes(),
    )?;
    file.sync_all()?;
    std::fs::rename(&partial, path)
}

fn print_walkthrough(
    base: &str,
    credentials: &Path,
    tokens: &std::collections::BTreeMap<String, String>,
    sample: Option<i64>,
    population: demo::Population,
) {
    let token = |name: &str| tokens.get(name).cloned().unwrap_or_default();
    println!(
        "Demo Council at {base}: {} members of {} communities; every token is in {}",
        population.members,
        population.communities,
        credentials.display()
    );
    println!("\nWeb console: {base}/");
    println!(
        "  sign in as Sakura Bank (a Council member): {}",
        token("sakura-bank@council")
    );
    println!(
        "  or as the Council's operator:              {}",
        token("operator@council")
    );
    println!("\n# Sakura Bank reports a phishing domain to the Council:");
    println!(
        "curl -s -X POST {base}/api/v1/communities/council/reports -H 'Authorization: Bearer {}' -H 'Content-Type: application/json' \\\n  -d '{{\"title\": \"Phishing kit targeting Sakura Bank customers\", \"body\": \"Look-alike login page\", \"tlp\": \"green\", \"confidence\": \"confirmed\", \"victim\": \"Sakura Bank\", \"indicators\": [{{\"kind\": \"domain\", \"value\": \"sakura-bank-login.example\"}}]}}'",
        token("sakura-bank@council")
    );
    println!("\n# Example Security reads its inbox (the victim is masked for it):");
    println!(
        "curl -s {base}/api/v1/inbox -H 'Authorization: Bearer {}'",
        token("example-security@council")
    );
    if let Some(delivery) = sample {
        println!(
            "\n# ...and the sample report delivered to it at start-up, one view (each read is audit-logged):"
        );
        println!(
            "curl -s {base}/api/v1/inbox/{delivery} -H 'Authorization: Bearer {}'",
            token("example-security@council")
        );
    }
    println!("\n# The Council operator looks at the decision log:");
    println!(
        "curl -s {base}/api/v1/communities/council/decisions -H 'Authorization: Bearer {}'",
        token("operator@council")
    );
    if store::clock::is_adjustable() {
        println!(
            "\n# The Software ISAC delays free riders' deliveries by 24 hours; move the clock to see them arrive:"
        );
        println!(
            "curl -s -X POST {base}/api/v1/demo/clock -H 'Authorization: Bearer {}' -H 'Content-Type: application/json' -d '{{\"advance\": \"24h\"}}'",
            token("secretariat")
        );
    }
    println!("\nCtrl-C stops the server.");
}

/// Issues a token directly in the database: how the first secretariat token is made.
pub fn token(data: &DataArgs, role: &str, community: Option<String>) -> ExitCode {
    let role = match role {
        "secretariat" => Role::Secretariat,
        "steering_committee" => Role::SteeringCommittee,
        "operator" if community.is_some() => Role::Operator,
        "operator" => return fail("--role operator needs --community"),
        other => {
            return fail(format!(
                "--role {other}: one of secretariat, steering_committee, operator"
            ));
        }
    };
    let url = match data.database_url() {
        Ok(url) => url,
        Err(e) => return fail(e),
    };
    let result = runtime().block_on(async {
        let db = store::open(&url).await?;
        let mut conn = db.acquire().await.map_err(store::StoreError::from)?;
        let token = issue_token(
            &mut conn,
            role,
            None,
            community.as_deref(),
            "issued on the command line",
        )
        .await
        .map_err(store::StoreError::from)?;
        store::audit(&mut conn, "cli", "token.issue", role.as_str(), "")
            .await
            .map_err(store::StoreError::from)?;
        Ok::<_, store::StoreError>(token)
    });
    match result {
        Ok(token) => {
            println!("{token}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

/// Exit 0 when the audit chain is intact (and still holds `checkpoint`, a
/// checkpoint saved from `GET /audit/checkpoints` or the inbox stream), 1
/// naming the first broken entry or how the chain fails the checkpoint.
pub fn verify_audit(data: &DataArgs, checkpoint: Option<&Path>) -> ExitCode {
    let checkpoint = match checkpoint.map(read_checkpoint).transpose() {
        Ok(checkpoint) => checkpoint,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(super::EXIT_UNUSABLE);
        }
    };
    let url = match data.database_url() {
        Ok(url) => url,
        Err(e) => return fail(e),
    };
    let result = runtime().block_on(async {
        let db = store::open(&url).await?;
        let chain = store::verify_audit(&db).await?;
        let held = match (&chain, &checkpoint) {
            (Ok(_), Some(checkpoint)) => Some(store::checkpoint::verify(&db, checkpoint).await?),
            _ => None,
        };
        Ok::<_, store::StoreError>((chain, held))
    });
    match result {
        Ok((Ok(count), None | Some(Ok(())))) => {
            match &checkpoint {
                Some(c) => println!(
                    "audit log intact: {count} entries, holding the checkpoint at {}",
                    c.length
                ),
                None => println!("audit log intact: {count} entries"),
            }
            ExitCode::SUCCESS
        }
        Ok((Ok(_), Some(Err(broken)))) => {
            println!("audit log fails the checkpoint: {broken}");
            ExitCode::FAILURE
        }
        Ok((Err(broken), _)) => {
            println!(
                "audit log broken at entry {}: {}",
                broken.seq, broken.reason
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(super::EXIT_UNUSABLE)
        }
    }
}

/// A checkpoint saved as JSON.
fn read_checkpoint(path: &Path) -> Result<store::Checkpoint, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    serde_json::from_str(&text)
        .map_err(|e| format!("{}: not an audit checkpoint: {e}", path.display()))
}
