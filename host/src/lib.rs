//! isac-host: a WebAssembly plugin host for cyber-threat information-sharing
//! policies. See `docs/architecture.md` for how the pieces fit.

pub mod api;
pub mod checkpointing;
pub mod cli;
pub mod clock;
pub mod cluster;
pub mod console;
pub mod council;
pub mod demo;
pub mod fixture;
pub mod intake;
pub mod model;
pub mod pipeline;
pub mod plugin_text;
pub mod registry;
pub mod runtime;
pub mod server;
pub mod stix;
pub mod store;
pub mod telemetry;
pub mod text;
pub mod view;
