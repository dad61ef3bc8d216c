//! Starting the HTTP server on a database.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::api::{self, AppState};
use crate::checkpointing::Checkpoints;
use crate::pipeline::Pipeline;
use crate::registry;
use crate::runtime::{PolicyRuntime, RuntimeLimits};
use crate::store::{self, AuditKey};

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error(transparent)]
    Runtime(#[from] crate::runtime::RuntimeSetupError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("server stopped: {0}")]
    Serve(std::io::Error),
    #[error(transparent)]
    AuditKey(#[from] store::AuditKeyError),
    #[error("cannot prepare the demo: {0}")]
    Demo(String),
}

/// Opens the database (applying migrations) and builds the shared state.
pub async fn state(database_url: &str, limits: RuntimeLimits) -> Result<AppState, ServerError> {
    let db = store::open(database_url).await?;
    Ok(app_state(
        db,
        PolicyRuntime::new(limits)?,
        AuditKey::generate(),
    ))
}

/// The state for a data directory and the database at `database_url` (the
/// directory's SQLite file, or a PostgreSQL database shared with other nodes):
/// compiled plugins cached in `DIR/cache`, and every stored policy version loaded
/// before the first request. Audit checkpoints are signed with the key in
/// `DIR/audit-key` (created at first start).
pub async fn state_in(
    data: &Path,
    database_url: &str,
    limits: RuntimeLimits,
) -> Result<AppState, ServerError> {
    let key = data.join(store::AUDIT_KEY_FILE);
    state_signing_with(data, database_url, limits, &key).await
}

/// [`state_in`], with the audit key in the file `audit_key` (created if missing).
pub async fn state_signing_with(
    data: &Path,
    database_url: &str,
    limits: RuntimeLimits,
    audit_key: &Path,
) -> Result<AppState, ServerError> {
    let key = AuditKey::load_or_create(audit_key)?;
    let db = store::open(database_url).await?;
    let runtime = PolicyRuntime::new(limits)?.with_compiled_cache(data.join("cache"));
    let state = app_state(db, runtime, key);
    let loaded = registry::load_all(&state.pipeline)
        .await
        .map_err(store::StoreError::from)?;
    tracing::info!(loaded, "policy versions loaded");
    Ok(state)
}

fn app_state(db: store::AnyPool, runtime: PolicyRuntime, key: AuditKey) -> AppState {
    // The recorder must be in place before the first report is counted.
    crate::telemetry::handle();
    AppState {
        db: db.clone(),
        pipeline: Pipeline::new(db, Arc::new(runtime)),
        principals: Arc::default(),
        application_limit: api::RateLimit::default(),
        public_url: None,
        checkpoints: Checkpoints::new(key),
        clock: Default::default(),
    }
}

pub async fn bind(addr: SocketAddr) -> Result<TcpListener, ServerError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| ServerError::Listen { addr, source })
}

/// Serves until Ctrl-C (or SIGTERM): requests in flight finish first, and open
/// inbox streams end (a client reconnects elsewhere with `Last-Event-ID`).
pub async fn serve(listener: TcpListener, state: AppState) -> Result<(), ServerError> {
    let pipeline = state.pipeline.clone();
    tokio::spawn(state.checkpoints.clone().run(state.db.clone()));
    // The peer address keys the applications' rate limit.
    let app = api::router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let interrupt = tokio::signal::ctrl_c();
            #[cfg(unix)]
            let terminate = async {
                if let Ok(mut signal) =
                    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                {
                    signal.recv().await;
                }
            };
            #[cfg(not(unix))]
            let terminate = std::future::pending::<()>();
            tokio::select! { _ = interrupt => {}, _ = terminate => {} }
            tracing::info!("shutting down: finishing the requests in flight");
            pipeline.stop_streams();
        })
        .await
        .map_err(ServerError::Serve)
}
