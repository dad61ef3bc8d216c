//! Reads a component's imports and exports without compiling it, and decides
//! whether it implements a contract version this host supports.

use semver::Version;
use wasmtime::wasmparser::{BinaryReaderError, Encoding, Parser, Payload};

use super::{Fault, contract_types};

/// The interface every policy plugin exports; its version is the contract version.
pub const POLICY_INTERFACE: &str = "isac:policy/policy";

/// Contract versions this host can run, as `(major, minor)`: any patch of them.
/// A later minor of a 0.x contract is a different contract under semver.
pub const SUPPORTED: &[(u64, u64)] = &[(0, 1), (0, 2)];

/// What `isac-host plugin inspect` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentInfo {
    /// `isac:policy` and the version the component implements.
    pub package: String,
    pub version: Version,
    pub imports: Vec<String>,
    pub exports: Vec<String>,
}

/// The supported versions, for messages: `isac:policy@0.1.x`.
pub fn supported_list() -> String {
    SUPPORTED
        .iter()
        .map(|(major, minor)| format!("isac:policy@{major}.{minor}.x"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads the component's top-level imports and exports and checks its contract:
/// a supported version, with the types of the host's frozen copy of it.
pub fn inspect(bytes: &[u8]) -> Result<ComponentInfo, Fault> {
    let info = read(bytes)?;
    check_types(bytes, &info)?;
    Ok(info)
}

/// Checks that the component's contract interfaces have the types of the host's
/// frozen copy of its version. It decodes the whole component's types (0.07 to
/// 0.1 s each), so [`super::PolicyRuntime::load`] runs it only for bytes not
/// checked before: not for the built-in plugins nor a compiled-cache hit.
pub fn check_types(bytes: &[u8], info: &ComponentInfo) -> Result<(), Fault> {
    contract_types::check(bytes, &info.version)
        .map_err(|mismatch| Fault::UnsupportedContract(mismatch.to_string()))
}

/// Reads the component's top-level imports and exports and the contract
/// version it implements, refusing an unsupported one; its types are
/// [`check_types`]' business.
pub fn read(bytes: &[u8]) -> Result<ComponentInfo, Fault> {
    let (imports, exports) = top_level_names(bytes)?;
    let policy = exports
        .iter()
        .find_map(|name| name.strip_prefix(POLICY_INTERFACE).map(|rest| (name, rest)))
        .ok_or_else(|| {
            Fault::UnsupportedContract(format!(
                "exports no {POLICY_INTERFACE} interface (it exports: {}); this host supports {}",
                if exports.is_empty() {
                    "nothing".to_string()
                } else {
                    exports.join(", ")
                },
                supported_list()
            ))
        })?;
    let (name, rest) = policy;
    let version = rest
        .strip_prefix('@')
        .and_then(|v| Version::parse(v).ok())
        .ok_or_else(|| {
            Fault::UnsupportedContract(format!("exports {name} without a valid version"))
        })?;
    if !SUPPORTED
        .iter()
        .any(|&(major, minor)| version.major == major && version.minor == minor)
    {
        return Err(Fault::UnsupportedContract(format!(
            "implements isac:policy@{version}; this host supports {}",
            supported_list()
        )));
    }
    Ok(ComponentInfo {
        package: "isac:policy".into(),
        version,
        imports,
        exports,
    })
}

/// A file that parses no further, in one line: the parser's message with its
/// offset (its own text can span lines with the bytes it expected).
fn unreadable(error: BinaryReaderError) -> Fault {
    let message = error
        .message()
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    Fault::NotWasm(format!("{message} (at byte {})", error.offset()))
}

/// Names imported and exported by the outermost component (not nested ones).
fn top_level_names(bytes: &[u8]) -> Result<(Vec<String>, Vec<String>), Fault> {
    if !bytes.starts_with(b"\0asm") {
        return Err(Fault::NotWasm(
            "it does not begin with the bytes `\\0asm` every WebAssembly file begins with".into(),
        ));
    }
    let mut imports = Vec::new();
    let mut exports = Vec::new();
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(unreadable)?;
        match payload {
            Payload::Version { encoding, .. } => {
                if depth == 0 && encoding == Encoding::Module {
                    return Err(Fault::CoreModule);
                }
                depth += 1;
            }
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(section) if depth == 1 => {
                for import in section {
                    let import = import.map_err(unreadable)?;
                    imports.push(import.name.name.to_string());
                }
            }
            Payload::ComponentExportSection(section) if depth == 1 => {
                for export in section {
                    let export = export.map_err(unreadable)?;
                    exports.push(export.name.name.to_string());
                }
            }
            _ => {}
        }
    }
    Ok((imports, exports))
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::SUPPORTED;

    /// A published contract never changes: plugins built against it must keep
    /// loading and deciding as they did. A change is a new version folder.
    #[test]
    fn contract_0_1_is_frozen() {
        let wit = include_bytes!("../../../wit/v0.1/policy.wit");
        assert_eq!(
            hex::encode(Sha256::digest(wit)),
            "524e28dfb758a03fd4081d00f6a42648142dfe05e517b9bc324ac6ee8059a447",
            "wit/v0.1/policy.wit changed: put a new contract in a folder of its own"
        );
    }

    #[test]
    fn contract_0_2_is_frozen() {
        let wit = include_bytes!("../../../wit/v0.2/policy.wit");
        assert_eq!(
            hex::encode(Sha256::digest(wit)),
            "025bae01a1b55968b03b75d414e787e3cc9e00e4a84eff14ef527757d506c84f",
            "wit/v0.2/policy.wit changed: put a new contract in a folder of its own"
        );
    }

    /// Each SDK packs the contract it implements (so it can be installed from
    /// its package alone): those copies are the frozen 0.2, byte for byte.
    #[test]
    fn the_sdks_pack_the_frozen_contract_0_2() {
        let frozen: &[u8] = include_bytes!("../../../wit/v0.2/policy.wit");
        let copies: [(&str, &[u8]); 3] = [
            (
                "plugins/sdk",
                include_bytes!("../../../plugins/sdk/wit/policy.wit"),
            ),
            (
                "plugins/sdk-py",
                include_bytes!("../../../plugins/sdk-py/isac_policy_sdk/wit/policy.wit"),
            ),
            (
                "plugins/sdk-js",
                include_bytes!("../../../plugins/sdk-js/wit/policy.wit"),
            ),
        ];
        for (sdk, copy) in copies {
            assert!(
                copy == frozen,
                "{sdk}'s wit/policy.wit differs from wit/v0.2/policy.wit"
            );
        }
    }

    #[test]
    fn every_supported_version_has_its_frozen_folder() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit");
        for (major, minor) in SUPPORTED {
            let path = root.join(format!("v{major}.{minor}/policy.wit"));
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let package = format!("package isac:policy@{major}.{minor}.");
            assert!(
                text.contains(&package),
                "{} declares {package}",
                path.display()
            );
        }
    }
}
