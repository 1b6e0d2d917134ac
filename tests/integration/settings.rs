//! `run -v` says on stderr where each setting came from, before the checks
//! run, and never shows a secret's value.

use wapzi_homolog::exit;
use wapzi_homolog::sandbox::FIXTURES;

use crate::support::{assert_exit, bin, run, temp_dir, Ran, TestSandbox};

/// The `setting: ` lines of stderr, in order.
fn setting_lines(ran: &Ran) -> Vec<&str> {
    ran.stderr
        .lines()
        .filter(|l| l.starts_with("setting: "))
        .collect()
}

/// Fails if any of the sandbox's keys shows on stdout or stderr.
fn assert_no_key_shown(ran: &Ran) {
    let keys = [
        FIXTURES.api_key,
        FIXTURES.previous_api_key,
        FIXTURES.inactive_api_key,
        FIXTURES.other_api_key,
    ];
    for key in keys {
        assert!(
            !ran.stdout.contains(key) && !ran.stderr.contains(key),
            "a key was shown:\n{}\n{}",
            ran.stdout,
            ran.stderr
        );
    }
}

#[test]
fn run_sandbox_verbose_says_every_setting_is_the_sandboxs_own_or_a_default() {
    let ran = run(bin().args(["run", "--sandbox", "-v", "--no-reports", "key::missing"]));
    assert_exit(&ran, exit::INCOMPLETE);
    let lines = setting_lines(&ran);
    let own = "(the sandbox's own, --sandbox)";
    assert!(
        lines[0].starts_with("setting: base URL = http://127.0.0.1:") && lines[0].ends_with(own),
        "{}",
        ran.stderr
    );
    let expected = [
        format!("setting: entry point = {} {own}", FIXTURES.entry_point_id),
        format!("setting: API key {own}"),
        format!("setting: fixture failing_message {own}"),
        format!("setting: fixture inactive_api_key {own}"),
        format!("setting: fixture inactive_entry_point_id {own}"),
        format!("setting: fixture no_attendants_entry_point_id {own}"),
        format!("setting: fixture other_api_key {own}"),
        format!("setting: fixture other_entry_point_id {own}"),
        format!("setting: fixture previous_api_key {own}"),
        format!("setting: fixture unavailable_entry_point_id {own}"),
        // The repository's own checks/ folder, the built-in checks' sources:
        // the test runs at its root, and copies identical to the built-in
        // checks are the built-in checks.
        "setting: checks = built-in (default: no checks of your own in ./checks)".into(),
        "setting: reports = none (from --no-reports)".into(),
        "setting: request timeout = 30s (default)".into(),
        "setting: connect timeout = 10s (default)".into(),
        "setting: check timeout = 2m (default)".into(),
        "setting: deadline = 10m (default)".into(),
        "setting: poll timeout = each check's own (default)".into(),
        "setting: concurrency = 16 (default)".into(),
    ];
    assert_eq!(lines[1..], expected, "{}", ran.stderr);
    // Before the checks run: the first exchange line comes after them.
    let last_setting = ran.stderr.find("setting: concurrency").unwrap();
    let first_exchange = ran.stderr.find("[key::missing]").unwrap();
    assert!(last_setting < first_exchange, "{}", ran.stderr);
    assert_no_key_shown(&ran);
}

#[test]
fn run_verbose_names_the_environment_the_env_file_line_and_the_flags() {
    let sandbox = TestSandbox::start(20, &[]);
    let dir = temp_dir();
    let env_file = dir.path().join(".env");
    std::fs::write(
        &env_file,
        format!(
            "# the target\nWAPZI_ENTRY_POINT_ID={}\nWAPZI_API_KEY={}\n\nWAPZI_PREVIOUS_API_KEY={}\n\
             WAPZI_BASE_URL=http://127.0.0.1:9\n",
            FIXTURES.entry_point_id, FIXTURES.api_key, FIXTURES.previous_api_key
        ),
    )
    .unwrap();
    let other_key = dir.path().join("other-key");
    std::fs::write(&other_key, FIXTURES.other_api_key).unwrap();
    let reports = dir.path().join("out");
    let ran = run(bin()
        // The environment wins over the env file's WAPZI_BASE_URL.
        .env("WAPZI_BASE_URL", sandbox.base_url())
        .env("WAPZI_INACTIVE_API_KEY", FIXTURES.inactive_api_key)
        .args(["run", "-v", "--checks", "builtin", "--env-file"])
        .arg(&env_file)
        .arg("--secret-file")
        .arg(format!("other_api_key={}", other_key.display()))
        .args([
            "--unavailable-entry-point",
            FIXTURES.unavailable_entry_point_id,
        ])
        .args(["--fixture", "failing_message=please fail"])
        .args([
            "--concurrency",
            "4",
            "--timeout",
            "20s",
            "--poll-timeout",
            "5s",
        ])
        .arg("--reports")
        .arg(&reports)
        .arg("key::missing"));
    assert_exit(&ran, exit::INCOMPLETE);
    let in_file = |var: &str, line: u32| {
        format!(
            "from {var} in --env-file {}, line {line}",
            env_file.display()
        )
    };
    let expected = [
        format!(
            "setting: base URL = {} (from WAPZI_BASE_URL)",
            sandbox.base_url()
        ),
        format!(
            "setting: entry point = {} ({})",
            FIXTURES.entry_point_id,
            in_file("WAPZI_ENTRY_POINT_ID", 2)
        ),
        format!("setting: API key ({})", in_file("WAPZI_API_KEY", 3)),
        "setting: fixture failing_message (from --fixture)".into(),
        "setting: fixture inactive_api_key (from WAPZI_INACTIVE_API_KEY)".into(),
        format!(
            "setting: fixture other_api_key (from --secret-file {})",
            other_key.display()
        ),
        format!(
            "setting: fixture previous_api_key ({})",
            in_file("WAPZI_PREVIOUS_API_KEY", 5)
        ),
        "setting: fixture unavailable_entry_point_id (from --unavailable-entry-point)".into(),
        "setting: checks = built-in (from --checks)".into(),
        format!("setting: reports = {} (from --reports)", reports.display()),
        "setting: request timeout = 20s (from --timeout)".into(),
        "setting: connect timeout = 10s (default)".into(),
        "setting: check timeout = 2m (default)".into(),
        "setting: deadline = 10m (default)".into(),
        "setting: poll timeout = 5s (from --poll-timeout)".into(),
        "setting: concurrency = 4 (from --concurrency)".into(),
    ];
    assert_eq!(setting_lines(&ran), expected, "{}", ran.stderr);
    assert!(sandbox.stats().requests > 0, "the sandbox was really hit");
    assert_no_key_shown(&ran);
}

#[test]
fn run_verbose_names_the_key_file_and_the_proxy_by_its_host_alone() {
    let dir = temp_dir();
    let key_file = dir.path().join("key");
    std::fs::write(&key_file, format!("{}\n", FIXTURES.api_key)).unwrap();
    // Nothing listens on port 9: the proxy refuses, the run is UNREACHABLE.
    let ran = run(bin()
        .env("HTTPS_PROXY", "http://proxyuser:proxypass@127.0.0.1:9")
        .args(["run", "-v", "--no-reports", "--api-key-file"])
        .arg(&key_file)
        .args(["--entry-point", FIXTURES.entry_point_id])
        .args(["--base-url", "https://127.0.0.1:9"]));
    assert_exit(&ran, exit::UNREACHABLE);
    let lines = setting_lines(&ran);
    let api_key = format!(
        "setting: API key (from --api-key-file {})",
        key_file.display()
    );
    assert!(lines.contains(&api_key.as_str()), "{}", ran.stderr);
    assert!(
        lines.contains(&"setting: base URL = https://127.0.0.1:9 (from --base-url)"),
        "{}",
        ran.stderr
    );
    assert_eq!(
        lines.last(),
        Some(&"setting: proxy = 127.0.0.1:9 (from HTTPS_PROXY)"),
        "{}",
        ran.stderr
    );
    assert!(!ran.stderr.contains("proxypass") && !ran.stdout.contains("proxypass"));
    assert_no_key_shown(&ran);
}
