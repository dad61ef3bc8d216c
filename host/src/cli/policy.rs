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

use super::{EXIT_UNUSABLE, read_plugin, refusal};

#[derive(Debug, Args)]
pub struct ServerArgs {
    /// The server's base URL [default: $ISAC_SERVER, else http://127.0.0.1:8080].
    #[arg(long)]
    server: Option<String>,
    /// A bearer token: the community operator's, or the steering committee's to
    /// approve [default: $ISAC_TOKEN].
    #[arg(long)]
    token: Option<String>,
}

/// Which community's policy a step changes, on which server.
#[derive(Debug, Args)]
pub struct Target {
    /// The community whose policy this is, by id (`council`, `financials-isac`;
    /// `GET /api/v1/communities` lists them).
    #[arg(long)]
    community: String,
    #[command(flatten)]
    server: ServerArgs,
}

#[derive(Debug, Subcommand)]
pub enum PolicyStep {
    /// Upload a plugin and stage it as a new version of the community's policy
    /// (validated: component, contract version, settings, the community's fixtures).
    Push {
        /// The plugin: a .wasm component, or the name of a built-in reference plugin.
        file: std::path::PathBuf,
        #[command(flatten)]
        target: Target,
        /// Settings as JSON, or @FILE; the active version's when left out.
        #[arg(long)]
        settings: Option<String>,
    },
    /// List the community's versions, their status and approvals.
    Versions {
        #[command(flatten)]
        target: Target,
    },
    /// Stage the active plugin with new settings (validated by the plugin).
    Settings {
        #[command(flatten)]
        target: Target,
        /// Settings as JSON, or @FILE.
        #[arg(long)]
        settings: String,
    },
    /// Run a version in shadow beside the active one (or stop, with --off).
    Shadow {
        /// The version number (`plugin versions` lists them).
        version: i64,
        #[command(flatten)]
        target: Target,
        /// Stop shadowing it.
        #[arg(long)]
        off: bool,
    },
    /// A shadow version's diff summary and its latest differing reports.
    Diffs {
        /// The version number (`plugin versions` lists them).
        version: i64,
        #[command(flatten)]
        target: Target,
        /// How many of the latest differing reports to show.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Approve a version (steering committee token).
    Approve {
        /// The version number (`plugin versions` lists them).
        version: i64,
        #[command(flatten)]
        target: Target,
    },
    /// Activate a staged or shadow version that has its approvals.
    Activate {
        /// The version number (`plugin versions` lists them).
        version: i64,
        #[command(flatten)]
        target: Target,
    },
    /// Go back to the previously active version, or to --to VERSION.
    Rollback {
        #[command(flatten)]
        target: Target,
        /// The version to go back to.
        #[arg(long)]
        to: Option<i64>,
    },
}

impl PolicyStep {
    fn target(&self) -> &Target {
        match self {
            PolicyStep::Push { target, .. }
            | PolicyStep::Versions { target }
            | PolicyStep::Settings { target, .. }
            | PolicyStep::Shadow { target, .. }
            | PolicyStep::Diffs { target, .. }
            | PolicyStep::Approve { target, .. }
            | PolicyStep::Activate { target, .. }
            | PolicyStep::Rollback { target, .. } => target,
        }
    }
}

/// Why a step did not happen.
#[derive(Debug, thiserror::Error)]
pub(super) enum StepError {
    #[error("{0}")]
    Unusable(String),
    #[error("the server refused ({status}):\n{}", refusal::render(body))]
    Refused { status: u16, body: Value },
}

pub fn run(step: PolicyStep) -> ExitCode {
    let connection = Connection::new(&step.target().server);
    exchange(perform(&connection, step))
}

/// Runs one exchange with the server and prints its JSON answer: exit 0, 1
/// when the server refused (its error on stderr), 2 on unusable input.
pub(super) fn exchange(steps: impl Future<Output = Result<Value, StepError>>) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return unusable(e),
    };
    match runtime.block_on(steps) {
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
    let policies = format!("/communities/{}/policies", step.target().community);
    let (method, path, body) = match step {
        PolicyStep::Push { file, settings, .. } => {
            let bytes = read_plugin(&file).map_err(StepError::Unusable)?;
            let uploaded = connection
                .send(Method::POST, "/plugins", Body::Wasm(bytes))
                .await?;
            let mut candidate = json!({"plugin": uploaded["digest"]});
            if let Some(settings) = settings {
                candidate["settings"] = parse_settings(&settings).map_err(StepError::Unusable)?;
            }
            (Method::POST, policies, Body::Json(candidate))
        }
        PolicyStep::Versions { .. } => (Method::GET, policies, Body::Empty),
        PolicyStep::Settings { settings, .. } => {
            let candidate =
                json!({"settings": parse_settings(&settings).map_err(StepError::Unusable)?});
            (Method::POST, policies, Body::Json(candidate))
        }
        PolicyStep::Shadow { version, off, .. } => {
            let method = if off { Method::DELETE } else { Method::POST };
            (method, format!("{policies}/{version}/shadow"), Body::Empty)
        }
        PolicyStep::Diffs { version, limit, .. } => (
            Method::GET,
            format!("{policies}/{version}/diffs?limit={limit}"),
            Body::Empty,
        ),
        PolicyStep::Approve { version, .. } => (
            Method::POST,
            format!("{policies}/{version}/approve"),
            Body::Empty,
        ),
        PolicyStep::Activate { version, .. } => (
            Method::POST,
            format!("{policies}/{version}/activate"),
            Body::Empty,
        ),
        PolicyStep::Rollback { to, .. } => (
            Method::POST,
            format!("{policies}/rollback"),
            Body::Json(json!({"to": to})),
        ),
    };
    connection.send(method, &path, body).await
}

/// Settings given inline as JSON, or as `@FILE` holding JSON.
pub(super) fn parse_settings(text: &str) -> Result<Value, String> {
    json_argument("--settings", text)
}

/// The JSON value of argument `flag`, given inline or as `@FILE` holding JSON.
pub(super) fn json_argument(flag: &str, text: &str) -> Result<Value, String> {
    let (source, json) = match text.strip_prefix('@') {
        Some(path) => (
            path.to_string(),
            std::fs::read_to_string(Path::new(path))
                .map_err(|e| format!("{path}: cannot read: {e}"))?,
        ),
        None => (flag.to_string(), text.to_string()),
    };
    serde_json::from_str(&json).map_err(|e| format!("{source}: not JSON: {e}"))
}

pub(super) enum Body {
    Empty,
    Json(Value),
    Wasm(Vec<u8>),
}

pub(super) struct Connection {
    client: Client,
    base: String,
    token: Option<String>,
}

impl Connection {
    pub(super) fn new(args: &ServerArgs) -> Connection {
        let base = args
            .server
            .clone()
            .or_else(|| std::env::var("ISAC_SERVER").ok())
            .unwrap_or_else(|| "http://127.0.0.1:8080".into());
        Connection {
            client: Client::new(),
            base: base.trim_end_matches('/').to_string(),
            token: args
                .token
                .clone()
                .or_else(|| std::env::var("ISAC_TOKEN").ok()),
        }
    }

    pub(super) async fn send(
        &self,
        method: Method,
        path: &str,
        body: Body,
    ) -> Result<Value, StepError> {
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
