//! The check file as written: serde types that reject unknown fields.
//!
//! Nothing here is cross-checked yet; `validate` turns these into the model.

use indexmap::IndexMap;
use std::fmt;
use std::time::Duration;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use super::checklist::ChecklistItem;
use super::model::{JsonType, Method, Severity};

/// The one rule for check ids, `area::name`: lowercase words (letters,
/// digits, `_`) joined by `-`, groups joined by `::`. The JSON schema
/// states it and validation applies it.
pub const CHECK_ID_PATTERN: &str = r"^[a-z0-9_]+(-[a-z0-9_]+)*(::[a-z0-9_]+(-[a-z0-9_]+)*)*$";

/// A wapzi-homolog check (format version 1): HTTP requests to the Wapzi API
/// and what must hold of each response. Reference: docs/check-format.md.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "wapzi-homolog check")]
pub struct RawCheck {
    /// Unique name, `area::name`: lowercase words joined by `-`, groups by `::`.
    #[schemars(regex(pattern = CHECK_ID_PATTERN))]
    pub id: String,
    /// One line: what must hold.
    pub title: String,
    /// The homologation checklist item this check evidences.
    pub checklist: ChecklistItem,
    /// Whether a failure fails the gate (`required`, the default) or is only reported (`advisory`).
    #[serde(default)]
    pub severity: Severity,
    /// What to do when the check fails; shown with every failure.
    pub hint: String,
    /// Longer notes for whoever maintains the check; not printed by the runner.
    #[serde(default)]
    pub description: Option<String>,
    /// What the check's assertions rest on: a quote of the vendor's page (they gate) or an
    /// inference with its reason (advisory only). A step's own `basis` overrides it.
    #[serde(default)]
    pub basis: Option<RawBasis>,
    /// Fixtures the check uses; if one is not supplied, the check is ignored.
    #[serde(default)]
    pub needs: Vec<String>,
    /// Ids of checks that must pass before this one runs.
    #[serde(default)]
    pub requires: Vec<String>,
    /// A check in `requires` whose executions this check must overlap: once its prerequisites
    /// have passed, it takes the next turn to send, ahead of checks waiting for one. The check
    /// must still observe that the overlap happened (`inconclusive_when` the execution had ended).
    #[serde(default)]
    pub overlaps: Option<String>,
    /// Fixtures this file declares, by name (lower case, digits, `_`).
    #[serde(default)]
    pub fixtures: IndexMap<String, RawFixture>,
    /// The requests, run in order; the first step that does not pass ends the check.
    #[schemars(length(min = 1))]
    pub steps: Vec<RawStep>,
}

/// A fixture declared by a check file: something about the target that only the integrator can supply.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFixture {
    /// What value to supply and where to find it.
    pub description: String,
    /// A secret (a key): supplied by `WAPZI_<NAME>` or `--secret-file`, sent only with `key:`.
    #[serde(default)]
    pub secret: bool,
}

/// One request (or another check's answers) and what must hold of the
/// response.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    /// Shown in failures and reports (default: `METHOD path`, or the step it judges).
    #[serde(default)]
    pub name: Option<String>,
    /// What to send. A step has `request` or `from`, not both.
    #[serde(default)]
    pub request: Option<RawRequest>,
    /// Judge what another check's step received instead of sending anything: that check must be
    /// in `requires`. Its answer (the last poll's, for a polled step) is judged by `expect`,
    /// `capture` and `inconclusive_when`; every answer it received, by `always`.
    #[serde(default)]
    pub from: Option<RawFrom>,
    /// With `from`: body path -> matcher that must hold on every 2xx answer the step received
    /// (each poll of a polled step).
    #[serde(default)]
    pub always: IndexMap<String, MatcherSpec>,
    /// What must hold of the response; omitted: any response passes.
    #[serde(default)]
    pub expect: RawExpect,
    /// What this step's `expect` and `always` rest on, when not the check's `basis`. An
    /// `inferred` step's mismatches are advisory findings: they never fail the check, which
    /// goes on to its next step.
    #[serde(default)]
    pub basis: Option<RawBasis>,
    /// What is expected of the same answer where the page is silent: each mismatch is an
    /// advisory finding, reported beside the check's result and never failing it.
    #[serde(default)]
    pub advisory: Option<RawAdvisory>,
    /// Body path -> matcher: at least one 2xx answer the step judged (a poll, or a `from`
    /// step's history) must hold them all, or the check cannot be judged (inconclusive, saying
    /// what was seen): evidence of what the check claims to judge, e.g. an in-progress read.
    #[serde(default)]
    pub inconclusive_unless_seen: IndexMap<String, MatcherSpec>,
    /// Variables for the following steps: variable name -> body path.
    #[serde(default)]
    pub capture: IndexMap<String, String>,
    /// Repeat the request (GET only) until a condition holds.
    #[serde(default)]
    pub poll: Option<RawPoll>,
    /// Body path -> matcher: when all hold, the check cannot be judged against this target and ends ignored.
    #[serde(default)]
    pub inconclusive_when: IndexMap<String, MatcherSpec>,
    /// Body path -> matcher: when all hold (once `expect` holds), the check has seen what it
    /// judges and passes here; its later steps are not sent (a refusal that leaves nothing more
    /// to judge, say).
    #[serde(default)]
    pub done_when: IndexMap<String, MatcherSpec>,
    /// A time budget: the step's (last) answer must have arrived within it of the start of the
    /// first request the check sent or judged (for a `from` step, the other check's request).
    #[serde(default)]
    pub within: Option<RawWithin>,
}

/// What an assertion rests on: `quote` or `inferred`, not both.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBasis {
    /// Words of the reference text, verbatim (line breaks and runs of spaces aside): one
    /// quote or a list. Each must be found in the reference, or the check does not load.
    #[serde(default)]
    pub quote: Option<Quotes>,
    /// One line: why this is expected although the reference does not say it. Inferred
    /// assertions are advisory: they are reported, and never fail the gate.
    #[serde(default)]
    pub inferred: Option<String>,
    /// The reference text the quotes are from, a file path relative to the check file
    /// (default: the vendor's API page built into the binary).
    #[serde(default)]
    pub reference: Option<String>,
}

/// One quote or several.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum Quotes {
    One(String),
    Many(Vec<String>),
}

impl Quotes {
    pub fn as_slice(&self) -> &[String] {
        match self {
            Quotes::One(quote) => std::slice::from_ref(quote),
            Quotes::Many(quotes) => quotes,
        }
    }
}

/// Expectations of a step's answer where the page is silent: advisory findings.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAdvisory {
    /// Why they are expected: usually `inferred`.
    pub basis: RawBasis,
    /// The HTTP status.
    #[serde(default)]
    pub status: Option<MatcherSpec>,
    /// Response header (case-insensitive name) -> matcher.
    #[serde(default)]
    pub headers: IndexMap<String, MatcherSpec>,
    /// Body path -> matcher.
    #[serde(default)]
    pub body: IndexMap<String, MatcherSpec>,
    /// Body path -> matcher that should hold on every 2xx answer the step judged (each poll,
    /// or a `from` step's history).
    #[serde(default)]
    pub always: IndexMap<String, MatcherSpec>,
}

/// A time budget, overridable by a fixture.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawWithin {
    /// The budget (`30s`, `500ms`).
    pub budget: HumanDuration,
    /// A non-secret fixture whose value, when supplied (`WAPZI_<NAME>` or `--fixture NAME=30s`),
    /// replaces `budget`; it need not be in `needs` (without it, `budget` holds).
    #[serde(default)]
    pub fixture: Option<String>,
}

/// Another check's step, whose answers a step judges instead of sending.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFrom {
    /// The check's id; it must be in `requires`.
    pub check: String,
    /// The step's name in that check.
    pub step: String,
}

/// An HTTP request to the API under test.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRequest {
    /// The HTTP method, in upper case.
    pub method: Method,
    /// Appended to the base URL; starts with `/`; `{{ variable }}` templates allowed.
    #[schemars(regex(pattern = r"^/"))]
    pub path: String,
    /// Credential sent in `x-api-key`: `account` (default), `none`, `invalid`, or a secret fixture's name.
    #[serde(default)]
    pub key: Option<String>,
    /// Extra request headers, name -> template (`x-api-key` cannot be set here).
    #[serde(default)]
    pub headers: IndexMap<String, String>,
    /// Any value, sent as JSON; every string in it is a template.
    #[serde(default)]
    pub body: Option<Value>,
}

/// What must hold of a response.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawExpect {
    /// The HTTP status, a number: `202`, `[200, 202]` or a map of matchers.
    #[serde(default)]
    pub status: Option<MatcherSpec>,
    /// Response header (case-insensitive name) -> matcher.
    #[serde(default)]
    pub headers: IndexMap<String, MatcherSpec>,
    /// Body path (`$`, `a.b`, `items.0.id`) -> matcher.
    #[serde(default)]
    pub body: IndexMap<String, MatcherSpec>,
}

/// Polling a GET until its body reaches a state.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPoll {
    /// Body path -> matcher: polling stops when all hold.
    pub until: IndexMap<String, MatcherSpec>,
    /// Body path -> matcher: polling stops when all hold (`until` can no longer hold).
    #[serde(default)]
    pub give_up_when: IndexMap<String, MatcherSpec>,
    /// Body path -> matcher that must hold on every 2xx response while polling.
    #[serde(default)]
    pub always: IndexMap<String, MatcherSpec>,
    /// How long to keep polling (default `30s`).
    #[serde(default)]
    pub timeout: Option<HumanDuration>,
    /// Bounds of the wait between polls (default 50ms..2s).
    #[serde(default)]
    pub interval: Option<RawInterval>,
}

/// Bounds of the wait between polls: `0 < min <= max`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawInterval {
    /// The shortest wait between polls.
    pub min: HumanDuration,
    /// The longest wait between polls.
    pub max: HumanDuration,
}

/// A matcher as written: a bare value (equals), a list (one of), or a map
/// of named matchers that must all hold.
#[derive(Debug, Clone)]
pub enum MatcherSpec {
    Equals(Value),
    OneOf(Vec<Value>),
    Set(MatcherSet),
}

/// Named matchers that must all hold.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("minProperties" = 1))]
pub struct MatcherSet {
    /// Equals this value (any JSON value, compared exactly; strings are templates).
    #[serde(default, deserialize_with = "some_value")]
    #[schemars(with = "Value")]
    pub equals: Option<Value>,
    /// Equals one of these values.
    #[serde(default)]
    pub one_of: Option<Vec<Value>>,
    /// Equals none of these values (an absent value passes).
    #[serde(default)]
    pub not_one_of: Option<Vec<Value>>,
    /// Is of this JSON type.
    #[serde(default, rename = "type")]
    pub type_of: Option<JsonType>,
    /// Is a non-blank string, a non-empty array or object, a number or a boolean.
    #[serde(default)]
    pub non_empty: Option<bool>,
    /// Is a string matching this regular expression (Rust syntax, unanchored).
    #[serde(default)]
    pub regex: Option<String>,
    /// Does not exist (`null` counts as present); cannot be combined with other matchers.
    #[serde(default)]
    pub absent: Option<bool>,
    /// Does not exist, or is `null`: no value, however the server says it; cannot be combined
    /// with other matchers.
    #[serde(default)]
    pub absent_or_null: Option<bool>,
    /// Exists (even `null`).
    #[serde(default)]
    pub present: Option<bool>,
    /// Holds none of the run's secrets (the API key, a secret fixture) in any encoding the
    /// harness knows (raw, base64, percent-encoded...): an answer must never echo a key.
    #[serde(default)]
    pub no_secret: Option<bool>,
    /// Is an object whose fields are exactly these, no more and no fewer (so an error body
    /// cannot carry another account's data or a stack trace beside its message).
    #[serde(default)]
    pub keys: Option<Vec<String>>,
    /// Is a string or a JSON value whose text does not contain this one (a template: e.g. a
    /// value captured earlier, that must not be echoed).
    #[serde(default)]
    pub not_contains: Option<String>,
}

/// Keeps an explicit `null` as `Some(Value::Null)`, so `equals: null` works.
fn some_value<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

impl<'de> Deserialize<'de> for MatcherSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(MatcherSpecVisitor)
    }
}

struct MatcherSpecVisitor;

impl<'de> Visitor<'de> for MatcherSpecVisitor {
    type Value = MatcherSpec;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value to equal, a list of accepted values, or a map of matchers (equals, one_of, not_one_of, type, non_empty, regex, absent, absent_or_null, present, keys, not_contains, no_secret)")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<MatcherSpec, E> {
        Ok(MatcherSpec::Equals(Value::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<MatcherSpec, E> {
        Ok(MatcherSpec::Equals(Value::from(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<MatcherSpec, E> {
        Ok(MatcherSpec::Equals(Value::from(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<MatcherSpec, E> {
        Ok(MatcherSpec::Equals(Value::from(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<MatcherSpec, E> {
        Ok(MatcherSpec::Equals(Value::String(v.to_string())))
    }
    fn visit_unit<E: de::Error>(self) -> Result<MatcherSpec, E> {
        Ok(MatcherSpec::Equals(Value::Null))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<MatcherSpec, A::Error> {
        Vec::<Value>::deserialize(de::value::SeqAccessDeserializer::new(seq))
            .map(MatcherSpec::OneOf)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<MatcherSpec, A::Error> {
        MatcherSet::deserialize(de::value::MapAccessDeserializer::new(map)).map(MatcherSpec::Set)
    }
}

/// A duration written the humantime way (`30s`, `500ms`, `2m`).
#[derive(Debug, Clone, Copy)]
pub struct HumanDuration(pub Duration);

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        humantime::parse_duration(&text)
            .map(HumanDuration)
            .map_err(|e| {
                de::Error::custom(format!(
                    "invalid duration `{text}`: {e} (write e.g. `30s` or `500ms`)"
                ))
            })
    }
}
