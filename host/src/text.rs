//! The one check of single-line text that members and applicants write (report
//! titles, victims, tags, note titles, organisation names): trimmed, not empty,
//! and free of characters that make text display differently from what it is.
//! Control characters forge lines in logs, e-mails and exports; bidirectional
//! overrides and isolates reorder what a reader sees (Trojan Source,
//! CVE-2021-42574); zero-width characters make two names that look alike differ;
//! line and paragraph separators break a line where no control character is.

/// Why a line of text was refused (the caller names the field).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    #[error("must not be empty")]
    Empty,
    #[error("must not contain control characters")]
    Control,
    #[error(
        "must not contain U+{0:04X}: bidirectional controls, zero-width and line or \
         paragraph separators are refused"
    )]
    Deceptive(u32),
}

/// The text, trimmed, if it is one clean line.
pub fn one_line(text: &str) -> Result<&str, LineError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(LineError::Empty);
    }
    if text.chars().any(char::is_control) {
        return Err(LineError::Control);
    }
    match text.chars().find(|&c| deceptive(c)) {
        Some(c) => Err(LineError::Deceptive(u32::from(c))),
        None => Ok(text),
    }
}

/// Invisible characters that change how the text around them is shown.
pub fn deceptive(c: char) -> bool {
    matches!(c,
        // Bidirectional marks, embeddings, overrides and isolates.
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        // Zero-width space, non-joiner, joiner, word joiner, byte order mark.
        | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}'
        // Line and paragraph separators.
        | '\u{2028}' | '\u{2029}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_that_read_differently_are_refused() {
        #[rustfmt::skip]
        let cases = [
            ("  \t ", LineError::Empty),
            ("a\nb", LineError::Control),
            ("a\u{1b}[0m", LineError::Control),
            ("invoice\u{202E}fdp.exe", LineError::Deceptive(0x202E)),
            ("\u{2066}admin\u{2069}", LineError::Deceptive(0x2066)),
            ("Sakura\u{200B}Bank", LineError::Deceptive(0x200B)),
            ("\u{FEFF}Bank", LineError::Deceptive(0xFEFF)),
            ("one\u{2028}two", LineError::Deceptive(0x2028)),
            ("one\u{2029}two", LineError::Deceptive(0x2029)),
        ];
        for (text, error) in cases {
            assert_eq!(one_line(text), Err(error), "{text:?}");
        }
    }

    #[test]
    fn ordinary_text_in_any_script_passes_trimmed() {
        for text in ["Sakura Bank", "  東京都  ", "بنك", "Ünïcödé – “quotes”"] {
            assert_eq!(one_line(text), Ok(text.trim()));
        }
    }
}
