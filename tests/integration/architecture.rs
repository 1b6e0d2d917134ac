//! The import rules the folders stand for, read from the source: the client
//! side is built on the shared core, never on the HTTP runner, so a third
//! side can be added beside them without taking either along.

use std::path::{Path, PathBuf};

use regex::Regex;

/// Each folder (or file) of `src/` and the modules of the crate it must
/// never import, with why.
const RULES: &[(&str, &[&str], &str)] = &[
    ("grade", &["run", "app"], "grading never imports the runner"),
    (
        "lang",
        &["run", "grade", "app", "report"],
        "the check language belongs to neither side",
    ),
    ("run", &["grade"], "the runner knows nothing of grading"),
    (
        "verdict",
        &["run", "grade", "app", "report"],
        "one verdict for both sides",
    ),
    (
        "assemble.rs",
        &["run", "grade", "app", "report"],
        "the result builder is shared by both sides",
    ),
    (
        "interrupt.rs",
        &["run", "grade", "app", "report"],
        "signals are both sides'",
    ),
];

/// The `.rs` files under `path` (itself, when it is one), bounded by the
/// tree's depth.
fn sources(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut found = Vec::new();
    let mut todo = vec![path.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The places in `text` that name the crate's module `module`, in any
/// spelling: `crate::run::x`, `use crate::{run::x, ..}` (over lines too).
/// Comment lines are blanked first: a doc may point at another layer.
fn imports(text: &str, module: &str) -> Vec<String> {
    let code: String = text
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("//") {
                ""
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let text = code.as_str();
    let path = Regex::new(&format!(r"\bcrate\s*::\s*{module}\b")).unwrap();
    let group = Regex::new(&format!(r"(?s)\bcrate\s*::\s*\{{[^}}]*\b{module}\b")).unwrap();
    path.find_iter(text)
        .chain(group.find_iter(text))
        .map(|m| {
            let line = text[..m.start()].lines().count().max(1);
            format!("line {line}: {}", m.as_str().replace('\n', " "))
        })
        .collect()
}

#[test]
fn the_scanner_finds_an_import_in_every_spelling() {
    for text in [
        "use crate::run::Signal;",
        "let x = crate::run::interrupted(s);",
        "use crate::{check::Check, run::Signal};",
        "use crate::{\n    check,\n    run,\n};",
    ] {
        assert_eq!(imports(text, "run").len(), 1, "{text}");
    }
    for text in [
        "use crate::runner::X;",
        "use crate::check::run::X;",
        "/// see crate::run::Signal",
    ] {
        assert!(imports(text, "run").is_empty(), "{text}");
    }
}

#[test]
fn each_layer_imports_only_what_it_may() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut broken = Vec::new();
    for (place, forbidden, why) in RULES {
        let files = sources(&src.join(place));
        assert!(!files.is_empty(), "src/{place} has no source: update RULES");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for module in *forbidden {
                for hit in imports(&text, module) {
                    let file = file.strip_prefix(&src).unwrap().display();
                    broken.push(format!("src/{file} {hit} ({why})"));
                }
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}
