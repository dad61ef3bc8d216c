//! `isac-host assembly …` and `isac-host request …`: the general assembly and
//! requests for information, sent to a running server over HTTP like the
//! `plugin` registry steps (same `--server` and `--token`, same exit codes).

use clap::Subcommand;
use reqwest::Method;
use serde_json::{Value, json};

use super::policy::{Body, Connection, ServerArgs, StepError, exchange, json_argument};

#[derive(Debug, Subcommand)]
pub enum AssemblyCommand {
    /// Set the community's quorum and majority (secretariat).
    Rules {
        #[arg(long)]
        community: String,
        /// Share of member organisations (%) that must vote on an item.
        #[arg(long)]
        quorum: i64,
        /// An item passes with more yes than this share (%) of yes and no.
        #[arg(long)]
        majority: i64,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Convene a session (secretariat): the body of `POST
    /// /communities/{id}/assemblies` (title, opens_at, closes_at, items).
    Convene {
        #[arg(long)]
        community: String,
        /// The session as JSON, or @FILE.
        #[arg(long)]
        session: String,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// List the community's sessions, or show one.
    Show {
        #[arg(long)]
        community: String,
        /// The session; all of them when left out.
        session: Option<String>,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Vote yes, no or abstain on an item (a member's token; again to change it).
    Vote {
        #[arg(long)]
        community: String,
        session: String,
        item: String,
        #[arg(value_parser = ["yes", "no", "abstain"])]
        choice: String,
        #[command(flatten)]
        server: ServerArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum RequestCommand {
    /// Send a request for information (steering committee, operator,
    /// secretariat): the body of `POST /communities/{id}/requests`.
    Send {
        #[arg(long)]
        community: String,
        /// The request as JSON, or @FILE.
        #[arg(long)]
        request: String,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// The community's requests with every recipient's response, and counts
    /// per fiscal year.
    List {
        #[arg(long)]
        community: String,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Remind the recipients who have not responded.
    Remind {
        #[arg(long)]
        community: String,
        request: String,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// The requests sent to you (a member's token).
    Inbox {
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Answer a request with a report (JSON, or @FILE, as submitted to the community).
    Answer {
        request: String,
        #[arg(long)]
        report: String,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Decline a request, with a reason for the requesting officers.
    Decline {
        request: String,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        server: ServerArgs,
    },
}

/// One call: method, path under `/api/v1`, JSON body.
type Call = (Method, String, Option<Value>);

pub fn assembly(command: AssemblyCommand) -> std::process::ExitCode {
    let (server, call) = match command {
        AssemblyCommand::Rules {
            community,
            quorum,
            majority,
            server,
        } => {
            let rules = json!({"quorum_percent": quorum, "majority_percent": majority});
            let path = format!("/communities/{community}/assembly/rules");
            (server, Ok((Method::PUT, path, Some(rules))))
        }
        AssemblyCommand::Convene {
            community,
            session,
            server,
        } => {
            let path = format!("/communities/{community}/assemblies");
            let body = json_argument("--session", &session);
            (server, body.map(|body| (Method::POST, path, Some(body))))
        }
        AssemblyCommand::Show {
            community,
            session,
            server,
        } => {
            let path = match session {
                Some(session) => format!("/communities/{community}/assemblies/{session}"),
                None => format!("/communities/{community}/assemblies"),
            };
            (server, Ok((Method::GET, path, None)))
        }
        AssemblyCommand::Vote {
            community,
            session,
            item,
            choice,
            server,
        } => {
            let path = format!("/communities/{community}/assemblies/{session}/items/{item}/vote");
            (
                server,
                Ok((Method::PUT, path, Some(json!({"choice": choice})))),
            )
        }
    };
    send(&server, call)
}

pub fn request(command: RequestCommand) -> std::process::ExitCode {
    let (server, call) = match command {
        RequestCommand::Send {
            community,
            request,
            server,
        } => {
            let path = format!("/communities/{community}/requests");
            let body = json_argument("--request", &request);
            (server, body.map(|body| (Method::POST, path, Some(body))))
        }
        RequestCommand::List { community, server } => {
            let path = format!("/communities/{community}/requests");
            (server, Ok((Method::GET, path, None)))
        }
        RequestCommand::Remind {
            community,
            request,
            server,
        } => {
            let path = format!("/communities/{community}/requests/{request}/remind");
            (server, Ok((Method::POST, path, None)))
        }
        RequestCommand::Inbox { server } => (server, Ok((Method::GET, "/requests".into(), None))),
        RequestCommand::Answer {
            request,
            report,
            server,
        } => {
            let path = format!("/requests/{request}/answer");
            let body = json_argument("--report", &report);
            (server, body.map(|body| (Method::POST, path, Some(body))))
        }
        RequestCommand::Decline {
            request,
            reason,
            server,
        } => {
            let path = format!("/requests/{request}/decline");
            (
                server,
                Ok((Method::POST, path, Some(json!({"reason": reason})))),
            )
        }
    };
    send(&server, call)
}

fn send(server: &ServerArgs, call: Result<Call, String>) -> std::process::ExitCode {
    let connection = Connection::new(server);
    exchange(async move {
        let (method, path, body) = call.map_err(StepError::Unusable)?;
        let body = body.map_or(Body::Empty, Body::Json);
        connection.send(method, &path, body).await
    })
}
