//! Paths of the workspace's policy plugins, built for `wasm32-wasip2` by this crate's
//! build script into `target/plugins/wasm32-wasip2/wasm-plugin/`.
//!
//! `BASELINE`, `FINANCIALS` and `GIVE_AND_TAKE` are the reference policies.
//! `MISBEHAVING` and `FOREIGN_CONTRACT` exist only to test the host's containment
//! and contract checks.

include!(concat!(env!("OUT_DIR"), "/artifacts.rs"));
