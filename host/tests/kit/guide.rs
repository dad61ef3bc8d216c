//! The shell blocks of `docs/writing-plugins.md` and the marker above each:
//! `<!-- tested: NAME -->` (run by this test, as written), `<!-- as in: FILE -->`
//! (the command of a script that a tested block runs, checked to be in it as
//! written) or `<!-- not run: WHY -->` (not a command to run).

use super::workspace;

/// The languages of a fenced block that hold commands (no language: maybe).
const SHELL: &[&str] = &["", "sh", "bash", "shell", "console", "zsh"];

/// A fenced shell block of the guide.
pub struct Block {
    /// The 1-based line of its opening fence.
    pub line: usize,
    /// The marker on the last non-blank line before it, if that line is one.
    pub marker: Option<Marker>,
    pub script: String,
}

pub enum Marker {
    Tested(String),
    AsIn(String),
    NotRun(String),
}

pub fn text() -> String {
    std::fs::read_to_string(workspace().join("docs/writing-plugins.md")).expect("the guide exists")
}

fn marker(line: &str) -> Option<Marker> {
    let inner = line.trim().strip_prefix("<!-- ")?.strip_suffix(" -->")?;
    let (kind, value) = inner.split_once(": ")?;
    let value = value.trim().to_string();
    match kind {
        "tested" => Some(Marker::Tested(value)),
        "as in" => Some(Marker::AsIn(value)),
        "not run" => Some(Marker::NotRun(value)),
        _ => None,
    }
}

/// Every fenced block in a shell language (or none), in order.
pub fn shell_blocks(guide: &str) -> Vec<Block> {
    let lines: Vec<&str> = guide.lines().collect();
    let mut blocks = Vec::new();
    let mut at = 0;
    while at < lines.len() {
        let Some(language) = lines[at].strip_prefix("```") else {
            at += 1;
            continue;
        };
        let end = (at + 1..lines.len())
            .find(|&i| lines[i].starts_with("```"))
            .expect("every fenced block ends");
        if SHELL.contains(&language.trim()) {
            let before = lines[..at].iter().rev().find(|l| !l.trim().is_empty());
            blocks.push(Block {
                line: at + 1,
                marker: before.and_then(|line| marker(line)),
                script: lines[at + 1..end]
                    .iter()
                    .map(|l| format!("{l}\n"))
                    .collect(),
            });
        }
        at = end + 1;
    }
    blocks
}

/// The commands of a script as single lines: continuations joined, blanks
/// and comment lines left out, white space folded.
pub fn commands(script: &str) -> Vec<String> {
    script
        .replace("\\\n", " ")
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
}
