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

    fn chars(&self, line: usize) -> Option<Vec<char>> {
        let text = self.lines.get(line.checked_sub(1)?)?;
        Some(text.trim_end_matches('\r').chars().collect())
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

    /// Whether the text at `at` starts with `text`.
    pub fn starts_with(&self, at: Mark, text: &str) -> bool {
        self.chars(at.line).is_some_and(|chars| {
            let from = at.column.saturating_sub(1).min(chars.len());
            chars[from..]
                .iter()
                .copied()
                .take(text.len())
                .eq(text.chars())
        })
    }

    pub fn char_at(&self, at: Mark) -> Option<char> {
        let line = self.lines.get(at.line.checked_sub(1)?)?;
        line.chars().nth(at.column.checked_sub(1)?)
    }

    /// The whitespace-separated token that ends before `at`: on its line,
    /// else on the nearest line before it that is not blank or a comment.
    pub fn token_before(&self, at: Mark) -> Option<Token> {
        let mut line = at.line;
        let mut chars = match self.chars(line) {
            Some(mut chars) => {
                chars.truncate(at.column.saturating_sub(1));
                chars
            }
            // yaml-rust2 marks the end of a text with no final line break
            // on the line after its last.
            None if line == self.lines.len() + 1 => {
                line -= 1;
                without_comment(self.chars(line)?)
            }
            None => return None,
        };
        loop {
            let end = chars.iter().rposition(|c| !c.is_whitespace());
            if let Some(last) = end {
                let first = chars[..last]
                    .iter()
                    .rposition(|c| c.is_whitespace())
                    .map_or(0, |i| i + 1);
                return Some(Token {
                    start: Mark {
                        line,
                        column: first + 1,
                    },
                    end: Mark {
                        line,
                        column: last + 2,
                    },
                    chars: chars[first..=last].to_vec(),
                });
            }
            line = line.checked_sub(1).filter(|l| *l > 0)?;
            chars = without_comment(self.chars(line)?);
        }
    }

    /// The whitespace-separated token that starts at `at`.
    pub fn token_at(&self, at: Mark) -> Option<Token> {
        let chars = self.chars(at.line)?;
        let first = at.column.checked_sub(1)?;
        let rest = chars.get(first..)?;
        let len = rest
            .iter()
            .position(|c| c.is_whitespace())
            .unwrap_or(rest.len());
        (len > 0).then(|| Token {
            start: at,
            end: Mark {
                line: at.line,
                column: at.column + len,
            },
            chars: rest[..len].to_vec(),
        })
    }

    /// The first token from `at` on, past a `:` at `at` itself.
    pub fn token_from(&self, at: Mark) -> Mark {
        let Some(chars) = self.chars(at.line) else {
            return at;
        };
        let mut column = at.column - 1;
        if chars.get(column) == Some(&':') {
            column += 1;
        }
        match chars[column.min(chars.len())..]
            .iter()
            .position(|c| !c.is_whitespace())
        {
            Some(skip) => Mark {
                line: at.line,
                column: column + skip + 1,
            },
            None => at,
        }
    }

    /// A block sequence is marked at its first `-`; yaml-rust2 marks an
    /// indentless one (`key:\n- item`) at its first item instead.
    pub fn block_entry(&self, at: Mark) -> Mark {
        let Some(mut chars) = self.chars(at.line) else {
            return at;
        };
        if matches!(chars.get(at.column - 1), Some('-' | '[')) {
            return at;
        }
        // Its first item may be on a later line, past a comment.
        chars.truncate(at.column - 1);
        let chars = without_comment(chars);
        let Some(last) = chars.iter().rposition(|c| !c.is_whitespace()) else {
            return at;
        };
        let alone = last == 0 || chars[last - 1].is_whitespace();
        match chars[last] {
            '-' if alone => Mark {
                line: at.line,
                column: last + 1,
            },
            _ => at,
        }
    }
}

/// A line without its comment (a `#` at its start or after a blank).
fn without_comment(mut chars: Vec<char>) -> Vec<char> {
    let hash =
        (0..chars.len()).find(|&i| chars[i] == '#' && (i == 0 || chars[i - 1].is_whitespace()));
    if let Some(hash) = hash {
        chars.truncate(hash);
    }
    chars
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
