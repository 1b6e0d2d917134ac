//! Terminal conventions: `--color`, `NO_COLOR` and non-TTY output; `-v`
//! exchange lines; the live line while executions are polled, shown only
//! on an interactive terminal (exercised under `script` from util-linux).

use std::process::Command;

use wapzi_homolog::sandbox::FIXTURES;

use crate::support::{assert_exit, bin, run, Ran};
use wapzi_homolog::exit;

/// An SGR sequence: what colours and bold text are made of.
fn has_colour(text: &str) -> bool {
    regex::Regex::new(r"\x1b\[[0-9;]*m").unwrap().is_match(text)
}

/// `run --sandbox --no-reports` of the checks matching `filter`.
fn sandbox_run(filter: &str, extra: &[&str]) -> Command {
    let mut cmd = bin();
    cmd.args(["run", "--sandbox", "--no-reports"])
        .args(extra)
        .arg(filter);
    cmd
}

#[test]
fn color_always_colours_even_piped_and_with_no_color() {
    let ran = run(&mut sandbox_run("key::accepted", &["--color", "always"]));
    assert_exit(&ran, exit::INCOMPLETE);
    assert!(has_colour(&ran.stdout), "{}", ran.stdout);
}

#[test]
fn no_colour_when_piped_with_no_color_or_color_never() {
    // bin() sets NO_COLOR; stdout is a pipe.
    let ran = run(&mut sandbox_run("key::accepted", &[]));
    assert_exit(&ran, exit::INCOMPLETE);
    assert!(!ran.stdout.contains('\x1b'), "{}", ran.stdout);
    let mut auto = sandbox_run("key::accepted", &["--color", "auto"]);
    auto.env_remove("NO_COLOR");
    let ran = run(&mut auto);
    assert!(
        !ran.stdout.contains('\x1b'),
        "not a terminal: {}",
        ran.stdout
    );
    let mut never = sandbox_run("key::accepted", &["--color", "never"]);
    never.env_remove("NO_COLOR");
    assert!(!run(&mut never).stdout.contains('\x1b'));
}

/// The `-v` lines of `ran`, from stderr.
fn exchange_lines(ran: &Ran) -> Vec<&str> {
    ran.stderr
        .lines()
        .filter(|l| l.starts_with("[key::"))
        .collect()
}

#[test]
fn verbose_prints_each_exchange_on_stderr_redacted() {
    let ran = run(&mut sandbox_run("key::", &["-v"]));
    assert_exit(&ran, exit::INCOMPLETE);
    let lines = exchange_lines(&ran);
    let line = regex::Regex::new(
        r"^\[key::[a-z-]+\] (GET|POST) http://127\.0\.0\.1:\d+/v1/\S+ -> \d{3} \(\d+ ms\)$",
    )
    .unwrap();
    assert!(lines.len() >= 4, "{}", ran.stderr);
    for l in &lines {
        assert!(line.is_match(l), "{l}");
    }
    assert!(lines
        .iter()
        .any(|l| l.starts_with("[key::missing] POST ") && l.contains("-> 401")));
    assert!(
        !ran.stdout.contains("] POST /v1/"),
        "exchange lines stay off stdout"
    );
    assert!(!ran.stderr.contains("    < "), "bodies only with -vv");
    for secret in [
        FIXTURES.api_key,
        FIXTURES.previous_api_key,
        FIXTURES.inactive_api_key,
    ] {
        assert!(!ran.stderr.contains(secret) && !ran.stdout.contains(secret));
    }
}

#[test]
fn very_verbose_adds_the_bodies_and_polls() {
    let ran = run(&mut sandbox_run("execution::completes", &["-vv"]));
    assert_exit(&ran, exit::INCOMPLETE);
    assert!(ran.stderr.contains("    > {\"message\":"), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("    < {\"conversationId\":"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr
            .lines()
            .any(|l| l.starts_with("[execution::completes]") && l.contains(", poll 1)")),
        "{}",
        ran.stderr
    );
    assert!(!ran.stderr.contains(FIXTURES.api_key));
}

#[test]
fn no_live_line_when_stdout_is_not_a_terminal() {
    let ran = run(&mut sandbox_run(
        "execution::completes",
        &["--latency", "800ms"],
    ));
    assert_exit(&ran, exit::INCOMPLETE);
    assert!(!ran.stdout.contains("waiting:"), "{}", ran.stdout);
    assert!(!ran.stdout.contains('\r') && !ran.stdout.contains('\x1b'));
}

/// Runs `cmd` on a pseudo-terminal with `script` from util-linux; `None`
/// where `script` is not installed, except in CI (`CI=true`), where the
/// pseudo-terminal tests must run and a missing `script` fails them.
fn on_a_terminal(cmd: &Command) -> Option<Ran> {
    let available = crate::support::try_output(Command::new("script").arg("--version"))
        .is_ok_and(|o| o.status.success());
    if !available {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "`script` is missing: CI must run the pseudo-terminal tests \
             (.ci/run installs Debian's `bsdutils` package)"
        );
        eprintln!("skipped: `script` (util-linux) is not installed, so no pseudo-terminal");
        return None;
    }
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let line: Vec<String> = std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| quote(&a.to_string_lossy()))
        .collect();
    let mut script = Command::new("script");
    script
        .args(["-qec", &line.join(" "), "/dev/null"])
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    for (key, value) in cmd.get_envs() {
        match value {
            Some(v) => script.env(key, v),
            None => script.env_remove(key),
        };
    }
    Some(run(&mut script))
}

/// The sandbox's latency for the live-line tests: executions are polled for
/// about this long, ten times what the live line needs to appear (its
/// 150 ms hold after libtest prints, then a 100 ms tick), so a loaded
/// machine that delays the ticker a second still sees it drawn.
const LIVE_LINE_LATENCY: &str = "2500ms";

#[test]
fn a_live_line_shows_polled_executions_on_a_terminal_and_is_cleared() {
    let cmd = sandbox_run(
        "execution::completes",
        &["--latency", LIVE_LINE_LATENCY, "--exact"],
    );
    let Some(ran) = on_a_terminal(&cmd) else {
        return;
    };
    assert_exit(&ran, exit::INCOMPLETE);
    let live = regex::Regex::new(r"\r\x1b\[2Kwaiting: 1 execution, \d+\.\d s").unwrap();
    assert!(live.is_match(&ran.stdout), "{:?}", ran.stdout);
    // Cleared before libtest's line: the check's line starts a line of its own.
    let cleared = ran.stdout.rfind("\r\x1b[2K").unwrap();
    let reported = regex::Regex::new(r"test execution::completes +\.\.\. ok")
        .unwrap()
        .find(&ran.stdout)
        .unwrap()
        .start();
    assert!(cleared < reported, "{:?}", ran.stdout);
    assert!(!ran.stdout[reported..].contains("waiting:"));
    assert!(
        !has_colour(&ran.stdout),
        "NO_COLOR holds on a terminal too: {:?}",
        ran.stdout
    );
}

#[test]
fn a_terminal_gets_colour_unless_no_color() {
    let mut cmd = sandbox_run("key::accepted", &[]);
    cmd.env_remove("NO_COLOR");
    let Some(ran) = on_a_terminal(&cmd) else {
        return;
    };
    assert_exit(&ran, exit::INCOMPLETE);
    assert!(has_colour(&ran.stdout), "{:?}", ran.stdout);
}

#[test]
fn an_empty_no_color_is_unset_and_a_dumb_terminal_gets_no_colour_nor_live_line() {
    // no-color.org: NO_COLOR counts when set and not empty.
    let mut cmd = sandbox_run("key::accepted", &[]);
    cmd.env("NO_COLOR", "");
    let Some(ran) = on_a_terminal(&cmd) else {
        return;
    };
    assert_exit(&ran, exit::INCOMPLETE);
    assert!(has_colour(&ran.stdout), "{:?}", ran.stdout);
    let mut cmd = sandbox_run("execution::completes", &["--latency", "800ms"]);
    cmd.env_remove("NO_COLOR").env("TERM", "dumb");
    let Some(ran) = on_a_terminal(&cmd) else {
        return;
    };
    assert_exit(&ran, exit::INCOMPLETE);
    assert!(!has_colour(&ran.stdout), "{:?}", ran.stdout);
    assert!(!ran.stdout.contains("waiting:"), "{:?}", ran.stdout);
}

#[test]
fn no_color_holds_for_libtests_lines_and_ours_on_a_terminal_and_in_errors() {
    let mut cmd = sandbox_run("key::accepted", &[]);
    cmd.env("NO_COLOR", "1");
    let Some(ran) = on_a_terminal(&cmd) else {
        return;
    };
    assert!(
        ran.stdout.contains("test key::accepted"),
        "{:?}",
        ran.stdout
    );
    assert!(!has_colour(&ran.stdout), "{:?}", ran.stdout);
    let mut explain = bin();
    explain.args(["explain", "zzz"]).env("NO_COLOR", "1");
    let Some(ran) = on_a_terminal(&explain) else {
        return;
    };
    assert!(!has_colour(&ran.stdout), "{:?}", ran.stdout);
}

#[test]
fn a_fast_checks_line_appears_when_it_ends_with_the_live_line_below() {
    // Two slow checks come before the fast one in check order; with a
    // thread per check, libtest prints each line as its check ends.
    let mut cmd = bin();
    cmd.args([
        "run",
        "--sandbox",
        "--no-reports",
        "--latency",
        LIVE_LINE_LATENCY,
        "--exact",
    ])
    .args([
        "execution::completes",
        "execution::failed-is-reported",
        "key::accepted",
    ]);
    let Some(ran) = on_a_terminal(&cmd) else {
        return;
    };
    assert_exit(&ran, exit::INCOMPLETE);
    let at = |pattern: &str| {
        regex::Regex::new(pattern)
            .unwrap()
            .find(&ran.stdout)
            .unwrap_or_else(|| panic!("{pattern} in {:?}", ran.stdout))
            .start()
    };
    let fast = at(r"test key::accepted +\.\.\. ok");
    let slow = at(r"test execution::completes +\.\.\. ok");
    assert!(fast < slow, "{:?}", ran.stdout);
    // The live line is drawn again below the fast check's line.
    assert!(
        ran.stdout[fast..slow].contains("waiting: "),
        "{:?}",
        ran.stdout
    );
}
