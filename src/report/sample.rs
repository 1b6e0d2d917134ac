//! A hand-built run for the writers' tests: passed, failed, error,
//! advisory-failed and ignored checks, with exchanges, polls, hostile text
//! and a planted secret (left unredacted on purpose).

use crate::result::*;

/// A secret left in a response body and header of the sample.
pub(crate) const PLANTED_SECRET: &str = "ak_PLANTEDsecret0123456789abcdef";

/// Hostile text placed in server-sent fields of the sample.
pub(crate) const HOSTILE: &str = "</pre></details><script>document.title='pwned'</script>";

/// The sample run.
pub(crate) fn sample_run() -> RunResult {
    let mut checks = vec![
        happy_path(),
        missing_key(),
        poll_timeout(),
        request_id_advisory(),
        rate_limit_ignored(),
    ];
    with_bases(&mut checks);
    let checklist = vec![
        item(
            "auth",
            "Requests without a valid key are refused",
            &checks,
            &["auth::missing-key"],
        ),
        item(
            "execute",
            "An execution is accepted and completes",
            &checks,
            &["execute::happy-path", "limits::rate-limit"],
        ),
        item(
            "execution",
            "Executions end within the deadline",
            &checks,
            &["execution::poll-timeout"],
        ),
        item(
            "headers",
            "Responses carry a request id",
            &checks,
            &["headers::request-id"],
        ),
        item(
            "polling",
            "Executions are polled to completion",
            &checks,
            &["execute::happy-path"],
        ),
        item("tls", "The target uses TLS 1.2 or later", &checks, &[]),
    ];
    let summary = Summary::of(&checks);
    let root_causes: Vec<RootCause> = checks
        .iter()
        .filter(|c| c.fails_gate())
        .filter_map(|c| {
            c.failure().map(|f| RootCause {
                summary: f.message.clone(),
                kind: f.kind,
                checks: vec![c.id.clone()],
                failure: f.clone(),
                blocked: vec!["limits::rate-limit".into()],
                items: vec![c.checklist_item.clone()],
            })
        })
        .collect();
    let verdict = RunVerdict::NotReady;
    RunResult {
        schema_version: SCHEMA_VERSION,
        side: crate::result::Side::Api,
        tool: Tool {
            name: "wapzi-homolog".into(),
            version: "0.1.0".into(),
        },
        run_id: "20261128T141535Z-1a2b3c".into(),
        started_at: "2026-11-28T14:15:35Z".into(),
        finished_at: "2026-11-28T14:15:41.250Z".into(),
        duration_ms: 6250.0,
        target: Target {
            base_url: "http://127.0.0.1:41234".into(),
            entry_point_id: "entry_point_123".into(),
            sandbox: true,
            faults: vec!["slow-completion".into()],
            dialects: Vec::new(),
            fixtures_supplied: vec!["CUSTOMER_PHONE".into()],
            tls: None,
            proxy: None,
        },
        checks_digest: ChecksDigest {
            sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
            files: vec!["checks/auth/missing-key.yaml".into()],
        },
        summary,
        executions_created: 1,
        executions_on_other_accounts: 0,
        requests_sent: 5,
        verdict,
        reasons: root_causes
            .iter()
            .map(|c| format!("1 check failed: {} ({})", c.summary, c.checks.join(", ")))
            .collect(),
        root_causes,
        unreachable: None,
        interrupted_by: None,
        checklist,
        ready: false,
        exit_code: i32::from(verdict.exit_code()),
        preflight: vec![],
        checks,
        client: None,
        waivers: Vec::new(),
    }
}

fn item(id: &str, text: &str, checks: &[CheckResult], ids: &[&str]) -> ChecklistVerdict {
    let mine: Vec<&CheckResult> = checks
        .iter()
        .filter(|c| ids.contains(&c.id.as_str()) && c.severity == Severity::Required)
        .collect();
    let with = |v: Verdict| -> Vec<String> {
        mine.iter()
            .filter(|c| c.verdict == v)
            .map(|c| c.id.clone())
            .collect()
    };
    let passed = with(Verdict::Passed);
    let mut failed = with(Verdict::Failed);
    failed.extend(with(Verdict::Error));
    let gaps: Vec<Gap> = mine
        .iter()
        .filter_map(|c| match &c.outcome {
            Outcome::Ignored { reason } => Some(Gap {
                check: c.id.clone(),
                reason: reason.clone(),
            }),
            _ => None,
        })
        .collect();
    let verdict = ItemVerdict::of(!failed.is_empty(), !passed.is_empty(), !gaps.is_empty());
    ChecklistVerdict {
        id: id.into(),
        text: text.into(),
        verdict,
        checks: ids.iter().map(|s| s.to_string()).collect(),
        passed,
        failed,
        gaps,
        waived: Vec::new(),
    }
}

fn check(id: &str, item: &str, severity: Severity, outcome: Outcome) -> CheckResult {
    CheckResult {
        id: id.into(),
        title: format!("{id} title"),
        checklist_item: item.into(),
        severity,
        hint: format!("Hint for {id}."),
        location: format!("checks/{}.yaml:1", id.replace("::", "/")),
        basis: None,
        findings: vec![],
        verdict: Verdict::of(&outcome, severity),
        outcome,
        started_ms: 0.0,
        duration_ms: 0.0,
        exchanges: vec![],
        polls: vec![],
    }
}

fn header(name: &str, value: &str) -> Header {
    Header {
        name: name.into(),
        value: value.into(),
    }
}

fn exchange(
    method: &str,
    url: &str,
    status: Option<u16>,
    body: &str,
    at: f64,
    dur: f64,
) -> Exchange {
    Exchange {
        step: "execute".into(),
        method: method.into(),
        url: url.into(),
        request_headers: vec![
            header("content-type", "application/json"),
            header("x-api-key", "[redacted]"),
        ],
        request_body: (method == "POST").then(|| r#"{"message":"Hello"}"#.to_string()),
        response: status.map(|status| ResponseRecord {
            status,
            headers: vec![header("content-type", "application/json")],
            body: body.into(),
            body_bytes: body.len() as u64,
            truncated: false,
        }),
        error: status.is_none().then(|| "timed out after 2 s".to_string()),
        started_ms: at,
        duration_ms: dur,
        poll: None,
        reused_from: None,
        key_env: Some("WAPZI_API_KEY".into()),
    }
}

const BASE: &str = "http://127.0.0.1:41234";

fn happy_path() -> CheckResult {
    let mut c = check(
        "execute::happy-path",
        "execute",
        Severity::Required,
        Outcome::Passed,
    );
    c.started_ms = 5.0;
    c.duration_ms = 1900.0;
    let post = format!("{BASE}/v1/entry-points/entry_point_123/execute");
    c.exchanges.push(exchange(
        "POST",
        &post,
        Some(202),
        r#"{"executionId":"exec_1","status":"queued"}"#,
        10.0,
        120.0,
    ));
    let get = format!("{BASE}/v1/executions/exec_1");
    let statuses = ["queued", "running", "completed"];
    let mut observations = vec![];
    for (i, status) in statuses.iter().enumerate() {
        let at = 400.0 + 600.0 * i as f64;
        let mut poll = exchange(
            "GET",
            &get,
            Some(200),
            &format!(r#"{{"status":"{status}"}}"#),
            at,
            40.0,
        );
        poll.step = "poll".into();
        poll.poll = Some(i as u32 + 1);
        c.exchanges.push(poll);
        observations.push(Observation {
            at_ms: at + 40.0,
            http_status: Some(200),
            value: Some(status.to_string()),
        });
    }
    c.polls.push(PollRecord {
        step: "poll".into(),
        path: "/v1/executions/exec_1".into(),
        polls: 3,
        observations,
        time_to_end_ms: 1240.0,
        end: PollEnd::Reached,
    });
    c
}

fn missing_key() -> CheckResult {
    let body = format!(
        "{HOSTILE}<img src=x onerror=\"document.title='pwned'\">\n```\nfence break | pipe\n```\necho: {PLANTED_SECRET}"
    );
    let failure = Failure {
        kind: FailureKind::Status,
        message: "expected status 401, got 200 <b onmouseover=alert(1)>".into(),
        step: "execute without key (checks/auth/missing-key.yaml:6)".into(),
        request: Some(format!(
            "POST {BASE}/v1/entry-points/entry_point_123/execute (no key)"
        )),
        response: Some(format!("200 {body}")),
        http_status: Some(200),
        hint: "Hint for auth::missing-key.".into(),
        last_value: None,
        basis: None,
        mismatches: vec![Mismatch {
            kind: FailureKind::Status,
            target: "status".into(),
            expected: "401".into(),
            actual: "200".into(),
            location: "checks/auth/missing-key.yaml:9".into(),
        }],
    };
    let mut c = check(
        "auth::missing-key",
        "auth",
        Severity::Required,
        Outcome::Failed(failure),
    );
    c.started_ms = 1910.0;
    c.duration_ms = 300.0;
    let post = format!("{BASE}/v1/entry-points/entry_point_123/execute");
    let mut ex = exchange("POST", &post, Some(200), &body, 1915.0, 280.0);
    ex.request_headers.retain(|h| h.name != "x-api-key");
    if let Some(response) = ex.response.as_mut() {
        response.headers.push(header("x-echo-key", PLANTED_SECRET));
        response.headers.push(header("x-hostile", HOSTILE));
    }
    c.exchanges.push(ex);
    c
}

fn poll_timeout() -> CheckResult {
    let failure = Failure {
        request: Some(format!("GET {BASE}/v1/executions/exec_2 (account key)")),
        hint: "The target did not answer in time.".into(),
        ..Failure::bare(
            FailureKind::Timeout,
            "no answer: timed out after 2 s".into(),
            "poll (checks/execution/poll-timeout.yaml:12)".into(),
        )
    };
    let mut c = check(
        "execution::poll-timeout",
        "execution",
        Severity::Required,
        Outcome::Error(failure),
    );
    c.started_ms = 2220.0;
    c.duration_ms = 3000.0;
    let mut ex = exchange(
        "GET",
        &format!("{BASE}/v1/executions/exec_2"),
        None,
        "",
        3200.0,
        2000.0,
    );
    ex.poll = Some(1);
    c.exchanges.push(ex);
    c.polls.push(PollRecord {
        step: "poll".into(),
        path: "/v1/executions/exec_2".into(),
        polls: 1,
        observations: vec![Observation {
            at_ms: 5200.0,
            http_status: None,
            value: None,
        }],
        time_to_end_ms: 2000.0,
        end: PollEnd::Error,
    });
    c
}

fn request_id_advisory() -> CheckResult {
    let failure = Failure {
        kind: FailureKind::Header,
        message: "header x-request-id is absent".into(),
        step: "execute (checks/headers/request-id.yaml:5)".into(),
        request: Some(format!(
            "POST {BASE}/v1/entry-points/entry_point_123/execute (account key)"
        )),
        response: Some("202 {\"status\":\"queued\"}".into()),
        http_status: Some(202),
        hint: "Hint for headers::request-id.".into(),
        last_value: None,
        basis: None,
        mismatches: vec![Mismatch {
            kind: FailureKind::Header,
            target: "header x-request-id".into(),
            expected: "non_empty".into(),
            actual: "absent".into(),
            location: "checks/headers/request-id.yaml:8".into(),
        }],
    };
    let mut c = check(
        "headers::request-id",
        "headers",
        Severity::Advisory,
        Outcome::Failed(failure),
    );
    c.started_ms = 5230.0;
    c.duration_ms = 150.0;
    let post = format!("{BASE}/v1/entry-points/entry_point_123/execute");
    c.exchanges.push(exchange(
        "POST",
        &post,
        Some(202),
        "{\"status\":\"queued\"}",
        5235.0,
        140.0,
    ));
    c
}

fn rate_limit_ignored() -> CheckResult {
    let reason = "needs fixture RATE_LIMIT_KEY | not supplied".to_string();
    check(
        "limits::rate-limit",
        "execute",
        Severity::Required,
        Outcome::Ignored { reason },
    )
}

/// The sample's bases: the failed check quotes the page, the passed one
/// carries an advisory finding where the page is silent (hostile text in
/// it, as a server could send).
fn with_bases(checks: &mut [CheckResult]) {
    let quoted = BasisRecord::Quoted {
        quotes: vec!["401 Missing API key".into()],
        reference: "the vendor's API page".into(),
    };
    let inferred = BasisRecord::Inferred {
        reason: "the page shows queued before the end, nothing else".into(),
    };
    if let Some(missing) = checks.iter_mut().find(|c| c.id == "auth::missing-key") {
        missing.basis = Some(quoted.clone());
        if let Outcome::Failed(f) = &mut missing.outcome {
            f.basis = Some(quoted);
        }
    }
    if let Some(happy) = checks.iter_mut().find(|c| c.id == "execute::happy-path") {
        happy.findings.push(Failure {
            kind: FailureKind::Body,
            message: format!("expected body status one of queued, completed, failed, superseded, got \"running{HOSTILE}\""),
            step: "poll (checks/execute/happy-path.yaml:12)".into(),
            request: Some(format!("GET {BASE}/v1/executions/exec_1 (account key)")),
            response: Some("200 {\"status\":\"running\"}".into()),
            http_status: Some(200),
            mismatches: vec![Mismatch {
                kind: FailureKind::Body,
                target: "body status".into(),
                expected: "one of queued, completed, failed, superseded".into(),
                actual: "\"running\"".into(),
                location: "checks/execute/happy-path.yaml:20".into(),
            }],
            hint: "Hint for execute::happy-path.".into(),
            last_value: None,
            basis: Some(inferred),
        });
    }
}
