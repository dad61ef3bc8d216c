//! `isac-host plugin new NAME --lang rust|python|js [--from REFERENCE]`: writes
//! a ready policy project outside this repository, that builds against the
//! packaged SDK of its language and passes its fixtures with no edits.

mod sources;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::EXIT_UNUSABLE;
pub use sources::{Lang, Reference};

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The project's name: lower-case letters, digits and hyphens (`electricity-policy`).
    name: String,
    #[arg(long, value_enum)]
    lang: Lang,
    /// The reference policy to start from (Python and JavaScript: baseline).
    #[arg(long, value_enum, default_value = "baseline")]
    from: Reference,
    /// Where to write it [default: ./NAME]; must not exist or be empty.
    #[arg(long)]
    dir: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
enum ScaffoldError {
    #[error(
        "`{0}` is not a project name: use lower-case letters, digits and hyphens, starting with a letter"
    )]
    Name(String),
    #[error(transparent)]
    NotInLanguage(#[from] sources::NotInLanguage),
    #[error("{}: already exists and is not empty", .0.display())]
    NotEmpty(PathBuf),
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

pub fn run(args: &NewArgs) -> ExitCode {
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(&args.name));
    match write_project(args, &dir) {
        Ok(readme) => {
            println!(
                "wrote {} ({:?}, from {})",
                dir.display(),
                args.lang,
                args.from.name()
            );
            println!("next: cd {} and follow README.md:\n", dir.display());
            print!("{readme}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(EXIT_UNUSABLE)
        }
    }
}

fn valid_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
}

/// Writes every file and returns the README's text.
fn write_project(args: &NewArgs, dir: &Path) -> Result<String, ScaffoldError> {
    if !valid_name(&args.name) {
        return Err(ScaffoldError::Name(args.name.clone()));
    }
    let sources = sources::sources(args.lang, args.from, &args.name)?;
    if std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(ScaffoldError::NotEmpty(dir.into()));
    }
    let readme = include_str!("templates/README.md.in")
        .replace("{name}", &args.name)
        .replace("{language}", sources.language)
        .replace("{from}", args.from.name())
        .replace("{sdk}", sources.sdk)
        .replace("{setup}", sources.setup)
        .replace("{build}", sources.build)
        .replace("{wasm}", &sources.wasm);
    let mut files = sources.files;
    files.push(("README.md".into(), readme.clone()));
    for (name, text) in sources.fixtures {
        files.push((format!("fixtures/{name}"), (*text).into()));
    }
    for (relative, text) in files {
        let path = dir.join(relative);
        let write = || -> std::io::Result<()> {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, text)
        };
        write().map_err(|source| ScaffoldError::Write {
            path: path.clone(),
            source,
        })?;
    }
    Ok(readme)
}
