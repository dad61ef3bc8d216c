//! `plugin test --watch`: run the fixtures again whenever the plugin file or a
//! fixture changes, until interrupted. Polls modification times (twice a
//! second), which needs no platform notifier and costs nothing noticeable.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

const POLL: Duration = Duration::from_millis(500);

/// Each watched file with its modification time and size: any change to the
/// list (a file added, removed, rewritten) means run again.
fn snapshot(file: &Path, dir: &Path) -> Vec<(PathBuf, Option<SystemTime>, u64)> {
    let mut paths = vec![file.to_path_buf()];
    if let Ok(entries) = std::fs::read_dir(dir) {
        paths.extend(entries.filter_map(|e| e.ok().map(|e| e.path())));
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let meta = std::fs::metadata(&path).ok();
            let modified = meta.as_ref().and_then(|m| m.modified().ok());
            let len = meta.map_or(0, |m| m.len());
            (path, modified, len)
        })
        .collect()
}

/// Calls `run` now and after every change to `file` or `dir`; never returns.
pub fn watch(file: &Path, dir: &Path, mut run: impl FnMut()) -> ! {
    let mut seen = snapshot(file, dir);
    run();
    loop {
        println!(
            "watching {} and {} for changes (Ctrl-C to stop)",
            file.display(),
            dir.display()
        );
        loop {
            std::thread::sleep(POLL);
            let now = snapshot(file, dir);
            if now != seen {
                // A build writes the file in several steps: wait until it settles.
                std::thread::sleep(POLL);
                seen = snapshot(file, dir);
                break;
            }
        }
        println!();
        run();
    }
}
