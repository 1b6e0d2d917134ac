//! Editor and shell support: the JSON Schema of check files (generated,
//! checked in, validated by an independent validator), `explain`, and shell
//! completions.

use std::path::{Path, PathBuf};

use wapzi_homolog::exit;

use crate::support::{assert_exit, assert_exit_case, bin, files_below, run, temp_dir};

const SETUP: i32 = exit::SETUP as i32;
const SCHEMA_FILE: &str = "docs/check.schema.json";

/// The schema checked by an independent validator (`jsonschema`), whose
/// build costs about 50 s: `cargo test --features schema-tests` runs them.
#[cfg(feature = "schema-tests")]
mod schema_validation;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn shipped_checks() -> Vec<PathBuf> {
    files_below(&root().join("checks"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect()
}

#[test]
fn the_checked_in_schema_is_what_the_schema_command_prints() {
    let ran = run(bin().arg("schema"));
    assert_exit(&ran, exit::READY);
    let path = root().join(SCHEMA_FILE);
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &ran.stdout).unwrap();
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == ran.stdout,
        "{SCHEMA_FILE} is stale: the check format changed. Regenerate it with\n  UPDATE_DOCS=1 cargo test the_checked_in_schema\n(or `cargo run -- schema > {SCHEMA_FILE}`) and commit it."
    );
}

#[test]
fn every_shipped_check_starts_with_the_schema_line() {
    for file in shipped_checks() {
        let text = std::fs::read_to_string(&file).unwrap();
        let first = text.lines().next().unwrap_or_default();
        let target = first
            .strip_prefix("# yaml-language-server: $schema=")
            .unwrap_or_else(|| panic!("{}: first line is `{first}`", file.display()));
        let resolved = file.parent().unwrap().join(target).canonicalize().unwrap();
        assert_eq!(
            resolved,
            root().join(SCHEMA_FILE).canonicalize().unwrap(),
            "{}",
            file.display()
        );
    }
}

#[test]
fn explain_says_everything_about_a_check() {
    let ran = run(bin().args(["explain", "key::rotated"]));
    assert_exit(&ran, exit::READY);
    for expected in [
        "key::rotated: A rotated (previous) key is refused",
        "checklist item: valid-key: Valid key copied from the dashboard.",
        "severity:       required",
        "previous_api_key (secret): a key that was rotated away",
        "set WAPZI_PREVIOUS_API_KEY (or --secret-file previous_api_key=PATH)",
        "file:           builtin:key/rotated.yaml:2",
        "1. POST /v1/entry-points/{{ entry_point_id }}/execute (fixture previous_api_key)",
        "hint:\n  Rotating the key",
    ] {
        assert!(
            ran.stdout.contains(expected),
            "missing `{expected}` in\n{}",
            ran.stdout
        );
    }
}

#[test]
fn explain_shows_requires_description_and_polled_steps() {
    let ran = run(bin().args(["explain", "execution::completes"]));
    assert_exit(&ran, exit::READY);
    assert!(
        ran.stdout
            .contains("requires:       entry-point::accepts-execute"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout
            .contains("GET /v1/executions/{{ execution_id }} (account key, polled)"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("fixtures:       (none)"),
        "{}",
        ran.stdout
    );
}

#[test]
fn explain_of_an_unknown_id_suggests_the_closest() {
    let ran = run(bin().args(["explain", "key::rotatd"]));
    assert_exit(&ran, exit::SETUP);
    assert!(
        ran.stderr
            .contains("unknown check `key::rotatd`: did you mean `key::rotated`?"),
        "{}",
        ran.stderr
    );
    let ran = run(bin().args(["explain", "zzz"]));
    assert_exit(&ran, exit::SETUP);
    assert!(
        ran.stderr.contains("`wapzi-homolog list` lists the checks"),
        "{}",
        ran.stderr
    );
}

#[test]
fn completions_cover_every_subcommand_in_every_shell() {
    let ran = run(bin().args(["completions", "bash"]));
    assert_exit(&ran, exit::READY);
    for sub in [
        "run",
        "list",
        "validate",
        "explain",
        "init",
        "schema",
        "completions",
        "sandbox",
    ] {
        assert!(ran.stdout.contains(sub), "bash completions lack `{sub}`");
    }
    assert!(ran.stdout.contains("--env-file") && ran.stdout.contains("--verbose"));
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let ran = run(bin().args(["completions", shell]));
        assert_exit_case(&ran, exit::READY, shell);
        assert!(ran.stdout.contains("explain"), "{shell}");
    }
    assert_eq!(run(bin().args(["completions", "tcsh"])).code, SETUP);
}

/// What bash's completion function offers for `words` (the last one is the
/// word being completed), with the script `completions bash` prints.
fn bash_completes(script: &Path, words: &[&str]) -> Vec<String> {
    let words_list = words
        .iter()
        .map(|w| format!("'{w}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let current = words.len() - 1;
    let program = format!(
        "source '{}'; COMP_WORDS=({words_list}); COMP_CWORD={current}; \
         _wapzi__homolog wapzi-homolog '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        words[current],
        words[current - 1],
    );
    let ran =
        run(std::process::Command::new("bash").args(["--norc", "--noprofile", "-c", &program]));
    assert_exit(&ran, exit::READY);
    ran.stdout.lines().map(str::to_string).collect()
}

#[test]
fn bash_completes_every_subcommands_options() {
    let ran = run(bin().args(["completions", "bash"]));
    assert_exit(&ran, exit::READY);
    let dir = temp_dir();
    let script = dir.path().join("wapzi-homolog.bash");
    std::fs::write(&script, &ran.stdout).unwrap();
    for (words, offered) in [
        (&["wapzi-homolog", "run", "--sa"][..], "--sandbox"),
        (&["wapzi-homolog", "run", "--se"][..], "--secret-file"),
        (&["wapzi-homolog", "run", "--for"][..], "--format"),
        (&["wapzi-homolog", "sandbox", "--po"][..], "--port"),
        (&["wapzi-homolog", "init", "--fo"][..], "--force"),
        (&["wapzi-homolog", "explain", "--ch"][..], "--checks"),
        (&["wapzi-homolog", "list", "--ch"][..], "--checks"),
        (&["wapzi-homolog", "completions", "--he"][..], "--help"),
        (&["wapzi-homolog", "validate", "--he"][..], "--help"),
    ] {
        let completed = bash_completes(&script, words);
        assert!(
            completed.iter().any(|c| c == offered),
            "{words:?} offers {completed:?}, not {offered}"
        );
    }
}

#[test]
fn zsh_and_fish_complete_run_options_under_run() {
    let fish = run(bin().args(["completions", "fish"])).stdout;
    assert!(
        fish.contains(r#"-n "__fish_wapzi_homolog_using_subcommand run" -l sandbox"#),
        "{fish}"
    );
    let zsh = run(bin().args(["completions", "zsh"])).stdout;
    let run_section = zsh
        .split("(run)")
        .nth(1)
        .and_then(|rest| rest.split(";;").next())
        .expect("zsh completes `run`");
    assert!(run_section.contains("'--sandbox["), "{run_section}");
}

#[test]
fn completions_offer_faults_dialects_scenarios_and_check_ids() {
    let ran = run(bin().args(["completions", "bash"]));
    assert_exit(&ran, exit::READY);
    for value in ["trims-unicode-whitespace", "key-rotated", "key::invalid"] {
        assert!(
            ran.stdout.contains(value),
            "bash completions lack `{value}`"
        );
    }
    let dir = temp_dir();
    let script = dir.path().join("wapzi-homolog.bash");
    std::fs::write(&script, &ran.stdout).unwrap();
    for (words, offered) in [
        (
            &["wapzi-homolog", "run", "--dialect", "trims"][..],
            &["trims-unicode-whitespace"][..],
        ),
        (
            &["wapzi-homolog", "sandbox", "--fault", "accept-"][..],
            &["accept-missing-key", "accept-invalid-key"][..],
        ),
        (
            &["wapzi-homolog", "client", "--scenario", "key-"][..],
            &["key-rotated"][..],
        ),
        (
            &["wapzi-homolog", "explain", "key::inv"][..],
            &["key::invalid"][..],
        ),
        (
            &["wapzi-homolog", "run", "--skip", "key::mis"][..],
            &["key::missing"][..],
        ),
    ] {
        let mut completed = bash_completes(&script, words);
        completed.sort();
        let mut offered = offered.to_vec();
        offered.sort();
        assert_eq!(completed, offered, "{words:?}");
    }
    // A fault that takes a value is typed, not completed as its placeholder.
    assert!(!ran.stdout.contains("redirect-to=URL"));
    for shell in ["zsh", "fish"] {
        let ran = run(bin().args(["completions", shell]));
        for value in ["trims-unicode-whitespace", "key-rotated", "key::invalid"] {
            // zsh's script escapes the colons of a value.
            let escaped = value.replace(':', "\\:");
            assert!(
                ran.stdout.contains(value) || ran.stdout.contains(&escaped),
                "{shell} completions lack `{value}`"
            );
        }
    }
    // A description in zsh's script is between double quotes: none inside.
    let zsh = run(bin().args(["completions", "zsh"])).stdout;
    let line = zsh
        .lines()
        .find(|l| l.starts_with("invalid-key-wrong-message\\:"))
        .expect("zsh offers invalid-key-wrong-message");
    assert_eq!(line.matches('"').count(), 2, "{line}");
}

#[test]
fn a_mistyped_value_is_still_told_what_was_meant() {
    for (args, said) in [
        (
            &["run", "--sandbox", "--fault", "accept-missing-kye"][..],
            "did you mean `accept-missing-key`?",
        ),
        (
            &["run", "--sandbox", "--dialect", "trims-unicode"][..],
            "did you mean `trims-unicode-whitespace`?",
        ),
        (
            &["explain", "key::invalidd"][..],
            "did you mean `key::invalid`?",
        ),
    ] {
        let ran = run(bin().args(args));
        assert_exit_case(&ran, exit::SETUP, args.join(" "));
        assert!(ran.stderr.contains(said), "{args:?}: {}", ran.stderr);
    }
    // A fault with a value still parses (it is only left out of completion).
    let ran = run(bin().args([
        "run",
        "--sandbox",
        "--no-reports",
        "--exact",
        "key::missing",
        "--fault",
        "redirect-to=http://127.0.0.1:9/",
    ]));
    assert!(
        ran.code == i32::from(exit::NOT_READY)
            || ran.code == i32::from(exit::INCOMPLETE)
            || ran.code == i32::from(exit::UNREACHABLE),
        "{}",
        ran.stderr
    );
}
