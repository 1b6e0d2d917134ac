//! The client check file as written: rules over the calls a client made
//! (recorded by `wapzi-homolog client`) instead of requests to send.
//!
//! Same header as an API check (id, title, checklist, severity, hint), and
//! the same strictness: unknown fields are refused.

use indexmap::IndexMap;
use serde::Deserialize;

use super::checklist::ClientItem;
use super::model::Severity;
use super::raw::{HumanDuration, MatcherSpec, CHECK_ID_PATTERN};

/// A wapzi-homolog client check: rules every recorded call of the
/// integrator's client must meet. Reference: docs/check-format.md, "Client checks".
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "wapzi-homolog client check")]
pub struct RawClientCheck {
    /// Unique name, `area::name`: lowercase words joined by `-`, groups by `::`.
    #[schemars(regex(pattern = CHECK_ID_PATTERN))]
    pub id: String,
    /// One line: what must hold of the client's calls.
    pub title: String,
    /// The checklist item or best practice (`practice::...`) this check evidences.
    pub checklist: ClientItem,
    /// Whether a failure fails the gate (`required`, the default) or is only reported (`advisory`).
    #[serde(default)]
    pub severity: Severity,
    /// What the check rests on: a quote of the vendor's page (it may gate) or an inference
    /// with its reason (then the check must be `severity: advisory`).
    #[serde(default)]
    pub basis: Option<super::raw::RawBasis>,
    /// What the integrator should change in their client when the check fails.
    pub hint: String,
    /// Longer notes for whoever maintains the check; not printed.
    #[serde(default)]
    pub description: Option<String>,
    /// Shown when the situation never happened (no call selected): the `--scenario` or client
    /// action that would exercise the check.
    pub exercised_by: String,
    /// The rules, all judged over the whole recording.
    #[schemars(length(min = 1))]
    pub rules: Vec<RawRule>,
}

/// One rule: `select` + `expect` (every selected call must meet the expectation), or a
/// built-in `sequence` rule over the order and timing of calls.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    /// Shown in failures (default: the sequence rule's name, or `calls`).
    #[serde(default)]
    pub name: Option<String>,
    /// Which calls the rule judges; omitted: every call.
    #[serde(default)]
    pub select: Option<RawSelect>,
    /// What every selected call must carry.
    #[serde(default)]
    pub expect: Option<RawCallExpect>,
    /// A built-in rule over the sequence of calls, by name.
    #[serde(default)]
    pub sequence: Option<SequenceName>,
    /// Parameters of the `sequence` rule.
    #[serde(default)]
    pub with: RawRuleParams,
}

/// Which calls a rule judges: all that match every field given.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSelect {
    /// The method, upper case: `POST`, `[GET, POST]` or a map of matchers.
    #[serde(default)]
    pub method: Option<MatcherSpec>,
    /// The path, `*` standing for one segment and `**` for any: `/v1/entry-points/*/execute`.
    #[serde(default)]
    #[schemars(regex(pattern = r"^/"))]
    pub path: Option<String>,
    /// The status the client got: `202`, `[401, 403]` or a map of matchers.
    #[serde(default)]
    pub status: Option<MatcherSpec>,
}

/// What a selected call must carry.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCallExpect {
    /// Request header (case-insensitive name; `*` ends a prefix: `sec-fetch-*`) -> matcher.
    #[serde(default)]
    pub headers: IndexMap<String, MatcherSpec>,
    /// Query parameter (decoded) -> matcher.
    #[serde(default)]
    pub query: IndexMap<String, MatcherSpec>,
    /// Request body path (`$`, `a.b`) -> matcher.
    #[serde(default)]
    pub body: IndexMap<String, MatcherSpec>,
}

/// The built-in sequence rules, one file each under `src/grade/rule/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SequenceName {
    /// The key appears in no URL (path, query) and no body, in any common encoding.
    KeyOnlyInHeader,
    /// Every accepted execution is read back until a terminal status (`statuses`).
    ReadUntilTerminal,
    /// No read of an execution id the API never returned to the client.
    ReadsOnlyReturnedIds,
    /// No identical POST while an earlier identical one is accepted and not seen terminal.
    NoDuplicateExecution,
    /// No read of an execution after one of `statuses` was shown for it.
    StopAfterTerminal,
    /// No call sent after an answer with `Retry-After`, for what that answer was given for (an
    /// execute: later executes; a read: later reads of that execution), before the wait is over
    /// (less `slack`); calls already in flight are not held.
    HonourRetryAfter,
    /// Reads of one execution are at least `min_interval` apart (less `slack`).
    PollInterval,
    /// Every `conversationId` sent is one the API returned before.
    ConversationFromApi,
    /// After a refusal (`http_statuses`), the same call waits `min_gap`, and is repeated at
    /// most `max_repeats` times.
    RefusalBackoff,
    /// No message is sent again in the conversation where its execution was shown superseded.
    NoResendSuperseded,
    /// The key travels in no request header besides `x-api-key` (`Authorization` included).
    KeyOnlyInXApiKey,
}

/// Parameters of a sequence rule; each rule takes only its own.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRuleParams {
    /// Execution statuses (read-until-terminal, stop-after-terminal; default: completed, failed,
    /// superseded).
    #[serde(default)]
    pub statuses: Option<Vec<String>>,
    /// HTTP statuses that count as a refusal (refusal-backoff; default: 401, 403).
    #[serde(default)]
    pub http_statuses: Option<Vec<u16>>,
    /// The shortest wait between reads (poll-interval): a duration or a `{{ variable }}`
    /// (default `{{ min_poll_interval }}`, 200ms unless the command sets it).
    #[serde(default)]
    pub min_interval: Option<String>,
    /// Clock tolerance (honour-retry-after: default 50ms; poll-interval: default 10ms).
    #[serde(default)]
    pub slack: Option<HumanDuration>,
    /// The least wait before repeating a refused call (refusal-backoff; default 1s).
    #[serde(default)]
    pub min_gap: Option<HumanDuration>,
    /// How often a refused call may be repeated in all (refusal-backoff; default 3).
    #[serde(default)]
    pub max_repeats: Option<u32>,
}
