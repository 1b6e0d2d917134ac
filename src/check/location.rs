//! Where something is in a check file, kept as a value until a message or
//! a report writes it: `checks/key/missing.yaml:12`, or `...:12:5` with a
//! column.

use std::fmt;
use std::path::Path;

/// A line (and, when known, a column) of a check file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file as the user named it (or `builtin:...`).
    file: String,
    line: usize,
    column: Option<usize>,
}

impl Location {
    /// Line `line` of `file`.
    pub fn new(file: impl fmt::Display, line: usize) -> Location {
        Location {
            file: file.to_string(),
            line,
            column: None,
        }
    }

    /// Line `line` of the file at `path`.
    pub fn of(path: &Path, line: usize) -> Location {
        Location::new(path.display(), line)
    }

    /// The same place, at `column` of its line.
    pub fn at_column(self, column: usize) -> Location {
        Location {
            column: Some(column),
            ..self
        }
    }
}

impl fmt::Display for Location {
    /// `file:line`, or `file:line:column`: the form editors and terminals
    /// jump to.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)?;
        match self.column {
            Some(column) => write!(f, ":{column}"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Location;
    use std::path::Path;

    #[test]
    fn a_location_writes_file_line_and_column_when_known() {
        let at = Location::of(Path::new("checks/key/missing.yaml"), 12);
        assert_eq!(at.to_string(), "checks/key/missing.yaml:12");
        assert_eq!(at.at_column(5).to_string(), "checks/key/missing.yaml:12:5");
        assert_eq!(Location::new("builtin:x", 1).to_string(), "builtin:x:1");
    }
}
