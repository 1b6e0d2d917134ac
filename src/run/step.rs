//! Running one step: render the request, send it (or poll it), judge the
//! response, capture values for later steps.

use serde_json::Value;

use std::collections::HashMap;
use std::sync::Arc;

use crate::check::{
    Advisory, Basis, Check, FromStep, Location, Request, Severity, Source, Step, Within,
};
use crate::result::{CheckResult, Exchange, Failure, FailureKind, Mismatch, NotSent, PollRecord};

use super::expect::{excerpt, holds, mismatches};
use super::http::{Incoming, Outgoing, Target};
use super::settings::RunSettings;
use super::transport::SendError;
use crate::lang::render::Vars;

/// How much of a response body a failure shows.
const FAILURE_BODY_LIMIT: usize = 300;

/// How a step ended when it did not simply pass.
#[derive(Debug)]
pub enum StepEnd {
    /// The check cannot be judged against this target; says what was seen.
    Inconclusive(String),
    /// The server answered and an expectation did not hold.
    Failed(Box<Failure>),
    /// No usable answer.
    Error(Box<Failure>),
    /// The step's `done_when` held: the check passes, nothing after it is
    /// left to judge.
    Done,
}

impl StepEnd {
    pub fn failed(failure: Failure, mismatches: Vec<Mismatch>) -> StepEnd {
        StepEnd::Failed(Box::new(with_mismatches(failure, mismatches)))
    }

    pub fn failed_with(failure: Failure) -> StepEnd {
        StepEnd::Failed(Box::new(failure))
    }

    pub fn error(failure: Failure) -> StepEnd {
        StepEnd::Error(Box::new(failure))
    }

    /// The end with the basis of the step it happened at, for a failure.
    fn resting_on(self, basis: Option<&Basis>) -> StepEnd {
        match self {
            StepEnd::Failed(mut f) if f.basis.is_none() => {
                f.basis = basis.map(Into::into);
                StepEnd::Failed(f)
            }
            other => other,
        }
    }
}

/// `failure` told by its first mismatch, with all of them.
fn with_mismatches(mut failure: Failure, mismatches: Vec<Mismatch>) -> Failure {
    {
        if let Some(first) = mismatches.first() {
            failure.kind = first.kind;
            failure.message = format!(
                "expected {} {}, got {}",
                first.target, first.expected, first.actual
            );
            if mismatches.len() > 1 {
                failure
                    .message
                    .push_str(&format!(" (and {} more)", mismatches.len() - 1));
            }
        }
        failure.mismatches = mismatches;
        failure
    }
}

/// The state of one check while it runs.
pub struct CheckRun<'a> {
    pub check: &'a Check,
    pub target: &'a Target,
    pub settings: &'a RunSettings,
    pub vars: Vars,
    pub file: String,
    pub exchanges: Vec<Exchange>,
    pub polls: Vec<PollRecord>,
    /// Advisory findings: what inferred expectations saw the target miss.
    pub findings: Vec<Failure>,
    /// The results of the checks this one requires, for its `from` steps.
    pub sources: &'a HashMap<String, Arc<CheckResult>>,
}

impl<'a> CheckRun<'a> {
    pub fn new(
        check: &'a Check,
        target: &'a Target,
        settings: &'a RunSettings,
        sources: &'a HashMap<String, Arc<CheckResult>>,
    ) -> CheckRun<'a> {
        let mut vars = Vars::default();
        vars.set("entry_point_id", settings.target.entry_point_id.clone());
        vars.set("run_id", settings.run_id.clone());
        for (name, value) in &settings.target.fixtures {
            vars.set(name, value.clone());
        }
        CheckRun {
            check,
            target,
            settings,
            vars,
            file: check.file.display().to_string(),
            exchanges: Vec::new(),
            polls: Vec::new(),
            findings: Vec::new(),
            sources,
        }
    }

    /// Runs every step in order; the first that does not pass ends the check.
    pub async fn run_steps(&mut self) -> Result<(), StepEnd> {
        for step in &self.check.steps {
            match self.run_step(step).await {
                Err(StepEnd::Done) => return Ok(()),
                other => other?,
            }
        }
        Ok(())
    }

    /// Runs `step`; in a required check, an inferred step that fails adds
    /// an advisory finding and the check goes on (it gates on the page's
    /// words only).
    async fn run_step(&mut self, step: &Step) -> Result<(), StepEnd> {
        let ended = self.judge_step(step).await;
        match ended.map_err(|end| end.resting_on(step.basis.as_ref())) {
            Err(StepEnd::Failed(finding))
                if step.is_inferred() && self.check.severity == Severity::Required =>
            {
                self.findings.push(*finding);
                Ok(())
            }
            other => other,
        }
    }

    /// Line `line` of the check's file.
    fn at(&self, line: usize) -> Location {
        Location::new(&self.file, line)
    }

    async fn judge_step(&mut self, step: &Step) -> Result<(), StepEnd> {
        let at = format!("{} ({})", step.name, self.at(step.line));
        let (sent, response) = match &step.source {
            Source::Request(request) => self.send(step, request, &at).await?,
            Source::From(from) => self.reuse(step, from, &at)?,
        };
        // Expectations first: a wrong answer is a failure, not a reason to
        // call the check inconclusive.
        let found = mismatches(&step.expect.items, &response, &self.vars, &self.file);
        if !found.is_empty() {
            return Err(StepEnd::failed(
                self.failure(
                    &at,
                    &sent,
                    Some(&response),
                    FailureKind::Body,
                    String::new(),
                ),
                found,
            ));
        }
        if let Some(within) = &step.within {
            self.judge_elapsed(within, &at, &sent, &response)?;
        }
        if let Some(advisory) = &step.advisory {
            self.advise(step, advisory, &at, &sent, &response);
        }
        if !step.seen.is_empty() {
            self.judge_seen(step)?;
        }
        if !step.done_when.is_empty() && holds(&step.done_when, &response, &self.vars) {
            return Err(StepEnd::Done);
        }
        if !step.inconclusive_when.is_empty()
            && holds(&step.inconclusive_when, &response, &self.vars)
        {
            return Err(StepEnd::Inconclusive(format!(
                "inconclusive against this target: at step `{}` the response was {}",
                step.name,
                response_line(&response)
            )));
        }
        self.capture(step, &at, &sent, &response)
    }

    /// Sends `request` (polling it if the step says so): the request line
    /// as sent, and the answer judged.
    async fn send(
        &mut self,
        step: &Step,
        request: &Request,
        at: &str,
    ) -> Result<(String, Incoming), StepEnd> {
        let out = self.outgoing(request).map_err(|why| {
            StepEnd::error(Failure::bare(
                FailureKind::NotSent(NotSent::Unwritable),
                why,
                at.into(),
            ))
        })?;
        let sent = self.sent(&out);
        let response = match &step.poll {
            Some(poll) => self.poll(&step.name, at, &out, poll).await?.response,
            None => {
                let (exchange, result) = self.target.send(&step.name, &out, None).await;
                super::observer::exchange(&exchange);
                self.exchanges.push(exchange);
                result.map_err(|why| StepEnd::error(self.no_answer(at, &sent, why)))?
            }
        };
        Ok((sent, response))
    }

    /// The answers another check's step received, judged instead of sent
    /// again: `always` on each 2xx one, the rest on the last. They join this
    /// check's evidence, marked as reused (they created nothing).
    fn reuse(
        &mut self,
        step: &Step,
        from: &FromStep,
        at: &str,
    ) -> Result<(String, Incoming), StepEnd> {
        let history: Vec<Exchange> = self
            .sources
            .get(from.check.as_str())
            .map(|r| {
                r.exchanges
                    .iter()
                    .filter(|e| e.step == from.step && e.response.is_some())
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let Some((last, response)) = history
            .last()
            .and_then(|e| Some((e, super::http::incoming_of(e)?)))
        else {
            let message = format!(
                "check `{}` recorded no answer at step `{}`",
                from.check, from.step
            );
            return Err(StepEnd::error(Failure::bare(
                FailureKind::NotSent(NotSent::NothingToReuse),
                message,
                at.into(),
            )));
        };
        let sent = format!("{} {} (as `{}` sent it)", last.method, last.url, from.check);
        for answer in history.iter().filter_map(super::http::incoming_of) {
            if !(200..300).contains(&answer.status) {
                continue;
            }
            let broken = mismatches(&step.always, &answer, &self.vars, &self.file);
            if !broken.is_empty() {
                let failure =
                    self.failure(at, &sent, Some(&answer), FailureKind::Body, String::new());
                return Err(StepEnd::failed(failure, broken));
            }
        }
        self.exchanges.extend(history.into_iter().map(|mut e| {
            e.reused_from = Some(from.check.to_string());
            e
        }));
        Ok((sent, response))
    }

    /// The 2xx answers `step` judged: each poll, a `from` step's history,
    /// or its one answer.
    fn answers_of(&self, step: &Step) -> Vec<Incoming> {
        self.exchanges
            .iter()
            .filter(|e| match step.from() {
                Some(from) => {
                    e.reused_from.as_deref() == Some(from.check.as_str()) && e.step == from.step
                }
                None => e.reused_from.is_none() && e.step == step.name,
            })
            .filter_map(super::http::incoming_of)
            .filter(|answer| (200..300).contains(&answer.status))
            .collect()
    }

    /// Judges the step's advisory expectations: each answer that misses
    /// them is a finding, never a failure.
    fn advise(
        &mut self,
        step: &Step,
        advisory: &Advisory,
        at: &str,
        sent: &str,
        response: &Incoming,
    ) {
        let basis = Some((&advisory.basis).into());
        let mut found = mismatches(&advisory.items, response, &self.vars, &self.file);
        if !advisory.always.is_empty() {
            for answer in self.answers_of(step) {
                let broken = mismatches(&advisory.always, &answer, &self.vars, &self.file);
                if !broken.is_empty() {
                    found.extend(broken);
                    break;
                }
            }
        }
        if !found.is_empty() {
            let failure = self.failure(at, sent, Some(response), FailureKind::Body, String::new());
            let mut finding = with_mismatches(failure, found);
            finding.basis = basis;
            self.findings.push(finding);
        }
    }

    /// Whether the step saw what it judges: one 2xx answer at least must
    /// hold `seen`, else the check is inconclusive and says what it saw.
    fn judge_seen(&self, step: &Step) -> Result<(), StepEnd> {
        let answers = self.answers_of(step);
        if answers.iter().any(|a| holds(&step.seen, a, &self.vars)) {
            return Ok(());
        }
        let wanted: Vec<String> = step.seen.iter().map(|e| e.target.to_string()).collect();
        let statuses: Vec<String> = answers
            .iter()
            .filter_map(|a| a.json.as_ref().ok()?.get("status").map(|v| v.to_string()))
            .collect();
        Err(StepEnd::Inconclusive(format!(
            "inconclusive against this target: step `{}` judged {} answer{} and none showed what it judges ({} as `inconclusive_unless_seen` says at {}); statuses seen: {}",
            step.name,
            answers.len(),
            if answers.len() == 1 { "" } else { "s" },
            wanted.join(", "),
            self.at(step.line),
            if statuses.is_empty() { "none".to_string() } else { statuses.join(", ") },
        )))
    }

    /// Whether the step's last answer came within its budget of the start
    /// of the check's first request (sent or judged): the reports' own
    /// times, on the run's one clock.
    fn judge_elapsed(
        &self,
        within: &Within,
        at: &str,
        sent: &str,
        response: &Incoming,
    ) -> Result<(), StepEnd> {
        let (budget, from) = match within
            .fixture
            .as_ref()
            .and_then(|name| Some((name, self.settings.target.fixtures.get(name)?)))
        {
            Some((name, text)) => match humantime::parse_duration(text.trim()) {
                Ok(budget) => (budget, format!("fixture `{name}`")),
                Err(why) => {
                    let message = format!(
                        "fixture `{name}` is not a duration (`{}`: {why}); write e.g. `30s` or `500ms` ({})",
                        crate::text::excerpt(text, 40),
                        self.at(within.line)
                    );
                    return Err(StepEnd::error(Failure::bare(
                        FailureKind::NotSent(NotSent::BadFixture),
                        message,
                        at.into(),
                    )));
                }
            },
            None => (within.budget, "`within`".to_string()),
        };
        let first = self.exchanges.iter().map(|e| e.started_ms).reduce(f64::min);
        let last = self
            .exchanges
            .iter()
            .map(|e| e.started_ms + e.duration_ms)
            .reduce(f64::max);
        let (Some(first), Some(last)) = (first, last) else {
            return Ok(());
        };
        let elapsed = std::time::Duration::from_secs_f64((last - first).max(0.0) / 1000.0);
        if elapsed <= budget {
            return Ok(());
        }
        let override_with = within.fixture.as_ref().map_or(String::new(), |name| {
            format!(
                "; set {} or pass --fixture {name}=DURATION to change it",
                crate::check::env_var_for(name)
            )
        });
        let message = format!(
            "the answer came {:.2} s after the check's first request, over the budget of {} ({from}, {}{override_with})",
            elapsed.as_secs_f64(),
            humantime::format_duration(budget),
            self.at(within.line)
        );
        Err(StepEnd::failed_with(self.failure(
            at,
            sent,
            Some(response),
            FailureKind::OverBudget,
            message,
        )))
    }

    fn capture(
        &mut self,
        step: &Step,
        at: &str,
        sent: &str,
        response: &Incoming,
    ) -> Result<(), StepEnd> {
        for capture in &step.captures {
            let captured = match &response.json {
                // A body that is not JSON (cut at the cap, HTML...) says so,
                // rather than "the body has no `executionId`".
                Err(why) => Err((FailureKind::NotJson, why.clone())),
                Ok(json) => captured_text(capture.path.select(json), &capture.path),
            };
            let text = captured.map_err(|(kind, why)| {
                let message = format!(
                    "cannot capture `{}`: {why} ({})",
                    capture.var,
                    self.at(capture.line)
                );
                StepEnd::failed_with(self.failure(at, sent, Some(response), kind, message))
            })?;
            self.vars.set(&capture.var, text);
        }
        Ok(())
    }

    fn outgoing(&self, request: &Request) -> Result<Outgoing, String> {
        let headers = request
            .headers
            .iter()
            .map(|(name, value)| {
                let value = self.vars.render(value)?;
                // Named here: the library would only say "builder error".
                reqwest::header::HeaderValue::from_str(&value).map_err(|_| {
                    format!(
                        "not sent: the value of header `{name}` cannot go in an HTTP header \
                         (it holds a line break, a control character or a non-ASCII one)"
                    )
                })?;
                Ok((name.clone(), value))
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Outgoing {
            method: request.method.into(),
            path: self.vars.render_path(&request.path)?,
            headers,
            body: request
                .body
                .as_ref()
                .map(|b| self.vars.render_json(b))
                .transpose()?,
            key: request.key.clone(),
        })
    }

    /// The error of a request (`sent`, its line) at step `at` that got no
    /// answer.
    pub fn no_answer(&self, at: &str, sent: &str, why: SendError) -> Failure {
        self.failure(at, sent, None, why.kind, why.message)
    }

    /// The line of a request as sent: `POST https://host/v1/... (account key)`.
    pub fn sent(&self, out: &Outgoing) -> String {
        format!(
            "{} {} ({})",
            out.method,
            self.target.shown_url(&out.path),
            out.key
        )
    }

    /// A failure of `kind` at step `at` for the request `sent` (its line,
    /// with the URL as sent) and what came back.
    pub fn failure(
        &self,
        at: &str,
        sent: &str,
        response: Option<&Incoming>,
        kind: FailureKind,
        message: String,
    ) -> Failure {
        let redactor = self.target.redactor();
        Failure {
            request: Some(redactor.redact(sent)),
            response: response.map(response_line),
            http_status: response.map(|r| r.status),
            ..Failure::bare(kind, redactor.redact(&message), at.to_string())
        }
    }
}

/// The longest value a capture takes: ids are short, and a value sent back
/// in a path or header is repeated in every exchange and report.
pub const CAPTURE_LIMIT: usize = 2048;

/// The text a capture takes from `value` (at `path`), or why it cannot.
fn captured_text(
    value: Option<&Value>,
    path: &impl std::fmt::Display,
) -> Result<String, (FailureKind, String)> {
    let text = match value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => {
            return Err((FailureKind::Capture, format!("the body has no `{path}`")))
        }
        Some(other) => other.to_string(),
    };
    if text.len() > CAPTURE_LIMIT {
        return Err((
            FailureKind::Capture,
            format!(
                "`{path}` is {} bytes long, over the {CAPTURE_LIMIT}-byte limit of a captured value: `{}`",
                text.len(),
                crate::text::excerpt(&text, 40)
            ),
        ));
    }
    Ok(text)
}

/// `401 application/json {"message":"Missing API key"}`, body cut short;
/// a redirect names where it pointed.
pub fn response_line(response: &Incoming) -> String {
    let mut line = response.status.to_string();
    if let Some(location) = response.header("location") {
        line.push_str(&format!(" (Location: {location}, not followed)"));
    }
    if let Some(ct) = response.header("content-type") {
        line.push(' ');
        line.push_str(ct);
    }
    if !response.body.is_empty() {
        line.push(' ');
        line.push_str(&excerpt(&response.body, FAILURE_BODY_LIMIT));
    }
    line
}
