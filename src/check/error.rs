//! Errors in check files, each pointing at a line and column of the file.

use std::fmt;
use std::path::{Path, PathBuf};

use thiserror::Error;

use super::source::SourceText;
use crate::secret::Redactor;

/// What is wrong with a check file.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CheckErrorKind {
    #[error("cannot read: {0}")]
    Io(String),
    #[error("no check files (*.yaml, *.yml) found in {0}")]
    NoChecks(String),
    #[error("{0}")]
    Yaml(String),
    #[error("not UTF-8: the byte 0x{0:02X} here is no UTF-8 character; save the file as UTF-8")]
    NotUtf8(u8),
    #[error("symlink loop: {link} leads back to {target}, a folder it is inside of; remove the link or point it outside that folder")]
    SymlinkLoop { link: String, target: String },
    #[error("nested deeper than {0} levels; no check needs that many (a step's request body is five levels down)")]
    TooDeep(usize),
    #[error("invalid check id `{0}`: use lowercase words joined by `-`, grouped by `::` (e.g. `auth::missing-key`)")]
    InvalidId(String),
    #[error("duplicate check id `{id}`, first defined in {first}")]
    DuplicateId { id: String, first: String },
    #[error("unknown fixture `{0}`")]
    UnknownFixture(String),
    #[error("fixture `{0}` is declared twice with different definitions")]
    ConflictingFixture(String),
    #[error("invalid fixture name `{0}`: use lowercase letters, digits and `_`")]
    InvalidFixtureName(String),
    #[error("unknown check `{0}` in requires")]
    UnknownRequirement(String),
    #[error("check `{0}` requires itself, directly or through other checks")]
    RequirementCycle(String),
    #[error("undefined variable `{0}`")]
    UndefinedVariable(String),
    #[error("`{0}` is a secret fixture and cannot be used in a template")]
    SecretInTemplate(String),
    #[error("fixture `{0}` is used but not listed in `needs`")]
    FixtureNotNeeded(String),
    #[error("`{0}` is not a secret fixture, so it cannot be sent as a key")]
    NotAKey(String),
    #[error("{0}")]
    Template(String),
    #[error("invalid regex: {0}")]
    Regex(String),
    #[error("invalid body path `{0}`")]
    Path(String),
    #[error("invalid header name `{0}`")]
    HeaderName(String),
    #[error("invalid variable name `{0}`")]
    VariableName(String),
    #[error("capture `{0}` would hide a built-in variable or fixture of the same name")]
    ShadowedVariable(String),
    #[error("only GET requests can be polled (a {0} is sent exactly once)")]
    UnsafePoll(String),
    #[error("`{0}` must not be empty")]
    EmptyField(&'static str),
    #[error("the file holds no check")]
    NoCheck,
    #[error("a check needs at least one step")]
    NoSteps,
    #[error("a client check needs at least one rule")]
    NoRules,
    #[error(
        "a step has `request` (what to send) or `from` (another check's step to judge), not both"
    )]
    RequestAndFrom,
    #[error("a step needs `request` (what to send) or `from` (another check's step to judge)")]
    NoRequestNorFrom,
    #[error(
        "`always` judges the answers of a `from` step; for a request you send, use `poll.always`"
    )]
    AlwaysWithoutFrom,
    #[error("a `from` step sends nothing to poll: it judges the answers the other check's step received (use `always` for each of them)")]
    PollOnFrom,
    #[error(
        "add `{0}` to `requires`: a step judges only the answers of a check that passed before it"
    )]
    FromNotRequired(String),
    #[error("check `{check}` has no step named `{step}`")]
    UnknownStep { check: String, step: String },
    #[error("the request path `{0}` must start with `/`")]
    RelativePath(String),
    #[error("`x-api-key` cannot be set as a header")]
    KeyAsHeader,
    #[error("a budget must be above zero")]
    ZeroBudget,
    #[error("`until` needs at least one condition")]
    NoUntil,
    #[error("interval `min` must be above zero and at most `max`")]
    BadInterval,
    #[error("status {0} is not an HTTP status code")]
    NotAStatus(String),
    #[error("`{0}` alone is ambiguous")]
    AmbiguousMatcher(String),
    #[error("`{0}: false` checks nothing")]
    ChecksNothing(&'static str),
    #[error("`absent` cannot be combined with other matchers")]
    AbsentWithOthers,
    #[error("no matcher given")]
    NoMatcher,
    #[error(
        "a duration is either written (`200ms`) or one variable (`{{{{ min_poll_interval }}}}`)"
    )]
    DurationTemplate,
    #[error("invalid duration `{text}`: {reason}")]
    InvalidDuration { text: String, reason: String },
    #[error("quote not found in {reference}: \"{quote}\"")]
    QuoteNotFound { quote: String, reference: String },
    #[error("a basis is `quote` or `inferred`, exactly one of them")]
    BasisOneOf,
    #[error("a required check needs at least one assertion quoted from the reference: every assertion of this one is inferred")]
    RequiredWithoutQuote,
    /// Any other rule, in words; also a message with a secret redacted.
    #[error("{0}")]
    Invalid(String),
}

/// One error, placed in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckError {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub kind: CheckErrorKind,
    /// The offending source line, for the caret display.
    pub source_line: Option<String>,
    /// What to do about it (a "did you mean", the accepted values...).
    pub hint: Option<String>,
}

impl CheckError {
    pub fn new(file: &Path, line: usize, column: usize, kind: CheckErrorKind) -> Self {
        CheckError {
            file: file.to_path_buf(),
            line,
            column,
            kind,
            source_line: None,
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Attaches the source line the error points at.
    /// An error past the last line (end of file) points at the end of it.
    pub fn with_source(mut self, source: &SourceText) -> Self {
        match source.line(self.line) {
            Some(line) => self.source_line = Some(line.to_string()),
            None => {
                let count = source.line_count();
                if let Some(last) = source.line(count) {
                    self.line = count;
                    self.column = last.chars().count() + 1;
                    self.source_line = Some(last.to_string());
                }
            }
        }
        self
    }
}

impl fmt::Display for CheckError {
    /// ```text
    /// checks/auth/missing-key.yaml:7:5: unknown field `stauts`, expected ...
    ///   |
    /// 7 |     stauts: 401
    ///   |     ^
    ///   = help: did you mean `status`?
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = super::Location::of(&self.file, self.line).at_column(self.column);
        write!(f, "{at}: {}", self.kind)?;
        if let Some(line) = &self.source_line {
            let number = self.line.to_string();
            let pad = " ".repeat(number.len());
            let (line, caret) = excerpt(line, self.column);
            let caret_pad: String = line
                .chars()
                .take(caret)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(f, "\n{pad} |\n{number} | {line}\n{pad} | {caret_pad}^")?;
            if let Some(hint) = &self.hint {
                write!(f, "\n{pad} = help: {hint}")?;
            }
        } else if let Some(hint) = &self.hint {
            write!(f, "\n  = help: {hint}")?;
        }
        Ok(())
    }
}

/// The widest source line shown whole; a longer one (a minified body) is
/// shown as the window around the column, `…` marking what is left out.
const EXCERPT_CHARS: usize = 120;

/// What of `line` to show, and how many characters precede the caret.
fn excerpt(line: &str, column: usize) -> (String, usize) {
    let at = column.saturating_sub(1);
    let count = line.chars().count();
    if count <= EXCERPT_CHARS {
        return (line.to_string(), at);
    }
    let start = at
        .saturating_sub(EXCERPT_CHARS / 2)
        .min(count - EXCERPT_CHARS);
    let end = start + EXCERPT_CHARS;
    let mut shown = String::new();
    if start > 0 {
        shown.push('…');
    }
    shown.extend(line.chars().skip(start).take(EXCERPT_CHARS));
    if end < count {
        shown.push('…');
    }
    (shown, at - start + usize::from(start > 0))
}

/// Every error found while loading, not only the first.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct CheckErrors(pub Vec<CheckError>);

impl fmt::Display for CheckErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n\n")?;
            }
            write!(f, "error: {error}")?;
        }
        let n = self.0.len();
        write!(
            f,
            "\n\n{n} error{} in check files; nothing was sent",
            if n == 1 { "" } else { "s" }
        )
    }
}

impl CheckErrors {
    /// These errors with every secret `redactor` knows replaced in what
    /// they quote of a file: a key in a file mistaken for a check file (a
    /// `.env`) is in its source line and in the parser's message.
    pub fn redacted(self, redactor: &Redactor) -> CheckErrors {
        CheckErrors(self.0.into_iter().map(|e| e.redacted(redactor)).collect())
    }
}

impl CheckError {
    fn redacted(mut self, redactor: &Redactor) -> CheckError {
        let message = self.kind.to_string();
        let redacted = redactor.redact(&message);
        if redacted != message {
            self.kind = CheckErrorKind::Invalid(redacted);
        }
        self.source_line = self.source_line.map(|line| redactor.redact(&line));
        self.hint = self.hint.map(|hint| redactor.redact(&hint));
        self
    }
}

/// "did you mean `x`?" for the closest candidate, if any is close.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(word, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// The candidate closest to `word`, if any is close.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_is_shown_as_the_window_around_its_column() {
        let line = format!("body: {}", "[".repeat(10_000));
        let error = CheckError {
            source_line: Some(line),
            ..CheckError::new(Path::new("f.yaml"), 9, 5_000, CheckErrorKind::TooDeep(64))
        };
        let text = error.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[2], format!("9 | …{}…", "[".repeat(EXCERPT_CHARS)));
        let caret = lines[3].chars().position(|c| c == '^').unwrap();
        assert_eq!(caret - "  | ".len(), 1 + EXCERPT_CHARS / 2);
        let short = CheckError {
            source_line: Some("id: x".into()),
            ..CheckError::new(
                Path::new("f.yaml"),
                1,
                5,
                CheckErrorKind::Invalid("x".into()),
            )
        };
        assert!(short.to_string().ends_with("1 | id: x\n  |     ^"));
    }

    #[test]
    fn shape_errors_read_as_before_they_had_kinds() {
        for (kind, text) in [
            (CheckErrorKind::EmptyField("title"), "`title` must not be empty"),
            (
                CheckErrorKind::DurationTemplate,
                "a duration is either written (`200ms`) or one variable (`{{ min_poll_interval }}`)",
            ),
            (
                CheckErrorKind::UnknownStep {
                    check: "a::b".into(),
                    step: "go".into(),
                },
                "check `a::b` has no step named `go`",
            ),
            (
                CheckErrorKind::NotAStatus(serde_json::json!("200").to_string()),
                "status \"200\" is not an HTTP status code",
            ),
            (CheckErrorKind::ChecksNothing("absent"), "`absent: false` checks nothing"),
        ] {
            assert_eq!(kind.to_string(), text);
        }
    }
}
