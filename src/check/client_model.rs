//! Validated client checks: rules the grader evaluates over a recording.

use std::path::PathBuf;
use std::time::Duration;

use super::checklist::ClientItem;
use super::model::{JsonPath, Matcher, Severity};
pub use super::raw_client::SequenceName;

/// Variables a client check's templates may use; the command supplies
/// their values (`min_poll_interval` has a default).
pub const CLIENT_VARIABLES: &[&str] = &["entry_point_id", "min_poll_interval", "run_id"];

/// The floor between two reads of one execution unless the command says
/// otherwise (`{{ min_poll_interval }}`).
pub const DEFAULT_MIN_POLL_INTERVAL: Duration = Duration::from_millis(200);

/// The execution statuses after which nothing changes.
pub const TERMINAL_STATUSES: &[&str] = &["completed", "failed", "superseded"];

/// A validated client check.
#[derive(Debug, Clone)]
pub struct ClientCheck {
    pub id: super::CheckId,
    pub title: String,
    pub item: ClientItem,
    pub severity: Severity,
    /// What the check rests on; `None` when its file does not say.
    pub basis: Option<super::basis::Basis>,
    pub hint: String,
    pub description: Option<String>,
    /// What would exercise the check, shown when it ends ignored.
    pub exercised_by: String,
    pub rules: Vec<Rule>,
    pub file: PathBuf,
    pub line: usize,
}

impl ClientCheck {
    /// Where the check starts in its file.
    pub fn location(&self) -> super::Location {
        super::Location::of(&self.file, self.line)
    }

    /// Line `line` of the check's file.
    pub fn at(&self, line: usize) -> super::Location {
        super::Location::of(&self.file, line)
    }
}

/// One rule of a client check.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Shown in failures: the rule's `name`, else the sequence's name or `calls`.
    pub name: String,
    pub line: usize,
    pub kind: RuleKind,
}

#[derive(Debug, Clone)]
pub enum RuleKind {
    /// Every selected call meets the expectations.
    Calls(CallRule),
    /// A built-in rule over the order and timing of calls.
    Sequence(Sequence),
}

/// A per-call rule: which calls, and what each must carry.
#[derive(Debug, Clone, Default)]
pub struct CallRule {
    pub method: Vec<Matcher>,
    pub path: Option<PathPattern>,
    pub status: Vec<Matcher>,
    pub expect: Vec<CallExpectation>,
}

/// Matchers on one part of a request.
#[derive(Debug, Clone)]
pub struct CallExpectation {
    pub target: CallTarget,
    pub matchers: Vec<Matcher>,
    pub line: usize,
}

/// The part of a recorded request a matcher looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallTarget {
    /// A header by lowercase name; a name ending in `*` is every header
    /// with that prefix.
    Header(String),
    Query(String),
    Body(JsonPath),
}

impl std::fmt::Display for CallTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallTarget::Header(name) => write!(f, "header {name}"),
            CallTarget::Query(name) => write!(f, "query {name}"),
            CallTarget::Body(path) => write!(f, "body {path}"),
        }
    }
}

/// A path with `*` for one segment and `**` for any number of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPattern {
    pub text: String,
    segments: Vec<String>,
}

impl PathPattern {
    pub fn parse(text: &str) -> PathPattern {
        PathPattern {
            text: text.to_string(),
            segments: text.split('/').map(str::to_string).collect(),
        }
    }

    /// Whether `path` (as sent, without its query) matches.
    pub fn matches(&self, path: &str) -> bool {
        let parts: Vec<&str> = path.split('/').collect();
        matches_from(&self.segments, &parts)
    }
}

fn matches_from(pattern: &[String], parts: &[&str]) -> bool {
    match pattern.split_first() {
        None => parts.is_empty(),
        Some((first, rest)) if first == "**" => {
            (0..=parts.len()).any(|skip| matches_from(rest, &parts[skip..]))
        }
        Some((first, rest)) => parts.split_first().is_some_and(|(part, others)| {
            (first == "*" && !part.is_empty() || first == part) && matches_from(rest, others)
        }),
    }
}

/// A duration written in the check, or a variable the command supplies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DurationParam {
    Fixed(Duration),
    Variable(String),
}

/// A built-in sequence rule with its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sequence {
    KeyOnlyInHeader,
    ReadUntilTerminal {
        statuses: Vec<String>,
    },
    ReadsOnlyReturnedIds,
    NoDuplicateExecution,
    StopAfterTerminal {
        statuses: Vec<String>,
    },
    HonourRetryAfter {
        slack: Duration,
    },
    PollInterval {
        min_interval: DurationParam,
        slack: Duration,
    },
    ConversationFromApi,
    RefusalBackoff {
        http_statuses: Vec<u16>,
        min_gap: Duration,
        max_repeats: u32,
    },
    NoResendSuperseded,
    KeyOnlyInXApiKey,
}

impl Sequence {
    /// The rule's name as written after `sequence:`.
    pub fn name(&self) -> &'static str {
        match self {
            Sequence::KeyOnlyInHeader => "key-only-in-header",
            Sequence::ReadUntilTerminal { .. } => "read-until-terminal",
            Sequence::ReadsOnlyReturnedIds => "reads-only-returned-ids",
            Sequence::NoDuplicateExecution => "no-duplicate-execution",
            Sequence::StopAfterTerminal { .. } => "stop-after-terminal",
            Sequence::HonourRetryAfter { .. } => "honour-retry-after",
            Sequence::PollInterval { .. } => "poll-interval",
            Sequence::ConversationFromApi => "conversation-from-api",
            Sequence::RefusalBackoff { .. } => "refusal-backoff",
            Sequence::NoResendSuperseded => "no-resend-superseded",
            Sequence::KeyOnlyInXApiKey => "key-only-in-x-api-key",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_patterns_match_segments() {
        let cases = [
            (
                "/v1/entry-points/*/execute",
                "/v1/entry-points/ep_1/execute",
                true,
            ),
            (
                "/v1/entry-points/*/execute",
                "/v1/entry-points//execute",
                false,
            ),
            (
                "/v1/entry-points/*/execute",
                "/v1/entry-points/a/b/execute",
                false,
            ),
            ("/v1/executions/*", "/v1/executions/exec_1", true),
            ("/v1/**", "/v1/executions/exec_1", true),
            ("/v1/**", "/v2/x", false),
            ("/**", "/", true),
            ("/v1/executions/exec_1", "/v1/executions/exec_1", true),
        ];
        for (pattern, path, expected) in cases {
            assert_eq!(
                PathPattern::parse(pattern).matches(path),
                expected,
                "{pattern} {path}"
            );
        }
    }
}
