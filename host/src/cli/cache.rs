//! The compiled-plugin cache of the commands an author runs over and over
//! (`plugin test`, `plugin bench`): an 18 MB Python component takes seconds to
//! compile, and deserializing the artefact compiled last time takes
//! milliseconds. The server keeps its own in the data directory.

use std::path::PathBuf;

use clap::Args;

use super::new_runtime;
use crate::runtime::{PolicyRuntime, RuntimeLimits};

#[derive(Debug, Args)]
pub struct CacheArgs {
    /// Where compiled plugins are kept between runs (by sha256 and engine);
    /// default $XDG_CACHE_HOME/isac-host/compiled or ~/.cache/isac-host/compiled.
    #[arg(long, env = "ISAC_CACHE_DIR")]
    cache_dir: Option<PathBuf>,
    /// Compile the plugin afresh and keep nothing.
    #[arg(long)]
    no_cache: bool,
}

impl CacheArgs {
    /// A runtime that reads and writes the cache, unless told not to or no
    /// cache folder can be named.
    pub fn runtime(&self, limits: RuntimeLimits) -> Result<PolicyRuntime, String> {
        let runtime = new_runtime(limits)?;
        Ok(match self.dir() {
            Some(dir) if !self.no_cache => runtime.with_compiled_cache(dir),
            _ => runtime,
        })
    }

    fn dir(&self) -> Option<PathBuf> {
        if let Some(dir) = &self.cache_dir {
            return Some(dir.clone());
        }
        let home = |var: &str| {
            std::env::var_os(var)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let base = home("XDG_CACHE_HOME").or_else(|| home("HOME").map(|h| h.join(".cache")))?;
        Some(base.join("isac-host").join("compiled"))
    }
}
