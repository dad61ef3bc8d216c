//! The host's ed25519 key that signs audit checkpoints: a file holding the
//! 32-byte secret in hex, created readable by its owner only (0600) at first
//! start in the data directory, or given by path (`--audit-key`), e.g. one key
//! shared by every node of a PostgreSQL deployment.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;

/// The key's file name in the data directory.
pub const FILE_NAME: &str = "audit-key";

/// Why the key cannot be had.
#[derive(Debug, thiserror::Error)]
pub enum AuditKeyError {
    #[error("{}: cannot read or create the audit key: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not an audit key (64 hex digits)", path.display())]
    Malformed { path: PathBuf },
}

/// The signing key, with the verifying key members check checkpoints with.
#[derive(Clone)]
pub struct AuditKey(SigningKey);

impl std::fmt::Debug for AuditKey {
    // Never print the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditKey({})", self.public_hex())
    }
}

impl AuditKey {
    /// A fresh key held in memory only.
    pub fn generate() -> AuditKey {
        AuditKey(SigningKey::from_bytes(&super::random_bytes::<32>()))
    }

    /// The key in `path`, created there if the file does not exist.
    pub fn load_or_create(path: &Path) -> Result<AuditKey, AuditKeyError> {
        let io = |source| AuditKeyError::Io {
            path: path.to_path_buf(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let secret = hex::decode(text.trim())
                    .ok()
                    .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
                    .ok_or_else(|| AuditKeyError::Malformed {
                        path: path.to_path_buf(),
                    })?;
                Ok(AuditKey(SigningKey::from_bytes(&secret)))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = AuditKey::generate();
                let mut file = owner_only(path).map_err(io)?;
                writeln!(file, "{}", hex::encode(key.0.to_bytes())).map_err(io)?;
                file.sync_all().map_err(io)?;
                Ok(key)
            }
            Err(e) => Err(io(e)),
        }
    }

    pub fn signing(&self) -> &SigningKey {
        &self.0
    }

    /// The public key in hex, as checkpoints carry it.
    pub fn public_hex(&self) -> String {
        hex::encode(self.0.verifying_key().to_bytes())
    }
}

/// A new file only its owner can read or write (`create_new`: never replaces a
/// key another process wrote meanwhile).
fn owner_only(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}
