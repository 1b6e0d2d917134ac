//! The binary runs in any folder: without `./checks` (or `--checks`) the
//! checks built into it run, and reports say so; `--checks builtin` names
//! that set beside a folder of one's own.

use wapzi_homolog::exit;
use wapzi_homolog::scaffold::DEFAULT_CHECKS;

use crate::support::{assert_exit, assert_exit_case, bin, run, temp_dir};

/// The built-in API checks `run` runs: every shipped file but the client
/// checks (`checks/client/`, graded by `client`).
fn api_checks() -> usize {
    DEFAULT_CHECKS
        .iter()
        .filter(|(path, _)| !path.starts_with("client/"))
        .count()
}

#[test]
fn run_sandbox_from_an_empty_folder_runs_the_builtin_checks_and_the_report_says_so() {
    let dir = temp_dir();
    let ran = run(bin().current_dir(dir.path()).args(["run", "--sandbox"]));
    assert_exit(&ran, exit::READY);
    assert_eq!(ran.passed().len(), api_checks(), "{}", ran.stdout);
    let json = std::fs::read_to_string(dir.path().join("reports/latest/report.json")).unwrap();
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let files: Vec<&str> = report["checks_digest"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    let expected: Vec<String> = DEFAULT_CHECKS
        .iter()
        .map(|(path, _)| format!("builtin:{path}"))
        .collect();
    assert_eq!(files, expected);
    assert!(files.contains(&"builtin:key/accepted.yaml"));
}

#[test]
fn list_explain_and_validate_work_from_an_empty_folder() {
    let dir = temp_dir();
    let ran = run(bin().current_dir(dir.path()).arg("list"));
    assert_exit(&ran, exit::READY);
    assert_eq!(ran.stdout.lines().count(), DEFAULT_CHECKS.len());
    assert!(ran.stdout.contains("key::accepted"), "{}", ran.stdout);

    let ran = run(bin()
        .current_dir(dir.path())
        .args(["explain", "key::accepted"]));
    assert_exit(&ran, exit::READY);
    assert!(
        ran.stdout
            .contains("file:           builtin:key/accepted.yaml:2"),
        "{}",
        ran.stdout
    );

    let ran = run(bin().current_dir(dir.path()).arg("validate"));
    assert_exit(&ran, exit::READY);
    let count = DEFAULT_CHECKS.len();
    assert!(
        ran.stdout
            .contains(&format!("{count} checks in {count} files are valid")),
        "{}",
        ran.stdout
    );
}

/// A folder holding one check of one's own, `acme::accepted`.
fn own_checks() -> tempfile::TempDir {
    let dir = temp_dir();
    let (_, accepted) = DEFAULT_CHECKS
        .iter()
        .find(|(path, _)| *path == "key/accepted.yaml")
        .unwrap();
    let own = accepted.replace("id: key::accepted", "id: acme::accepted");
    std::fs::create_dir(dir.path().join("checks")).unwrap();
    std::fs::write(dir.path().join("checks/accepted.yaml"), own).unwrap();
    dir
}

#[test]
fn a_checks_folder_loads_beside_the_builtin_set_and_given_paths_replace_it() {
    let dir = own_checks();
    let ids = |args: &[&str]| {
        let ran = run(bin().current_dir(dir.path()).arg("list").args(args));
        assert_exit(&ran, exit::READY);
        ran.stdout
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .map(String::from)
            .collect::<Vec<_>>()
    };
    // The default: the built-in checks and ./checks beside them.
    let default = ids(&[]);
    assert_eq!(default.len(), DEFAULT_CHECKS.len() + 1, "{default:?}");
    assert!(default.contains(&"acme::accepted".to_string()));
    assert!(default.contains(&"key::accepted".to_string()));
    // Given paths replace it: your own checks alone, or both again.
    assert_eq!(ids(&["--checks", "checks"]), ["acme::accepted"]);
    let both = ids(&["--checks", "builtin", "--checks", "checks"]);
    assert_eq!(both, default);
}

/// `validate builtin checks` with the built-in `builtin_path` copied as
/// `checks/copy` too: a duplicate of `id`, named, with the hint.
fn assert_copied_builtin_is_a_duplicate_with_a_hint(builtin_path: &str, copy: &str, id: &str) {
    let dir = own_checks();
    let (_, text) = DEFAULT_CHECKS
        .iter()
        .find(|(path, _)| *path == builtin_path)
        .unwrap();
    std::fs::write(dir.path().join("checks").join(copy), text).unwrap();
    let ran = run(bin()
        .current_dir(dir.path())
        .args(["validate", "builtin", "checks"]));
    assert_exit(&ran, exit::SETUP);
    assert!(
        ran.stderr.contains(&format!(
            "checks/{copy}:2:5: duplicate check id `{id}`, first defined in builtin:{builtin_path}:2"
        )),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr
            .contains("give `--checks builtin` only beside a folder of your own checks"),
        "{}",
        ran.stderr
    );
}

#[test]
fn a_check_both_built_in_and_in_a_folder_is_a_duplicate_named_with_a_hint() {
    assert_copied_builtin_is_a_duplicate_with_a_hint(
        "key/accepted.yaml",
        "copy.yaml",
        "key::accepted",
    );
}

#[test]
fn a_client_check_both_built_in_and_in_a_folder_has_the_same_hint() {
    assert_copied_builtin_is_a_duplicate_with_a_hint(
        "client/from-backend.yaml",
        "client-copy.yaml",
        "client::from-backend",
    );
}

#[test]
fn explain_a_prefix_lists_the_checks_under_it() {
    let dir = temp_dir();
    // In id order (file order differs: `rotated-x.yaml` sorts before `rotated.yaml`).
    let mut keys: Vec<&str> = DEFAULT_CHECKS
        .iter()
        .filter(|(path, _)| path.starts_with("key/"))
        .map(|(path, _)| path.trim_end_matches(".yaml"))
        .collect();
    keys.sort_by_key(|k| k.replace('/', "::"));
    for prefix in ["key", "key::"] {
        let ran = run(bin().current_dir(dir.path()).args(["explain", prefix]));
        assert_exit(&ran, exit::READY);
        let ids: Vec<String> = ran
            .stdout
            .lines()
            .take_while(|l| !l.is_empty())
            .filter_map(|l| l.split_whitespace().next())
            .map(|id| id.replace("::", "/"))
            .collect();
        assert_eq!(ids, keys, "{}", ran.stdout);
        assert!(
            ran.stdout
                .contains(&format!("{} checks under key::", keys.len())),
            "{}",
            ran.stdout
        );
    }
    let ran = run(bin().current_dir(dir.path()).args(["explain", "ke"]));
    assert_exit_case(&ran, exit::SETUP, "not an area");
    assert!(ran.stderr.contains("unknown check `ke`"), "{}", ran.stderr);
}
