//! Validated checks: what the runner executes. Every user-written node the
//! runner may report on keeps its line in the check file.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use regex::Regex;
use serde::Deserialize;
use serde_json::Value;

use super::basis::Basis;
use super::checklist::ChecklistItem;
use super::template::Template;

/// Whether a failing check fails the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    #[default]
    Required,
    Advisory,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Required => "required",
            Severity::Advisory => "advisory",
        }
    }
}

/// A validated check, ready to run.
#[derive(Debug, Clone)]
pub struct Check {
    pub id: super::CheckId,
    pub title: String,
    pub checklist: ChecklistItem,
    pub severity: Severity,
    /// What the check's assertions rest on, unless a step says otherwise;
    /// `None` when the file does not say (a check of the integrator's own).
    pub basis: Option<Basis>,
    pub hint: String,
    pub description: Option<String>,
    /// Fixtures that must be supplied, or the check is ignored.
    pub needs: Vec<String>,
    /// Checks whose failure makes this one pointless to run.
    pub requires: Vec<super::CheckId>,
    /// A required check whose executions this one must overlap: it is
    /// given the next turn to send once its prerequisites have passed.
    pub overlaps: Option<super::CheckId>,
    pub steps: Vec<Step>,
    pub file: PathBuf,
    pub line: usize,
}

impl Check {
    /// Where the check starts in its file.
    pub fn location(&self) -> super::Location {
        super::Location::of(&self.file, self.line)
    }

    /// Whether any step sends a request (rather than judging another
    /// check's answers with `from`).
    pub fn sends_requests(&self) -> bool {
        self.steps.iter().any(|s| s.from().is_none())
    }
}

/// One request of a check, with what must hold of its response.
#[derive(Debug, Clone)]
pub struct Step {
    pub name: String,
    pub line: usize,
    pub source: Source,
    pub expect: Expect,
    pub captures: Vec<Capture>,
    pub poll: Option<Poll>,
    /// When these hold, the check cannot be judged against this target and
    /// ends ignored with what was observed.
    pub inconclusive_when: Vec<Expectation>,
    /// When these hold, the check passes at this step: nothing after it
    /// is left to judge.
    pub done_when: Vec<Expectation>,
    /// Body matchers every 2xx answer the step judged must hold (a `from`
    /// step's whole poll history).
    pub always: Vec<Expectation>,
    /// The time the step's answer may take, from the check's first request.
    pub within: Option<Within>,
    /// What `expect`, `always` and `within` rest on (the step's own basis,
    /// else the check's).
    pub basis: Option<Basis>,
    /// Expectations where the page is silent: mismatches are findings.
    pub advisory: Option<Advisory>,
    /// At least one 2xx answer the step judged must hold these, or the
    /// check is inconclusive: what it judges was never seen.
    pub seen: Vec<Expectation>,
}

impl Step {
    /// Whether the step's mismatches are advisory findings rather than
    /// failures: what it expects is inferred, not quoted.
    pub fn is_inferred(&self) -> bool {
        matches!(self.basis, Some(Basis::Inferred(_)))
    }
}

/// Expectations of a step's answer that rest on an inference: each
/// mismatch is an advisory finding, never a failure.
#[derive(Debug, Clone)]
pub struct Advisory {
    pub basis: Basis,
    /// Judged on the step's (last) answer.
    pub items: Vec<Expectation>,
    /// Judged on every 2xx answer the step judged.
    pub always: Vec<Expectation>,
    pub line: usize,
}

/// A time budget of a step, measured from the start of the first request
/// its check sent or judged to the end of the step's last answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Within {
    pub budget: Duration,
    /// A non-secret fixture that replaces `budget` when supplied.
    pub fixture: Option<String>,
    pub line: usize,
}

/// Where a step's answer comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A request the step sends.
    Request(Request),
    /// What another check's step received: nothing is sent, so checks that
    /// need the same execution share it (and its one poller).
    From(FromStep),
}

/// Another check's step, by check id and step name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FromStep {
    pub check: super::CheckId,
    pub step: String,
}

impl Step {
    /// The request the step sends, if it sends one.
    pub fn request(&self) -> Option<&Request> {
        match &self.source {
            Source::Request(request) => Some(request),
            Source::From(_) => None,
        }
    }

    /// The step whose answers this one judges, if any.
    pub fn from(&self) -> Option<&FromStep> {
        match &self.source {
            Source::From(from) => Some(from),
            Source::Request(_) => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
pub enum Method {
    GET,
    POST,
    PUT,
    PATCH,
    DELETE,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::GET => "GET",
            Method::POST => "POST",
            Method::PUT => "PUT",
            Method::PATCH => "PATCH",
            Method::DELETE => "DELETE",
        }
    }

    /// Only safe requests may be repeated by polling.
    pub fn is_safe(self) -> bool {
        matches!(self, Method::GET)
    }
}

impl From<Method> for http::Method {
    fn from(method: Method) -> http::Method {
        match method {
            Method::GET => http::Method::GET,
            Method::POST => http::Method::POST,
            Method::PUT => http::Method::PUT,
            Method::PATCH => http::Method::PATCH,
            Method::DELETE => http::Method::DELETE,
        }
    }
}

/// Which credential a request carries in `x-api-key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyChoice {
    /// The account key under test.
    Account,
    /// No `x-api-key` header at all.
    None,
    /// A well-formed key that no account has.
    Invalid,
    /// A secret fixture, such as `previous_api_key`.
    Fixture(String),
    /// The account key made slightly wrong, or put where the API does not
    /// read it: built from the key at run time, never written in a file.
    Variant(KeyVariant),
}

/// U+00A0 NO-BREAK SPACE as one Latin-1 byte (obs-text in a header value):
/// what a server decoding headers as Latin-1 (Node.js) reads as U+00A0.
pub const NO_BREAK_SPACE_BYTE: u8 = 0xA0;

/// A near miss of the account key: each must be refused as the key is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyVariant {
    /// The key with the case of its letters swapped.
    SwappedCase,
    /// The key with its last character changed.
    LastChanged,
    /// The key without its last character.
    LastMissing,
    /// The key's first characters only (all but its last four).
    Prefix,
    /// The key followed by the byte 0xA0 (NO-BREAK SPACE in Latin-1, HTTP's
    /// obs-text): HTTP strips only spaces and tabs around a header value, so
    /// to a correct server this is not the key; a server that trims Unicode
    /// whitespace (JavaScript's `.trim()`) takes it for the key.
    PaddedEnd,
    /// The key preceded by the byte 0xA0 (see [`KeyVariant::PaddedEnd`]).
    PaddedStart,
    /// The key as `Authorization: Bearer KEY`, with no `x-api-key`.
    Bearer,
    /// The invalid key (never the real one: URLs are logged by every proxy
    /// and gateway) in the query string, `?x-api-key=KEY&api_key=KEY`, with
    /// no `x-api-key` header: a target that reads it answers "Invalid API
    /// key" where it must answer "Missing API key".
    Query,
}

impl KeyVariant {
    /// Every variant, with the name `key:` takes.
    pub const ALL: [(KeyVariant, &'static str); 8] = [
        (KeyVariant::SwappedCase, "account-swapped-case"),
        (KeyVariant::LastChanged, "account-last-changed"),
        (KeyVariant::LastMissing, "account-last-missing"),
        (KeyVariant::Prefix, "account-prefix"),
        (KeyVariant::PaddedEnd, "account-padded-end"),
        (KeyVariant::PaddedStart, "account-padded-start"),
        (KeyVariant::Bearer, "account-as-bearer"),
        (KeyVariant::Query, "invalid-in-query"),
    ];

    pub fn name(self) -> &'static str {
        KeyVariant::ALL
            .iter()
            .find(|(v, _)| *v == self)
            .map_or("account-variant", |(_, name)| name)
    }

    /// The variant's value for `key` as text, when it differs from `key`
    /// and is text: the padded variants are bytes (see
    /// [`KeyVariant::header_bytes`]), not text.
    pub fn derive(self, key: &str) -> Option<String> {
        let chars: Vec<char> = key.chars().collect();
        let derived = match self {
            KeyVariant::SwappedCase => chars
                .iter()
                .map(|c| {
                    if c.is_ascii_lowercase() {
                        c.to_ascii_uppercase()
                    } else {
                        c.to_ascii_lowercase()
                    }
                })
                .collect(),
            KeyVariant::LastChanged => {
                let mut changed = chars.clone();
                let last = changed.last_mut()?;
                *last = if *last == '0' { '1' } else { '0' };
                changed.into_iter().collect()
            }
            KeyVariant::LastMissing => chars[..chars.len().checked_sub(1)?].iter().collect(),
            KeyVariant::Prefix => chars[..chars.len().checked_sub(4)?].iter().collect(),
            KeyVariant::Bearer | KeyVariant::Query => key.to_string(),
            KeyVariant::PaddedEnd | KeyVariant::PaddedStart => return None,
        };
        let placed_elsewhere = matches!(self, KeyVariant::Bearer | KeyVariant::Query);
        (placed_elsewhere || derived != key).then_some(derived)
    }

    /// The bytes the variant sends in `x-api-key`, when it is sent there
    /// and differs from `key`. Padding is the byte 0xA0, not a space or a
    /// tab: HTTP strips those around a header value (RFC 9110, OWS), so a
    /// key padded with them is the key itself to every correct server.
    pub fn header_bytes(self, key: &str) -> Option<Vec<u8>> {
        match self {
            KeyVariant::PaddedEnd => Some([key.as_bytes(), &[NO_BREAK_SPACE_BYTE]].concat()),
            KeyVariant::PaddedStart => Some([&[NO_BREAK_SPACE_BYTE], key.as_bytes()].concat()),
            _ if !self.in_header() => None,
            _ => self.derive(key).map(String::into_bytes),
        }
    }

    /// Whether the variant is sent in `x-api-key` (the others are placed
    /// elsewhere, and send no `x-api-key`).
    pub fn in_header(self) -> bool {
        !matches!(self, KeyVariant::Bearer | KeyVariant::Query)
    }
}

impl KeyChoice {
    /// Whether this is the key of another account than the one under test
    /// (not a variant or an old key of the account's own).
    pub fn is_another_accounts(&self) -> bool {
        matches!(self, KeyChoice::Fixture(name)
            if super::fixture::OTHER_ACCOUNT_KEYS.contains(&name.as_str()))
    }
}

impl fmt::Display for KeyChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyChoice::Account => f.write_str("account key"),
            KeyChoice::None => f.write_str("no key"),
            KeyChoice::Invalid => f.write_str("invalid key"),
            KeyChoice::Fixture(name) => write!(f, "fixture {name}"),
            KeyChoice::Variant(variant) => write!(f, "{}", variant.name()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub path: Template,
    pub key: KeyChoice,
    pub headers: Vec<(String, Template)>,
    pub body: Option<JsonTemplate>,
}

/// A JSON value whose strings may hold `{{ var }}` templates.
#[derive(Debug, Clone)]
pub enum JsonTemplate {
    Literal(Value),
    String(Template),
    Array(Vec<JsonTemplate>),
    Object(Vec<(String, JsonTemplate)>),
}

/// Everything that must hold of one response.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    pub items: Vec<Expectation>,
}

/// Matchers applied to one part of a response.
#[derive(Debug, Clone)]
pub struct Expectation {
    pub target: MatcherTarget,
    pub matchers: Vec<Matcher>,
    pub line: usize,
}

/// The part of a response a matcher looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatcherTarget {
    Status,
    Header(String),
    Body(JsonPath),
}

impl fmt::Display for MatcherTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MatcherTarget::Status => f.write_str("status"),
            MatcherTarget::Header(name) => write!(f, "header {name}"),
            MatcherTarget::Body(path) => write!(f, "body {path}"),
        }
    }
}

#[derive(Debug, Clone)]
pub enum Matcher {
    Equals(JsonTemplate),
    OneOf(Vec<JsonTemplate>),
    NotOneOf(Vec<JsonTemplate>),
    Type(JsonType),
    NonEmpty,
    Regex(Regex),
    Absent,
    /// Absent, or `null`.
    AbsentOrNull,
    /// Holds none of the run's secrets.
    NoSecret,
    Present,
    /// An object with exactly these fields.
    Keys(Vec<String>),
    /// A value whose text does not contain the (rendered) template.
    NotContains(Template),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum JsonType {
    String,
    Number,
    Integer,
    Boolean,
    Object,
    Array,
    Null,
}

impl JsonType {
    pub fn as_str(self) -> &'static str {
        match self {
            JsonType::String => "string",
            JsonType::Number => "number",
            JsonType::Integer => "integer",
            JsonType::Boolean => "boolean",
            JsonType::Object => "object",
            JsonType::Array => "array",
            JsonType::Null => "null",
        }
    }

    /// The type of `value`, naming integers `integer`.
    pub fn of(value: &Value) -> JsonType {
        match value {
            Value::Null => JsonType::Null,
            Value::Bool(_) => JsonType::Boolean,
            Value::Number(n) if n.is_i64() || n.is_u64() => JsonType::Integer,
            Value::Number(_) => JsonType::Number,
            Value::String(_) => JsonType::String,
            Value::Array(_) => JsonType::Array,
            Value::Object(_) => JsonType::Object,
        }
    }

    pub fn accepts(self, value: &Value) -> bool {
        let actual = JsonType::of(value);
        actual == self || (self == JsonType::Number && actual == JsonType::Integer)
    }
}

/// A value copied from a response into a variable for later steps.
#[derive(Debug, Clone)]
pub struct Capture {
    pub var: String,
    pub path: JsonPath,
    pub line: usize,
}

/// Repeat a safe request until a condition holds.
#[derive(Debug, Clone)]
pub struct Poll {
    pub until: Vec<Expectation>,
    pub give_up_when: Vec<Expectation>,
    pub always: Vec<Expectation>,
    pub timeout: Duration,
    pub interval_min: Duration,
    pub interval_max: Duration,
}

impl Poll {
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
    pub const DEFAULT_INTERVAL_MIN: Duration = Duration::from_millis(50);
    pub const DEFAULT_INTERVAL_MAX: Duration = Duration::from_secs(2);
}

/// A dotted path into a JSON body: `data.items.0.id`; `$` is the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPath {
    segments: Vec<String>,
}

impl JsonPath {
    /// Parses a path; `None` when a segment is empty.
    pub fn parse(text: &str) -> Option<JsonPath> {
        let text = text.trim();
        if text == "$" {
            return Some(JsonPath {
                segments: Vec::new(),
            });
        }
        let text = text.strip_prefix("$.").unwrap_or(text);
        let segments: Vec<String> = text.split('.').map(str::to_string).collect();
        if segments.iter().any(String::is_empty) {
            return None;
        }
        Some(JsonPath { segments })
    }

    /// The value at this path, if any.
    pub fn select<'v>(&self, root: &'v Value) -> Option<&'v Value> {
        self.segments
            .iter()
            .try_fold(root, |value, segment| match value {
                Value::Object(map) => map.get(segment),
                Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            })
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.segments.is_empty() {
            f.write_str("$")
        } else {
            f.write_str(&self.segments.join("."))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_path_selects_objects_and_arrays() {
        let body = json!({"a": {"b": [10, {"c": "x"}]}});
        let path = JsonPath::parse("a.b.1.c").unwrap();
        assert_eq!(path.select(&body), Some(&json!("x")));
        assert_eq!(JsonPath::parse("$").unwrap().select(&body), Some(&body));
        assert_eq!(JsonPath::parse("a.zz").unwrap().select(&body), None);
        assert!(JsonPath::parse("a..b").is_none());
    }

    #[test]
    fn number_type_accepts_integers() {
        assert!(JsonType::Number.accepts(&json!(3)));
        assert!(!JsonType::Integer.accepts(&json!(3.5)));
        assert!(JsonType::String.accepts(&json!("")));
    }
}

#[cfg(test)]
mod key_variant_tests {
    use super::*;

    #[test]
    fn each_near_miss_differs_from_the_key_and_placements_keep_it() {
        let key = "ak_Sandbox0123456789abcdefghijklmn";
        let derived: Vec<(KeyVariant, Option<String>)> = KeyVariant::ALL
            .iter()
            .map(|(v, _)| (*v, v.derive(key)))
            .collect();
        assert_eq!(
            derived[0].1.as_deref(),
            Some("AK_sANDBOX0123456789ABCDEFGHIJKLMN")
        );
        assert_eq!(
            derived[1].1.as_deref(),
            Some("ak_Sandbox0123456789abcdefghijklm0")
        );
        assert_eq!(
            derived[2].1.as_deref(),
            Some("ak_Sandbox0123456789abcdefghijklm")
        );
        assert_eq!(
            derived[3].1.as_deref(),
            Some("ak_Sandbox0123456789abcdefghij")
        );
        assert_eq!(derived[4].1, None);
        assert_eq!(derived[5].1, None);
        assert_eq!(derived[6].1.as_deref(), Some(key));
        assert_eq!(derived[7].1.as_deref(), Some(key));
        let end = KeyVariant::PaddedEnd.header_bytes(key).unwrap();
        assert_eq!(end.last(), Some(&0xA0));
        assert_eq!(&end[..end.len() - 1], key.as_bytes());
        let start = KeyVariant::PaddedStart.header_bytes(key).unwrap();
        assert_eq!((start[0], &start[1..]), (0xA0, key.as_bytes()));
        // Neither is text: they are sent as bytes, never as a String.
        assert!(std::str::from_utf8(&end).is_err());
        assert_eq!(KeyVariant::Bearer.header_bytes(key), None);
        assert_eq!(
            KeyVariant::Prefix.header_bytes(key).as_deref(),
            Some("ak_Sandbox0123456789abcdefghij".as_bytes())
        );
        // A key with no letter has no case variant: it is not sent as one.
        assert_eq!(KeyVariant::SwappedCase.derive("0123456789012345"), None);
        assert_eq!(
            KeyVariant::LastChanged.derive("aaa0").as_deref(),
            Some("aaa1")
        );
    }
}
