//! Invalid check files are refused before a request is sent: exit code 2 and
//! an error that points at the offending line and column.
//!
//! Each case is `tests/fixtures/invalid/<case>.yaml` (or a folder
//! `<case>/` when it takes several files) with the exact stderr of
//! `wapzi-homolog validate <it>` beside it in `<case>.err`. Run with
//! `UPDATE_GOLDEN=1` to rewrite the `.err` files, then review the diff.

use std::fs;
use std::io::ErrorKind;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `exit::SETUP`: nothing could be run.
const SETUP: i32 = 2;

/// Cases whose stderr is pinned in a golden file.
const CASES: &[&str] = &[
    "bad-check-id",
    "basis-both",
    "client-unknown-field",
    "client-unknown-sequence",
    "client-wrong-parameter",
    "from-misused",
    "bare-absent",
    "duplicate-id",
    "empty-steps",
    "fixture-not-in-needs",
    "invalid-regex",
    "malformed-yaml",
    "missing-variable",
    "path-leaves-base-url",
    "poll-on-post",
    "quote-not-found",
    "required-all-inferred",
    "requires-builtin",
    "requires-cycle",
    "secret-in-template",
    "status-not-a-number",
    "template-unclosed",
    "unknown-checklist-item",
    "unknown-field",
    "unknown-fixture",
    "unknown-matcher",
    "unknown-requires",
    "unclosed-bracket",
    "wrong-type",
];

/// Cases kept as reproductions but not pinned: what the loader prints for
/// them today is wrong, and a golden file would bless it. Move a case to
/// `CASES` (and run with `UPDATE_GOLDEN=1`) once the loader is fixed.
const AWAITING_LOADER_FIX: &[(&str, &str)] = &[];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn invalid_dir() -> PathBuf {
    root().join("tests/fixtures/invalid")
}

/// The path given to the binary for `case`, relative to the crate root.
fn case_path(case: &str) -> String {
    let folder = format!("tests/fixtures/invalid/{case}");
    if root().join(&folder).is_dir() {
        folder
    } else {
        format!("{folder}.yaml")
    }
}

/// Runs the binary from the crate root, without any `WAPZI_*` setting of the
/// caller's environment.
fn homolog(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wapzi-homolog"));
    command.current_dir(root()).args(args).env("NO_COLOR", "1");
    for (name, _) in std::env::vars() {
        if name.starts_with("WAPZI_") {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().copied());
    crate::support::output(&mut command)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Lines of stdout that libtest prints for a check that ran.
fn trial_lines(stdout: &str) -> Vec<&str> {
    stdout.lines().filter(|l| l.starts_with("test ")).collect()
}

/// Both texts, numbered, with the first differing line marked.
fn show_difference(expected: &str, actual: &str) -> String {
    let first = expected
        .lines()
        .zip(actual.lines())
        .position(|(e, a)| e != a)
        .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
    let number = |t: &str| {
        t.lines()
            .enumerate()
            .map(|(i, l)| format!("{}{:>3} | {l}", if i == first { ">" } else { " " }, i + 1))
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!(
        "--- expected (first difference at line {}) ---\n{}\n--- actual ---\n{}",
        first + 1,
        number(expected),
        number(actual)
    )
}

#[test]
fn invalid_check_files_match_their_golden_errors() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
    let mut problems = Vec::new();
    for case in CASES {
        let path = case_path(case);
        let output = homolog(&["validate", &path], &[]);
        let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
        if output.status.code() != Some(SETUP) {
            problems.push(format!(
                "{case}: exit code {:?}, expected {SETUP}\nstdout:\n{stdout}\nstderr:\n{stderr}",
                output.status.code()
            ));
            continue;
        }
        if !trial_lines(&stdout).is_empty() || stdout.contains("are valid") {
            problems.push(format!("{case}: stdout says something ran:\n{stdout}"));
        }
        let golden = invalid_dir().join(format!("{case}.err"));
        if update {
            fs::write(&golden, &stderr).expect("the golden file can be written");
            continue;
        }
        match fs::read_to_string(&golden) {
            Ok(expected) if expected == stderr => {}
            Ok(expected) => problems.push(format!(
                "{case}: stderr differs from {}\n{}",
                golden.display(),
                show_difference(&expected, &stderr)
            )),
            Err(e) => problems.push(format!(
                "{case}: cannot read {}: {e} (run with UPDATE_GOLDEN=1 to create it)\nstderr:\n{stderr}",
                golden.display()
            )),
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} cases failed:\n\n{}",
        problems.len(),
        CASES.len(),
        problems.join("\n\n")
    );
}

#[test]
fn a_folder_requiring_a_builtin_check_validates_as_its_hint_says() {
    let folder = case_path("requires-builtin");
    let alone = homolog(&["validate", &folder], &[]);
    assert_eq!(alone.status.code(), Some(SETUP));
    let hint = format!("(`wapzi-homolog validate builtin {folder}`, `wapzi-homolog run --checks builtin --checks {folder}`)");
    assert!(
        text(&alone.stderr).contains(&hint),
        "{}",
        text(&alone.stderr)
    );
    let beside = homolog(&["validate", "builtin", &folder], &[]);
    assert_eq!(beside.status.code(), Some(0), "{}", text(&beside.stderr));
    assert!(text(&beside.stdout).contains("are valid"));
    // With no path, the built-in set loads beside ./checks.
    let dir = tempfile::tempdir().unwrap();
    let acme = dir.path().join("checks/acme");
    fs::create_dir_all(&acme).unwrap();
    fs::copy(
        root().join(&folder).join("after-execute.yaml"),
        acme.join("after-execute.yaml"),
    )
    .unwrap();
    let validate_in = |args: &[&str]| {
        crate::support::output(
            Command::new(env!("CARGO_BIN_EXE_wapzi-homolog"))
                .current_dir(dir.path())
                .arg("validate")
                .args(args)
                .env("NO_COLOR", "1"),
        )
    };
    let default = validate_in(&[]);
    assert_eq!(default.status.code(), Some(0), "{}", text(&default.stderr));
    let acme_only = validate_in(&["checks/acme"]);
    assert_eq!(acme_only.status.code(), Some(SETUP));
    assert!(
        text(&acme_only.stderr).contains("`wapzi-homolog validate builtin checks/acme`"),
        "{}",
        text(&acme_only.stderr)
    );
}

#[test]
fn every_invalid_fixture_is_a_case() {
    let listed: Vec<&str> = CASES
        .iter()
        .copied()
        .chain(AWAITING_LOADER_FIX.iter().map(|(case, _)| *case))
        .collect();
    let mut unlisted = Vec::new();
    for entry in fs::read_dir(invalid_dir()).expect("the invalid fixtures folder is readable") {
        let path = entry.expect("a readable entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let case = if path.is_dir() {
            name
        } else if let Some(stem) = name.strip_suffix(".yaml") {
            stem.to_string()
        } else {
            continue;
        };
        if !listed.contains(&case.as_str()) {
            unlisted.push(case);
        }
    }
    assert!(
        unlisted.is_empty(),
        "fixtures that no test uses: {unlisted:?}"
    );
    for case in listed {
        assert!(
            root().join(case_path(case)).exists(),
            "{case}: no {}",
            case_path(case)
        );
    }
    for (case, _) in AWAITING_LOADER_FIX {
        assert!(
            !invalid_dir().join(format!("{case}.err")).exists(),
            "{case} awaits a loader fix: it must not have a golden file yet"
        );
    }
}

#[test]
fn run_with_an_invalid_check_file_sends_nothing() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    listener
        .set_nonblocking(true)
        .expect("the listener can be non-blocking");
    let base_url = format!("http://{}", listener.local_addr().expect("an address"));
    let reports = tempfile::tempdir().expect("a temporary folder");
    let reports_dir = reports.path().join("reports");
    let reports_arg = reports_dir.to_string_lossy().into_owned();
    let output = homolog(
        &[
            "run",
            "--checks",
            "tests/fixtures/invalid/unknown-field.yaml",
            "--base-url",
            &base_url,
            "--reports",
            &reports_arg,
        ],
        &[
            ("WAPZI_API_KEY", "ak_homologtestkey000000000000000001"),
            ("WAPZI_ENTRY_POINT_ID", "entry_point_123"),
        ],
    );
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(SETUP), "stderr:\n{stderr}");
    assert!(
        trial_lines(&stdout).is_empty(),
        "nothing may run:\n{stdout}"
    );
    let golden = fs::read_to_string(invalid_dir().join("unknown-field.err"))
        .expect("the unknown-field golden file");
    assert_eq!(stderr, golden, "{}", show_difference(&golden, &stderr));
    match listener.accept() {
        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
        Ok((_, peer)) => panic!("a connection reached the target from {peer}"),
        Err(e) => panic!("cannot tell whether the target was reached: {e}"),
    }
    assert!(!reports_dir.exists(), "no report may be written");
}

#[test]
fn an_empty_folder_is_refused_with_no_check_files() {
    let empty = tempfile::tempdir().expect("a temporary folder");
    let with_other_files = tempfile::tempdir().expect("a temporary folder");
    fs::write(with_other_files.path().join("README.md"), "# not a check\n")
        .expect("a file can be written");
    for folder in [empty.path(), with_other_files.path()] {
        let folder = folder.to_string_lossy().into_owned();
        for args in [
            vec!["validate", folder.as_str()],
            vec![
                "run",
                "--sandbox",
                "--no-reports",
                "--checks",
                folder.as_str(),
            ],
        ] {
            let output = homolog(&args, &[]);
            let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
            assert_eq!(output.status.code(), Some(SETUP), "{args:?}: {stderr}");
            assert!(
                trial_lines(&stdout).is_empty(),
                "{args:?}: nothing may run:\n{stdout}"
            );
            let expected = format!("no check files (*.yaml, *.yml) found in {folder}");
            assert!(
                stderr.contains(&expected) && stderr.contains("nothing was sent"),
                "{args:?}: expected `{expected}` in:\n{stderr}"
            );
        }
    }
}
