//! Atomic writes: a reader sees the old file (or directory) or the new one
//! whole, never a half-written one.
//!
//! A file is written to a temporary sibling, synced, then renamed over its
//! destination. A directory is built beside its destination under a staging
//! name, then swapped in with two renames: the old one aside, the new one in.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::error::ReportError;

/// Makes temporary names unique within the process.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `path` through a temporary sibling and a rename.
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let tmp = temp_sibling(path);
    let written = write_synced(&tmp, bytes).and_then(|()| rename(&tmp, path));
    if written.is_err() {
        // Best effort: the temporary file is garbage now.
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// Creates `path` and its missing parents.
pub(crate) fn create_dir(path: &Path) -> Result<(), ReportError> {
    fs::create_dir_all(path).map_err(|e| ReportError::io("create directory", path, e))
}

/// Replaces the directory `dest` with one holding `files` (name, content),
/// built as `<dest>.tmp-<tag>` and swapped in. Returns the paths written
/// under `dest`.
pub(crate) fn replace_dir(
    dest: &Path,
    tag: &str,
    files: &[(&str, &[u8])],
) -> Result<Vec<PathBuf>, ReportError> {
    let staging = with_suffix(dest, &format!(".tmp-{tag}"));
    let old = with_suffix(dest, &format!(".old-{tag}"));
    remove_if_exists(&staging)?;
    create_dir(&staging)?;
    let built = files
        .iter()
        .try_for_each(|(name, bytes)| write_file(&staging.join(name), bytes));
    if let Err(e) = built {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    sync_dir(&staging);
    swap_in(&staging, dest, &old)?;
    if let Some(parent) = dest.parent() {
        sync_dir(parent);
    }
    Ok(files.iter().map(|(name, _)| dest.join(name)).collect())
}

/// Moves `dest` (if any) aside to `old`, `staging` to `dest`, then removes
/// `old`. When the second rename fails the old directory is put back.
fn swap_in(staging: &Path, dest: &Path, old: &Path) -> Result<(), ReportError> {
    remove_if_exists(old)?;
    let had_old = match fs::symlink_metadata(dest) {
        Ok(_) => {
            rename(dest, old)?;
            true
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        Err(e) => return Err(ReportError::io("inspect", dest, e)),
    };
    if let Err(e) = rename(staging, dest) {
        if had_old {
            let _ = fs::rename(old, dest);
        }
        let _ = fs::remove_dir_all(staging);
        return Err(e);
    }
    if had_old {
        // Best effort: `dest` is already complete; a leftover is only clutter.
        let _ = remove_if_exists(old);
    }
    Ok(())
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| ReportError::io("create", path, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| ReportError::io("write", path, e))
}

fn rename(from: &Path, to: &Path) -> Result<(), ReportError> {
    fs::rename(from, to).map_err(|source| ReportError::Rename {
        from: from.to_path_buf(),
        to: to.to_path_buf(),
        source,
    })
}

fn remove_if_exists(path: &Path) -> Result<(), ReportError> {
    let removed = match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    };
    removed.map_err(|e| ReportError::io("remove", path, e))
}

/// Flushes a directory's entries (the renames) to disk; best effort, since
/// not every file system can open a directory.
fn sync_dir(path: &Path) {
    if let Ok(dir) = File::open(path) {
        let _ = dir.sync_all();
    }
}

/// `.<name>.tmp-<pid>-<n>` beside `path`: hidden, unique, same file system.
fn temp_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.tmp-{}-{n}", std::process::id()))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_file_replaces_content_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        write_file(&path, b"one").unwrap();
        write_file(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn replace_dir_swaps_whole_directory() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("latest");
        replace_dir(&dest, "r1", &[("a", b"1"), ("b", b"1")]).unwrap();
        let written = replace_dir(&dest, "r2", &[("a", b"2")]).unwrap();
        assert_eq!(written, vec![dest.join("a")]);
        assert_eq!(fs::read(dest.join("a")).unwrap(), b"2");
        assert!(!dest.join("b").exists(), "the old directory is gone whole");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec!["latest"], "no staging or old directory left");
    }

    #[test]
    fn failed_write_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        fs::write(&blocker, b"x").unwrap();
        let err = write_file(&blocker.join("a"), b"1").unwrap_err();
        assert!(err.path().unwrap().starts_with(&blocker), "{err}");
        assert!(err.io_error().is_some());
    }
}
