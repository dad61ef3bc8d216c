use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = isac_host::cli::Cli::parse();
    // A server logs each request (and what went wrong) unless RUST_LOG says
    // otherwise; a command that prints its own answer logs only warnings.
    let default = if cli.serves() { "info" } else { "warn" };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default)),
        )
        .with_writer(std::io::stderr)
        // Colours for a person at a terminal; plain text for a log file.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    if !cli.serves() {
        // A command whose output is piped into `head` should end quietly when
        // the reader goes away, as other Unix tools do, instead of panicking in
        // `println!`. Rust ignores SIGPIPE by default; the server keeps that
        // (its sockets report a closed peer as an error).
        // SAFETY: called before any other thread exists; SIG_DFL is a valid handler.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    isac_host::cli::run(cli)
}
