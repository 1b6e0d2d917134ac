//! Settings and check files refused before anything is sent.

use std::time::Duration;

use wapzi_homolog::sandbox::FIXTURES;

use super::key::leaks;
use super::{run_within, Listener};
use crate::support::{assert_exit, assert_exit_case, bin, run, temp_dir, Ran};
use wapzi_homolog::exit;

// Settings refused before anything is sent.

/// A setting that must be refused before anything is sent.
struct Refused<'a> {
    env: &'a [(&'a str, &'a str)],
    args: &'a [&'a str],
    says: String,
}

#[test]
fn empty_or_short_secrets_and_unsafe_base_urls_are_refused_before_anything_is_sent() {
    let dir = temp_dir();
    let empty = dir.path().join("empty");
    std::fs::write(&empty, " \n").unwrap();
    let empty = empty.to_str().unwrap().to_string();
    let previous = format!("previous_api_key={empty}");
    let short = dir.path().join("short");
    std::fs::write(&short, "json\n").unwrap();
    let short = short.to_str().unwrap().to_string();
    let previous_short = format!("previous_api_key={short}");
    let key = FIXTURES.api_key;
    let (in_query, in_userinfo, in_port) = (
        format!("https://api.wapzi.com.br/?key={key}"),
        format!("https://{key}@api.wapzi.com.br"),
        format!("https://api.wapzi.com.br:{key}"),
    );
    let cases = [
        Refused {
            env: &[("WAPZI_PREVIOUS_API_KEY", "  ")],
            args: &[],
            says: "WAPZI_PREVIOUS_API_KEY is empty or only whitespace".into(),
        },
        Refused {
            env: &[],
            args: &["--secret-file", &previous],
            says: "--secret-file previous_api_key is empty or only whitespace".into(),
        },
        Refused {
            env: &[],
            args: &["--api-key-file", &empty],
            says: format!("the key file (--api-key-file) is empty or only whitespace ({empty})"),
        },
        Refused {
            env: &[("WAPZI_API_KEY", "\t\n")],
            args: &[],
            says: "WAPZI_API_KEY is empty or only whitespace".into(),
        },
        // Too short to be redacted safely: `a` would eat every `a` of the
        // output, `json` would raise the leak alarm on every report.
        Refused {
            env: &[("WAPZI_API_KEY", "a")],
            args: &[],
            says: "WAPZI_API_KEY is too short to be a key: it has fewer than 16 characters".into(),
        },
        Refused {
            env: &[("WAPZI_API_KEY", "json")],
            args: &[],
            says: "WAPZI_API_KEY is too short to be a key".into(),
        },
        Refused {
            env: &[("WAPZI_OTHER_API_KEY", "k3y_pasted_x")],
            args: &[],
            says: "WAPZI_OTHER_API_KEY is too short to be a key".into(),
        },
        Refused {
            env: &[],
            args: &["--api-key-file", &short],
            says: format!("the key file (--api-key-file) is too short to be a key: it has fewer than 16 characters (a Wapzi key is `ak_` and 32 characters), and redacting so short a value would corrupt every output ({short})"),
        },
        Refused {
            env: &[],
            args: &["--secret-file", &previous_short],
            says: "--secret-file previous_api_key is too short to be a key".into(),
        },
        Refused {
            env: &[("WAPZI_BASE_URL", "http://api.wapzi.com.br")],
            args: &[],
            says:
                "refusing plain http:// to api.wapzi.com.br: the API key would travel unencrypted"
                    .into(),
        },
        Refused {
            env: &[],
            args: &["--base-url", "http://localhost.example.com:8080"],
            says: "refusing plain http:// to localhost.example.com".into(),
        },
        Refused {
            env: &[],
            args: &["--base-url", "http://10.0.0.1"],
            says: "refusing plain http:// to 10.0.0.1".into(),
        },
        Refused {
            env: &[],
            args: &["--base-url", "https://[::1"],
            says: "invalid base URL `https://[::1`".into(),
        },
        // A key pasted into the base URL is not printed back.
        Refused {
            env: &[],
            args: &["--base-url", &in_query],
            says: "invalid base URL `https://api.wapzi.com.br/` (its credentials, query or fragment not shown)".into(),
        },
        Refused {
            env: &[],
            args: &["--base-url", &in_userinfo],
            says: "invalid base URL `https://api.wapzi.com.br/` (its credentials, query or fragment not shown)".into(),
        },
        Refused {
            env: &[],
            args: &["--base-url", &in_port],
            says: "invalid base URL `https://api.wapzi.com.br:[redacted]`: invalid port number".into(),
        },
    ];
    // A listener that records what reaches it: nothing may.
    let target = Listener::recorder();
    for Refused { env, args, says } in &cases {
        let mut cmd = bin();
        cmd.env("WAPZI_API_KEY", FIXTURES.api_key)
            .env("WAPZI_ENTRY_POINT_ID", FIXTURES.entry_point_id)
            .env("WAPZI_BASE_URL", target.base_url());
        for (name, value) in *env {
            cmd.env(name, value);
        }
        if args.contains(&"--api-key-file") {
            cmd.env_remove("WAPZI_API_KEY");
        }
        let ran = run(cmd.args(["run", "--no-reports"]).args(*args));
        assert_exit_case(&ran, exit::SETUP, format_args!("{env:?} {args:?}"));
        assert!(ran.stderr.contains(says.as_str()), "{says}\n{}", ran.stderr);
        assert!(leaks(ran.stderr.as_bytes()).is_empty(), "{}", ran.stderr);
        for (_, value) in *env {
            let shown = ran.stderr.replace("WAPZI_", "").replace("a Wapzi", "");
            assert!(
                value.len() < 2 || !shown.contains(value),
                "{value}: {}",
                ran.stderr
            );
        }
    }
    assert_eq!(target.finish(), Vec::<String>::new());
}

#[test]
fn flags_that_conflict_are_usage_errors() {
    let conflicts: [&[&str]; 5] = [
        &["--sandbox", "--api-key-file", "/dev/null"],
        &["--sandbox", "--entry-point", "ep"],
        &["--sandbox", "--secret-file", "previous_api_key=/dev/null"],
        &["--sandbox", "--unavailable-entry-point", "ep"],
        &["--sandbox", "--no-reports", "--reports", "/tmp/x"],
    ];
    for args in conflicts {
        let ran = run(bin().arg("run").args(args));
        assert_exit_case(&ran, exit::SETUP, format_args!("{args:?}"));
        assert!(
            ran.stderr.contains("cannot be used with"),
            "{args:?}: {}",
            ran.stderr
        );
    }
    // --fixture adds a fixture the sandbox lacks; one it supplies is refused.
    let ran = run(bin().args(["run", "--sandbox", "--fixture", "failing_message=x"]));
    assert_exit(&ran, exit::SETUP);
    assert!(
        ran.stderr
            .contains("--fixture failing_message: the sandbox supplies `failing_message` itself"),
        "{}",
        ran.stderr
    );
}

// Bad input from the user.

/// Runs `cmd`, which must end within a minute (a hang is the bug), be
/// refused (exit 2) and say `said` on stderr.
fn assert_refused_within(cmd: &mut std::process::Command, said: &str) -> Ran {
    let shown = format!("{cmd:?}");
    let ran =
        run_within(cmd, Duration::from_secs(60)).unwrap_or_else(|| panic!("{shown} did not end"));
    assert_exit_case(&ran, exit::SETUP, &shown);
    let head: String = ran.stderr.chars().take(2_000).collect();
    assert!(ran.stderr.contains(said), "{said}\n{head}");
    ran
}

#[test]
fn a_check_file_with_a_control_character_is_an_error_not_a_hang() {
    let dir = temp_dir();
    let file = dir.path().join("control.yaml");
    std::fs::write(&file, b"\x1f").unwrap();
    assert_refused_within(
        bin().arg("validate").arg(&file),
        "control characters are not allowed",
    );
}

#[test]
fn a_file_mistaken_for_a_check_file_is_quoted_without_any_known_secret() {
    let dir = temp_dir();
    let env = dir.path().join(".env");
    std::fs::write(
        &env,
        format!(
            "WAPZI_API_KEY={}\nWAPZI_PREVIOUS_API_KEY={}\nWAPZI_ENTRY_POINT_ID=ep\n",
            FIXTURES.api_key, FIXTURES.previous_api_key
        ),
    )
    .unwrap();
    let key_file = dir.path().join("other.key");
    std::fs::write(&key_file, FIXTURES.other_api_key).unwrap();
    let other = format!("other_api_key={}", key_file.display());
    // A check file whose syntax error is on a line holding a key.
    let broken = dir.path().join("broken.yaml");
    std::fs::write(
        &broken,
        format!("id: a\nkeys: [{}\n", FIXTURES.other_api_key),
    )
    .unwrap();
    let env_arg = env.to_str().unwrap();
    let both = [
        ("WAPZI_API_KEY", FIXTURES.api_key),
        ("WAPZI_PREVIOUS_API_KEY", FIXTURES.previous_api_key),
    ];
    type Vars<'a> = &'a [(&'a str, &'a str)];
    let cases: [(&[&str], Vars); 4] = [
        (&["run", "--env-file", env_arg, "--checks", env_arg], &[]),
        (&["run", "--checks", env_arg], &both),
        (&["validate", env_arg], &both),
        (&["run", "--secret-file", &other, "--checks"], &both[..1]),
    ];
    for (args, vars) in cases {
        let mut cmd = bin();
        cmd.env_remove("WAPZI_API_KEY").args(args);
        if args.last() == Some(&"--checks") {
            cmd.arg(&broken);
        }
        let ran = run(cmd.envs(vars.iter().copied()));
        assert_exit_case(&ran, exit::SETUP, format_args!("{args:?}"));
        assert!(
            ran.stderr.contains("[redacted]"),
            "{args:?}: {}",
            ran.stderr
        );
        assert!(
            leaks(ran.stderr.as_bytes()).is_empty(),
            "{args:?}: {}",
            ran.stderr
        );
    }
}

#[test]
fn symlink_loops_in_a_checks_folder_are_an_error_not_a_hang() {
    let dir = temp_dir();
    let checks = dir.path().join("checks");
    std::fs::create_dir_all(checks.join("sub")).unwrap();
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/checks/key/missing.yaml");
    std::fs::copy(shipped, checks.join("missing.yaml")).unwrap();
    std::os::unix::fs::symlink(".", checks.join("x")).unwrap();
    std::os::unix::fs::symlink(".", checks.join("y")).unwrap();
    std::os::unix::fs::symlink("..", checks.join("sub/up")).unwrap();
    for command in [
        &["validate"][..],
        &["run", "--sandbox", "--no-reports", "--checks"],
    ] {
        let ran =
            assert_refused_within(bin().args(command).arg(&checks), "3 errors in check files");
        let real = checks.canonicalize().unwrap();
        for link in ["x", "y", "sub/up"] {
            let said = format!(
                "error: {}:1:1: symlink loop: {} leads back to {}, a folder it is inside of",
                checks.join(link).display(),
                checks.join(link).display(),
                real.display()
            );
            assert!(ran.stderr.contains(&said), "{said}\n{}", ran.stderr);
        }
    }
}

#[test]
fn a_body_nested_200_000_levels_deep_is_refused_at_load() {
    let dir = temp_dir();
    let file = dir.path().join("deep.yaml");
    let depth = 200_000;
    let body = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let check = format!(
        "id: deep::body\ntitle: t\nchecklist: valid-key\nhint: h\nsteps:\n  - request:\n      method: POST\n      path: /x\n      body: {body}\n"
    );
    std::fs::write(&file, check).unwrap();
    let run_args = [
        "run",
        "--sandbox",
        "--no-reports",
        "--deadline",
        "5s",
        "--checks",
    ];
    for command in [&["validate"][..], &run_args[..]] {
        // Where the parser gave up reading ahead, 256 levels down.
        let said = format!("{}:9:268: nested deeper than 64 levels", file.display());
        assert_refused_within(bin().args(command).arg(&file), &said);
    }
}

#[test]
fn zero_test_threads_is_refused_like_zero_concurrency() {
    for threads in ["--test-threads=0", "--concurrency=0"] {
        let flag = threads.trim_end_matches("=0");
        let said = format!("invalid value '0' for '{flag} <");
        assert_refused_within(
            bin().args(["run", "--sandbox", "--no-reports", threads]),
            &said,
        );
    }
}

/// A FIFO at `path` (what `mkfifo` makes).
fn fifo(path: &std::path::Path) {
    let made = crate::support::output(std::process::Command::new("mkfifo").arg(path)).status;
    assert!(made.success());
}

#[test]
fn fifos_and_devices_are_refused_not_read() {
    let dir = temp_dir();
    let pipe = dir.path().join("pipe.yaml");
    fifo(&pipe);
    let folder = dir.path().join("checks");
    std::fs::create_dir(&folder).unwrap();
    fifo(&folder.join("check.yaml"));
    let (pipe_text, folder_fifo) = (
        pipe.to_str().unwrap().to_string(),
        folder.join("check.yaml").display().to_string(),
    );
    let fifo_said = "it is a FIFO (named pipe), not a regular file";
    let device_said = "it is a character device, not a regular file";
    let previous = format!("previous_api_key={pipe_text}");
    let cases: [(&[&str], String); 7] = [
        (
            &["run", "--api-key-file", &pipe_text],
            format!("cannot read the key file (--api-key-file) at {pipe_text}: {fifo_said}"),
        ),
        (
            &["run", "--api-key-file", "/dev/zero"],
            format!("at /dev/zero: {device_said}"),
        ),
        (
            &["run", "--secret-file", &previous],
            format!("cannot read --secret-file previous_api_key at {pipe_text}: {fifo_said}"),
        ),
        (
            &["run", "--env-file", &pipe_text],
            format!("cannot read --env-file {pipe_text}: {fifo_said}"),
        ),
        (
            &["validate", &pipe_text],
            format!("{pipe_text}:1:1: cannot read: {fifo_said}"),
        ),
        (
            &["validate", folder.to_str().unwrap()],
            format!("{folder_fifo}:1:1: cannot read: {fifo_said}"),
        ),
        (
            &["validate", "/dev/urandom"],
            format!("/dev/urandom:1:1: cannot read: {device_said}"),
        ),
    ];
    let target = Listener::recorder();
    for (args, said) in cases {
        let mut cmd = bin();
        cmd.env("WAPZI_API_KEY", FIXTURES.api_key)
            .env("WAPZI_ENTRY_POINT_ID", FIXTURES.entry_point_id)
            .env("WAPZI_BASE_URL", target.base_url())
            .args(args);
        if args.contains(&"--api-key-file") {
            cmd.env_remove("WAPZI_API_KEY");
        }
        if args[0] == "run" {
            cmd.arg("--no-reports");
        }
        assert_refused_within(&mut cmd, &said);
    }
    assert_eq!(target.finish(), Vec::<String>::new());
}

#[test]
fn a_byte_order_mark_is_dropped_from_check_and_key_files() {
    let sandbox = crate::support::TestSandbox::start(0, &[]);
    let dir = temp_dir();
    let check = dir.path().join("accepted.yaml");
    let shipped = include_str!("../../../checks/key/accepted.yaml");
    std::fs::write(&check, format!("\u{feff}{shipped}")).unwrap();
    let key = dir.path().join("key");
    std::fs::write(&key, format!("\u{feff}{}\n", FIXTURES.api_key)).unwrap();
    let ran = run(sandbox
        .command()
        .env_remove("WAPZI_API_KEY")
        .args(["run", "--no-reports", "--api-key-file"])
        .arg(&key)
        .arg("--checks")
        .arg(&check));
    // The sandbox accepts the key only as it is, without the mark (one
    // check evidences part of the checklist only: INCOMPLETE).
    assert_exit(&ran, exit::INCOMPLETE);
    assert!(
        ran.stdout.contains("test key::accepted ... ok"),
        "{}",
        ran.stdout
    );
}

#[test]
fn a_check_file_that_is_not_utf8_is_refused_at_its_first_bad_byte() {
    let dir = temp_dir();
    let file = dir.path().join("latin1.yaml");
    std::fs::write(&file, b"id: a\ntitle: caf\xe9\n").unwrap();
    let said = format!(
        "{}:2:11: not UTF-8: the byte 0xE9 here is no UTF-8 character",
        file.display()
    );
    assert_refused_within(bin().arg("validate").arg(&file), &said);
}

/// The binary under `ulimit -n limit` (soft and hard), through `sh`: the
/// crate forbids the unsafe `pre_exec`.
#[cfg(target_os = "linux")]
fn under_file_limit(limit: u32) -> std::process::Command {
    let cmd = crate::support::bin();
    let program = cmd.get_program().to_owned();
    let mut sh = std::process::Command::new("sh");
    sh.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .arg("-c")
        .arg(format!("ulimit -n {limit} && exec \"$0\" \"$@\""))
        .arg(program);
    // The same clean environment as `bin()`.
    for (name, value) in cmd.get_envs() {
        match value {
            Some(value) => sh.env(name, value),
            None => sh.env_remove(name),
        };
    }
    sh
}

#[test]
#[cfg(target_os = "linux")]
fn a_low_file_limit_lowers_concurrency_and_too_low_a_limit_is_a_setup_error() {
    let ran = crate::support::run(under_file_limit(24).args(["run", "--sandbox", "--no-reports"]));
    assert_eq!(
        ran.code, 0,
        "READY, fewer checks at once:\n{}\n{}",
        ran.stdout, ran.stderr
    );
    assert!(
        ran.stderr
            .contains("note: this machine lets the run open 24 files (`ulimit -n`): running ")
            && ran
                .stderr
                .contains(" check(s) at once instead of 16, without keep-alive"),
        "{}",
        ran.stderr
    );
    assert!(
        !ran.stdout.contains("Too many open files"),
        "{}",
        ran.stdout
    );

    let ran = crate::support::run(under_file_limit(12).args(["run", "--sandbox", "--no-reports"]));
    assert_eq!(ran.code, 2, "{}\n{}", ran.stdout, ran.stderr);
    assert!(
        ran.stderr
            .contains("this machine lets the run open 12 files (`ulimit -n`)")
            && ran.stderr.contains("not even one check can run"),
        "{}",
        ran.stderr
    );
}

/// A time budget that is no duration is refused before anything is sent,
/// naming the fixture, rather than blamed on a request later.
#[test]
fn a_completion_budget_that_is_no_duration_is_a_setup_error() {
    let sandbox = crate::support::TestSandbox::start(0, &[]);
    let ran = crate::support::run(
        sandbox
            .command()
            .env("WAPZI_COMPLETION_BUDGET", "soon")
            .args(["run", "--no-reports"]),
    );
    crate::support::assert_exit(&ran, wapzi_homolog::exit::SETUP);
    assert!(
        ran.stderr
            .contains("fixture `completion_budget` is not a duration (`soon`: "),
        "{}",
        ran.stderr
    );
    assert_eq!(sandbox.stats().requests, 0, "nothing was sent");
}

/// A key pasted after --fixture in place of NAME=VALUE is not shown back.
#[test]
fn a_key_pasted_as_a_fixture_is_refused_without_being_shown() {
    const PASTED: &str = "ak_pasted0as0a0fixture0000000000009";
    let ran = run(bin().args(["run", "--sandbox", "--fixture", PASTED]));
    assert_exit(&ran, exit::SETUP);
    assert!(ran.stderr.contains("--fixture"), "{}", ran.stderr);
    assert!(!ran.stderr.contains(PASTED), "{}", ran.stderr);
    // A pair with its `=` is shown, to say what is missing.
    let ran = run(bin().args(["run", "--sandbox", "--fixture", "completion_budget="]));
    assert_exit(&ran, exit::SETUP);
    assert!(
        ran.stderr.contains("`completion_budget=`"),
        "{}",
        ran.stderr
    );
}

/// A check file that is a link to `/proc/self/environ` (issue 23, item 7):
/// refused as not text, and no variable of the job's environment is shown.
#[test]
fn a_check_file_linked_to_the_environment_shows_none_of_it() {
    let dir = temp_dir();
    let link = dir.path().join("environ.yaml");
    std::os::unix::fs::symlink("/proc/self/environ", &link).unwrap();
    let ran = assert_refused_within(
        bin()
            .env("WAPZI_HOMOLOG_TEST_MARKER", "marker-value-4f2a9c")
            .arg("validate")
            .arg(&link),
        "a NUL byte: this is not a text file",
    );
    for output in [&ran.stdout, &ran.stderr] {
        assert!(!output.contains("marker-value-4f2a9c"), "{output}");
        assert!(!output.contains("WAPZI_HOMOLOG_TEST_MARKER"), "{output}");
    }
}

#[test]
fn a_huge_configured_value_is_shown_cut_in_every_line_and_report() {
    let sandbox = crate::support::TestSandbox::start(0, &[]);
    let dir = temp_dir();
    let reports = dir.path().join("reports");
    let huge = "e".repeat(120_000);
    let ran = run(sandbox
        .command()
        .env("WAPZI_ENTRY_POINT_ID", &huge)
        .args(["run", "-v", "--reports"])
        .arg(&reports)
        .arg("entry-point::"));
    assert!(ran.code != 0, "{}", ran.stderr);
    let longest = |text: &str| text.lines().map(str::len).max().unwrap_or(0);
    assert!(longest(&ran.stdout) < 2_000, "{}", &ran.stdout[..2_000]);
    assert!(longest(&ran.stderr) < 2_000, "{}", &ran.stderr[..2_000]);
    assert!(ran.stderr.contains("… (120000 bytes)"), "{}", ran.stderr);
    for name in ["report.md", "report.html", "junit.xml"] {
        let text = std::fs::read_to_string(reports.join("latest").join(name)).unwrap();
        assert!(text.len() < 100_000, "{name}: {} bytes", text.len());
        assert!(text.contains("… (120000 bytes)"), "{name}");
    }
}
