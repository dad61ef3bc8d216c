//! `isac-host plugin push|versions|settings|shadow|diffs|approve|activate|rollback`:
//! the policy registry's steps, sent to a running server over HTTP with a bearer
//! token (the server validates, audit-logs and swaps atomically; a second writer
//! on its database would bypass that). Each prints the server's JSON answer; exit
//! 0 done, 1 refused by the server (its error on stderr), 2 unusable input or no
//! server.

use std::path::Path;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use reqwest::{Client, Method};
use serde_json::{Value, json};

use super::{EXIT_UNUSABLE, read_plugin};

#[derive(Debug, Args)]
pub struct ServerArgs {
    /// For registry steps: the server's base URL [default: $ISAC_SERVER, else
    /// http://127.0.0.1:8080].
    #[arg(long, global = true)]
    server: Option<String>,
    /// For registry steps: a bearer token, the community operator's or the
    /// steering committee's to approve [default: $ISAC_TOKEN].
    #[arg(long, global = true)]
    token: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum PolicyStep {
    /// Upload a plugin and stage it as a new version of the community's policy
    /// (validated: component, contract version, settings, the community's fixtures).
    Push {
        /// The plugin: a .wasm component, or the name of a built-in reference plugin.
        file: std::path::PathBuf,
        #[arg(long)]
        community: String,
        /// Settings as JSON, or @FILE; the active version's when left out.
        #[arg(long)]
        settings: Option<String>,
    },
    /// List the community's versions, their status and approvals.
    Versions {
        #[arg(long)]
        community: String,
    },
    /// Stage the active plugin with new settings (validated by the plugin).
    Settings {
        #[arg(long)]
        community: String,
        /// Settings as JSON, or @FILE.
        #[arg(long)]
        settings: String,
    },
    /// Run a version in shadow beside the active one (or stop, with --off).
    Shadow {
        version: i64,
        #[arg(long)]
        community: String,
        #[arg(long)]
        off: bool,
    },
    /// A shadow version's diff summary and its latest differing reports.
    Diffs {
        version: i64,
        #[arg(long)]
        community: String,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Approve a version (steering committee token).
    Approve {
        version: i64,
        #[arg(long)]
        community: String,
    },
    /// Activate a staged or shadow version that has its approvals.
    Activate {
        version: i64,
        #[arg(long)]
        community: String,
    },
    /// Go back to the previously active version, or to --to VERSION.
    Rollback {
        #[arg(long)]
        community: String,
        #[arg(long)]
        to: Option<i64>,
    },
}

/// Why a step did not happen.
#[derive(Debug, thiserror::Error)]
enum StepError {
    #[error("{0}")]
    Unusable(String),
    #[error("the server refused ({status}): {body}")]
    Refused { status: u16, body: Value },
}

pub fn run(server: ServerArgs, step: PolicyStep) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return unusable(e),
    };
    match runtime.block_on(perform(&Connection::new(server), step)) {
        Ok(answer) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&answer).unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Err(StepError::Unusable(message)) => unusable(message),
        Err(refused) => {
            eprintln!("error: {refused}");
            ExitCode::FAILURE
        }
    }
}

fn unusable(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(EXIT_UNUSABLE)
}

async fn perform(connection: &Connection, step: PolicyStep) -> Result<Value, StepError> {
    let policies = |community: &str| format!("/communities/{community}/policies");
    match step {
        PolicyStep::Push {
            file,
            community,
            settings,
        } => {
            let bytes = read_plugin(&file).map_err(StepError::Unusable)?;
            let uploaded = connection
                .send(Method::POST, "/plugins", Body::Wasm(bytes))
                .await?;
            let mut candidate = json!({"plugin": uploaded["digest"]});
            if let Some(settings) = settings {
                candidate["settings"] = parse_settings(&settings).map_err(StepError::Unusable)?;
            }
            connection
                .send(Method::POST, &policies(&community), Body::Json(candidate))
                .await
        }
        PolicyStep::Versions { community } => {
            connection
                .send(Method::GET, &policies(&community), Body::Empty)
                .await
        }
        PolicyStep::Settings {
            community,
            settings,
        } => {
            let candidate =
                json!({"settings": parse_settings(&settings).map_err(StepError::Unusable)?});
            connection
                .send(Method::POST, &policies(&community), Body::Json(candidate))
                .await
        }
        PolicyStep::Shadow {
            version,
            community,
            off,
        } => {
            let method = if off { Method::DELETE } else { Method::POST };
            connection
                .send(
                    method,
                    &format!("{}/{version}/shadow", policies(&community)),
                    Body::Empty,
                )
                .await
        }
        PolicyStep::Diffs {
            version,
            community,
            limit,
        } => {
            let path = format!("{}/{version}/diffs?limit={limit}", policies(&community));
            connection.send(Method::GET, &path, Body::Empty).await
        }
        PolicyStep::Approve { version, community } => {
            connection
                .send(
                    Method::POST,
                    &format!("{}/{version}/approve", policies(&community)),
                    Body::Empty,
                )
                .await
        }
        PolicyStep::Activate { version, community } => {
            connection
                .send(
                    Method::POST,
                    &format!("{}/{version}/activate", policies(&community)),
                    Body::Empty,
                )
                .await
        }
        PolicyStep::Rollback { community, to } => {
            let path = format!("{}/rollback", policies(&community));
            connection
                .send(Method::POST, &path, Body::Json(json!({"to": to})))
                .await
        }
    }
}

/// Settings given inline as JSON, or as `@FILE` holding JSON.
pub(super) fn parse_settings(text: &str) -> Result<Value, String> {
    let (source, json) = match text.strip_prefix('@') {
        Some(path) => (
            path.to_string(),
            std::fs::read_to_string(Path::new(path))
                .map_err(|e| format!("{path}: cannot read: {e}"))?,
        ),
        None => ("--settings".to_string(), text.to_string()),
    };
    serde_json::from_str(&json).map_err(|e| format!("{source}: not JSON: {e}"))
}

enum Body {
    Empty,
    Json(Value),
    Wasm(Vec<u8>),
}

struct Connection {
    client: Client,
    base: String,
    token: Option<String>,
}

impl Connection {
    fn new(args: ServerArgs) -> Connection {
        let base = args
            .server
            .or_else(|| std::env::var("ISAC_SERVER").ok())
            .unwrap_or_else(|| "http://127.0.0.1:8080".into());
        Connection {
            client: Client::new(),
            base: base.trim_end_matches('/').to_string(),
            token: args.token.or_else(|| std::env::var("ISAC_TOKEN").ok()),
        }
    }

    async fn send(&self, method: Method, path: &str, body: Body) -> Result<Value, StepError> {
        let url = format!("{}/api/v1{path}", self.base);
        let mut request = self.client.request(method, &url);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        request = match body {
            Body::Empty => request,
            Body::Json(value) => request.json(&value),
            Body::Wasm(bytes) => request
                .header("content-type", "application/wasm")
                .body(bytes),
        };
        let response = request
            .send()
            .await
            .map_err(|e| StepError::Unusable(format!("{url}: {e}")))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if status.is_success() {
            Ok(body)
        } else {
            Err(StepError::Refused {
                status: status.as_u16(),
                body,
            })
        }
    }
}
