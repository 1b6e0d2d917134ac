//! A check file's text, read once and shared by every document in it.
//!
//! A file of many `---` documents has one [`SourceText`]: each document's
//! errors quote their line from it, in constant time, so loading stays
//! linear in the file however many documents (or errors) it holds.

use std::sync::Arc;

/// The text of one check file and where each of its lines starts.
#[derive(Debug)]
pub struct SourceText {
    text: String,
    /// Byte offset of the start of each line; `str::lines`' lines.
    line_starts: Vec<usize>,
}

impl SourceText {
    pub fn new(text: String) -> Arc<SourceText> {
        let ends = memchr::memchr_iter(b'\n', text.as_bytes()).map(|at| at + 1);
        let line_starts = std::iter::once(0)
            .chain(ends)
            .filter(|&start| start < text.len())
            .collect();
        Arc::new(SourceText { text, line_starts })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// How many lines the text has (`str::lines` counts the same).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Line `number` (1-based), without its line ending.
    pub fn line(&self, number: usize) -> Option<&str> {
        let start = *self.line_starts.get(number.checked_sub(1)?)?;
        let end = self
            .line_starts
            .get(number)
            .copied()
            .unwrap_or(self.text.len());
        let line = &self.text[start..end];
        let line = line.strip_suffix('\n').unwrap_or(line);
        Some(line.strip_suffix('\r').unwrap_or(line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_those_of_str_lines() {
        for text in ["", "a", "a\n", "a\r\nb", "a\n\nb\n", "\n", "x\r\n\r\n"] {
            let source = SourceText::new(text.to_string());
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(source.line_count(), lines.len(), "{text:?}");
            for (i, line) in lines.iter().enumerate() {
                assert_eq!(source.line(i + 1), Some(*line), "{text:?}");
            }
            assert_eq!(source.line(0), None);
            assert_eq!(source.line(lines.len() + 1), None);
        }
    }
}
