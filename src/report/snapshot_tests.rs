//! Snapshot tests pinning every text a run is rendered to: the terminal
//! summary, report.md, junit.xml and report.json, from the fixed sample run
//! and from a graded client run. What changes from run to run (run ids,
//! times, durations, ports, the tool's version, the checks' digest) is replaced by placeholders
//! first, as nextest's `redact.rs` prepares its snapshots, so a snapshot
//! changes only when the output's shape does. Review a change with
//! `cargo insta review`, or `INSTA_UPDATE=always cargo test` and `git diff`.

use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

use regex::Regex;

use super::sample::sample_run;
use super::{render_json, render_junit, render_markdown};
use crate::check::{load_sources, CheckSource};
use crate::grade::{assemble_client, ClientFacts, ClientTimes, GradeContext};
use crate::result::{RunResult, Target};
use crate::secret::Redactor;

/// Each pattern of varying text, with the placeholder it becomes.
static REDACTIONS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        // Colour codes, in case `colored` decided the test runs on a terminal.
        (r"\x1b\[[0-9;]*m", ""),
        (r"\b\d{8}T\d{6}Z-[0-9a-z]+\b", "[RUN_ID]"),
        (
            r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?",
            "[TIMESTAMP]",
        ),
        // The digest of the check files, which changes with any check.
        (r"\b[0-9a-f]{64}\b", "[SHA256]"),
        (r"(127\.0\.0\.1|localhost|\[::1\]):\d+", "$1:[PORT]"),
        (r#"("\w*_ms"): -?\d+(\.\d+)?"#, "$1: [DURATION]"),
        (r#"\b(time|duration)="[0-9.]+""#, r#"$1="[DURATION]""#),
        (r"\b\d+(\.\d+)? (ms|s)\b", "[DURATION]"),
        (
            r#"("version": "|"tool_version" value="|wapzi-homolog v?)\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?"#,
            "${1}[VERSION]",
        ),
    ]
    .into_iter()
    .map(|(pattern, with)| (Regex::new(pattern).expect("a valid pattern"), with))
    .collect()
});

/// `text` with everything that varies between runs replaced.
fn redact_for_snapshot(text: &str) -> String {
    REDACTIONS
        .iter()
        .fold(text.to_string(), |text, (pattern, with)| {
            pattern.replace_all(&text, *with).into_owned()
        })
}

/// Every rendering of `run`, each as a named snapshot under `prefix`.
fn assert_renderings(prefix: &str, run: &RunResult) {
    let redactor = Redactor::default();
    let renderings = [
        ("summary", crate::app::term::summary(run)),
        (
            "report_md",
            render_markdown(run, &redactor).expect("markdown renders"),
        ),
        (
            "junit_xml",
            render_junit(run, &redactor).expect("junit renders"),
        ),
        (
            "report_json",
            render_json(run, &redactor).expect("json renders"),
        ),
    ];
    for (name, text) in renderings {
        insta::assert_snapshot!(format!("{prefix}_{name}"), redact_for_snapshot(&text));
    }
}

#[test]
fn the_sample_run_renders_as_pinned() {
    assert_renderings("api", &sample_run());
}

#[test]
fn failure_texts_render_as_pinned() {
    let run = sample_run();
    let text: Vec<String> = run
        .checks
        .iter()
        .filter(|c| c.failure().is_some())
        .map(|c| {
            format!(
                "---- {} ----\n{}",
                c.id,
                crate::failure_text::failure_text(c)
            )
        })
        .collect();
    insta::assert_snapshot!("api_failure_text", redact_for_snapshot(&text.join("\n\n")));
}

#[test]
fn a_client_run_renders_as_pinned() {
    let set = load_sources(&[CheckSource::Builtin]).expect("the built-in checks load");
    let started_at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000);
    let times = ClientTimes {
        started_at,
        finished_at: started_at + Duration::from_millis(1250),
    };
    let target = Target::sandbox_for_tests("http://127.0.0.1:41234");
    let (mut run, _, _) = assemble_client(
        &set,
        &crate::grade::sample::correct(),
        &GradeContext::new(&[]),
        ClientFacts::default(),
        times,
        "20261128T141535Z-c11e47",
        target,
    );
    // Only the client checks' files, so adding an API check changes no snapshot.
    run.checks_digest.files.retain(|f| f.contains("client/"));
    assert_renderings("client", &run);
}

#[test]
fn redaction_replaces_what_varies_and_keeps_the_rest() {
    let text = "run 20261128T141535Z-1a2b3c at 2026-11-28T14:15:41.250Z on \
                http://127.0.0.1:41234 took 1.25 s, \"duration_ms\": 6250.0, \
                time=\"6.250\", \"version\": \"0.1.0\", wapzi-homolog 1.2.3-rc.1, status 401";
    assert_eq!(
        redact_for_snapshot(text),
        "run [RUN_ID] at [TIMESTAMP] on http://127.0.0.1:[PORT] took [DURATION], \
         \"duration_ms\": [DURATION], time=\"[DURATION]\", \"version\": \"[VERSION]\", wapzi-homolog [VERSION], status 401"
    );
}
