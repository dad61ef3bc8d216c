use std::path::Path;
use std::process::ExitCode;

use super::{EXIT_UNUSABLE, read_plugin};
use crate::runtime::{Digest, contract};

/// Prints what a plugin is without running it.
pub fn run(file: &Path) -> ExitCode {
    let bytes = match read_plugin(file) {
        Ok(bytes) => bytes,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(EXIT_UNUSABLE);
        }
    };
    let info = match contract::inspect(&bytes) {
        Ok(info) => info,
        Err(fault) => {
            eprintln!("error: {}: {fault}", file.display());
            return ExitCode::from(EXIT_UNUSABLE);
        }
    };
    println!("file:     {}", file.display());
    println!("contract: {}@{}", info.package, info.version);
    println!("size:     {} bytes", bytes.len());
    println!("sha256:   {}", Digest::of(&bytes).hex());
    println!("exports:");
    for export in &info.exports {
        println!("  {export}");
    }
    println!("imports:");
    for import in &info.imports {
        println!("  {import}");
    }
    ExitCode::SUCCESS
}
