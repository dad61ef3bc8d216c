//! The bounded log of one evaluation: lines from the plugin's `log` import, and
//! what it wrote to stdout and stderr, all under one budget.
//!
//! Everything is charged as it arrives, before it is kept, at about what it will
//! add to the stored decision (its JSON size, plus [`LINE_BYTES`] per line), so a
//! flood of empty lines costs as much as a flood of text: neither host memory nor
//! the decision row grows past the budget. Past the budget, or past
//! [`MAX_LINES`], what comes is dropped and counted; the evaluation goes on.

use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;

use super::captured::{CapturedOutput, Stream};

/// What one line adds to the stored log besides its text:
/// `{"level":"debug","message":""},` is 31 bytes.
pub const LINE_BYTES: usize = 32;

/// Lines kept per evaluation, however short.
pub const MAX_LINES: usize = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    pub level: LogLevel,
    pub message: String,
}

/// What a plugin said during one evaluation, bounded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EvaluationLog {
    pub lines: Vec<LogLine>,
    /// Lines dropped once the budget or the line cap was reached.
    pub dropped_lines: usize,
    pub stdout: String,
    pub stderr: String,
}

/// Bytes `text` takes once stored: NUL is written out as `\0` (see
/// [`escape_nul`](super::output::escape_nul)), then JSON escapes quotes,
/// backslashes and control characters.
pub(crate) fn stored_len(text: &[u8]) -> usize {
    text.iter()
        .map(|&byte| match byte {
            0 => 3,
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 2,
            0x01..=0x1f => 6,
            _ => 1,
        })
        .sum()
}

/// Captured stdout or stderr: the bytes kept, and how many were dropped.
#[derive(Debug, Default)]
struct Captured {
    kept: Vec<u8>,
    dropped: usize,
}

impl Captured {
    /// What was kept, as text, with a note of how much was dropped. Invalid UTF-8
    /// becomes U+FFFD, which is longer than the byte it replaces: the text is cut
    /// back to the bytes charged for it.
    fn text(&self) -> String {
        let mut text = String::from_utf8_lossy(&self.kept).into_owned();
        if text.len() > self.kept.len() {
            text.truncate(text.floor_char_boundary(self.kept.len()));
        }
        let mut text = super::output::escape_nul(text);
        if self.dropped > 0 {
            text.push_str(&format!("\n[{} more bytes dropped]", self.dropped));
        }
        text
    }
}

/// The evaluation's log while the plugin runs.
#[derive(Debug)]
pub(crate) struct Budgeted {
    left: usize,
    lines: Vec<LogLine>,
    dropped_lines: usize,
    stdout: Captured,
    stderr: Captured,
}

impl Budgeted {
    fn push(&mut self, level: LogLevel, message: String) {
        let cost = LINE_BYTES + stored_len(message.as_bytes());
        if self.lines.len() >= MAX_LINES || cost > self.left {
            self.dropped_lines += 1;
            return;
        }
        self.left -= cost;
        self.lines.push(LogLine {
            level,
            message: super::output::escape_nul(message),
        });
    }

    /// Keeps the longest prefix of `bytes` the budget pays for.
    pub(crate) fn capture(&mut self, stream: Stream, bytes: &[u8]) {
        let mut kept = 0;
        for &byte in bytes {
            let cost = stored_len(&[byte]);
            if cost > self.left {
                break;
            }
            self.left -= cost;
            kept += 1;
        }
        let captured = match stream {
            Stream::Stdout => &mut self.stdout,
            Stream::Stderr => &mut self.stderr,
        };
        captured.kept.extend_from_slice(&bytes[..kept]);
        captured.dropped += bytes.len() - kept;
    }
}

/// Collects one evaluation's log; its stdout and stderr streams share the budget.
#[derive(Debug)]
pub(crate) struct LogCollector {
    state: Arc<Mutex<Budgeted>>,
}

impl LogCollector {
    pub(crate) fn new(budget: usize) -> Self {
        LogCollector {
            state: Arc::new(Mutex::new(Budgeted {
                left: budget,
                lines: Vec::new(),
                dropped_lines: 0,
                stdout: Captured::default(),
                stderr: Captured::default(),
            })),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, Budgeted> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn stream(&self, stream: Stream) -> CapturedOutput {
        CapturedOutput::new(self.state.clone(), stream)
    }

    pub(crate) fn push(&self, level: LogLevel, message: String) {
        self.state().push(level, message);
    }

    /// What the plugin wrote to stderr so far (where a Rust panic's message is).
    pub(crate) fn stderr(&self) -> String {
        self.state().stderr.text()
    }

    pub(crate) fn finish(&self) -> EvaluationLog {
        let state = self.state();
        EvaluationLog {
            lines: state.lines.clone(),
            dropped_lines: state.dropped_lines,
            stdout: state.stdout.text(),
            stderr: state.stderr.text(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_costs_and_lines_are_capped() {
        let log = LogCollector::new(2 * LINE_BYTES + 10);
        log.push(LogLevel::Info, "12345".into());
        log.push(LogLevel::Warn, "1234567".into());
        log.push(LogLevel::Error, String::new());
        log.push(LogLevel::Error, String::new());
        let finished = log.finish();
        assert_eq!(
            finished.lines.iter().map(|l| l.level).collect::<Vec<_>>(),
            vec![LogLevel::Info, LogLevel::Error]
        );
        assert_eq!(finished.dropped_lines, 2);

        let log = LogCollector::new(usize::MAX);
        for _ in 0..MAX_LINES + 5 {
            log.push(LogLevel::Debug, String::new());
        }
        assert_eq!(log.finish().lines.len(), MAX_LINES);
        assert_eq!(log.finish().dropped_lines, 5);
    }

    #[test]
    fn stdout_stderr_and_lines_share_one_budget() {
        let log = LogCollector::new(LINE_BYTES + 6);
        log.push(LogLevel::Info, "ab".into());
        let mut state = log.state();
        state.capture(Stream::Stdout, b"cd\"ef");
        state.capture(Stream::Stderr, b"g");
        drop(state);
        let finished = log.finish();
        assert_eq!(finished.stdout, "cd\"\n[2 more bytes dropped]");
        assert_eq!(finished.stderr, "\n[1 more bytes dropped]");
    }

    #[test]
    fn invalid_utf8_and_control_bytes_stay_within_what_was_charged() {
        let log = LogCollector::new(4);
        log.state().capture(Stream::Stdout, &[0xff, 0xfe, 0x01]);
        let finished = log.finish();
        assert_eq!(finished.stdout, "\n[1 more bytes dropped]");
    }
}
