//! The one pass over yaml-rust2's events: each document's events kept
//! with libyaml's marks ([`super::marks`]), its positions indexed, and the
//! shapes where the two parsers part ways handed to libyaml.

use std::collections::HashMap;

use yaml_rust2::parser::Parser;
use yaml_rust2::scanner::{Marker, TScalarStyle};
use yaml_rust2::Event as YamlEvent;

use super::marks::Source;
use super::position::{self, Indexer, Pos, Positions, MAX_DEPTH};
use super::{refused_by_serde_yaml, Document, Event, Mark, ReadError, Scalar, Style};

/// Reads every document of `text` in one pass of the parser, handing each
/// to `each` as it ends (so a file of many documents never holds all their
/// events at once). An `Err` after some documents voids them. `Ok` says
/// whether libyaml was asked about the text already (and took it).
pub(crate) fn read(text: &str, mut each: impl FnMut(Document)) -> Result<bool, ReadError> {
    // yaml-rust2 reads control characters that libyaml refuses.
    if !text.chars().all(is_printable) {
        return Err(ReadError::Refused);
    }
    let source = Source::new(text);
    let mut reader = Reader::default();
    let mut parser = Parser::new_from_str(text);
    // Event by event rather than `Parser::load`, which recurses once per
    // level of nesting.
    loop {
        let (event, marker) = match parser.next_token() {
            // The scanner reads flow collections (`[[[...`) ahead, and gives
            // up at 256 levels, before any event of theirs.
            Err(e) if e.info() == "recursion limit exceeded" => {
                return Err(ReadError::TooDeep(position::pos(*e.marker())))
            }
            Err(_) => return Err(ReadError::Refused),
            Ok(next) => next,
        };
        if matches!(event, YamlEvent::StreamEnd) {
            // yaml-rust2 takes tabs where libyaml wants spaces, and reads
            // some flow collections libyaml refuses: such a file (once its
            // depth is known to be bounded) is asked of libyaml.
            let doubtful = reader.doubtful || text.contains('\t');
            if doubtful && refused_by_serde_yaml(text) {
                return Err(ReadError::Refused);
            }
            if reader.documents == 0 {
                each(Document {
                    events: vec![(Event::Void, mark(marker))],
                    positions: Positions::default(),
                });
            }
            return Ok(doubtful);
        }
        reader.indexer.on_event(&event, marker);
        if reader.indexer.depth() > MAX_DEPTH {
            return Err(ReadError::TooDeep(position::pos(marker)));
        }
        if let Some(document) = reader.on_event(event, mark(marker), &source)? {
            reader.documents += 1;
            each(document);
        }
    }
}

#[derive(Default)]
struct Reader {
    indexer: Indexer,
    /// How many documents were read.
    documents: usize,
    events: Vec<(Event, Mark)>,
    /// Each anchor's id and the index of its node's first event.
    anchors: HashMap<usize, usize>,
    open: Vec<Open>,
    /// An event whose mark is known only once the next one is read.
    pending: Option<Pending>,
    /// The line the last document ended on (0 before the first).
    boundary: usize,
    /// Whether the text holds what libyaml may read otherwise: in a flow
    /// collection a plain scalar that starts or ends with `:`, a tagged node
    /// or a pair without braces; a block mapping on the line of a `:`.
    doubtful: bool,
}

/// An open collection, and whether its next node is a key.
struct Open {
    map: bool,
    flow: bool,
    expecting_key: bool,
}

/// Where a node sits in its collection.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot {
    Other,
    BlockKey,
    BlockValue,
    BlockEntry,
    FlowValue,
}

enum Pending {
    /// A block mapping, placed at its first key (yaml-rust2 marks that
    /// key's `:`), then before its `properties` tags and anchors.
    BlockMapping { event: usize, properties: usize },
    /// An empty block sequence entry, placed past its own `-`: yaml-rust2
    /// marks the token after the next entry's `-`, or the sequence's end.
    EmptyEntry { event: usize },
}

/// A node as yaml-rust2 gives it: the event, its anchor id (0 for none)
/// and its tag.
fn convert(event: YamlEvent) -> Option<(Event, usize, bool)> {
    let tag = |t: Option<yaml_rust2::parser::Tag>| t.map(|t| t.handle + &t.suffix);
    Some(match event {
        YamlEvent::Alias(id) => (Event::Alias(id), 0, false),
        YamlEvent::Scalar(value, style, anchor, t) => {
            let style = match style {
                TScalarStyle::Plain => Style::Plain,
                TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted => Style::Quoted,
                TScalarStyle::Literal => Style::Literal,
                TScalarStyle::Folded => Style::Folded,
            };
            let tagged = t.is_some();
            let tag = tag(t);
            (Event::Scalar(Scalar { value, style, tag }), anchor, tagged)
        }
        YamlEvent::SequenceStart(anchor, t) => {
            let tagged = t.is_some();
            (Event::SequenceStart(tag(t)), anchor, tagged)
        }
        YamlEvent::MappingStart(anchor, t) => {
            let tagged = t.is_some();
            (Event::MappingStart(tag(t)), anchor, tagged)
        }
        YamlEvent::SequenceEnd => (Event::SequenceEnd, 0, false),
        YamlEvent::MappingEnd => (Event::MappingEnd, 0, false),
        _ => return None,
    })
}

impl Reader {
    /// Reads one event; a document that ends is handed back.
    fn on_event(
        &mut self,
        event: YamlEvent,
        at: Mark,
        source: &Source,
    ) -> Result<Option<Document>, ReadError> {
        match event {
            // libyaml wants `---` before a document that follows a `...`;
            // yaml-rust2 starts one without.
            YamlEvent::DocumentStart
                if source.has_end_marker(self.boundary, at.line)
                    && !source.starts_with(at, "---") =>
            {
                return Err(ReadError::Refused)
            }
            YamlEvent::DocumentStart => {
                self.events.clear();
                self.anchors.clear();
                self.open.clear();
                self.pending = None;
                return Ok(None);
            }
            YamlEvent::DocumentEnd => {
                self.boundary = at.line;
                let mut document = Document {
                    events: std::mem::take(&mut self.events),
                    positions: self.indexer.take_document(),
                };
                // The last document: nothing follows its end.
                if at.line >= source.line_count() {
                    document.end_without_line_break(source.last_line());
                }
                return Ok(Some(document));
            }
            _ => {}
        }
        let Some((event, anchor, tagged)) = convert(event) else {
            return Ok(None);
        };
        let mut event = match event {
            Event::Alias(id) => Event::Alias(*self.anchors.get(&id).ok_or(ReadError::Refused)?),
            event => event,
        };
        let properties = usize::from(anchor != 0) + usize::from(tagged);
        let index = self.events.len();
        let previous = self.pending.take();
        let mark = match &mut event {
            Event::SequenceEnd | Event::MappingEnd => {
                self.open.pop();
                at
            }
            Event::Alias(_) => {
                self.slot();
                at
            }
            Event::Scalar(scalar) => self.place_scalar(scalar, index, at, properties, source)?,
            Event::SequenceStart(_) => self.place_collection(false, index, at, properties, source),
            Event::MappingStart(_) => self.place_collection(true, index, at, properties, source),
            Event::Void => at,
        };
        if let Some(previous) = previous {
            self.settle(previous, &event, mark, source);
        }
        if anchor != 0 {
            self.anchors.insert(anchor, index);
        }
        self.events.push((event, mark));
        Ok(None)
    }

    /// Where libyaml marks `scalar` (yaml-rust2 marked it `at`); it may
    /// also drop the line break yaml-rust2 keeps in a blank block scalar.
    fn place_scalar(
        &mut self,
        scalar: &mut Scalar,
        index: usize,
        at: Mark,
        properties: usize,
        source: &Source,
    ) -> Result<Mark, ReadError> {
        let plain = scalar.style == Style::Plain;
        // libyaml never starts a plain scalar with one of these indicators;
        // yaml-rust2 does in flow collections.
        if plain
            && scalar
                .value
                .starts_with(['|', '>', '\'', '"', '%', '@', '`'])
        {
            return Err(ReadError::Refused);
        }
        if self.open.last().is_some_and(|open| open.flow) {
            let colon = scalar.value.starts_with(':') || scalar.value.ends_with(':');
            self.doubtful |= plain && colon || properties > 0;
        }
        let slot = self.slot();
        if plain && scalar.value.is_empty() && properties == 0 {
            return Ok(match slot {
                // Past the `:` of its key, or the `?` of an explicit key.
                Slot::BlockValue | Slot::BlockKey => {
                    let indicator = if slot == Slot::BlockKey { '?' } else { ':' };
                    match source.token_before(at) {
                        Some(token) if token.ends_with(indicator) => token.end,
                        _ => at,
                    }
                }
                Slot::BlockEntry => {
                    self.pending = Some(Pending::EmptyEntry { event: index });
                    at
                }
                Slot::FlowValue => source.token_from(at),
                Slot::Other => at,
            });
        }
        if !matches!(scalar.style, Style::Literal | Style::Folded) {
            return Ok(source.properties_before(at, properties));
        }
        // Its `|` or `>`: before its text, or at its mark when it has none.
        let header = [source.token_before(at), source.token_at(at)]
            .into_iter()
            .flatten()
            .find(|t| t.starts_with('|') || t.starts_with('>'));
        // A block scalar of blank lines is empty unless kept (`|+`);
        // yaml-rust2 may keep one line break.
        let blank = scalar.value.bytes().all(|b| b == b'\n');
        if blank && header.as_ref().is_some_and(|h| !h.contains('+')) {
            scalar.value.clear();
        }
        Ok(source.properties_before(header.map_or(at, |h| h.start), properties))
    }

    /// Where libyaml marks a collection that starts (yaml-rust2 marked it
    /// `at`); a block mapping's mark waits for its first key.
    fn place_collection(
        &mut self,
        map: bool,
        index: usize,
        at: Mark,
        properties: usize,
        source: &Source,
    ) -> Mark {
        let in_flow = self.open.last().is_some_and(|open| open.flow);
        self.doubtful |= properties > 0 && in_flow;
        self.slot();
        let opened = source.char_at(at) == Some(if map { '{' } else { '[' });
        let flow = in_flow || opened;
        self.open.push(Open {
            map,
            flow,
            expecting_key: true,
        });
        if map && !opened {
            // A block mapping, or a pair in a flow sequence (`[a: b]`, a
            // mapping with no `{`): placed at its key once it is read.
            self.doubtful |= in_flow;
            self.pending = Some(Pending::BlockMapping {
                event: index,
                properties,
            });
            return at;
        }
        let start = if flow { at } else { source.block_entry(at) };
        source.properties_before(start, properties)
    }

    /// Places the event left pending, now that `next` (at `mark`) is read.
    fn settle(&mut self, pending: Pending, next: &Event, mark: Mark, source: &Source) {
        match pending {
            Pending::BlockMapping { event, properties } => {
                let start = &mut self.events[event].1;
                let first = if (mark.line, mark.column) < (start.line, start.column) {
                    mark
                } else {
                    *start
                };
                *start = source.properties_before(first, properties);
                // A block mapping opened on the line of a `:` (`: a: b`):
                // libyaml allows no mapping there, yaml-rust2 may.
                let after_colon = source.token_before(*start);
                self.doubtful |=
                    after_colon.is_some_and(|t| t.end.line == start.line && t.ends_with(':'));
            }
            Pending::EmptyEntry { event } => {
                let back = if matches!(next, Event::SequenceEnd) {
                    1
                } else {
                    2
                };
                let at = self.events[event].1;
                if let Some(dash) = source.tokens_back(at, back).filter(|t| t.starts_with('-')) {
                    self.events[event].1 = dash.end;
                }
            }
        }
    }

    /// The slot the node about to start takes in its collection.
    fn slot(&mut self) -> Slot {
        let Some(open) = self.open.last_mut() else {
            return Slot::Other;
        };
        if open.map {
            let key = open.expecting_key;
            open.expecting_key = !key;
            match (key, open.flow) {
                (true, false) => Slot::BlockKey,
                (true, true) => Slot::Other,
                (false, false) => Slot::BlockValue,
                (false, true) => Slot::FlowValue,
            }
        } else if open.flow {
            Slot::Other
        } else {
            Slot::BlockEntry
        }
    }
}

/// YAML's printable characters, as libyaml's reader admits them.
fn is_printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

fn mark(marker: Marker) -> Mark {
    let Pos { line, column } = position::pos(marker);
    Mark { line, column }
}
