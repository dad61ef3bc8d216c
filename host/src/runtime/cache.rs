//! Compiled plugins on disk: wasmtime's serialized components, keyed by the
//! plugin's sha256 and the engine's compatibility hash (wasmtime version and
//! configuration), so a restart deserializes instead of compiling again.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use wasmtime::Engine;
use wasmtime::component::Component;

use super::Digest;

pub struct CompiledCache {
    dir: PathBuf,
    engine_key: String,
}

impl CompiledCache {
    pub fn new(dir: PathBuf, engine: &Engine) -> CompiledCache {
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        // Entries are trusted to have passed the contract types check: those
        // written by a host that did not check on every compile (before this
        // marker) get another name, so they are compiled and checked again.
        "contract-checked".hash(&mut hasher);
        CompiledCache {
            dir,
            engine_key: format!("{:016x}", hasher.finish()),
        }
    }

    /// The compiled component stored for `digest`, when present and loadable.
    /// Only a component that passed [`super::contract::check_types`] is ever
    /// stored (see [`super::PolicyRuntime::load`]), so a hit needs no check.
    pub fn cached(&self, engine: &Engine, digest: Digest) -> Option<Component> {
        let path = self.path(digest);
        if !path.exists() {
            return None;
        }
        // SAFETY: only this host writes the cache folder of its data directory,
        // with `Component::serialize` output of an engine with the same
        // compatibility hash (part of the file name); wasmtime checks the header.
        match unsafe { Component::deserialize_file(engine, &path) } {
            Ok(component) => Some(component),
            Err(error) => {
                tracing::warn!(path = %path.display(), error = %format!("{error:#}"), "ignoring a compiled plugin in the cache");
                None
            }
        }
    }

    /// Compiles the component and stores it for the next start. A cache that
    /// cannot be written costs only the compile.
    pub fn compile(
        &self,
        engine: &Engine,
        digest: Digest,
        bytes: &[u8],
    ) -> wasmtime::Result<Component> {
        let path = self.path(digest);
        let component = Component::new(engine, bytes)?;
        if let Err(error) = self.store(&path, &component) {
            tracing::warn!(path = %path.display(), %error, "cannot cache a compiled plugin");
        }
        Ok(component)
    }

    fn path(&self, digest: Digest) -> PathBuf {
        self.dir
            .join(format!("{}-{}.cwasm", digest.hex(), self.engine_key))
    }

    /// Writes through a temporary file and a rename, so a crash leaves no half
    /// file; the temporary file is this write's own, so threads and processes
    /// sharing the folder (test runs) never write into one another's.
    fn store(&self, path: &std::path::Path, component: &Component) -> std::io::Result<()> {
        static WRITES: AtomicU64 = AtomicU64::new(0);
        let serialized = component
            .serialize()
            .map_err(|e| std::io::Error::other(format!("{e:#}")))?;
        std::fs::create_dir_all(&self.dir)?;
        let write = WRITES.fetch_add(1, Ordering::Relaxed);
        let partial = path.with_extension(format!("partial-{}-{write}", std::process::id()));
        std::fs::write(&partial, serialized)?;
        std::fs::rename(&partial, path)
    }
}
