//! Reading the files a user names (check files, key files, `--env-file`):
//! regular files only, and only up to a size. A FIFO would block the run
//! until something writes to it, and a character device (`/dev/zero`,
//! `/dev/urandom`) never ends.

use std::io::Read;
use std::path::Path;

use thiserror::Error;

/// Why a file was not read.
#[derive(Debug, Error)]
pub enum ReadError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("it is {0}, not a regular file")]
    NotRegular(&'static str),
    #[error("it is larger than {0}")]
    TooLarge(&'static str),
}

/// Reads `path` if it is a regular file (or a link to one) of at most
/// `cap` bytes; `cap_text` says the cap in words (`64 KiB`).
pub fn read_regular(path: &Path, cap: u64, cap_text: &'static str) -> Result<Vec<u8>, ReadError> {
    // Told before opening: opening a FIFO blocks until a writer comes.
    let kind = std::fs::metadata(path)?.file_type();
    if !kind.is_file() {
        return Err(ReadError::NotRegular(describe(kind)));
    }
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(ReadError::TooLarge(cap_text));
    }
    Ok(bytes)
}

/// What a file that is not a regular file is, in words.
fn describe(kind: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

/// `text` without a leading UTF-8 byte order mark, which some editors
/// write and which is no part of a key or of YAML.
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_up_to_the_cap_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "12345").unwrap();
        assert_eq!(read_regular(&file, 5, "5 B").unwrap(), b"12345");
        let big = read_regular(&file, 4, "4 B").unwrap_err();
        assert_eq!(big.to_string(), "it is larger than 4 B");
        let zero = read_regular(Path::new("/dev/zero"), 5, "5 B").unwrap_err();
        assert_eq!(
            zero.to_string(),
            "it is a character device, not a regular file"
        );
        let folder = read_regular(dir.path(), 5, "5 B").unwrap_err();
        assert_eq!(folder.to_string(), "it is a folder, not a regular file");
        assert_eq!(strip_bom("\u{feff}ak_x"), "ak_x");
    }
}
