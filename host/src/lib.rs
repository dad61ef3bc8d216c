//! isac-host: a WebAssembly plugin host for cyber-threat information-sharing
//! policies. See `ARCHITECTURE.md` for how the pieces fit.

pub mod cli;
pub mod fixture;
pub mod model;
pub mod runtime;
