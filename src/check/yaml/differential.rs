//! The one-parse reader against serde_yaml itself: every document of the
//! built-in checks, the scaffold's and the invalid fixtures, each mutated
//! line by line with the scalars YAML resolves differently, must read to
//! the same value or fail with the same message at the same place.

use std::fmt::Debug;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use super::{from_document, read};
use crate::check::raw::RawCheck;
use crate::check::raw_client::RawClientCheck;

/// Values that YAML resolves in different ways, and shapes that fail.
const TRICKY: &[&str] = &[
    "",
    "~",
    "null",
    "true",
    "False",
    "007",
    "-007",
    "0x1F",
    "0o17",
    "+12",
    "-5",
    "1.50",
    "1e3",
    ".inf",
    "-.Inf",
    ".nan",
    "\"quoted 5\"",
    "'single'",
    "!!str 5",
    "!!int \"7\"",
    "!!float 1",
    "!!bool yes",
    "!!null ''",
    "!local x",
    "[1, two]",
    "{a: 1}",
    "[]",
    "{}",
    "&anchor 9",
    "|\n  block\n",
    ">-\n  folded\n",
    "18446744073709551616",
    "-9223372036854775809",
    "0b101",
    "\"\\u00e9\"",
];

/// Shapes the check files do not hold, each where the two parsers mark or
/// read differently unless the reader places them as libyaml does.
const EDGES: &[&str] = &[
    "a:\nb: 1\n",
    "a: # note\n\n  # more\nb: 1\n",
    "-\n- x\n",
    "-\n-\n",
    "- \n  # c\n- x\n",
    "a:\n  -\nb: 1\n",
    "a:\n- \n- x\n",
    "a:\n  - - \n    - y\n",
    "e: {a: , b: 1}\nf: [a, ]\n",
    "a: !t\n  b: 1\n",
    "a: &x !t\n  - 1\nb: *x\n",
    "&m key: 1\nk: !!str\n",
    "a: |\n  x",
    "a: |+\n  x",
    "a: >\n  x\n  y",
    "a: |\n  x\n  ",
    "a: |-\n  x",
    "a: |\n  x\n# c",
    "- |\n  x",
    "a: |\n\nb: 1\n",
    "a:\n  b: |3\n",
    "a:\n  b: >2-\nc: 1\n",
    "a: |+\n\n",
    "b: >-  # c\n  folded\n  more\n",
    "id: a\r\ntitle: 5\r\nsteps:\r\n- x\r\n",
    "? a\n: b\n",
    "---\nid: 1\n---\nid: [2]\n...\n",
    "%YAML 1.2\n---\nid: !!int 0x1F\n",
    "x: &a [1, *a]\n",
    "é: {ü: 1}\nsteps:\n  - request:\n",
];

/// What a read gave: the value's debug form, or the error's words and place.
fn outcome<T: Debug, E: ToString>(result: Result<T, E>, at: Option<(usize, usize)>) -> String {
    match result {
        Ok(value) => format!("ok {value:?}"),
        Err(e) => format!("error {} at {at:?}", e.to_string()),
    }
}

/// Every document of `text` read as `T` by serde_yaml, or `None` if
/// serde_yaml refuses the text (the loader hands such files to it whole).
fn by_serde_yaml<T: DeserializeOwned + Debug>(text: &str) -> Option<Vec<String>> {
    if super::refused_by_serde_yaml(text) {
        return None;
    }
    let outcomes = serde_yaml::Deserializer::from_str(text).map(|document| {
        let result = T::deserialize(document);
        let at = result.as_ref().err().and_then(|e| e.location());
        outcome(result, at.map(|l| (l.line(), l.column())))
    });
    Some(outcomes.collect())
}

fn by_one_parse<T>(text: &str) -> Option<Vec<String>>
where
    T: DeserializeOwned + Debug,
{
    let mut documents = Vec::new();
    read(text, |document| documents.push(document)).ok()?;
    Some(
        documents
            .iter()
            .map(|document| {
                let result = from_document(document, std::marker::PhantomData::<T>);
                let at = result.as_ref().err().and_then(|e| e.location());
                outcome(result, at.map(|at| (at.line, at.column)))
            })
            .collect(),
    )
}

/// Compares both readers on `text` as `T`; a difference is described.
fn compare<T: DeserializeOwned + Debug>(name: &str, text: &str) -> Option<String> {
    let theirs = by_serde_yaml::<T>(text);
    let ours = by_one_parse::<T>(text);
    match (theirs, ours) {
        (Some(theirs), Some(ours)) if theirs == ours => None,
        // Refused by both: serde_yaml words it, as before.
        (None, None) => None,
        // yaml-rust2 refuses what libyaml took: the loader falls back to
        // serde_yaml, so nothing changes.
        (Some(_), None) => None,
        // libyaml refuses what yaml-rust2 took: a file in error is worded
        // by serde_yaml, as before; one that reads is loaded with the whole
        // set, where it must still be in error.
        (None, Some(ours)) if ours.iter().any(|o| o.starts_with("error")) => None,
        (None, Some(_)) if name.starts_with("checks/") => refused_in_the_set(name, text),
        (theirs, ours) => Some(format!(
            "{name} as {}:\n--- text\n{text}\n--- serde_yaml\n{theirs:#?}\n--- one parse\n{ours:#?}",
            std::any::type_name::<T>()
        )),
    }
}

/// Loads the built-in checks with `name`'s text replaced by `text`, which
/// libyaml refuses and yaml-rust2 reads: the load must still fail on that
/// file (serde_yaml then words it, as before the one parse).
fn refused_in_the_set(name: &str, text: &str) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let file = name.split(" scrambled").next().unwrap_or(name);
    for (other, original) in corpus()
        .into_iter()
        .filter(|(n, _)| n.starts_with("checks/"))
    {
        let path = dir.path().join(&other);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, if other == file { text } else { &original }).unwrap();
    }
    match crate::check::load_paths(&[dir.path().join("checks")]) {
        Err(errors) if errors.0.iter().any(|e| e.file.ends_with(file)) => None,
        Err(errors) => Some(format!("{name}: in error elsewhere only: {}", errors.0[0])),
        Ok(_) => Some(format!("{name}: loads, where libyaml refuses it:\n{text}")),
    }
}

fn corpus() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["checks", "tests/fixtures/invalid", "src/scaffold/templates"] {
        collect(&root.join(dir), &mut files);
    }
    files.sort();
    files
        .into_iter()
        .filter_map(|f| {
            let text = std::fs::read_to_string(&f).ok()?;
            Some((f.strip_prefix(root).unwrap().display().to_string(), text))
        })
        .collect()
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            files.push(path);
        }
    }
}

/// The text with line `i`'s value (after `key: ` or `- `) replaced.
fn with_value(text: &str, i: usize, value: &str) -> Option<String> {
    let lines: Vec<&str> = text.split('\n').collect();
    let line = lines[i];
    let cut = match (line.find(": "), line.trim_start().starts_with("- ")) {
        (Some(colon), _) => colon + 2,
        (None, true) => line.find("- ")? + 2,
        _ => return None,
    };
    let indent = " ".repeat(line.len() - line.trim_start().len() + 2);
    let value = value.replace('\n', &format!("\n{indent}"));
    let mut out = lines.clone();
    let changed = format!("{}{}", &line[..cut], value.trim_end());
    out[i] = &changed;
    Some(out.join("\n"))
}

/// Every file, and variants of it: each line dropped, and each value
/// replaced by one of [`TRICKY`] (the next one on each line, so the whole
/// table is met in every file of more than its length).
fn variants() -> Vec<(String, String)> {
    let mut all = Vec::new();
    for (name, text) in corpus() {
        let lines = text.split('\n').count();
        for i in 0..lines {
            let mut dropped: Vec<&str> = text.split('\n').collect();
            dropped.remove(i);
            all.push((format!("{name} without line {}", i + 1), dropped.join("\n")));
            let tricky = TRICKY[i % TRICKY.len()];
            if let Some(changed) = with_value(&text, i, tricky) {
                all.push((format!("{name} line {} = {tricky:?}", i + 1), changed));
            }
        }
        all.push((name, text));
    }
    all.extend(scrambled());
    for (i, edge) in EDGES.iter().enumerate() {
        all.push((format!("edge {i}"), edge.to_string()));
    }
    all
}

/// Each built-in check with a few of YAML's indicators dropped in at
/// places a fixed seed picks: shapes no one writes on purpose, where the
/// two parsers could disagree on what is YAML at all.
fn scrambled() -> Vec<(String, String)> {
    const INDICATORS: &[&str] = &[
        ":", "- ", " ", "\n", "\t", "[", "]", "{", "}", "# ", "'", "\"", "|", ">", "&a ", "*a",
        "!", "? ", ",", "%", "@", "`", "\\", "---\n", "...\n",
    ];
    // Another seed, for a wider search by hand: `SCRAMBLED_SEED=7`.
    let seed = std::env::var("SCRAMBLED_SEED")
        .ok()
        .and_then(|s| s.parse().ok());
    let mut seed: u64 = seed.unwrap_or(0x5eed_cafe);
    let mut next = move |bound: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize % bound
    };
    let mut all = Vec::new();
    for (name, text) in corpus()
        .into_iter()
        .filter(|(n, _)| n.starts_with("checks/"))
    {
        // More rounds, for a deeper search by hand: `SCRAMBLED_ROUNDS=400`.
        let rounds = std::env::var("SCRAMBLED_ROUNDS")
            .ok()
            .and_then(|r| r.parse().ok());
        for round in 0..rounds.unwrap_or(24) {
            let mut changed = text.clone();
            for _ in 0..1 + next(3) {
                let mut at = next(changed.len() + 1);
                while !changed.is_char_boundary(at) {
                    at -= 1;
                }
                changed.insert_str(at, INDICATORS[next(INDICATORS.len())]);
            }
            all.push((format!("{name} scrambled {round}"), changed));
        }
    }
    all
}

#[test]
fn every_document_reads_as_serde_yaml_reads_it() {
    let mut differences = Vec::new();
    let mut compared = 0;
    for (name, text) in variants() {
        compared += 1;
        // Read as the loader reads it: a client check by its `rules:`.
        differences.extend(match text.contains("\nrules:") {
            true => compare::<RawClientCheck>(&name, &text),
            false => compare::<RawCheck>(&name, &text),
        });
        // Any value, to meet every scalar as `deserialize_any` resolves it.
        differences.extend(compare::<serde_json::Value>(&name, &text));
    }
    let refused: Vec<&&str> = EDGES.iter().filter(|e| read(e, drop).is_err()).collect();
    assert!(refused.is_empty(), "the one parse refused {refused:?}");
    // What libyaml refuses is refused, for serde_yaml to word it.
    for text in ["a: \u{1f}\n", "a: b\u{7f}\n", "a: \u{fffe}\n"] {
        assert!(
            by_serde_yaml::<serde_json::Value>(text).is_none(),
            "{text:?}"
        );
        assert!(read(text, drop).is_err(), "{text:?}");
    }
    assert!(compared > 1_000, "only {compared} texts");
    if let Some(out) = std::env::var_os("DIFF_OUT") {
        std::fs::write(out, differences.join("\n=====\n")).unwrap();
    }
    assert!(
        differences.is_empty(),
        "{} of {compared} texts read differently; the first:\n{}",
        differences.len(),
        differences[0]
    );
}
