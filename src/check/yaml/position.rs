//! Where each node of a check file is, so validation errors can point at
//! the user's line and column.
//!
//! Validation happens after deserialization, so the positions of every key
//! and value are indexed from the same parse's events, by dotted path
//! (`steps.0.request.path`).

use std::collections::HashMap;

use yaml_rust2::scanner::{Marker, TScalarStyle};
use yaml_rust2::Event;

/// A 1-based line and column in a check file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

/// The position of one node: its key (when in a mapping) and its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Node {
    pub key: Option<Pos>,
    pub value: Option<Pos>,
    /// How the scalar's text maps onto the source, for columns inside it.
    pub layout: Layout,
}

/// Where a scalar's text starts relative to its node, if it can be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// Plain text: byte `n` of the value is `n` columns from the start.
    #[default]
    Plain,
    /// In quotes: the text starts one column later.
    Quoted,
    /// A block scalar (`|`, `>`): columns inside it cannot be told from the
    /// offset, so errors point at the node.
    Block,
}

/// How deeply collections may nest in a check file. A check needs a few
/// levels (a step's request body is five down); JSON bodies of real APIs
/// rarely pass twenty.
pub const MAX_DEPTH: usize = 64;

/// Positions of every node of one YAML document, as a tree: indexing a
/// file is on the path of every run, so nodes are linked by index, with no
/// path string built per node.
#[derive(Debug, Clone)]
pub struct Positions {
    /// `entries[0]` is the document's root.
    entries: Vec<Entry>,
}

#[derive(Debug, Clone, Default)]
struct Entry {
    /// The key in its mapping, or the index in its sequence.
    name: String,
    node: Node,
    children: Vec<usize>,
    /// The children by name, once there are more than [`INDEXED_FROM`]: a
    /// body of 20,000 keys took seconds to index and validate, each key
    /// looked for among all the others.
    /// Boxed: most entries have none, and a file holds many entries.
    by_name: Option<Box<NameIndex>>,
}

/// An entry's children by name (the first of a repeated key).
#[derive(Debug, Clone, Default)]
struct NameIndex(HashMap<String, usize>);

/// How many children an entry holds before they are found by name.
const INDEXED_FROM: usize = 16;

impl Default for Positions {
    fn default() -> Self {
        Positions {
            entries: vec![Entry::default()],
        }
    }
}

impl Positions {
    /// The node at the dotted `path` (`steps.0.request.path`), or the
    /// nearest ancestor that was written down. A key may itself hold dots
    /// (a body path `error.code`, a header name): at each level the longest
    /// child name that the path continues with is taken.
    pub fn find(&self, path: &str) -> Node {
        let mut at = 0;
        let mut rest = path;
        while !rest.is_empty() {
            match self.child_prefix(at, rest) {
                Some((child, after)) => {
                    at = child;
                    rest = after;
                }
                // An empty segment (`a..b`, a leading dot) names nothing.
                None if rest.starts_with('.') => rest = &rest[1..],
                None => break,
            }
        }
        self.entries[at].node
    }

    /// The child of `parent` whose name is the longest that `rest` starts
    /// with, followed by a `.` or the end, and what follows that dot.
    fn child_prefix<'p>(&self, parent: usize, rest: &'p str) -> Option<(usize, &'p str)> {
        if let Some(by_name) = &self.entries[parent].by_name {
            // The names the path can continue with: up to each dot, longest
            // first.
            let ends = rest.match_indices('.').map(|(i, _)| i).chain([rest.len()]);
            let mut ends: Vec<usize> = ends.collect();
            ends.reverse();
            return ends.into_iter().find_map(|end| {
                let child = *by_name.0.get(&rest[..end])?;
                Some((child, rest.get(end + 1..).unwrap_or_default()))
            });
        }
        self.entries[parent]
            .children
            .iter()
            .filter_map(|&c| {
                let name = self.entries[c].name.as_str();
                let after = rest.strip_prefix(name)?;
                let after = match after.strip_prefix('.') {
                    Some(tail) => tail,
                    None if after.is_empty() => after,
                    None => return None,
                };
                Some((name.len(), c, after))
            })
            .max_by_key(|&(len, ..)| len)
            .map(|(_, c, after)| (c, after))
    }

    /// Whether the document's top-level mapping has the key `name`: how a
    /// client check (`rules:`) is told from an API check (`steps:`).
    pub fn has_top_key(&self, name: &str) -> bool {
        self.child(0, name).is_some()
    }

    fn child(&self, parent: usize, name: &str) -> Option<usize> {
        if let Some(by_name) = &self.entries[parent].by_name {
            return by_name.0.get(name).copied();
        }
        self.entries[parent]
            .children
            .iter()
            .copied()
            .find(|&c| self.entries[c].name == name)
    }

    fn add_child(&mut self, parent: usize, name: String) -> usize {
        let id = self.entries.len();
        if let Some(by_name) = &mut self.entries[parent].by_name {
            by_name.0.entry(name.clone()).or_insert(id);
        }
        self.entries.push(Entry {
            name,
            ..Entry::default()
        });
        self.entries[parent].children.push(id);
        let entry = &self.entries[parent];
        if entry.by_name.is_none() && entry.children.len() > INDEXED_FROM {
            let mut by_name = HashMap::new();
            for &child in &entry.children {
                by_name
                    .entry(self.entries[child].name.clone())
                    .or_insert(child);
            }
            self.entries[parent].by_name = Some(Box::new(NameIndex(by_name)));
        }
        id
    }

    /// Where the key at `path` is (falling back to its value).
    pub fn key(&self, path: &str) -> Pos {
        let node = self.find(path);
        node.key
            .or(node.value)
            .unwrap_or(Pos { line: 1, column: 1 })
    }

    /// Where the value at `path` is (falling back to its key).
    pub fn value(&self, path: &str) -> Pos {
        let node = self.find(path);
        node.value
            .or(node.key)
            .unwrap_or(Pos { line: 1, column: 1 })
    }

    /// Where byte `offset` of the single-line scalar at `path` is.
    pub fn inside_value(&self, path: &str, offset: usize) -> Pos {
        let node = self.find(path);
        match (node.value, node.layout) {
            (Some(pos), Layout::Block) => pos,
            (Some(pos), layout) => Pos {
                line: pos.line,
                column: pos.column + offset + usize::from(layout == Layout::Quoted),
            },
            (None, _) => self.key(path),
        }
    }
}

/// An open collection and where the parser is inside it.
enum Frame {
    /// `key` is the entry of the key just read, until its value ends.
    Map {
        entry: usize,
        key: Option<usize>,
    },
    Seq {
        entry: usize,
        index: usize,
    },
}

impl Frame {
    fn entry(&self) -> usize {
        match self {
            Frame::Map { entry, .. } | Frame::Seq { entry, .. } => *entry,
        }
    }
}

/// Indexes one document at a time from the parser's events.
#[derive(Default)]
pub(super) struct Indexer {
    stack: Vec<Frame>,
    current: Positions,
}

pub(super) fn pos(mark: Marker) -> Pos {
    Pos {
        line: mark.line(),
        column: mark.col() + 1,
    }
}

impl Indexer {
    /// The entry of the node about to start, or `None` when the next scalar
    /// is a mapping key.
    fn slot(&mut self) -> Option<usize> {
        match self.stack.last() {
            None => Some(0),
            Some(Frame::Map { key, .. }) => *key,
            Some(Frame::Seq { entry, index }) => {
                let (entry, name) = (*entry, index.to_string());
                Some(self.current.add_child(entry, name))
            }
        }
    }

    /// Moves the enclosing collection past the node that just ended.
    fn advance(&mut self) {
        match self.stack.last_mut() {
            Some(Frame::Map { key, .. }) => *key = None,
            Some(Frame::Seq { index, .. }) => *index += 1,
            None => {}
        }
    }

    fn start_value(&mut self, entry: usize, mark: Marker, layout: Layout) {
        let node = &mut self.current.entries[entry].node;
        if node.value.is_none() {
            node.value = Some(pos(mark));
            node.layout = layout;
        }
    }

    /// Reads a mapping key: a repeated key shares its first entry.
    fn start_key(&mut self, name: String, mark: Marker) {
        let Some(Frame::Map { entry, .. }) = self.stack.last() else {
            return;
        };
        let map = *entry;
        let child = match self.current.child(map, &name) {
            Some(child) => child,
            None => self.current.add_child(map, name),
        };
        self.current.entries[child].node.key = Some(pos(mark));
        if let Some(Frame::Map { key, .. }) = self.stack.last_mut() {
            *key = Some(child);
        }
    }

    /// Containers are placed at their first scalar: the parser's own marks
    /// for block collections point past it.
    fn place_containers(&mut self, mark: Marker) {
        for frame in &self.stack {
            let node = &mut self.current.entries[frame.entry()].node;
            if node.value.is_none() {
                node.value = Some(pos(mark));
            }
        }
    }
}

impl Indexer {
    /// How deeply collections are open.
    pub(super) fn depth(&self) -> usize {
        self.stack.len()
    }

    /// The positions of the document that just ended.
    pub(super) fn take_document(&mut self) -> Positions {
        std::mem::take(&mut self.current)
    }

    pub(super) fn on_event(&mut self, event: &Event, mark: Marker) {
        match event {
            Event::DocumentStart => {
                self.current = Positions::default();
                self.stack.clear();
            }
            Event::Scalar(value, style, ..) => {
                self.place_containers(mark);
                match self.slot() {
                    None => self.start_key(value.clone(), mark),
                    Some(entry) => {
                        let layout = match style {
                            TScalarStyle::Plain => Layout::Plain,
                            TScalarStyle::Literal | TScalarStyle::Folded => Layout::Block,
                            _ => Layout::Quoted,
                        };
                        self.start_value(entry, mark, layout);
                        self.advance();
                    }
                }
            }
            Event::Alias(_) => {
                if let Some(entry) = self.slot() {
                    self.start_value(entry, mark, Layout::Plain);
                }
                self.advance();
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                // A collection as a mapping key has no path: it is indexed
                // under the mapping itself.
                let entry = self
                    .slot()
                    .unwrap_or_else(|| self.stack.last().map_or(0, Frame::entry));
                let frame = if matches!(event, Event::MappingStart(..)) {
                    Frame::Map { entry, key: None }
                } else {
                    Frame::Seq { entry, index: 0 }
                };
                self.stack.push(frame);
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
                self.advance();
            }
            Event::DocumentEnd | Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{read, ReadError};
    use super::*;

    /// Every document's positions, as the one read indexes them.
    fn index(source: &str) -> Result<Vec<Positions>, ReadError> {
        let mut positions = Vec::new();
        read(source, |document| positions.push(document.positions)).map(|_| positions)
    }

    const SOURCE: &str =
        "id: a\nsteps:\n  - request:\n      path: \"/x/{{ y }}\"\n    expect: {status: 202}\n";

    #[test]
    fn indexes_keys_and_values_by_path() {
        let docs = index(SOURCE).unwrap();
        let p = &docs[0];
        assert_eq!(p.key("id"), Pos { line: 1, column: 1 });
        assert_eq!(p.value("id"), Pos { line: 1, column: 5 });
        assert_eq!(p.key("steps.0.request.path"), Pos { line: 4, column: 7 });
        assert_eq!(
            p.value("steps.0.expect.status"),
            Pos {
                line: 5,
                column: 22
            }
        );
        assert_eq!(p.value("steps.0"), Pos { line: 3, column: 5 });
    }

    #[test]
    fn points_inside_quoted_scalars() {
        let docs = index(SOURCE).unwrap();
        assert_eq!(
            docs[0].inside_value("steps.0.request.path", 3),
            Pos {
                line: 4,
                column: 17
            }
        );
    }

    #[test]
    fn unknown_paths_fall_back_to_the_nearest_ancestor() {
        let docs = index(SOURCE).unwrap();
        assert_eq!(
            docs[0].key("steps.0.request.nope"),
            Pos { line: 3, column: 5 }
        );
    }

    #[test]
    fn keys_that_hold_dots_are_found_whole() {
        let source = "expect:\n  body:\n    error.message: {regex: a}\n    error.code: {regex: b}\n    error:\n      code: 1\n";
        let p = &index(source).unwrap()[0];
        assert_eq!(p.key("expect.body.error.message").line, 3);
        assert_eq!(p.key("expect.body.error.code").line, 4);
        assert_eq!(p.value("expect.body.error.code.regex").line, 4);
        // Without the dotted key, the nested one is found.
        let nested = &index("error:\n  code: 1\n").unwrap()[0];
        assert_eq!(nested.key("error.code").line, 2);
        assert_eq!(nested.key("error.nope").line, 1);
    }

    #[test]
    fn many_keys_are_found_by_name_as_few_are() {
        for keys in [3, 100] {
            let mut source = String::from("body:\n");
            for i in 0..keys {
                source.push_str(&format!("  k{i}: {i}\n"));
            }
            source.push_str("  error.code: x\n  error:\n    code: y\n");
            let p = &index(&source).unwrap()[0];
            assert_eq!(p.entries[1].by_name.is_some(), keys > INDEXED_FROM);
            assert_eq!(p.key("body.k2").line, 4);
            // The dotted key is the longest name the path continues with.
            assert_eq!(p.key("body.error.code").line, keys + 2);
            assert_eq!(p.key("body.error").line, keys + 3);
            assert_eq!(p.value("body.error.code.regex").line, keys + 2);
            assert_eq!(p.key("body.nope").line, 1);
            assert!(p.has_top_key("body") && !p.has_top_key("k2"));
        }
    }

    #[test]
    fn several_documents_are_indexed_apart() {
        let docs = index("id: a\n---\nid: b\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].key("id").line, 3);
    }

    #[test]
    fn nesting_past_the_limit_is_found_where_it_opens() {
        let deep = |n: usize| format!("body: {}{}\n", "[".repeat(n), "]".repeat(n));
        assert!(index(&deep(MAX_DEPTH - 1)).is_ok());
        let at = |n: usize| match index(&deep(n)) {
            Err(ReadError::TooDeep(at)) => at,
            other => panic!("{other:?}"),
        };
        // The root mapping is the first level, the outer `[` the second.
        assert_eq!(
            at(100),
            Pos {
                line: 1,
                column: 7 + MAX_DEPTH - 1
            }
        );
        // Deeper than the scanner reads ahead, where it gives up.
        assert_eq!(
            at(200_000),
            Pos {
                line: 1,
                column: 7 + 255
            }
        );
        let block = format!("body:\n{}x\n", "- ".repeat(100));
        let Err(ReadError::TooDeep(at)) = index(&block) else {
            panic!("too deep");
        };
        // A block sequence is marked at its first item, past its `- `.
        assert_eq!(
            at,
            Pos {
                line: 2,
                column: 1 + 2 * (MAX_DEPTH - 1)
            }
        );
    }
}
