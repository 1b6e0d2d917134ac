//! Validates client checks: their rules, selections, expectations and the
//! parameters of each built-in sequence rule.

use std::time::Duration;

use super::super::client_model::{
    CallExpectation, CallRule, CallTarget, ClientCheck, DurationParam, PathPattern, Rule, RuleKind,
    Sequence, SequenceName, CLIENT_VARIABLES, TERMINAL_STATUSES,
};
use super::super::error::{CheckError, CheckErrorKind};
use super::super::fixture::FixtureCatalog;
use super::super::model::MatcherTarget;
use super::super::raw_client::{RawCallExpect, RawClientCheck, RawRule, RawRuleParams};
use super::super::template::{Segment, Template};
use super::super::CheckId;
use super::step::is_header_name;
use super::{FileContext, Validator};

/// Validates one client check.
pub fn validate_client_check(
    raw: RawClientCheck,
    ctx: &FileContext,
    catalog: &FixtureCatalog,
) -> Result<ClientCheck, Vec<CheckError>> {
    let mut v = Validator {
        ctx,
        catalog,
        needs: &[],
        errors: Vec::new(),
        scope: CLIENT_VARIABLES.iter().map(|s| s.to_string()).collect(),
        check_basis: None,
        references: Default::default(),
    };
    v.check_header(&raw.id, &raw.title, &raw.hint);
    let basis = raw.basis.as_ref().and_then(|b| v.basis("basis", b));
    if raw.severity == super::super::model::Severity::Required
        && matches!(basis, Some(super::super::basis::Basis::Inferred(_)))
    {
        v.errors.push(
            ctx.error_at_value("severity", CheckErrorKind::RequiredWithoutQuote)
                .with_hint("quote the page in `basis:`, or make the check `severity: advisory`"),
        );
    }
    if raw.exercised_by.trim().is_empty() {
        v.errors
            .push(ctx.error_at_key("exercised_by", CheckErrorKind::EmptyField("exercised_by")));
    }
    if raw.rules.is_empty() {
        v.errors
            .push(ctx.error_at_key("rules", CheckErrorKind::NoRules));
    }
    let rules: Vec<Rule> = raw
        .rules
        .iter()
        .enumerate()
        .filter_map(|(i, rule)| v.rule(i, rule))
        .collect();
    if !v.errors.is_empty() {
        return Err(v.errors);
    }
    Ok(ClientCheck {
        id: CheckId::new(raw.id),
        title: raw.title,
        item: raw.checklist,
        severity: raw.severity,
        basis,
        hint: raw.hint.trim().to_string(),
        description: raw.description,
        exercised_by: raw.exercised_by.trim().to_string(),
        rules,
        file: ctx.file.clone(),
        line: ctx.line_of("id"),
    })
}

/// The parameters each sequence rule takes, by name in `with:`.
fn params_of(name: SequenceName) -> &'static [&'static str] {
    match name {
        SequenceName::ReadUntilTerminal | SequenceName::StopAfterTerminal => &["statuses"],
        SequenceName::HonourRetryAfter => &["slack"],
        SequenceName::PollInterval => &["min_interval", "slack"],
        SequenceName::RefusalBackoff => &["http_statuses", "min_gap", "max_repeats"],
        SequenceName::KeyOnlyInHeader
        | SequenceName::ReadsOnlyReturnedIds
        | SequenceName::NoDuplicateExecution
        | SequenceName::ConversationFromApi
        | SequenceName::NoResendSuperseded
        | SequenceName::KeyOnlyInXApiKey => &[],
    }
}

/// The parameters written in `with:`, by name.
fn given(with: &RawRuleParams) -> Vec<&'static str> {
    [
        ("statuses", with.statuses.is_some()),
        ("http_statuses", with.http_statuses.is_some()),
        ("min_interval", with.min_interval.is_some()),
        ("slack", with.slack.is_some()),
        ("min_gap", with.min_gap.is_some()),
        ("max_repeats", with.max_repeats.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect()
}

impl Validator<'_> {
    fn rule(&mut self, i: usize, raw: &RawRule) -> Option<Rule> {
        let at = format!("rules.{i}");
        let line = self.ctx.line_of(&at);
        let kind = match (&raw.sequence, &raw.expect) {
            (Some(_), _) if raw.select.is_some() || raw.expect.is_some() => {
                self.invalid_at_key(
                    &format!("{at}.sequence"),
                    "a rule has `select` and `expect`, or `sequence`, not both",
                    "split it into two rules",
                );
                return None;
            }
            (Some(name), _) => RuleKind::Sequence(self.sequence(&at, *name, &raw.with)?),
            (None, Some(expect)) => {
                self.refuse_params(&at, &raw.with, None);
                RuleKind::Calls(self.call_rule(&at, raw, expect))
            }
            (None, None) => {
                self.invalid_at_key(
                    &at,
                    "a rule needs `expect` (what every selected call must carry) or `sequence`",
                    "write `expect:` under `select:`, or name a built-in `sequence:` rule",
                );
                return None;
            }
        };
        let name = raw.name.clone().unwrap_or_else(|| match &kind {
            RuleKind::Sequence(s) => s.name().to_string(),
            RuleKind::Calls(_) => format!("calls (rule {})", i + 1),
        });
        Some(Rule { name, line, kind })
    }

    fn invalid_at_key(&mut self, at: &str, message: &str, hint: &str) {
        let e = self
            .ctx
            .error_at_key(at, CheckErrorKind::Invalid(message.into()));
        self.errors.push(e.with_hint(hint));
    }

    /// Refuses every parameter `name` does not take (`None`: a per-call rule).
    fn refuse_params(&mut self, at: &str, with: &RawRuleParams, name: Option<SequenceName>) {
        let takes = name.map_or(&[][..], params_of);
        for param in given(with) {
            if takes.contains(&param) {
                continue;
            }
            let (message, hint) = match name {
                None => (
                    format!("`{param}` is a parameter of sequence rules; this rule has `expect`"),
                    "remove `with:`".to_string(),
                ),
                Some(_) if takes.is_empty() => (
                    format!("`{param}` is not a parameter of this rule"),
                    "this rule takes no parameter: remove `with:`".to_string(),
                ),
                Some(_) => (
                    format!("`{param}` is not a parameter of this rule"),
                    format!("it takes: {}", takes.join(", ")),
                ),
            };
            self.invalid_at_key(&format!("{at}.with.{param}"), &message, &hint);
        }
    }

    fn sequence(&mut self, at: &str, name: SequenceName, with: &RawRuleParams) -> Option<Sequence> {
        self.refuse_params(at, with, Some(name));
        let statuses = || {
            with.statuses
                .clone()
                .unwrap_or_else(|| TERMINAL_STATUSES.iter().map(|s| s.to_string()).collect())
        };
        let slack = |default: u64| with.slack.map_or(Duration::from_millis(default), |d| d.0);
        Some(match name {
            SequenceName::KeyOnlyInHeader => Sequence::KeyOnlyInHeader,
            SequenceName::ReadUntilTerminal => Sequence::ReadUntilTerminal {
                statuses: statuses(),
            },
            SequenceName::ReadsOnlyReturnedIds => Sequence::ReadsOnlyReturnedIds,
            SequenceName::NoDuplicateExecution => Sequence::NoDuplicateExecution,
            SequenceName::StopAfterTerminal => Sequence::StopAfterTerminal {
                statuses: statuses(),
            },
            SequenceName::HonourRetryAfter => Sequence::HonourRetryAfter { slack: slack(50) },
            SequenceName::PollInterval => Sequence::PollInterval {
                min_interval: self.duration_param(&format!("{at}.with.min_interval"), with)?,
                slack: slack(10),
            },
            SequenceName::ConversationFromApi => Sequence::ConversationFromApi,
            SequenceName::NoResendSuperseded => Sequence::NoResendSuperseded,
            SequenceName::KeyOnlyInXApiKey => Sequence::KeyOnlyInXApiKey,
            SequenceName::RefusalBackoff => Sequence::RefusalBackoff {
                http_statuses: with.http_statuses.clone().unwrap_or_else(|| vec![401, 403]),
                min_gap: with.min_gap.map_or(Duration::from_secs(1), |d| d.0),
                max_repeats: with.max_repeats.unwrap_or(3),
            },
        })
    }

    /// `min_interval`: a duration, or one `{{ variable }}` the command sets.
    fn duration_param(&mut self, at: &str, with: &RawRuleParams) -> Option<DurationParam> {
        let Some(text) = &with.min_interval else {
            return Some(DurationParam::Variable("min_poll_interval".into()));
        };
        if text.contains("{{") {
            let template: Template = self.template(at, text)?;
            return match template.segments() {
                [Segment::Var { name, .. }] => Some(DurationParam::Variable(name.clone())),
                _ => {
                    self.errors.push(
                        self.ctx
                            .error_at_value(at, CheckErrorKind::DurationTemplate),
                    );
                    None
                }
            };
        }
        match humantime::parse_duration(text) {
            Ok(d) => Some(DurationParam::Fixed(d)),
            Err(e) => {
                let e = self.ctx.error_at_value(
                    at,
                    CheckErrorKind::InvalidDuration {
                        text: text.to_string(),
                        reason: e.to_string(),
                    },
                );
                self.errors
                    .push(e.with_hint("write e.g. `200ms`, or `{{ min_poll_interval }}`"));
                None
            }
        }
    }

    fn call_rule(&mut self, at: &str, raw: &RawRule, expect: &RawCallExpect) -> CallRule {
        let mut rule = CallRule::default();
        if let Some(select) = &raw.select {
            let here = format!("{at}.select");
            if let Some(spec) = &select.method {
                rule.method = self.matchers(&format!("{here}.method"), spec);
            }
            if let Some(spec) = &select.status {
                self.check_status_values(&format!("{here}.status"), spec);
                rule.status = self.matchers(&format!("{here}.status"), spec);
            }
            if let Some(path) = &select.path {
                if !path.starts_with('/') {
                    self.invalid_at_key(
                        &format!("{here}.path"),
                        "a path pattern starts with `/`",
                        "write e.g. `/v1/entry-points/*/execute`",
                    );
                }
                rule.path = Some(PathPattern::parse(path));
            }
        }
        rule.expect = self.call_expectations(&format!("{at}.expect"), expect);
        if expect.headers.is_empty() && expect.query.is_empty() && expect.body.is_empty() {
            self.invalid_at_key(
                &format!("{at}.expect"),
                "`expect` names nothing to check",
                "give `headers`, `query` or `body` matchers",
            );
        }
        rule
    }

    fn call_expectations(&mut self, at: &str, raw: &RawCallExpect) -> Vec<CallExpectation> {
        let mut out = Vec::new();
        for (name, spec) in &raw.headers {
            let here = format!("{at}.headers.{name}");
            if !is_header_name(name.strip_suffix('*').unwrap_or(name)) {
                self.errors.push(
                    self.ctx
                        .error_at_key(&here, CheckErrorKind::HeaderName(name.clone())),
                );
                continue;
            }
            let matchers = self.matchers(&here, spec);
            out.push(CallExpectation {
                target: CallTarget::Header(name.to_ascii_lowercase()),
                matchers,
                line: self.ctx.line_of(&here),
            });
        }
        for (name, spec) in &raw.query {
            let here = format!("{at}.query.{name}");
            let matchers = self.matchers(&here, spec);
            out.push(CallExpectation {
                target: CallTarget::Query(name.clone()),
                matchers,
                line: self.ctx.line_of(&here),
            });
        }
        for e in self.body_expectations(&format!("{at}.body"), &raw.body) {
            if let MatcherTarget::Body(path) = e.target {
                out.push(CallExpectation {
                    target: CallTarget::Body(path),
                    matchers: e.matchers,
                    line: e.line,
                });
            }
        }
        out
    }
}
