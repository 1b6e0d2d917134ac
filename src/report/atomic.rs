//! Atomic writes: a reader sees the old directory or the new one whole,
//! never a half-written file or a half-filled directory.
//!
//! A directory is built beside its destination under a hidden staging name,
//! then swapped in with two renames: the old one aside, the new one in.
//! Building whole directories (not file by file) costs one rename per
//! directory instead of a temporary file and a rename per file.
//!
//! Nothing is fsynced: atomicity is for readers (a CI step uploading the
//! reports, a browser), and a machine that loses power mid-run loses the run
//! anyway. On this project's ext4 machine the nine fsyncs of a report set
//! were about a tenth of a whole run's CPU time (docs/benchmarks.md).

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::error::ReportError;

/// Replaces the directory `dest` (if any) with one filled by `fill`, which
/// is given the staging directory to write into. `tag` makes the staging
/// and set-aside names unique to this run.
pub(crate) fn replace_dir(
    dest: &Path,
    tag: &str,
    fill: impl FnOnce(&Path) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    let staging = beside(dest, "staging", tag);
    let old = beside(dest, "old", tag);
    remove_if_exists(&staging)?;
    create_dir(&staging)?;
    if let Err(e) = fill(&staging) {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    swap_in(&staging, dest, &old)
}

/// Creates `path` and its missing parents.
pub(crate) fn create_dir(path: &Path) -> Result<(), ReportError> {
    fs::create_dir_all(path).map_err(|e| ReportError::io("create directory", path, e))
}

/// Writes `bytes` to the new file `path`.
pub(crate) fn write_new(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| ReportError::io("create", path, e))?;
    file.write_all(bytes)
        .map_err(|e| ReportError::io("write", path, e))
}

/// Makes `path` a hard link to `original`, or, where the file system has no
/// hard links, a new file holding `bytes` (the original's content).
pub(crate) fn link_or_write(original: &Path, path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    match fs::hard_link(original, path) {
        Ok(()) => Ok(()),
        Err(_) => write_new(path, bytes),
    }
}

/// How often a run retries putting its directory in place while other
/// runs keep replacing the same one.
const SWAP_ATTEMPTS: usize = 64;

/// Moves `dest` (if any) aside to `old`, `staging` to `dest`, then removes
/// `old`. Runs sharing a reports folder replace `dest` at the same time:
/// when another run's directory lands between the two renames, it is moved
/// aside in turn and the rename tried again, so the last writer wins, no
/// run fails and nothing stale is left. Any other failure puts the old
/// directory back.
fn swap_in(staging: &Path, dest: &Path, old: &Path) -> Result<(), ReportError> {
    let mut last = None;
    for _ in 0..SWAP_ATTEMPTS {
        remove_if_exists(old)?;
        let had_old = match fs::rename(dest, old) {
            Ok(()) => true,
            Err(e) if e.kind() == io::ErrorKind::NotFound => false,
            // Another run moved `dest` away, or put a new one, just now.
            Err(_) if !dest.exists() => false,
            Err(e) => return Err(ReportError::io("move aside", dest, e)),
        };
        match fs::rename(staging, dest) {
            Ok(()) => {
                let _ = remove_if_exists(old);
                return Ok(());
            }
            // Another run's directory landed in between: move it aside too.
            Err(e) if is_taken(&e) || dest.exists() => last = Some(e),
            Err(source) => {
                if had_old {
                    let _ = fs::rename(old, dest);
                }
                let _ = fs::remove_dir_all(staging);
                return Err(ReportError::Rename {
                    from: staging.to_path_buf(),
                    to: dest.to_path_buf(),
                    source,
                });
            }
        }
    }
    let _ = remove_if_exists(old);
    let _ = fs::remove_dir_all(staging);
    Err(ReportError::Rename {
        from: staging.to_path_buf(),
        to: dest.to_path_buf(),
        source: last.unwrap_or_else(|| io::Error::other("other runs kept replacing it")),
    })
}

/// Whether a rename failed because its destination is (now) taken.
fn is_taken(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::DirectoryNotEmpty | io::ErrorKind::AlreadyExists
    )
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

/// `.<name>.<what>-<tag>` beside `path`: hidden, on the same file system,
/// and never a run id (those cannot start with a dot).
fn beside(path: &Path, what: &str, tag: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{what}-{tag}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_files<'a>(
        files: &'a [(&'a str, &'a [u8])],
    ) -> impl FnOnce(&Path) -> Result<(), ReportError> + 'a {
        move |dir| {
            files
                .iter()
                .try_for_each(|(name, bytes)| write_new(&dir.join(name), bytes))
        }
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replace_dir_swaps_whole_directory() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("latest");
        replace_dir(&dest, "r1", write_files(&[("a", b"1"), ("b", b"1")])).unwrap();
        replace_dir(&dest, "r2", write_files(&[("a", b"2")])).unwrap();
        assert_eq!(fs::read(dest.join("a")).unwrap(), b"2");
        assert!(!dest.join("b").exists(), "the old directory is gone whole");
        assert_eq!(
            entries(dir.path()),
            ["latest"],
            "no staging or old directory left"
        );
    }

    #[test]
    fn runs_replacing_the_same_directory_at_once_all_succeed_and_leave_nothing_stale() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("latest");
        std::thread::scope(|s| {
            for writer in 0..8 {
                let dest = &dest;
                s.spawn(move || {
                    for round in 0..25 {
                        let tag = format!("w{writer}-r{round}");
                        let content = tag.clone();
                        replace_dir(dest, &tag, |staging| {
                            write_new(&staging.join("a"), content.as_bytes())
                        })
                        .unwrap_or_else(|e| panic!("{tag}: {e}"));
                    }
                });
            }
        });
        assert_eq!(entries(dir.path()), ["latest"], "nothing stale is left");
        let last = String::from_utf8(fs::read(dest.join("a")).unwrap()).unwrap();
        assert!(
            last.ends_with("-r24"),
            "a last round's directory won: {last}"
        );
    }

    #[test]
    fn a_failed_fill_leaves_the_old_directory_and_no_staging() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("latest");
        replace_dir(&dest, "r1", write_files(&[("a", b"1")])).unwrap();
        let err = replace_dir(&dest, "r2", |staging| {
            write_new(&staging.join("a"), b"2")?;
            write_new(&staging.join("a"), b"again")
        })
        .unwrap_err();
        assert!(err.to_string().contains(".latest.staging-r2"), "{err}");
        assert_eq!(fs::read(dest.join("a")).unwrap(), b"1");
        assert_eq!(entries(dir.path()), ["latest"]);
    }

    #[test]
    fn a_link_shares_the_original_content() {
        let dir = tempfile::tempdir().unwrap();
        let original = dir.path().join("a");
        write_new(&original, b"1").unwrap();
        let link = dir.path().join("b");
        link_or_write(&original, &link, b"1").unwrap();
        assert_eq!(fs::read(&link).unwrap(), b"1");
        // Where links are refused (here: the original is missing), the bytes are written.
        let copy = dir.path().join("c");
        link_or_write(&dir.path().join("missing"), &copy, b"1").unwrap();
        assert_eq!(fs::read(&copy).unwrap(), b"1");
    }

    #[test]
    fn failed_write_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        fs::write(&blocker, b"x").unwrap();
        let err = write_new(&blocker.join("a"), b"1").unwrap_err();
        assert!(err.path().unwrap().starts_with(&blocker), "{err}");
        assert!(err.io_error().is_some());
    }
}
