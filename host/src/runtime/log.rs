//! The bounded log of one evaluation: lines from the plugin's `log` import, and
//! what it wrote to stdout and stderr.

use serde::Serialize;

use super::captured::CapturedOutput;

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
    /// Lines dropped once the bound was reached.
    pub dropped_lines: usize,
    pub stdout: String,
    pub stderr: String,
}

/// Collects `log` lines up to a byte budget while the plugin runs.
#[derive(Debug)]
pub(crate) struct LogCollector {
    log: EvaluationLog,
    budget: usize,
    pub(crate) stdout: CapturedOutput,
    pub(crate) stderr: CapturedOutput,
}

impl LogCollector {
    pub(crate) fn new(budget: usize) -> Self {
        LogCollector {
            log: EvaluationLog::default(),
            budget,
            stdout: CapturedOutput::new(budget),
            stderr: CapturedOutput::new(budget),
        }
    }

    pub(crate) fn push(&mut self, level: LogLevel, message: String) {
        if message.len() > self.budget {
            self.log.dropped_lines += 1;
            return;
        }
        self.budget -= message.len();
        self.log.lines.push(LogLine {
            level,
            message: super::output::escape_nul(message),
        });
    }

    pub(crate) fn finish(&self) -> EvaluationLog {
        EvaluationLog {
            stdout: self.stdout.text(),
            stderr: self.stderr.text(),
            ..self.log.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_lines_past_the_budget() {
        let mut log = LogCollector::new(10);
        log.push(LogLevel::Info, "12345".into());
        log.push(LogLevel::Warn, "1234567".into());
        log.push(LogLevel::Error, "12345".into());
        let log = log.finish();
        assert_eq!(
            log.lines.iter().map(|l| l.level).collect::<Vec<_>>(),
            vec![LogLevel::Info, LogLevel::Error]
        );
        assert_eq!(log.dropped_lines, 1);
    }
}
