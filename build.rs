//! Embeds the shipped checks (`checks/**/*.yaml`) in the binary, the set
//! `run`, `list`, `explain` and `validate` use in a folder without
//! `checks/` (and `--checks builtin`), and what `init` writes: writes
//! `$OUT_DIR/default_checks.rs`, a table of (path below `checks/`,
//! contents) in path order.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    // A folder here makes cargo rerun this script when any file below it
    // changes, is added or is removed.
    println!("cargo:rerun-if-changed=checks");
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let checks = root.join("checks");
    let mut files = Vec::new();
    walk(&checks, &mut files);
    files.sort();
    let mut table = String::from("&[\n");
    for file in &files {
        let relative = file
            .strip_prefix(&checks)
            .expect("found below checks/")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let _ = writeln!(
            table,
            "    ({relative:?}, include_str!({:?})),",
            file.display().to_string()
        );
    }
    table.push(']');
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets it"));
    std::fs::write(out.join("default_checks.rs"), table).expect("OUT_DIR is writable");
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    // A folder's own time changes only when its direct entries do: name
    // every folder, so a file added, removed or renamed deeper reruns this.
    println!("cargo:rerun-if-changed={}", dir.display());
    let entries = std::fs::read_dir(dir).expect("checks/ is readable");
    for entry in entries {
        let path = entry.expect("checks/ is readable").path();
        if path.is_dir() {
            walk(&path, files);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            files.push(path);
        }
    }
}
