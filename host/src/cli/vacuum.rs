//! `isac-host vacuum`: the SQLite database rewritten with the page size new
//! databases get (`store::vacuum`), with a spinner while it runs, since a large
//! database takes minutes.

use std::process::ExitCode;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use super::data::DataArgs;
use crate::store::vacuum::{PAGE_SIZE, vacuum};

pub fn run(data: &DataArgs) -> ExitCode {
    let file = match data.sqlite_file("vacuum") {
        Ok(file) => file,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(super::EXIT_UNUSABLE);
        }
    };
    let spinner = ProgressBar::new_spinner();
    spinner.set_style(
        ProgressStyle::with_template("{spinner} rewriting {msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    spinner.set_message(file.display().to_string());
    spinner.enable_steady_tick(Duration::from_millis(200));
    let result = super::server::runtime().block_on(vacuum(&file));
    spinner.finish_and_clear();
    match result {
        Ok(done) => {
            println!(
                "{}: {} -> {PAGE_SIZE} byte pages, {} -> {} bytes",
                file.display(),
                done.page_size_before,
                done.bytes_before,
                done.bytes_after
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
