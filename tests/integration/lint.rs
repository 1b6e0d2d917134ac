//! The recipes, proven by the tools that run them: actionlint on every
//! workflow and action this repository ships and on the workflows `init`
//! writes (both variants, in a fresh repository), shellcheck on every shell
//! script (the GitLab jobs' `script:` lines included), hadolint on every
//! Dockerfile; no finding is left.
//!
//! The linters come from PyPI wheels that ship their binaries (.ci/run
//! installs them, pinned). A test whose linter is missing is skipped with a
//! line saying so, except in CI (`CI=true`), where it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_yaml::{Mapping, Value};
use wapzi_homolog::scaffold::{GITHUB_WORKFLOW_FILE, GITLAB_JOB_FILE};

use crate::support::{bin, run, temp_dir, Ran};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The linter `name` on `PATH`; `None` (with a line saying so) outside CI
/// when it is missing. In CI a missing linter fails the test.
fn linter(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{name} is missing: CI must lint the recipes (.ci/run installs it from PyPI)"
        );
        eprintln!("SKIPPED: {name} not on PATH (.ci/run shows how to install it)");
    }
    found
}

/// Runs `cmd` under a bound of two minutes (coreutils' `timeout`).
fn bounded(program: &Path, args: &[&std::ffi::OsStr], dir: &Path) -> Ran {
    run(Command::new("timeout")
        .arg("120")
        .arg(program)
        .args(args)
        .current_dir(dir))
}

/// Asserts `ran`, a linter's run, found nothing.
#[track_caller]
fn assert_clean(ran: &Ran, what: &str) {
    assert!(
        ran.code == 0 && ran.stdout.trim().is_empty(),
        "{what}: exit {}\n{}{}",
        ran.code,
        ran.stdout,
        ran.stderr
    );
}

/// actionlint on `files` (relative to `dir`), with shellcheck on their
/// `run:` scripts.
fn actionlint(actionlint: &Path, shellcheck: &Path, dir: &Path, files: &[&str]) -> Ran {
    let flag = format!("-shellcheck={}", shellcheck.display());
    let mut args: Vec<&std::ffi::OsStr> = vec!["-no-color".as_ref(), "-oneline".as_ref()];
    args.push(flag.as_ref());
    args.extend(files.iter().map(std::ffi::OsStr::new));
    bounded(actionlint, &args, dir)
}

/// The two linters actionlint needs, or `None` when they are missing.
fn actionlint_and_shellcheck() -> Option<(PathBuf, PathBuf)> {
    Some((linter("actionlint")?, linter("shellcheck")?))
}

/// `init` (with `flags`) in a fresh git repository.
fn inited(flags: &[&str]) -> tempfile::TempDir {
    let dir = temp_dir();
    let git = crate::support::output(
        Command::new("git")
            .args(["init", "-q"])
            .current_dir(dir.path()),
    )
    .status;
    assert!(git.success());
    let ran = run(bin().arg("init").arg(dir.path()).args(flags));
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    dir
}

#[test]
fn the_workflows_init_writes_pass_actionlint_in_both_variants() {
    let Some((actionlint_bin, shellcheck)) = actionlint_and_shellcheck() else {
        return;
    };
    for flags in [&[][..], &["--from-source"][..]] {
        let dir = inited(flags);
        let ran = actionlint(
            &actionlint_bin,
            &shellcheck,
            dir.path(),
            &[GITHUB_WORKFLOW_FILE],
        );
        assert_clean(&ran, &format!("init {flags:?}: {GITHUB_WORKFLOW_FILE}"));
    }
}

#[test]
fn the_workflow_init_writes_gives_the_action_only_inputs_it_declares() {
    let Some((actionlint_bin, shellcheck)) = actionlint_and_shellcheck() else {
        return;
    };
    // The same workflow using this checkout's action.yml as a local action,
    // which actionlint reads: an input it does not declare is a finding.
    let dir = inited(&[]);
    let action = dir.path().join("wapzi-homolog-action");
    std::fs::create_dir_all(&action).unwrap();
    std::fs::copy(root().join("action.yml"), action.join("action.yml")).unwrap();
    let workflow = dir.path().join(GITHUB_WORKFLOW_FILE);
    let text = std::fs::read_to_string(&workflow).unwrap();
    let pinned = format!("uses: wapzi/wapzi-homolog@v{}\n", env!("CARGO_PKG_VERSION"));
    assert!(text.contains(&pinned), "{text}");
    let local = text.replace(&pinned, "uses: ./wapzi-homolog-action\n");
    std::fs::write(&workflow, local).unwrap();
    let ran = actionlint(
        &actionlint_bin,
        &shellcheck,
        dir.path(),
        &[GITHUB_WORKFLOW_FILE],
    );
    assert_clean(&ran, "the recipe against action.yml");
}

#[test]
fn the_release_workflow_passes_actionlint() {
    let Some((actionlint_bin, shellcheck)) = actionlint_and_shellcheck() else {
        return;
    };
    let workflows: Vec<String> = std::fs::read_dir(root().join(".github/workflows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .map(|p| p.strip_prefix(root()).unwrap().display().to_string())
        .collect();
    assert!(workflows.iter().any(|w| w.ends_with("release.yml")));
    let files: Vec<&str> = workflows.iter().map(String::as_str).collect();
    let ran = actionlint(&actionlint_bin, &shellcheck, &root(), &files);
    assert_clean(&ran, ".github/workflows");
}

/// action.yml's composite steps as the one job of a reusable workflow whose
/// inputs are the action's, so actionlint checks every step, expression and
/// action version the action uses, and the outputs it maps.
fn action_as_workflow(action: &Value) -> String {
    let mut inputs = Mapping::new();
    for (name, _) in action["inputs"].as_mapping().unwrap() {
        let input: Value = serde_yaml::from_str("{type: string, required: false}").unwrap();
        inputs.insert(name.clone(), input);
    }
    let mut outputs = Mapping::new();
    for (name, output) in action["outputs"].as_mapping().unwrap() {
        outputs.insert(name.clone(), output["value"].clone());
    }
    let job: Value = serde_yaml::to_value(serde_yaml::Mapping::from_iter([
        ("runs-on".into(), "ubuntu-latest".into()),
        ("outputs".into(), Value::Mapping(outputs)),
        ("steps".into(), action["runs"]["steps"].clone()),
    ]))
    .unwrap();
    let workflow = Mapping::from_iter([
        ("name".into(), "action".into()),
        (
            "on".into(),
            Value::Mapping(Mapping::from_iter([(
                "workflow_call".into(),
                Value::Mapping(Mapping::from_iter([(
                    "inputs".into(),
                    Value::Mapping(inputs),
                )])),
            )])),
        ),
        (
            "jobs".into(),
            Value::Mapping(Mapping::from_iter([("action".into(), job)])),
        ),
    ]);
    serde_yaml::to_string(&workflow).unwrap()
}

#[test]
fn the_actions_steps_pass_actionlint() {
    let Some((actionlint_bin, shellcheck)) = actionlint_and_shellcheck() else {
        return;
    };
    let action: Value =
        serde_yaml::from_str(&std::fs::read_to_string(root().join("action.yml")).unwrap()).unwrap();
    for output in ["verdict", "exit-code", "reports"] {
        assert!(action["outputs"][output]["value"].is_string(), "{output}");
    }
    let dir = temp_dir();
    let workflows = dir.path().join(".github/workflows");
    std::fs::create_dir_all(&workflows).unwrap();
    std::fs::write(workflows.join("action.yml"), action_as_workflow(&action)).unwrap();
    let ran = actionlint(
        &actionlint_bin,
        &shellcheck,
        dir.path(),
        &[".github/workflows/action.yml"],
    );
    assert_clean(&ran, "action.yml's steps");
}

/// Every file of this repository that starts with a shell's `#!` line.
fn shell_scripts() -> Vec<PathBuf> {
    let listed = crate::support::output(
        Command::new("git")
            .args([
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ])
            .current_dir(root()),
    );
    assert!(listed.status.success());
    let mut scripts: Vec<PathBuf> = listed
        .stdout
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| root().join(String::from_utf8_lossy(p).as_ref()))
        .filter(|p| {
            std::fs::read(p).is_ok_and(|bytes| {
                let first = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
                let first = String::from_utf8_lossy(first);
                first.starts_with("#!") && (first.contains("sh ") || first.ends_with("sh"))
            })
        })
        .collect();
    scripts.sort();
    scripts
}

#[test]
fn every_shell_script_passes_shellcheck() {
    let Some(shellcheck) = linter("shellcheck") else {
        return;
    };
    let scripts = shell_scripts();
    for expected in [
        ".ci/run",
        ".github/action/install.sh",
        ".github/action/run.sh",
        ".github/release/package.sh",
    ] {
        assert!(scripts.contains(&root().join(expected)), "{expected}");
    }
    let args: Vec<&std::ffi::OsStr> = scripts.iter().map(|p| p.as_os_str()).collect();
    let ran = bounded(&shellcheck, &args, &root());
    assert_clean(&ran, "shellcheck");
}

/// The `script:` lines of every job of a GitLab file, as one POSIX shell
/// script each (GitLab runs them in one shell, in order).
fn gitlab_scripts(text: &str) -> Vec<(String, String)> {
    let jobs: Value = serde_yaml::from_str(text).unwrap();
    jobs.as_mapping()
        .unwrap()
        .iter()
        .filter_map(|(name, job)| {
            let lines = job["script"].as_sequence()?;
            let body: Vec<&str> = lines.iter().filter_map(Value::as_str).collect();
            Some((
                name.as_str().unwrap().to_string(),
                format!("#!/bin/sh\nset -eu\n{}\n", body.join("\n")),
            ))
        })
        .collect()
}

#[test]
fn the_gitlab_jobs_init_writes_pass_shellcheck_in_both_variants() {
    let Some(shellcheck) = linter("shellcheck") else {
        return;
    };
    for flags in [&[][..], &["--from-source"][..]] {
        let dir = inited(flags);
        let text = std::fs::read_to_string(dir.path().join(GITLAB_JOB_FILE)).unwrap();
        let scripts = gitlab_scripts(&text);
        assert!(scripts.iter().any(|(job, _)| job == "homologation"));
        for (job, script) in scripts {
            let file = dir.path().join(format!("{job}.sh"));
            std::fs::write(&file, &script).unwrap();
            let ran = bounded(&shellcheck, &[file.as_os_str()], dir.path());
            assert_clean(&ran, &format!("init {flags:?}: job {job}:\n{script}"));
        }
    }
}

#[test]
fn every_dockerfile_passes_hadolint() {
    let Some(hadolint) = linter("hadolint") else {
        return;
    };
    let mut dockerfiles = vec![root().join("Dockerfile")];
    let release = root().join(".github/release/Dockerfile");
    if release.exists() {
        dockerfiles.push(release);
    }
    for dockerfile in dockerfiles {
        let ran = bounded(
            &hadolint,
            &["--no-color".as_ref(), dockerfile.as_os_str()],
            &root(),
        );
        assert_clean(&ran, &dockerfile.display().to_string());
    }
}
