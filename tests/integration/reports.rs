//! The report set through the public API, and the HTML report in a real
//! headless browser: hostile server text renders as text and runs nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::assert_exit;
use crate::support::assert_exit_case;
use wapzi_homolog::exit;
use wapzi_homolog::report::{self, render_html, write_all};
use wapzi_homolog::result::RunResult;
use wapzi_homolog::secret::Redactor;

const CHROMIUM: &str = "/usr/bin/chromium";

/// Strings the fixture's server-sent fields and titles are laced with.
const HOSTILE: [&str; 3] = [
    "</pre></details><script>document.title='pwned'</script>",
    "<img src=x onerror=\"document.title='pwned'\">",
    "<b onmouseover=\"document.title='pwned'\">hover me</b>",
];

fn fixture() -> RunResult {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reports/hostile-run.json");
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Serializes text the way a browser's DOM dump does inside an element.
fn as_dom_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[test]
fn report_set_parses_back() {
    let run = fixture();
    let root = tempfile::tempdir().unwrap();
    let set = write_all(&run, root.path(), &Redactor::default()).unwrap();
    // Five reports and the record, in the run's folder and in latest/.
    assert_eq!(set.files.len(), 12);

    let json = std::fs::read_to_string(set.latest.join(report::JSON_FILE)).unwrap();
    let back: RunResult = serde_json::from_str(&json).unwrap();
    assert_eq!(back, run);

    let xml = std::fs::read_to_string(set.dir.join(report::JUNIT_FILE)).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    let count = |name| suite.attribute(name).unwrap().parse::<usize>().unwrap();
    let s = run.summary;
    assert_eq!(
        (
            count("tests"),
            count("failures"),
            count("errors"),
            count("skipped")
        ),
        // One case more, failed: the run's verdict.
        (s.total + 1, s.failed + 1, s.errors, s.ignored)
    );

    let md = std::fs::read_to_string(set.dir.join(report::MARKDOWN_FILE)).unwrap();
    assert!(
        md.starts_with("# Wapzi homologation: ❌ NOT READY\n"),
        "{md}"
    );
    assert!(md.lines().any(|l| l.starts_with("- ❌ **auth**: ")), "{md}");
}

/// Runs Chromium headless on `page` and returns the DOM it ended with.
fn dump_dom(page: &Path, profile: &Path) -> String {
    let url = format!("file://{}", page.display());
    let output = Command::new("timeout")
        .arg("60")
        .arg(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "chromium failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Whether this machine can run the browser test; on CI it must.
fn chromium_present() -> bool {
    if Path::new(CHROMIUM).exists() {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{CHROMIUM} is missing: CI must run the browser test of the HTML report \
         (install Debian's `chromium` package in .ci/run)"
    );
    eprintln!("SKIPPED html_report_runs_nothing_in_a_browser: {CHROMIUM} not installed (apt-get install chromium)");
    false
}

#[test]
fn html_report_runs_nothing_in_a_browser() {
    if !chromium_present() {
        return;
    }
    let run = fixture();
    let html = render_html(&run, &Redactor::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let page: PathBuf = dir.path().join("report.html");
    std::fs::write(&page, &html).unwrap();
    let profile = dir.path().join("profile");
    let dom = dump_dom(&page, &profile);

    let title = format!(
        "<title>Wapzi homologation: NOT READY ({})</title>",
        run.run_id
    );
    assert!(
        dom.contains(&title),
        "the title changed: a script ran\n{dom}"
    );
    assert!(!dom.contains("pwned</title>"));
    assert!(dom.contains("NOT READY"), "the verdict is not shown");
    for hostile in HOSTILE {
        assert!(
            dom.contains(&as_dom_text(hostile)),
            "{hostile} is not shown as text"
        );
    }
    assert!(
        !dom.to_ascii_lowercase().contains("<script"),
        "a script element made it into the DOM"
    );
    assert!(!dom.contains("<img"), "an img element made it into the DOM");
    let event_attribute = regex::Regex::new(r"(?i)<[a-z][^<>]*\son[a-z]+\s*=").unwrap();
    assert!(
        event_attribute.find(&dom).is_none(),
        "an event-handler attribute made it into the DOM: {:?}",
        event_attribute.find(&dom).map(|m| m.as_str())
    );
    assert!(dom.contains("<svg"), "the timeline is missing");
}

/// A real run against a sandbox with a fault and no fixtures: passed,
/// failed and ignored checks, and the reports a user would attach.
#[test]
fn a_real_run_writes_reports_that_parse_and_agree_with_the_terminal() {
    let sandbox = crate::support::TestSandbox::start(20, &["accept-missing-key"]);
    let root = tempfile::tempdir().unwrap();
    let ran = crate::support::run(
        sandbox
            .command()
            .args(["run", "--reports"])
            .arg(root.path()),
    );
    assert_exit(&ran, exit::NOT_READY);
    let latest = root.path().join(report::LATEST_DIR);

    let json = std::fs::read_to_string(latest.join(report::JSON_FILE)).unwrap();
    let run: RunResult = serde_json::from_str(&json).unwrap();
    let failed: Vec<&str> = run
        .checks
        .iter()
        .filter(|c| c.fails_gate())
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(
        failed,
        [
            "key::missing",
            "key::only-in-x-api-key",
            "key::refused-on-a-finished-execution",
            "shape::error-bodies"
        ]
    );
    assert_eq!(run.summary.ignored, ran.with_status("ignored").len());
    assert_eq!(run.summary.passed, ran.passed().len());
    assert!(run.summary.ignored > 0 && run.summary.passed > 0);
    assert_eq!(run.exit_code, 1);
    assert!(!run.ready);
    assert!(run.checks.iter().all(|c| c.duration_ms >= 0.0));
    let polled = run
        .checks
        .iter()
        .find(|c| c.id == "execution::completes")
        .unwrap();
    assert!(polled.polls[0].polls >= 1 && !polled.polls[0].observations.is_empty());
    assert_eq!(
        polled.polls[0]
            .observations
            .last()
            .unwrap()
            .value
            .as_deref(),
        Some("completed")
    );
    let digest = std::fs::read_to_string(latest.join(report::JSON_DIGEST_FILE)).unwrap();
    assert_eq!(digest, report::render_digest(&json));

    let xml = std::fs::read_to_string(latest.join(report::JUNIT_FILE)).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    let count = |name| suite.attribute(name).unwrap().parse::<usize>().unwrap();
    // One case more than checks, failed: the run's verdict (and 4 checks).
    assert_eq!(
        (count("tests"), count("failures"), count("skipped")),
        (run.summary.total + 1, 5, run.summary.ignored)
    );

    let md = std::fs::read_to_string(latest.join(report::MARKDOWN_FILE)).unwrap();
    assert!(md.starts_with("# Wapzi homologation: ❌ NOT READY"), "{md}");
    assert!(
        md.lines().any(|l| l.starts_with("- ❌ **valid-key**")),
        "{md}"
    );
}

#[test]
fn a_real_html_injection_run_renders_as_text_in_a_browser() {
    if !chromium_present() {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let ran = crate::support::run(
        crate::support::bin()
            .args(["run", "--sandbox", "--fault", "html-injection", "--reports"])
            .arg(root.path()),
    );
    assert_exit(&ran, exit::NOT_READY);
    let page = root.path().join(report::LATEST_DIR).join(report::HTML_FILE);
    let dom = dump_dom(&page, &root.path().join("profile"));
    assert!(dom.contains("NOT READY"), "the verdict is not shown");
    assert!(!dom.contains("pwned</title>"), "a script ran");
    assert!(
        !dom.to_ascii_lowercase().contains("<script"),
        "a script element made it into the DOM"
    );
    assert!(
        dom.contains(&as_dom_text(wapzi_homolog::sandbox::HTML_INJECTION_NOTE)),
        "the hostile header is not shown as text"
    );
}

#[test]
fn reports_that_cannot_be_written_exit_3_after_the_results_are_printed() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, "a file where the reports folder should be").unwrap();
    let ran = crate::support::run(
        crate::support::bin()
            .args(["run", "--sandbox", "--reports"])
            .arg(&blocker),
    );
    assert_exit(&ran, exit::REPORTS);
    assert!(
        ran.stdout.contains("test result: ok"),
        "the results were printed first:\n{}",
        ran.stdout
    );
    assert!(
        ran.stderr.contains("cannot write the reports") && ran.stderr.contains("not-a-folder"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains("os error"),
        "the OS reason is given: {}",
        ran.stderr
    );
}

#[test]
fn github_actions_get_annotations_and_a_step_summary() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("step-summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let ran = crate::support::run(
        crate::support::bin()
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_STEP_SUMMARY", &summary)
            .args([
                "run",
                "--sandbox",
                "--fault",
                "accept-missing-key",
                "--reports",
            ])
            .arg(dir.path().join("reports")),
    );
    assert_exit(&ran, exit::NOT_READY);
    let annotations: Vec<&str> = ran
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    // The verdict's, then one per failed check.
    assert_eq!(annotations.len(), 5, "{}", ran.stdout);
    assert!(annotations[0].starts_with("::error title=Wapzi homologation%3A NOT READY::"));
    assert!(
        annotations
            .iter()
            .any(|a| a.contains("title=key%3A%3Amissing")),
        "{annotations:?}"
    );
    let appended = std::fs::read_to_string(&summary).unwrap();
    assert!(
        appended.starts_with("earlier step\n"),
        "the summary is appended, not replaced"
    );
    assert!(
        appended.contains("# Wapzi homologation: ❌ NOT READY"),
        "{appended}"
    );
}

#[test]
fn an_unwritable_step_summary_is_a_warning_and_keeps_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let missing_folder = dir.path().join("no-such-folder").join("summary.md");
    let a_directory = dir.path().to_path_buf();
    for summary in [missing_folder, a_directory] {
        let ran = crate::support::run(
            crate::support::bin()
                .env("GITHUB_STEP_SUMMARY", &summary)
                .args([
                    "run",
                    "--sandbox",
                    "--fault",
                    "accept-missing-key",
                    "--reports",
                ])
                .arg(dir.path().join("reports")),
        );
        assert_exit_case(
            &ran,
            exit::NOT_READY,
            format_args!("NOT READY, as without it"),
        );
        let warning = ran
            .stderr
            .lines()
            .find(|l| l.starts_with("warning: GITHUB_STEP_SUMMARY"))
            .unwrap_or_else(|| panic!("no warning: {}", ran.stderr));
        assert!(
            warning.contains(&summary.display().to_string()) && warning.contains("os error"),
            "the path and the OS reason: {warning}"
        );
        assert!(ran.stdout.contains("reports: "), "{}", ran.stdout);
    }
}

/// A client run's lanes, with hostile ids from the traffic (an upstream
/// may answer anything), render as text in a browser.
#[test]
fn client_lanes_render_as_text_in_a_browser() {
    use wapzi_homolog::result::{ClientRun, Lane, LaneEvent, Side};
    if !chromium_present() {
        return;
    }
    let mut run = fixture();
    run.side = Side::Client;
    let event = |seq: u64, method: &str, status: u16, violations: &[&str]| LaneEvent {
        seq,
        at_ms: seq as f64 * 250.0,
        method: method.into(),
        // Hostile ids the page's calls can carry (no `/`: one path segment).
        path: if method == "POST" {
            format!("/v1/entry-points/{}/execute", HOSTILE[1])
        } else {
            format!("/v1/executions/{}", HOSTILE[1])
        },
        status,
        execution_status: Some(HOSTILE[1].into()),
        violations: violations.iter().map(|v| v.to_string()).collect(),
        presented: None,
    };
    run.client = Some(ClientRun {
        command: Some(vec!["npm".into(), HOSTILE[2].into()]),
        scenarios: vec!["slow".into()],
        calls_recorded: 3,
        lanes: vec![Lane {
            execution_id: HOSTILE[0].into(),
            conversation_id: Some(HOSTILE[1].into()),
            terminal: Some("completed".into()),
            events: vec![
                event(0, "POST", 202, &[]),
                event(1, "GET", 200, &["client::poll-interval"]),
                event(2, "GET", 200, &[]),
            ],
        }],
        ..ClientRun::default()
    });
    let html = render_html(&run, &Redactor::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let page: PathBuf = dir.path().join("report.html");
    std::fs::write(&page, &html).unwrap();
    let dom = dump_dom(&page, &dir.path().join("profile"));
    assert!(!dom.contains("pwned</title>"), "a script ran");
    assert!(!dom.to_ascii_lowercase().contains("<script"));
    assert!(
        dom.contains("Client calls, one lane per execution"),
        "{dom}"
    );
    assert!(
        dom.contains("bar poll violated"),
        "the violation is not marked"
    );
    assert!(
        dom.contains("the client (its calls"),
        "the side is not said"
    );
    assert!(
        dom.contains(&as_dom_text(HOSTILE[2])),
        "the command is not shown as text"
    );
}
