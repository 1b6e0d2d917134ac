//! Placing each event where libyaml (serde_yaml's parser) places it, so an
//! error points at the column it always pointed at.
//!
//! yaml-rust2 marks a node at its text; libyaml marks it at its first
//! property (`!tag`, `&anchor`), a block scalar at its `|` or `>`, a block
//! mapping at its first key, an empty value just past its `:` or `-`. The
//! tokens between are found in the source: the previous token of a mark,
//! skipping blank lines and comments, never further than the node's own
//! line and the lines before it.

use super::Mark;

/// A token of the source: where it starts, and the column just past it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Token {
    pub start: Mark,
    pub end: Mark,
    chars: Vec<char>,
}

impl Token {
    fn new(start: Mark, text: &str) -> Self {
        let chars: Vec<char> = text.chars().collect();
        let end = Mark {
            line: start.line,
            column: start.column + chars.len(),
        };
        Token { start, end, chars }
    }

    /// Where a property (`!tag`, `&anchor`) starts in this token: at its
    /// start, or after the flow indicator it follows (`[!tag`, `{a: &x`).
    pub fn property_start(&self) -> Option<Mark> {
        let at = (0..self.chars.len()).rev().find(|&i| {
            matches!(self.chars[i], '!' | '&')
                && (i == 0 || matches!(self.chars[i - 1], '[' | '{' | ','))
        })?;
        Some(Mark {
            line: self.start.line,
            column: self.start.column + at,
        })
    }

    pub fn starts_with(&self, c: char) -> bool {
        self.chars.first() == Some(&c)
    }

    pub fn contains(&self, c: char) -> bool {
        self.chars.contains(&c)
    }

    pub fn ends_with(&self, c: char) -> bool {
        self.chars.last() == Some(&c)
    }
}

/// The source's lines, to find the tokens the parser's marks step over.
pub(super) struct Source<'a> {
    lines: Vec<&'a str>,
}

impl<'a> Source<'a> {
    pub fn new(text: &'a str) -> Self {
        Source {
            lines: text.split('\n').collect(),
        }
    }

    pub fn line_count(&self) -> usize {
        self.lines.len()
    }

    /// The text after the last line break (empty when it ends with one).
    pub fn last_line(&self) -> &'a str {
        self.lines.last().copied().unwrap_or_default()
    }

    /// Line `line` (1-based), without its `\r`.
    fn line(&self, line: usize) -> Option<&'a str> {
        let text = self.lines.get(line.checked_sub(1)?)?;
        Some(text.strip_suffix('\r').unwrap_or(text))
    }

    /// Whether a line from `from` up to (not including) `to` is a document
    /// end marker (`...`).
    pub fn has_end_marker(&self, from: usize, to: usize) -> bool {
        let lines = self
            .lines
            .get(from.saturating_sub(1)..to.saturating_sub(1).min(self.lines.len()));
        lines.into_iter().flatten().any(|line| {
            line.strip_prefix("...")
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '#']))
        })
    }

    /// Line `at.line` from column `at.column` on.
    fn from(&self, at: Mark) -> Option<&'a str> {
        let text = self.line(at.line)?;
        Some(&text[before(text, at.column.checked_sub(1)?).len()..])
    }

    /// Whether the text at `at` starts with `text`.
    pub fn starts_with(&self, at: Mark, text: &str) -> bool {
        self.from(at).is_some_and(|rest| rest.starts_with(text))
    }

    pub fn char_at(&self, at: Mark) -> Option<char> {
        self.from(at)?.chars().next()
    }

    /// The whitespace-separated token that ends before `at`: on its line,
    /// else on the nearest line before it that is not blank or a comment.
    pub fn token_before(&self, at: Mark) -> Option<Token> {
        let (mut line, mut text) = match self.line(at.line) {
            Some(text) => (at.line, before(text, at.column.saturating_sub(1))),
            // yaml-rust2 marks the end of a text with no final line break
            // on the line after its last.
            None if at.line == self.lines.len() + 1 => {
                (at.line - 1, without_comment(self.line(at.line - 1)?))
            }
            None => return None,
        };
        loop {
            if let Some(token) = last_token(line, text) {
                return Some(token);
            }
            line = line.checked_sub(1).filter(|l| *l > 0)?;
            text = without_comment(self.line(line)?);
        }
    }

    /// The `n`th token before `at`.
    pub fn tokens_back(&self, at: Mark, n: usize) -> Option<Token> {
        let mut token = self.token_before(at)?;
        for _ in 1..n {
            token = self.token_before(token.start)?;
        }
        Some(token)
    }

    /// Where a node with `properties` tags and anchors before `at` starts.
    pub fn properties_before(&self, at: Mark, properties: usize) -> Mark {
        if properties == 0 {
            return at;
        }
        match self.tokens_back(at, properties) {
            Some(first) => first.property_start().unwrap_or(at),
            None => at,
        }
    }

    /// The whitespace-separated token that starts at `at`.
    pub fn token_at(&self, at: Mark) -> Option<Token> {
        let token = self.from(at)?.split(char::is_whitespace).next()?;
        (!token.is_empty()).then(|| Token::new(at, token))
    }

    /// The first token from `at` on, past a `:` at `at` itself.
    pub fn token_from(&self, at: Mark) -> Mark {
        let Some(rest) = self.from(at) else {
            return at;
        };
        let (colon, rest) = match rest.strip_prefix(':') {
            Some(rest) => (1, rest),
            None => (0, rest),
        };
        let blanks = rest.chars().take_while(|c| c.is_whitespace()).count();
        match rest.chars().nth(blanks) {
            Some(_) => Mark {
                line: at.line,
                column: at.column + colon + blanks,
            },
            None => at,
        }
    }

    /// A block sequence is marked at its first `-`; yaml-rust2 marks an
    /// indentless one (`key:\n- item`) at its first item instead, or past
    /// a comment on the line of its `-`.
    pub fn block_entry(&self, at: Mark) -> Mark {
        let Some(text) = self.line(at.line) else {
            return at;
        };
        if matches!(self.char_at(at), Some('-' | '[')) {
            return at;
        }
        let head = without_comment(before(text, at.column.saturating_sub(1)));
        match last_token(at.line, head) {
            Some(dash) if dash.chars == ['-'] => dash.start,
            _ => at,
        }
    }
}

/// The first `columns` characters of `text`.
fn before(text: &str, columns: usize) -> &str {
    let end = text
        .char_indices()
        .nth(columns)
        .map_or(text.len(), |(i, _)| i);
    &text[..end]
}

/// The last whitespace-separated token of `text`, the start of `line`.
fn last_token(line: usize, text: &str) -> Option<Token> {
    let trimmed = text.trim_end();
    trimmed.chars().next_back()?;
    let first = trimmed
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace())
        .map_or(0, |(i, c)| i + c.len_utf8());
    let column = text[..first].chars().count() + 1;
    Some(Token::new(Mark { line, column }, &trimmed[first..]))
}

/// A line without its comment (a `#` at its start or after a blank).
fn without_comment(text: &str) -> &str {
    let mut after_blank = true;
    for (i, c) in text.char_indices() {
        if c == '#' && after_blank {
            return &text[..i];
        }
        after_blank = c.is_whitespace();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: usize, column: usize) -> Mark {
        Mark { line, column }
    }

    #[test]
    fn the_token_before_skips_blank_lines_and_comments() {
        let source = Source::new("a: !tag  # note\n\n  # more\n  b: 1\n");
        let token = source.token_before(at(4, 3)).unwrap();
        assert_eq!((token.start, token.end), (at(1, 4), at(1, 8)));
        assert!(token.starts_with('!'));
        let key = source.token_before(at(1, 4)).unwrap();
        assert!(key.ends_with(':'));
        assert_eq!(key.end, at(1, 3));
        assert_eq!(source.token_before(at(1, 1)), None);
    }

    #[test]
    fn an_indentless_sequence_starts_at_its_dash() {
        let source = Source::new("a:\n-   x\n- [y]\n");
        assert_eq!(source.block_entry(at(2, 5)), at(2, 1));
        assert_eq!(source.block_entry(at(2, 1)), at(2, 1));
        assert_eq!(source.token_from(at(1, 2)), at(1, 2));
        assert_eq!(Source::new("{a: , b}").token_from(at(1, 3)), at(1, 5));
    }
}
