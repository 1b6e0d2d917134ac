//! `init` scaffolds a folder that validates and runs, refuses to overwrite
//! without `--force`; `run --env-file` reads the `.env` it documents.

use std::path::Path;

use wapzi_homolog::check::{load_sources, CheckSource};
use wapzi_homolog::exit;
use wapzi_homolog::sandbox::FIXTURES;
use wapzi_homolog::scaffold::{github_workflow, DEFAULT_CHECKS, EXAMPLE_CHECK_FILE, VENDOR_STAMP};

use crate::support::{assert_exit, bin, files_below, run, temp_dir, TestSandbox};

const SETUP: i32 = exit::SETUP as i32;

/// What `init` writes whole, relative to its folder.
const OTHER_FILES: [&str; 6] = [
    EXAMPLE_CHECK_FILE,
    "checks/check.schema.json",
    ".env.example",
    ".github/workflows/homologation.yml",
    ".gitlab/homologation.yml",
    ".gitlab-ci.yml",
];

fn init(dir: &Path, force: bool) -> crate::support::Ran {
    init_with(dir, if force { &["--force"] } else { &[] })
}

fn init_with(dir: &Path, flags: &[&str]) -> crate::support::Ran {
    run(bin().arg("init").arg(dir).args(flags))
}

/// The number of built-in checks, API and client, as `validate` counts them.
fn builtin_count() -> usize {
    let set = load_sources(&[CheckSource::Builtin]).unwrap();
    set.checks.len() + set.client_checks.len()
}

#[test]
fn an_inited_folder_validates_and_passes_against_the_sandbox() {
    let dir = temp_dir();
    let ran = init(dir.path(), false);
    assert_exit(&ran, exit::READY);
    let written = files_below(dir.path());
    assert_eq!(written.len(), OTHER_FILES.len() + 1, "{written:?}");
    for file in OTHER_FILES.iter().chain(&[".gitignore"]) {
        assert!(dir.path().join(file).is_file(), "{file}");
    }
    assert!(
        ran.stdout
            .contains(&format!("  cd {}\n", dir.path().display())),
        "{}",
        ran.stdout
    );
    // In the folder, with no --checks: the built-in checks and the example.
    let ran = run(bin().arg("validate").current_dir(dir.path()));
    assert_exit(&ran, exit::READY);
    assert!(
        ran.stdout
            .starts_with(&format!("{} checks in", builtin_count() + 1)),
        "{}",
        ran.stdout
    );
    assert!(ran.stderr.is_empty(), "{}", ran.stderr);
    let ran = run(bin()
        .args(["run", "--sandbox", "--no-reports"])
        .current_dir(dir.path()));
    assert_exit(&ran, exit::READY);
    assert!(ran.failed().is_empty());
    assert!(ran
        .passed()
        .contains(&"example::greeting-answered".to_string()));
    assert!(ran.passed().contains(&"key::missing".to_string()));
}

#[test]
fn init_vendor_pins_the_built_in_checks_and_a_newer_binary_warns() {
    let dir = temp_dir();
    let ran = init_with(dir.path(), &["--vendor"]);
    assert_exit(&ran, exit::READY);
    assert_eq!(
        files_below(dir.path()).len(),
        DEFAULT_CHECKS.len() + OTHER_FILES.len() + 1
    );
    let copy = dir.path().join("checks/key/missing.yaml");
    let text = std::fs::read_to_string(&copy).unwrap();
    let stamp = format!(
        "{VENDOR_STAMP}{}: builtin:key/missing.yaml",
        env!("CARGO_PKG_VERSION")
    );
    assert!(text.lines().nth(1).unwrap().starts_with(&stamp), "{text}");
    let ran = run(bin().arg("validate").current_dir(dir.path()));
    assert_exit(&ran, exit::READY);
    assert!(ran.stderr.is_empty(), "current copies: {}", ran.stderr);

    // Copies stamped by an older version, changed since: they still run, said once.
    for file in files_below(&dir.path().join("checks")) {
        let text = std::fs::read_to_string(&file).unwrap();
        if text.contains(VENDOR_STAMP) {
            let older = text.replace(
                &format!("{VENDOR_STAMP}{}:", env!("CARGO_PKG_VERSION")),
                &format!("{VENDOR_STAMP}0.0.1:"),
            );
            std::fs::write(&file, format!("{older}# pinned\n")).unwrap();
        }
    }
    let ran = run(bin()
        .args(["run", "--sandbox", "--no-reports"])
        .current_dir(dir.path()));
    assert_exit(&ran, exit::READY);
    let warnings: Vec<&str> = ran
        .stderr
        .lines()
        .filter(|l| {
            l.starts_with("warning: ./checks holds built-in checks vendored by wapzi-homolog 0.0.1")
        })
        .collect();
    assert_eq!(warnings.len(), 1, "{}", ran.stderr);
    assert!(warnings[0].contains("init --vendor --force"));
}

#[test]
fn a_folder_of_copies_from_an_earlier_init_keeps_working_with_a_hint() {
    let dir = temp_dir();
    assert_eq!(init(dir.path(), false).code, 0);
    // What init wrote before the built-in checks ran beside ./checks:
    // every built-in check, unstamped, one of them since edited.
    for (path, text) in DEFAULT_CHECKS {
        let file = dir.path().join("checks").join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, text).unwrap();
    }
    let edited = dir.path().join("checks/key/missing.yaml");
    let text = std::fs::read_to_string(&edited).unwrap();
    std::fs::write(&edited, format!("{text}# edited\n")).unwrap();
    let ran = run(bin()
        .args(["run", "--sandbox", "--no-reports"])
        .current_dir(dir.path()));
    assert_exit(&ran, exit::READY);
    let hints: Vec<&str> = ran
        .stderr
        .lines()
        .filter(|l| l.starts_with("hint: ./checks holds "))
        .collect();
    assert_eq!(hints.len(), 1, "{}", ran.stderr);
    assert!(hints[0].contains("delete them"), "{}", hints[0]);
    assert!(ran
        .passed()
        .contains(&"example::greeting-answered".to_string()));

    // Unchanged copies are the built-in checks: no duplicate, no hint.
    std::fs::write(&edited, text).unwrap();
    let ran = run(bin().arg("validate").current_dir(dir.path()));
    assert_exit(&ran, exit::READY);
    assert!(ran.stderr.is_empty(), "{}", ran.stderr);
    assert!(
        ran.stdout
            .starts_with(&format!("{} checks in", builtin_count() + 1)),
        "{}",
        ran.stdout
    );
}

#[test]
fn inited_checks_point_at_the_schema_written_beside_them() {
    let dir = temp_dir();
    assert_eq!(init(dir.path(), false).code, 0);
    let schema = dir.path().join("checks/check.schema.json");
    assert_eq!(
        std::fs::read_to_string(&schema).unwrap(),
        run(bin().arg("schema")).stdout
    );
    for file in files_below(&dir.path().join("checks")) {
        if file.extension().is_some_and(|e| e == "yaml") {
            let text = std::fs::read_to_string(&file).unwrap();
            let target = text
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("# yaml-language-server: $schema="))
                .unwrap_or_else(|| panic!("{}", file.display()));
            let resolved = file.parent().unwrap().join(target);
            assert_eq!(
                resolved.canonicalize().unwrap(),
                schema.canonicalize().unwrap()
            );
        }
    }
}

#[test]
fn init_refuses_to_overwrite_and_names_each_file_unless_forced() {
    let dir = temp_dir();
    assert_eq!(init(dir.path(), false).code, 0);
    let edited = dir.path().join(EXAMPLE_CHECK_FILE);
    std::fs::write(&edited, "# mine\n").unwrap();
    let ran = init(dir.path(), false);
    assert_exit(&ran, exit::SETUP);
    assert!(ran.stderr.contains("nothing was written"), "{}", ran.stderr);
    assert!(ran.stderr.contains("--force"), "{}", ran.stderr);
    assert!(ran.stderr.contains("--skip-existing"), "{}", ran.stderr);
    for file in OTHER_FILES.iter() {
        let shown = dir.path().join(file).display().to_string();
        assert!(
            ran.stderr.contains(&shown),
            "{shown} not named in\n{}",
            ran.stderr
        );
    }
    assert_eq!(std::fs::read_to_string(&edited).unwrap(), "# mine\n");

    let ran = init(dir.path(), true);
    assert_exit(&ran, exit::READY);
    assert!(ran.stdout.contains("overwritten"), "{}", ran.stdout);
    assert!(std::fs::read_to_string(&edited)
        .unwrap()
        .contains("id: example::greeting-answered"));
}

#[test]
fn init_names_only_the_files_in_the_way() {
    let dir = temp_dir();
    std::fs::write(dir.path().join(".gitlab-ci.yml"), "stages: [build]\n").unwrap();
    let ran = init(dir.path(), false);
    assert_exit(&ran, exit::SETUP);
    assert!(ran.stderr.contains("1 existing file(s)"), "{}", ran.stderr);
    assert!(ran.stderr.contains(".gitlab-ci.yml"));
    assert!(
        !dir.path().join("checks").exists(),
        "nothing is written on refusal"
    );
}

#[test]
fn skip_existing_writes_what_is_missing_and_keeps_the_users_files() {
    let dir = temp_dir();
    let pipeline = "stages: [build]\n";
    std::fs::write(dir.path().join(".gitlab-ci.yml"), pipeline).unwrap();
    let mine = dir.path().join(EXAMPLE_CHECK_FILE);
    std::fs::create_dir_all(mine.parent().unwrap()).unwrap();
    std::fs::write(&mine, "# mine\n").unwrap();
    let ran = init_with(dir.path(), &["--skip-existing"]);
    assert_exit(&ran, exit::READY);
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".gitlab-ci.yml")).unwrap(),
        pipeline
    );
    assert_eq!(std::fs::read_to_string(&mine).unwrap(), "# mine\n");
    assert!(
        ran.stdout.contains("kept 2 existing file(s)"),
        "{}",
        ran.stdout
    );
    for kept in [".gitlab-ci.yml", EXAMPLE_CHECK_FILE] {
        let shown = format!("  {}\n", dir.path().join(kept).display());
        assert!(ran.stdout.contains(&shown), "{shown}\n{}", ran.stdout);
    }
    assert!(
        ran.stdout
            .contains("include:\n    - local: .gitlab/homologation.yml"),
        "says how to add the gate to the kept pipeline:\n{}",
        ran.stdout
    );
    let written = files_below(dir.path());
    assert_eq!(written.len(), OTHER_FILES.len() + 1);

    let ran = init_with(dir.path(), &["--skip-existing"]);
    assert_exit(&ran, exit::READY);
    assert!(ran.stdout.contains("wrote 0 files"), "{}", ran.stdout);
    let ran = init_with(dir.path(), &["--skip-existing", "--force"]);
    assert_eq!(ran.code, SETUP, "the two flags contradict each other");
}

#[test]
fn gitignore_is_completed_never_replaced_even_with_force() {
    let dir = temp_dir();
    let gitignore = dir.path().join(".gitignore");
    std::fs::write(&gitignore, "/target\n/.env").unwrap();
    let ran = init(dir.path(), false);
    assert_exit(&ran, exit::READY);
    assert!(
        ran.stdout.contains(".gitignore: added reports/"),
        "{}",
        ran.stdout
    );
    let text = std::fs::read_to_string(&gitignore).unwrap();
    assert!(text.starts_with("/target\n/.env\n"), "{text}");
    assert!(text.ends_with("\nreports/\n"), "{text}");
    assert!(!text.contains("\n.env\n"), "already ignored: {text}");

    let ran = init(dir.path(), true);
    assert_exit(&ran, exit::READY);
    assert!(ran.stdout.contains("already ignores .env and reports/"));
    assert_eq!(std::fs::read_to_string(&gitignore).unwrap(), text);

    let fresh = temp_dir();
    assert_eq!(init(fresh.path(), false).code, 0);
    let text = std::fs::read_to_string(fresh.path().join(".gitignore")).unwrap();
    assert!(text.lines().any(|l| l == ".env") && text.lines().any(|l| l == "reports/"));
}

#[test]
fn the_gitlab_job_runs_in_merge_request_pipelines_and_says_not_to_protect_the_key() {
    let dir = temp_dir();
    assert_eq!(init(dir.path(), false).code, 0);
    let job = std::fs::read_to_string(dir.path().join(".gitlab/homologation.yml")).unwrap();
    let yaml: serde_yaml::Value = serde_yaml::from_str(&job).unwrap();
    let rules = yaml["homologation"]["rules"].as_sequence().unwrap();
    assert!(rules
        .iter()
        .any(|r| r["if"].as_str() == Some("$CI_PIPELINE_SOURCE == \"merge_request_event\"")));
    assert!(
        job.contains("Masked") && job.contains("NOT Protected"),
        "{job}"
    );
    assert!(job.contains("protected variables only to\n# pipelines of protected branches"));
    let pipeline = std::fs::read_to_string(dir.path().join(".gitlab-ci.yml")).unwrap();
    let yaml: serde_yaml::Value = serde_yaml::from_str(&pipeline).unwrap();
    assert_eq!(
        yaml["include"][0]["local"].as_str(),
        Some(".gitlab/homologation.yml")
    );
}

/// The value of one side of a GitLab `rules:if` comparison: a variable
/// (`None` when unset) or a quoted string.
fn gitlab_operand<'a>(text: &'a str, vars: &[(&str, &'a str)]) -> Option<&'a str> {
    match text.strip_prefix('$') {
        Some(name) => vars.iter().find(|(n, _)| *n == name).map(|(_, v)| *v),
        None => Some(text.trim_matches('"')),
    }
}

/// Whether a GitLab `rules:if` of `==`/`!=` comparisons joined by `&&` (all
/// the recipe uses) holds with the predefined variables `vars`.
fn gitlab_if_holds(expression: &str, vars: &[(&str, &str)]) -> bool {
    expression.split(" && ").all(|clause| {
        let (left, equal, right) = match clause.split_once(" == ") {
            Some((l, r)) => (l, true, r),
            None => {
                let (l, r) = clause.split_once(" != ").expect("== or !=");
                (l, false, r)
            }
        };
        (gitlab_operand(left.trim(), vars) == gitlab_operand(right.trim(), vars)) == equal
    })
}

/// Predefined variables of a GitLab pipeline, name and value.
type Vars = Vec<(&'static str, &'static str)>;

/// Whether GitLab adds `job` to a pipeline with `vars`: the first rule whose
/// `if` holds decides (`when: never` leaves it out); none, it is left out.
fn gitlab_runs(job: &serde_yaml::Value, vars: &[(&str, &str)]) -> bool {
    let rules = job["rules"].as_sequence().expect("the job has rules");
    rules
        .iter()
        .find(|rule| gitlab_if_holds(rule["if"].as_str().expect("an if"), vars))
        .is_some_and(|rule| rule["when"].as_str() != Some("never"))
}

#[test]
fn the_gitlab_gate_runs_where_the_key_is_and_a_fork_pipeline_is_told_why_not() {
    const MR: (&str, &str) = ("CI_PIPELINE_SOURCE", "merge_request_event");
    // Project 1 is the repository init wrote into; project 2 a fork of it.
    let cases: [(&str, Vars, bool); 6] = [
        (
            "merge request from a branch of this project",
            vec![
                MR,
                ("CI_PROJECT_ID", "1"),
                ("CI_MERGE_REQUEST_PROJECT_ID", "1"),
                ("CI_MERGE_REQUEST_SOURCE_PROJECT_ID", "1"),
            ],
            true,
        ),
        (
            "merge request from a fork, its pipeline in the fork",
            vec![
                MR,
                ("CI_PROJECT_ID", "2"),
                ("CI_MERGE_REQUEST_PROJECT_ID", "1"),
                ("CI_MERGE_REQUEST_SOURCE_PROJECT_ID", "2"),
            ],
            false,
        ),
        (
            "merge request from a fork, run in this project by a maintainer",
            vec![
                MR,
                ("CI_PROJECT_ID", "1"),
                ("CI_MERGE_REQUEST_PROJECT_ID", "1"),
                ("CI_MERGE_REQUEST_SOURCE_PROJECT_ID", "2"),
            ],
            true,
        ),
        (
            "pipeline run from the web",
            vec![("CI_PIPELINE_SOURCE", "web"), ("CI_PROJECT_ID", "1")],
            true,
        ),
        (
            "scheduled pipeline",
            vec![("CI_PIPELINE_SOURCE", "schedule"), ("CI_PROJECT_ID", "1")],
            true,
        ),
        (
            "push",
            vec![("CI_PIPELINE_SOURCE", "push"), ("CI_PROJECT_ID", "1")],
            false,
        ),
    ];
    for flags in [&[][..], &["--from-source"][..]] {
        let dir = temp_dir();
        assert_eq!(init_with(dir.path(), flags).code, 0);
        let text = std::fs::read_to_string(dir.path().join(".gitlab/homologation.yml")).unwrap();
        let jobs: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        for (case, vars, gate) in &cases {
            let in_fork = vars.contains(&("CI_PROJECT_ID", "2"));
            assert_eq!(
                gitlab_runs(&jobs["homologation"], vars),
                *gate,
                "{flags:?} {case}: gate"
            );
            assert_eq!(
                gitlab_runs(&jobs["homologation-fork"], vars),
                in_fork,
                "{flags:?} {case}: fork job"
            );
        }
        // The fork job's script says why, and passes.
        let script: Vec<&str> = jobs["homologation-fork"]["script"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter_map(serde_yaml::Value::as_str)
            .collect();
        let ran = run(std::process::Command::new("sh")
            .args(["-eu", "-c", &script.join("\n")])
            .env("CI_PROJECT_PATH", "contributor/acme-fork")
            .env("CI_MERGE_REQUEST_PROJECT_PATH", "acme/integration"));
        assert_exit(&ran, exit::READY);
        assert!(
            ran.stdout.starts_with("homologation skipped: this merge request pipeline runs in the fork contributor/acme-fork")
                && ran.stdout.contains("A maintainer of acme/integration runs the gate there"),
            "{}",
            ran.stdout
        );
    }
}

#[test]
fn env_example_documents_every_variable_and_fixture_and_marks_secrets() {
    let dir = temp_dir();
    assert_eq!(init(dir.path(), false).code, 0);
    let text = std::fs::read_to_string(dir.path().join(".env.example")).unwrap();
    for var in ["WAPZI_BASE_URL", "WAPZI_API_KEY", "WAPZI_ENTRY_POINT_ID"] {
        assert!(text.contains(var), "{var}");
    }
    assert!(text.contains("# SECRET. The API key under test"), "{text}");
    let set = load_sources(&[
        CheckSource::Builtin,
        CheckSource::Path(dir.path().join("checks")),
    ])
    .unwrap();
    for fixture in set.catalog.iter() {
        let var = format!("# {}=\n", fixture.env_var());
        assert!(text.contains(&var), "{var} missing from\n{text}");
        let marked = text.contains(&format!("# SECRET. {}:", fixture.name));
        assert_eq!(marked, fixture.secret, "{}", fixture.name);
    }
    for secret in [FIXTURES.api_key, FIXTURES.previous_api_key] {
        assert!(!text.contains(secret));
    }
}

#[test]
fn readme_shows_the_github_recipe_init_writes() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let fenced = format!("```yaml\n{}```", github_workflow(false));
    assert!(
        readme.contains(&fenced),
        "README's \"Use it in CI\" must show src/scaffold/templates/homologation.yml verbatim"
    );
}

/// A dotenv file in a fresh folder.
fn env_file(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = temp_dir();
    let path = dir.path().join(".env");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

#[test]
fn env_file_supplies_the_key_and_entry_point() {
    let sandbox = TestSandbox::start(50, &[]);
    let (_dir, path) = env_file(&format!(
        "# from init's .env.example\nWAPZI_BASE_URL={}\nWAPZI_API_KEY={}\nWAPZI_ENTRY_POINT_ID=\"{}\"\n",
        sandbox.base_url(),
        FIXTURES.api_key,
        FIXTURES.entry_point_id
    ));
    let ran = run(bin()
        .args(["run", "--no-reports", "--env-file"])
        .arg(&path)
        .arg("entry-point::configured-active"));
    assert_exit(&ran, exit::INCOMPLETE);
    assert_eq!(ran.passed(), ["entry-point::configured-active"]);
    assert!(sandbox.stats().requests > 0);
    assert!(!ran.stdout.contains(FIXTURES.api_key) && !ran.stderr.contains(FIXTURES.api_key));
}

#[test]
fn the_environment_wins_over_the_env_file() {
    let sandbox = TestSandbox::start(50, &[]);
    let (_dir, path) = env_file(&format!(
        "WAPZI_BASE_URL=http://127.0.0.1:9\nWAPZI_API_KEY=ak_wrong000000000000000000000000000\nWAPZI_ENTRY_POINT_ID={}\n",
        FIXTURES.entry_point_id
    ));
    let ran = run(sandbox
        .command()
        .args(["run", "--no-reports", "--env-file"])
        .arg(&path)
        .arg("key::accepted"));
    assert_exit(&ran, exit::INCOMPLETE);
    assert_eq!(ran.passed(), ["key::accepted"]);
}

#[test]
fn a_malformed_env_file_is_a_setup_error_that_shows_no_value() {
    let (_dir, path) = env_file("WAPZI_ENTRY_POINT_ID=ep\nWAPZI_API_KEY=\"ak_secret part two\n");
    let ran = run(bin().args(["run", "--env-file"]).arg(&path));
    assert_exit(&ran, exit::SETUP);
    assert!(
        ran.stderr
            .contains("line 2 (WAPZI_API_KEY) is not `NAME=VALUE`"),
        "{}",
        ran.stderr
    );
    assert!(!ran.stderr.contains("ak_secret") && !ran.stdout.contains("ak_secret"));

    let ran = run(bin().args(["run", "--env-file", "/nonexistent/.env"]));
    assert_exit(&ran, exit::SETUP);
    assert!(
        ran.stderr
            .contains("cannot read --env-file /nonexistent/.env"),
        "{}",
        ran.stderr
    );
}

#[test]
fn readme_walkthrough_check_runs_in_an_inited_folder() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let (_, section) = readme.split_once("## Write your own check").unwrap();
    let (_, rest) = section.split_once("```yaml\n").unwrap();
    let (check, _) = rest.split_once("```").unwrap();
    let dir = temp_dir();
    assert_eq!(init(dir.path(), false).code, 0);
    let file = dir.path().join("checks/acme/follow-up.yaml");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, check).unwrap();
    let ran = run(bin().arg("validate").current_dir(dir.path()));
    assert_exit(&ran, exit::READY);
    let ran = run(bin()
        .args(["run", "--sandbox", "--no-reports", "acme::"])
        .current_dir(dir.path()));
    assert_exit(&ran, exit::INCOMPLETE);
    assert_eq!(ran.passed(), ["acme::follow-up"]);
}

#[test]
fn init_never_writes_through_a_symlink_even_with_force() {
    let outside = temp_dir();
    let target = outside.path().join("precious.txt");
    std::fs::write(&target, "keep me\n").unwrap();
    let elsewhere = outside.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let dir = temp_dir();
    std::os::unix::fs::symlink(&target, dir.path().join(".env.example")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, dir.path().join(".github")).unwrap();
    for force in [false, true] {
        let ran = init(dir.path(), force);
        assert_exit(&ran, exit::SETUP);
        assert!(
            ran.stderr
                .contains("init never writes through a symbolic link, even with --force"),
            "{}",
            ran.stderr
        );
        for link in [".env.example", ".github"] {
            let shown = format!("  {}\n", dir.path().join(link).display());
            assert!(ran.stderr.contains(&shown), "{shown}\n{}", ran.stderr);
        }
    }
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me\n");
    assert!(files_below(&elsewhere).is_empty());
    assert!(!dir.path().join("checks").exists(), "nothing is written");
}
