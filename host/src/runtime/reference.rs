//! The reference plugins built into this binary (`baseline`, `financials`,
//! `give-and-take`): built from the frozen WIT by this workspace and tested
//! with it, so loading one skips the contract types check, which decodes the
//! whole component (0.07 to 0.1 s each, paid at every server start).

use std::collections::HashSet;
use std::sync::OnceLock;

use super::Digest;

/// Whether `digest` is one of the built-in reference plugins. Hashing them
/// once costs about a millisecond; the edited-contract and misbehaving test
/// plugins are not among them.
pub fn is_reference(digest: Digest) -> bool {
    static DIGESTS: OnceLock<HashSet<Digest>> = OnceLock::new();
    DIGESTS
        .get_or_init(|| {
            isac_plugin_artifacts::REFERENCE_PLUGINS
                .iter()
                .map(|(_, bytes)| Digest::of(bytes))
                .collect()
        })
        .contains(&digest)
}

#[cfg(test)]
mod tests {
    use super::is_reference;
    use crate::runtime::{Digest, PolicyRuntime, RuntimeLimits};

    #[test]
    fn only_the_reference_plugins_are_built_in() {
        for (name, bytes) in isac_plugin_artifacts::REFERENCE_PLUGINS {
            assert!(is_reference(Digest::of(bytes)), "{name}");
        }
        let edited = std::fs::read(isac_plugin_artifacts::EDITED_CONTRACT).expect("built");
        assert!(!is_reference(Digest::of(&edited)));
    }

    /// The check is skipped only for what was checked or built here: a plugin
    /// built against an edited contract is refused on every load, with a
    /// compiled cache too, and never enters the cache.
    #[test]
    fn an_edited_contract_is_refused_with_a_compiled_cache_and_never_cached() {
        let dir = tempfile::tempdir().expect("temp dir");
        let runtime = PolicyRuntime::new(RuntimeLimits::default())
            .expect("runtime")
            .with_compiled_cache(dir.path().into());
        let edited = std::fs::read(isac_plugin_artifacts::EDITED_CONTRACT).expect("built");
        for _ in 0..2 {
            let error = runtime.load(&edited).err().expect("refused");
            assert!(
                error
                    .fault
                    .to_string()
                    .contains("#fingerprints differs from the contract isac:policy@0.2.0"),
                "{}",
                error.fault
            );
        }
        assert_eq!(
            std::fs::read_dir(dir.path()).map(Iterator::count).ok(),
            Some(0)
        );
    }
}
