//! `--data` and `--database-url`: where a command finds the host's database.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::store;

/// Where the host keeps its data.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// Data directory (created if missing): the SQLite database, unless
    /// --database-url names another, and the compiled-plugin cache.
    #[arg(long, default_value = "isac-data")]
    data: PathBuf,
    /// A PostgreSQL database (postgres://user@host:port/db) that several host
    /// nodes can share, instead of the SQLite file in --data.
    #[arg(long, env = "ISAC_DATABASE_URL")]
    database_url: Option<String>,
}

impl DataArgs {
    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.data
    }

    /// The database URL, after creating the data directory.
    pub fn database_url(&self) -> Result<String, String> {
        std::fs::create_dir_all(&self.data).map_err(|e| {
            format!(
                "{}: cannot create the data directory: {e}",
                self.data.display()
            )
        })?;
        match &self.database_url {
            Some(url) if store::is_postgres(url) => Ok(url.clone()),
            Some(url) => Err(format!(
                "--database-url {url}: not a PostgreSQL URL (postgres://...); SQLite lives in --data"
            )),
            None => Ok(store::sqlite_url(&self.data)),
        }
    }

    /// The SQLite file, for commands that work on SQLite alone.
    pub fn sqlite_file(&self, command: &str) -> Result<PathBuf, String> {
        match &self.database_url {
            Some(_) => Err(format!(
                "--database-url: `{command}` works on the SQLite file in --data, not on PostgreSQL"
            )),
            None => Ok(self.data.join("isac.db")),
        }
    }

    /// The URL of a database that must exist already (commands that only read).
    pub fn existing_database_url(&self) -> Result<String, String> {
        match &self.database_url {
            Some(_) => self.database_url(),
            None => {
                let file = self.data.join("isac.db");
                if !file.is_file() {
                    return Err(format!("{}: no database here", file.display()));
                }
                Ok(store::sqlite_url(&self.data))
            }
        }
    }
}
