//! A serde `Deserializer` over one document's events.
//!
//! A port of serde_yaml 0.9.34's `DeserializerFromEvents` (MIT OR
//! Apache-2.0, David Tolnay) to the events of the one parse that also
//! indexes positions: the same rules for scalars, options, enums, aliases
//! and limits, the same messages, placed at the same nodes. serde_yaml
//! cannot take events from elsewhere, and its parser is private.

use std::fmt;

use serde::de::{
    self, value::StrDeserializer, DeserializeSeed, Expected, IgnoredAny, Unexpected, Visitor,
};
use serde::Deserialize;

use super::error::Error;
use super::scalar::{self, parse_bool, parse_f64, parse_null, parse_signed_int};
use super::scalar::{parse_unsigned_int, NULL};
use super::{Document, Event, Mark, Scalar, Style};

type Result<T, E = Error> = std::result::Result<T, E>;

/// Deserializes what `seed` reads from `document`.
pub(crate) fn from_document<'de, S: DeserializeSeed<'de>>(
    document: &'de Document,
    seed: S,
) -> Result<S::Value> {
    let (mut pos, mut jumpcount) = (0, 0);
    seed.deserialize(&mut De {
        document,
        pos: &mut pos,
        jumpcount: &mut jumpcount,
        path: Path::Root,
        remaining_depth: 128,
        current_enum: None,
    })
}

/// Where a value is, for messages: `steps[0].expect.status`.
#[derive(Copy, Clone)]
enum Path<'a> {
    Root,
    Seq { parent: &'a Path<'a>, index: usize },
    Map { parent: &'a Path<'a>, key: &'a str },
    Alias { parent: &'a Path<'a> },
    Unknown { parent: &'a Path<'a> },
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Parent<'a>(&'a Path<'a>);
        impl fmt::Display for Parent<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.0 {
                    Path::Root => Ok(()),
                    path => write!(f, "{path}."),
                }
            }
        }
        match self {
            Path::Root => f.write_str("."),
            Path::Seq { parent, index } => write!(f, "{parent}[{index}]"),
            Path::Map { parent, key } => write!(f, "{}{key}", Parent(parent)),
            Path::Alias { parent } => write!(f, "{parent}"),
            Path::Unknown { parent } => write!(f, "{}?", Parent(parent)),
        }
    }
}

struct De<'de, 'a> {
    document: &'de Document,
    pos: &'a mut usize,
    jumpcount: &'a mut usize,
    path: Path<'a>,
    remaining_depth: u8,
    current_enum: Option<CurrentEnum<'de>>,
}

/// The enum whose variant is being read, named by a tag (`!variant`).
#[derive(Copy, Clone)]
struct CurrentEnum<'de> {
    name: Option<&'static str>,
    tag: &'de str,
}

impl<'de, 'a> De<'de, 'a> {
    fn peek_event_mark(&self) -> Result<(&'de Event, Mark)> {
        match self.document.events.get(*self.pos) {
            Some((event, mark)) => Ok((event, *mark)),
            None => Err(Error::end_of_stream()),
        }
    }

    fn peek_event(&self) -> Result<&'de Event> {
        self.peek_event_mark().map(|(event, _)| event)
    }

    fn next_event_mark(&mut self) -> Result<(&'de Event, Mark)> {
        self.peek_event_mark().map(|(event, mark)| {
            *self.pos += 1;
            self.current_enum = None;
            (event, mark)
        })
    }

    fn next_event(&mut self) -> Result<&'de Event> {
        self.next_event_mark().map(|(event, _)| event)
    }

    /// A deserializer at the anchored node an alias names; repeated
    /// expansion (a "billion laughs") is bounded by the document's size.
    fn jump<'b>(&'b mut self, pos: &'b mut usize) -> Result<De<'de, 'b>> {
        *self.jumpcount += 1;
        if *self.jumpcount > self.document.events.len() * 100 {
            return Err(Error::repetition_limit());
        }
        Ok(De {
            document: self.document,
            pos,
            jumpcount: self.jumpcount,
            path: Path::Alias { parent: &self.path },
            remaining_depth: self.remaining_depth,
            current_enum: None,
        })
    }

    fn child<'b>(&'b mut self, path: Path<'b>) -> De<'de, 'b> {
        De {
            document: self.document,
            pos: self.pos,
            jumpcount: self.jumpcount,
            path,
            remaining_depth: self.remaining_depth,
            current_enum: None,
        }
    }

    fn ignore_any(&mut self) -> Result<()> {
        let mut depth = 0usize;
        loop {
            match self.next_event()? {
                Event::Alias(_) | Event::Scalar(_) | Event::Void => {}
                Event::SequenceStart(_) | Event::MappingStart(_) => depth += 1,
                Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            }
            if depth == 0 {
                return Ok(());
            }
        }
    }

    fn visit_sequence<V: Visitor<'de>>(&mut self, visitor: V, mark: Mark) -> Result<V::Value> {
        let (value, len) = self.recursion_check(mark, |de| {
            let mut seq = SeqAccess {
                empty: false,
                de,
                len: 0,
            };
            let value = visitor.visit_seq(&mut seq)?;
            Ok((value, seq.len))
        })?;
        self.end_sequence(len)?;
        Ok(value)
    }

    fn visit_mapping<V: Visitor<'de>>(&mut self, visitor: V, mark: Mark) -> Result<V::Value> {
        let (value, len) = self.recursion_check(mark, |de| {
            let mut map = MapAccess {
                empty: false,
                de,
                len: 0,
                key: None,
            };
            let value = visitor.visit_map(&mut map)?;
            Ok((value, map.len))
        })?;
        self.end_mapping(len)?;
        Ok(value)
    }

    /// Skips what the visitor left of a sequence; a visitor that stopped
    /// early wanted fewer elements than there are.
    fn end_sequence(&mut self, len: usize) -> Result<()> {
        let total = {
            let mut seq = SeqAccess {
                empty: false,
                de: self,
                len,
            };
            while de::SeqAccess::next_element::<IgnoredAny>(&mut seq)?.is_some() {}
            seq.len
        };
        self.next_event()?;
        if total == len {
            return Ok(());
        }
        Err(de::Error::invalid_length(
            total,
            &Counted("sequence of", len, "element", "elements"),
        ))
    }

    fn end_mapping(&mut self, len: usize) -> Result<()> {
        let total = {
            let mut map = MapAccess {
                empty: false,
                de: self,
                len,
                key: None,
            };
            while de::MapAccess::next_entry::<IgnoredAny, IgnoredAny>(&mut map)?.is_some() {}
            map.len
        };
        self.next_event()?;
        if total == len {
            return Ok(());
        }
        Err(de::Error::invalid_length(
            total,
            &Counted("map containing", len, "entry", "entries"),
        ))
    }

    fn recursion_check<T>(
        &mut self,
        mark: Mark,
        f: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<T> {
        let previous_depth = self.remaining_depth;
        self.remaining_depth = previous_depth
            .checked_sub(1)
            .ok_or_else(|| Error::recursion_limit(mark))?;
        let result = f(self);
        self.remaining_depth = previous_depth;
        result
    }

    fn tagged_already(&self) -> bool {
        self.current_enum.is_some()
    }

    /// A scalar's tag, unless an enum's variant already took it.
    fn scalar_tag(&self, scalar: &'de Scalar) -> Option<&'de str> {
        scalar.tag.as_deref().filter(|_| !self.tagged_already())
    }

    /// A plain scalar, or a literal one tagged `expected`, read as a
    /// number or boolean would be.
    fn numeric_text(&self, event: &'de Event, expected: &str) -> Option<&'de str> {
        let Event::Scalar(scalar) = event else {
            return None;
        };
        let fits = match (scalar.style, self.scalar_tag(scalar)) {
            (Style::Plain, _) => true,
            (Style::Literal, Some(tag)) => tag == expected,
            _ => false,
        };
        fits.then_some(scalar.value.as_str())
    }

    /// Reads a scalar through `parse` and visits it with `visit`, or fails
    /// as serde_yaml does for the wrong type.
    fn scalar_as<V: Visitor<'de>, T>(
        &mut self,
        visitor: V,
        expected_tag: &str,
        parse: impl Fn(&str) -> Option<T>,
        visit: impl FnOnce(V, T) -> Result<V::Value>,
        again: impl FnOnce(&mut De<'de, '_>, V) -> Result<V::Value>,
    ) -> Result<V::Value> {
        let (next, mark) = self.next_event_mark()?;
        let result = match next {
            Event::Alias(target) => {
                let mut pos = *target;
                again(&mut self.jump(&mut pos)?, visitor)
            }
            _ => match self.numeric_text(next, expected_tag).and_then(&parse) {
                Some(value) => visit(visitor, value),
                None => Err(invalid_type(next, &visitor)),
            },
        };
        result.map_err(|e| e.fix_mark(mark, &self.path))
    }
}

/// "sequence of 2 elements", "map containing 1 entry": what, how many,
/// and the unit for one and for several.
struct Counted(&'static str, usize, &'static str, &'static str);

impl Expected for Counted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Counted(what, n, one, many) = *self;
        write!(f, "{what} {n} {}", if n == 1 { one } else { many })
    }
}

struct SeqAccess<'de, 'a, 'b> {
    empty: bool,
    de: &'b mut De<'de, 'a>,
    len: usize,
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'de, '_, '_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if self.empty {
            return Ok(None);
        }
        match self.de.peek_event()? {
            Event::SequenceEnd | Event::Void => Ok(None),
            _ => {
                let index = self.len;
                self.len += 1;
                let parent = self.de.path;
                let path = Path::Seq {
                    parent: &parent,
                    index,
                };
                seed.deserialize(&mut self.de.child(path)).map(Some)
            }
        }
    }
}

struct MapAccess<'de, 'a, 'b> {
    empty: bool,
    de: &'b mut De<'de, 'a>,
    len: usize,
    key: Option<&'de str>,
}

impl<'de> de::MapAccess<'de> for MapAccess<'de, '_, '_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        if self.empty {
            return Ok(None);
        }
        match self.de.peek_event()? {
            Event::MappingEnd | Event::Void => Ok(None),
            event => {
                self.len += 1;
                self.key = match event {
                    Event::Scalar(scalar) => Some(scalar.value.as_str()),
                    _ => None,
                };
                seed.deserialize(&mut *self.de).map(Some)
            }
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        let parent = self.de.path;
        let path = match self.key {
            Some(key) => Path::Map {
                parent: &parent,
                key,
            },
            None => Path::Unknown { parent: &parent },
        };
        seed.deserialize(&mut self.de.child(path))
    }
}

/// An enum named by a tag: `!variant value`.
struct EnumAccess<'de, 'a, 'b> {
    de: &'b mut De<'de, 'a>,
    name: Option<&'static str>,
    tag: &'de str,
}

impl<'de, 'a, 'b> de::EnumAccess<'de> for EnumAccess<'de, 'a, 'b> {
    type Error = Error;
    type Variant = De<'de, 'b>;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self::Variant)> {
        let variant = seed.deserialize(StrDeserializer::<Error>::new(self.tag))?;
        let mut de = self.de.child(self.de.path);
        de.current_enum = Some(CurrentEnum {
            name: self.name,
            tag: self.tag,
        });
        Ok((variant, de))
    }
}

impl<'de> de::VariantAccess<'de> for De<'de, '_> {
    type Error = Error;

    fn unit_variant(mut self) -> Result<()> {
        Deserialize::deserialize(&mut self)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(mut self, seed: T) -> Result<T::Value> {
        seed.deserialize(&mut self)
    }

    fn tuple_variant<V: Visitor<'de>>(mut self, _len: usize, visitor: V) -> Result<V::Value> {
        de::Deserializer::deserialize_seq(&mut self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        mut self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        de::Deserializer::deserialize_struct(&mut self, "", fields, visitor)
    }
}

/// An enum named by a plain scalar: `variant`.
struct UnitVariantAccess<'de, 'a, 'b> {
    de: &'b mut De<'de, 'a>,
}

impl<'de> de::EnumAccess<'de> for UnitVariantAccess<'de, '_, '_> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self)> {
        Ok((seed.deserialize(&mut *self.de)?, self))
    }
}

impl<'de> de::VariantAccess<'de> for UnitVariantAccess<'de, '_, '_> {
    type Error = Error;

    fn unit_variant(self) -> Result<()> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, _seed: T) -> Result<T::Value> {
        Err(de::Error::invalid_type(
            Unexpected::UnitVariant,
            &"newtype variant",
        ))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value> {
        Err(de::Error::invalid_type(
            Unexpected::UnitVariant,
            &"tuple variant",
        ))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value> {
        Err(de::Error::invalid_type(
            Unexpected::UnitVariant,
            &"struct variant",
        ))
    }
}

/// The error for `event` where `exp` was wanted, naming what was found as
/// serde_yaml does (`integer `5``, `sequence`, `map`).
fn invalid_type(event: &Event, exp: &dyn Expected) -> Error {
    enum Void {}
    struct InvalidType<'a> {
        exp: &'a dyn Expected,
    }
    impl Visitor<'_> for InvalidType<'_> {
        type Value = Void;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.exp.fmt(f)
        }
    }
    match event {
        Event::Scalar(scalar) => {
            let plain = scalar.style == Style::Plain;
            match scalar::visit_scalar(
                InvalidType { exp },
                &scalar.value,
                plain,
                scalar.tag.as_deref(),
            ) {
                Ok(void) => match void {},
                Err(invalid_type) => invalid_type,
            }
        }
        Event::SequenceStart(_) => de::Error::invalid_type(Unexpected::Seq, exp),
        Event::MappingStart(_) => de::Error::invalid_type(Unexpected::Map, exp),
        Event::Alias(_) | Event::SequenceEnd | Event::MappingEnd => {
            unreachable!("aliases are followed and ends consumed before a value is read")
        }
        Event::Void => Error::end_of_stream(),
    }
}

/// A local tag's name: `!variant` -> `variant` (a lone `!` stays `!`).
fn parse_tag(tag: Option<&str>) -> Option<&str> {
    let rest = tag?.strip_prefix('!')?;
    Some(if rest.is_empty() { "!" } else { rest })
}

/// A plain empty scalar or nothing at all: an empty sequence or mapping.
fn is_empty_collection(event: &Event) -> bool {
    match event {
        Event::Void => true,
        Event::Scalar(scalar) => scalar.value.is_empty() && scalar.style == Style::Plain,
        _ => false,
    }
}

impl<'de> de::Deserializer<'de> for &mut De<'de, '_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let tagged_already = self.tagged_already();
        let (next, mark) = self.next_event_mark()?;
        let enum_tag = |tag: Option<&'de str>| parse_tag(tag).filter(|_| !tagged_already);
        let result = match next {
            Event::Alias(target) => {
                let mut pos = *target;
                self.jump(&mut pos)?.deserialize_any(visitor)
            }
            _ if enum_tag(event_tag(next)).is_some() => {
                *self.pos -= 1;
                let tag = enum_tag(event_tag(next)).unwrap_or_default();
                visitor.visit_enum(EnumAccess {
                    de: self,
                    name: None,
                    tag,
                })
            }
            Event::Scalar(scalar) => {
                let tag = scalar.tag.as_deref().filter(|_| !tagged_already);
                scalar::visit_scalar(visitor, &scalar.value, scalar.style == Style::Plain, tag)
            }
            Event::SequenceStart(_) => self.visit_sequence(visitor, mark),
            Event::MappingStart(_) => self.visit_mapping(visitor, mark),
            Event::SequenceEnd | Event::MappingEnd => {
                unreachable!("an end is consumed by its collection")
            }
            Event::Void => visitor.visit_none(),
        };
        result.map_err(|e| e.fix_mark(mark, &self.path))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.scalar_as(
            visitor,
            scalar::BOOL,
            parse_bool,
            |v, b| v.visit_bool(b),
            |de, v| de.deserialize_bool(v),
        )
    }

    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.scalar_as(
            visitor,
            scalar::INT,
            |s| parse_signed_int(s, i64::from_str_radix),
            |v, i| v.visit_i64(i),
            |de, v| de.deserialize_i64(v),
        )
    }

    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.scalar_as(
            visitor,
            scalar::INT,
            |s| parse_signed_int(s, i128::from_str_radix),
            |v, i| v.visit_i128(i),
            |de, v| de.deserialize_i128(v),
        )
    }

    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.scalar_as(
            visitor,
            scalar::INT,
            |s| parse_unsigned_int(s, u64::from_str_radix),
            |v, i| v.visit_u64(i),
            |de, v| de.deserialize_u64(v),
        )
    }

    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.scalar_as(
            visitor,
            scalar::INT,
            |s| parse_unsigned_int(s, u128::from_str_radix),
            |v, i| v.visit_u128(i),
            |de, v| de.deserialize_u128(v),
        )
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.scalar_as(
            visitor,
            scalar::FLOAT,
            parse_f64,
            |v, f| v.visit_f64(f),
            |de, v| de.deserialize_f64(v),
        )
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let (next, mark) = self.next_event_mark()?;
        let result = match next {
            Event::Scalar(scalar) => visitor.visit_borrowed_str(&scalar.value),
            Event::Alias(target) => {
                let mut pos = *target;
                self.jump(&mut pos)?.deserialize_str(visitor)
            }
            other => Err(invalid_type(other, &visitor)),
        };
        result.map_err(|e| e.fix_mark(mark, &self.path))
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value> {
        Err(Error::bytes_unsupported())
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value> {
        Err(Error::bytes_unsupported())
    }

    /// `null`, `~`, nothing or an empty plain scalar is `None`.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let is_some = match self.peek_event()? {
            Event::Alias(target) => {
                *self.pos += 1;
                let mut pos = *target;
                return self.jump(&mut pos)?.deserialize_option(visitor);
            }
            Event::Scalar(scalar) if scalar.style != Style::Plain => true,
            Event::Scalar(scalar) => match self.scalar_tag(scalar) {
                Some(NULL) => match parse_null(&scalar.value) {
                    Some(()) => false,
                    None => {
                        return Err(de::Error::invalid_value(
                            Unexpected::Str(&scalar.value),
                            &"null",
                        ))
                    }
                },
                Some(_) => true,
                None => !scalar.value.is_empty() && parse_null(&scalar.value).is_none(),
            },
            Event::SequenceStart(_) | Event::MappingStart(_) => true,
            Event::SequenceEnd | Event::MappingEnd => {
                unreachable!("an end is consumed by its collection")
            }
            Event::Void => false,
        };
        if is_some {
            visitor.visit_some(self)
        } else {
            *self.pos += 1;
            self.current_enum = None;
            visitor.visit_none()
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let tagged_already = self.tagged_already();
        let (next, mark) = self.next_event_mark()?;
        let result = match next {
            Event::Scalar(scalar) => {
                let is_null = if scalar.style != Style::Plain {
                    false
                } else if let (Some(tag), false) = (scalar.tag.as_deref(), tagged_already) {
                    tag == NULL && parse_null(&scalar.value).is_some()
                } else {
                    scalar.value.is_empty() || parse_null(&scalar.value).is_some()
                };
                if is_null {
                    visitor.visit_unit()
                } else {
                    Err(de::Error::invalid_value(
                        Unexpected::Str(&scalar.value),
                        &"null",
                    ))
                }
            }
            Event::Alias(target) => {
                let mut pos = *target;
                self.jump(&mut pos)?.deserialize_unit(visitor)
            }
            Event::Void => visitor.visit_unit(),
            other => Err(invalid_type(other, &visitor)),
        };
        result.map_err(|e| e.fix_mark(mark, &self.path))
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        let (_, mark) = self.peek_event_mark()?;
        self.recursion_check(mark, |de| visitor.visit_newtype_struct(de))
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let (next, mark) = self.next_event_mark()?;
        let result = match next {
            Event::Alias(target) => {
                let mut pos = *target;
                self.jump(&mut pos)?.deserialize_seq(visitor)
            }
            Event::SequenceStart(_) => self.visit_sequence(visitor, mark),
            other if is_empty_collection(other) => visitor.visit_seq(SeqAccess {
                empty: true,
                de: self,
                len: 0,
            }),
            other => Err(invalid_type(other, &visitor)),
        };
        result.map_err(|e| e.fix_mark(mark, &self.path))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let (next, mark) = self.next_event_mark()?;
        let result = match next {
            Event::Alias(target) => {
                let mut pos = *target;
                self.jump(&mut pos)?.deserialize_map(visitor)
            }
            Event::MappingStart(_) => self.visit_mapping(visitor, mark),
            other if is_empty_collection(other) => visitor.visit_map(MapAccess {
                empty: true,
                de: self,
                len: 0,
                key: None,
            }),
            other => Err(invalid_type(other, &visitor)),
        };
        result.map_err(|e| e.fix_mark(mark, &self.path))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_map(visitor)
    }

    /// A variant is a plain scalar (`unit`), or a value tagged with its
    /// name (`!newtype value`).
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        let (next, mark) = self.peek_event_mark()?;
        let result = if let Some(current) = self.current_enum {
            match next {
                Event::Scalar(scalar) if !scalar.value.is_empty() => {
                    visitor.visit_enum(UnitVariantAccess { de: self })
                }
                _ => Err(Error::message(match current.name {
                    Some(name) => format!(
                        "deserializing nested enum in {name}::{} from YAML is not supported yet",
                        current.tag
                    ),
                    None => format!(
                        "deserializing nested enum in !{} from YAML is not supported yet",
                        current.tag
                    ),
                })),
            }
        } else {
            match next {
                Event::Alias(target) => {
                    *self.pos += 1;
                    let mut pos = *target;
                    self.jump(&mut pos)?
                        .deserialize_enum(name, variants, visitor)
                }
                _ => match parse_tag(event_tag(next)) {
                    Some(tag) => {
                        return visitor.visit_enum(EnumAccess {
                            de: self,
                            name: Some(name),
                            tag,
                        })
                    }
                    None => match next {
                        Event::Scalar(_) => visitor.visit_enum(UnitVariantAccess { de: self }),
                        Event::MappingStart(_) | Event::SequenceStart(_) => {
                            let found = match next {
                                Event::MappingStart(_) => Unexpected::Map,
                                _ => Unexpected::Seq,
                            };
                            let err: Error =
                                de::Error::invalid_type(found, &"a YAML tag starting with '!'");
                            Err(err.fix_mark(mark, &self.path))
                        }
                        Event::Void => Err(Error::end_of_stream()),
                        _ => unreachable!("an end is consumed by its collection"),
                    },
                },
            }
        };
        result.map_err(|e| e.fix_mark(mark, &self.path))
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.ignore_any()?;
        visitor.visit_unit()
    }
}

/// The tag an event carries, if it can carry one.
fn event_tag(event: &Event) -> Option<&str> {
    match event {
        Event::Scalar(scalar) => scalar.tag.as_deref(),
        Event::SequenceStart(tag) | Event::MappingStart(tag) => tag.as_deref(),
        _ => None,
    }
}
