//! Single-pass JSON serialisation without `null` object fields.
//!
//! In Synerise a `null` attribute deletes the attribute, so batch items must never carry one by
//! accident. [`JsonWriter`] is a `serde::Serializer` that writes compact JSON straight into a
//! reused buffer, exactly like `serde_json` (whose string escaping and number formatting it
//! borrows), except that an object field whose value turns out to be `null` (`None`, `()`, a
//! non-finite float) is dropped: the field's key is written speculatively and the buffer is
//! truncated back when the value was null, so there is no second pass and no intermediate
//! `serde_json::Value`. Nulls inside arrays are kept (dropping them would shift positions).
//!
//! While writing, the writer can note where the values of a few well-known fields start and end
//! (`email`, `client.customId`, `time`, …) so the batch uploader can partition items, order
//! updates per identifier and add an `eventSalt` without parsing the bytes again.

use serde::ser::{self, Impossible, Serialize};
use serde_json::ser::{CompactFormatter, Formatter};

/// `serde_json`'s private struct name for `RawValue` (feature `raw_value`).
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";
/// `serde_json`'s private struct name for `Number` (feature `arbitrary_precision`).
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// How many capture slots a writer has.
pub(crate) const MAX_SLOTS: usize = 8;

/// A field whose value's byte range the writer records: `field` at the top level of the item,
/// or `field` inside the object held by the top-level field `parent`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CaptureRule {
    /// The top-level field holding the object, for nested fields.
    pub parent: Option<&'static str>,
    /// The field name.
    pub field: &'static str,
    /// Where the range goes in [`JsonWriter::captures`].
    pub slot: usize,
}

/// Serialises `value` as compact JSON without `null` object fields, appending to `out`.
///
/// The output is what `serde_json::to_vec` would produce, minus object fields whose value is
/// `null` (at any depth; `null` array elements stay). Non-finite floats count as `null`, as in
/// `serde_json`. On error, `out` may hold a partial value; truncate it back if you keep the buffer.
pub fn write_json_without_nulls<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    value: &T,
) -> Result<(), serde_json::Error> {
    let mut writer = JsonWriter::new(out, &[]);
    value.serialize(&mut writer)?;
    Ok(())
}

/// Serialises `value` to a new buffer as compact JSON without `null` object fields (see
/// [`write_json_without_nulls`]).
pub fn to_json_without_nulls<T: Serialize + ?Sized>(
    value: &T,
) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::with_capacity(128);
    write_json_without_nulls(&mut out, value)?;
    Ok(out)
}

/// The serialiser (see the module docs).
pub(crate) struct JsonWriter<'a> {
    out: &'a mut Vec<u8>,
    /// Nesting depth of objects and arrays currently open.
    depth: u32,
    rules: &'static [CaptureRule],
    /// [`length_mask`] of `rules`.
    rule_lengths: u64,
    /// Set while the value of a top-level field that is the `parent` of some rule is written.
    pending_parent: Option<&'static str>,
    /// Byte ranges (absolute in `out`) of captured values.
    pub(crate) captures: [Option<(usize, usize)>; MAX_SLOTS],
    /// Byte range (absolute in `out`) of the largest top-level field, key included.
    pub(crate) largest_field: Option<(usize, usize)>,
}

impl<'a> JsonWriter<'a> {
    pub(crate) fn new(out: &'a mut Vec<u8>, rules: &'static [CaptureRule]) -> Self {
        JsonWriter {
            out,
            depth: 0,
            rules,
            rule_lengths: length_mask(rules),
            pending_parent: None,
            captures: [None; MAX_SLOTS],
            largest_field: None,
        }
    }

    /// Whether some rule could name a field called `key` (length check only).
    #[inline]
    fn may_match(&self, key: &[u8]) -> bool {
        key.len() >= 64 || self.rule_lengths & (1u64 << key.len()) != 0
    }

    #[inline]
    fn write_str(&mut self, value: &str) {
        // serde_json's string escaping, through a serializer that borrows our buffer.
        let mut ser = serde_json::Serializer::new(&mut *self.out);
        ser::Serializer::serialize_str(&mut ser, value).expect("writing to a Vec cannot fail");
    }

    #[inline]
    fn null(&mut self) -> bool {
        self.out.extend_from_slice(b"null");
        true
    }

    fn open(&mut self, byte: u8) {
        self.out.push(byte);
        self.depth += 1;
    }

    /// Which level an object opened now is at.
    fn object_level(&mut self) -> Level {
        let parent = self.pending_parent.take();
        if self.depth == 0 {
            Level::Top
        } else if let Some(p) = parent {
            Level::Child(p)
        } else {
            Level::Other
        }
    }
}

/// The capture slot of a field named `key` in an object at `level`, and the parent name to
/// remember when the field's value is an object holding captured fields.
#[inline]
fn match_rules(
    rules: &'static [CaptureRule],
    level: Level,
    key: &[u8],
) -> (Option<usize>, Option<&'static str>) {
    let (mut slot, mut parent_of) = (None, None);
    let same = |name: &str| {
        name.len() == key.len() && name.as_bytes()[0] == key[0] && name.as_bytes() == key
    };
    match level {
        Level::Top => {
            for rule in rules {
                match rule.parent {
                    None if same(rule.field) => slot = Some(rule.slot),
                    Some(parent) if same(parent) => parent_of = Some(parent),
                    _ => {}
                }
            }
        }
        Level::Child(parent) => {
            for rule in rules {
                if rule.parent == Some(parent) && same(rule.field) {
                    slot = Some(rule.slot);
                }
            }
        }
        Level::Other => {}
    }
    (slot, parent_of)
}

/// Bit `n` is set when some rule names a field (or parent) of `n` bytes (`n` < 64): most keys
/// are ruled out by their length alone.
fn length_mask(rules: &[CaptureRule]) -> u64 {
    let mut mask = 0u64;
    for rule in rules {
        for name in [Some(rule.field), rule.parent].into_iter().flatten() {
            mask |= 1u64.checked_shl(name.len() as u32).unwrap_or(0);
        }
    }
    mask
}

/// Position of an object in the item, for captures.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    /// The item itself.
    Top,
    /// The object value of this top-level field.
    Child(&'static str),
    /// Anywhere else.
    Other,
}

macro_rules! write_int {
    ($($method:ident: $ty:ty => $fmt:ident),* $(,)?) => {
        $(
            #[inline]
            fn $method(self, value: $ty) -> Result<bool, serde_json::Error> {
                CompactFormatter.$fmt(&mut *self.out, value).map_err(serde_json::Error::io)?;
                Ok(false)
            }
        )*
    };
}

impl<'b, 'a> ser::Serializer for &'b mut JsonWriter<'a> {
    type Ok = bool;
    type Error = serde_json::Error;
    type SerializeSeq = Compound<'b, 'a>;
    type SerializeTuple = Compound<'b, 'a>;
    type SerializeTupleStruct = Compound<'b, 'a>;
    type SerializeTupleVariant = Compound<'b, 'a>;
    type SerializeMap = Compound<'b, 'a>;
    type SerializeStruct = Compound<'b, 'a>;
    type SerializeStructVariant = Compound<'b, 'a>;

    #[inline]
    fn serialize_bool(self, v: bool) -> Result<bool, serde_json::Error> {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(false)
    }

    write_int! {
        serialize_i8: i8 => write_i8,
        serialize_i16: i16 => write_i16,
        serialize_i32: i32 => write_i32,
        serialize_i64: i64 => write_i64,
        serialize_i128: i128 => write_i128,
        serialize_u8: u8 => write_u8,
        serialize_u16: u16 => write_u16,
        serialize_u32: u32 => write_u32,
        serialize_u64: u64 => write_u64,
        serialize_u128: u128 => write_u128,
    }

    #[inline]
    fn serialize_f32(self, v: f32) -> Result<bool, serde_json::Error> {
        if !v.is_finite() {
            return Ok(self.null());
        }
        CompactFormatter
            .write_f32(&mut *self.out, v)
            .map_err(serde_json::Error::io)?;
        Ok(false)
    }

    #[inline]
    fn serialize_f64(self, v: f64) -> Result<bool, serde_json::Error> {
        if !v.is_finite() {
            return Ok(self.null());
        }
        CompactFormatter
            .write_f64(&mut *self.out, v)
            .map_err(serde_json::Error::io)?;
        Ok(false)
    }

    fn serialize_char(self, v: char) -> Result<bool, serde_json::Error> {
        self.write_str(v.encode_utf8(&mut [0; 4]));
        Ok(false)
    }

    #[inline]
    fn serialize_str(self, v: &str) -> Result<bool, serde_json::Error> {
        self.write_str(v);
        Ok(false)
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<bool, serde_json::Error> {
        use ser::SerializeSeq;
        let mut seq = self.serialize_seq(Some(v.len()))?;
        for byte in v {
            seq.serialize_element(byte)?;
        }
        seq.end()
    }

    #[inline]
    fn serialize_none(self) -> Result<bool, serde_json::Error> {
        Ok(self.null())
    }

    #[inline]
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<bool, serde_json::Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<bool, serde_json::Error> {
        Ok(self.null())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<bool, serde_json::Error> {
        Ok(self.null())
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<bool, serde_json::Error> {
        self.write_str(variant);
        Ok(false)
    }

    #[inline]
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<bool, serde_json::Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<bool, serde_json::Error> {
        self.pending_parent = None;
        self.open(b'{');
        self.write_str(variant);
        self.out.push(b':');
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        self.depth -= 1;
        Ok(false)
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'b, 'a>, serde_json::Error> {
        self.pending_parent = None;
        self.open(b'[');
        Ok(Compound::new(self, Level::Other))
    }

    fn serialize_tuple(self, len: usize) -> Result<Compound<'b, 'a>, serde_json::Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Compound<'b, 'a>, serde_json::Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'b, 'a>, serde_json::Error> {
        self.pending_parent = None;
        self.open(b'{');
        self.write_str(variant);
        self.out.extend_from_slice(b":[");
        Ok(Compound::new(self, Level::Other))
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'b, 'a>, serde_json::Error> {
        let level = self.object_level();
        self.open(b'{');
        Ok(Compound::new(self, level))
    }

    fn serialize_struct(
        self,
        name: &'static str,
        _len: usize,
    ) -> Result<Compound<'b, 'a>, serde_json::Error> {
        if name == RAW_VALUE_TOKEN || name == NUMBER_TOKEN {
            self.pending_parent = None;
            let mut compound = Compound::new(self, Level::Other);
            compound.raw = true;
            return Ok(compound);
        }
        let level = self.object_level();
        self.open(b'{');
        Ok(Compound::new(self, level))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'b, 'a>, serde_json::Error> {
        self.pending_parent = None;
        self.open(b'{');
        self.write_str(variant);
        self.out.extend_from_slice(b":{");
        Ok(Compound::new(self, Level::Other))
    }

    fn collect_str<T: std::fmt::Display + ?Sized>(
        self,
        value: &T,
    ) -> Result<bool, serde_json::Error> {
        self.write_str(&value.to_string());
        Ok(false)
    }
}

/// An open object or array.
pub(crate) struct Compound<'b, 'a> {
    w: &'b mut JsonWriter<'a>,
    first: bool,
    level: Level,
    /// A `RawValue` or arbitrary-precision `Number`: the single field's string is written as is.
    raw: bool,
    raw_null: bool,
    /// Map entry in progress: where it started, and the capture slot its value goes to.
    entry_mark: usize,
    entry_capture: Option<usize>,
}

impl<'b, 'a> Compound<'b, 'a> {
    fn new(w: &'b mut JsonWriter<'a>, level: Level) -> Self {
        Compound {
            w,
            first: true,
            level,
            raw: false,
            raw_null: false,
            entry_mark: 0,
            entry_capture: None,
        }
    }

    /// Decides what a field named `key` captures (and sets `pending_parent` for nested rules).
    #[inline]
    fn capture_for(&mut self, key: &[u8]) -> Option<usize> {
        if !self.w.may_match(key) {
            return None;
        }
        let (slot, parent) = match_rules(self.w.rules, self.level, key);
        if parent.is_some() {
            self.w.pending_parent = parent;
        }
        slot
    }

    /// Writes the value of an object field whose key is already written, and drops the whole
    /// field again if the value was null.
    #[inline]
    fn field_value<T: Serialize + ?Sized>(
        &mut self,
        mark: usize,
        capture: Option<usize>,
        value: &T,
    ) -> Result<(), serde_json::Error> {
        let start = self.w.out.len();
        let null = value.serialize(&mut *self.w)?;
        self.w.pending_parent = None;
        if null {
            self.w.out.truncate(mark);
            return Ok(());
        }
        self.first = false;
        let end = self.w.out.len();
        if let Some(slot) = capture {
            self.w.captures[slot] = Some((start, end));
        }
        if self.level == Level::Top && self.w.largest_field.is_none_or(|(s, e)| e - s < end - mark)
        {
            self.w.largest_field = Some((mark, end));
        }
        Ok(())
    }

    #[inline]
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), serde_json::Error> {
        if !self.first {
            self.w.out.push(b',');
        }
        self.first = false;
        value.serialize(&mut *self.w)?;
        Ok(())
    }
}

impl ser::SerializeSeq for Compound<'_, '_> {
    type Ok = bool;
    type Error = serde_json::Error;

    #[inline]
    fn serialize_element<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
    ) -> Result<(), serde_json::Error> {
        self.element(value)
    }

    fn end(self) -> Result<bool, serde_json::Error> {
        self.w.out.push(b']');
        self.w.depth -= 1;
        Ok(false)
    }
}

impl ser::SerializeTuple for Compound<'_, '_> {
    type Ok = bool;
    type Error = serde_json::Error;

    fn serialize_element<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
    ) -> Result<(), serde_json::Error> {
        self.element(value)
    }

    fn end(self) -> Result<bool, serde_json::Error> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for Compound<'_, '_> {
    type Ok = bool;
    type Error = serde_json::Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
    ) -> Result<(), serde_json::Error> {
        self.element(value)
    }

    fn end(self) -> Result<bool, serde_json::Error> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleVariant for Compound<'_, '_> {
    type Ok = bool;
    type Error = serde_json::Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
    ) -> Result<(), serde_json::Error> {
        self.element(value)
    }

    fn end(self) -> Result<bool, serde_json::Error> {
        self.w.out.extend_from_slice(b"]}");
        self.w.depth -= 1;
        Ok(false)
    }
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = bool;
    type Error = serde_json::Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), serde_json::Error> {
        self.entry_mark = self.w.out.len();
        if !self.first {
            self.w.out.push(b',');
        }
        let key_start = self.w.out.len();
        key.serialize(MapKey {
            out: &mut *self.w.out,
        })?;
        let key_end = self.w.out.len();
        self.w.out.push(b':');
        let key = &self.w.out[key_start + 1..key_end - 1];
        self.entry_capture =
            if self.level == Level::Other || self.w.rules.is_empty() || !self.w.may_match(key) {
                None
            } else {
                // The key is written quoted; compare what is between the quotes.
                let (slot, parent) = match_rules(
                    self.w.rules,
                    self.level,
                    &self.w.out[key_start + 1..key_end - 1],
                );
                if parent.is_some() {
                    self.w.pending_parent = parent;
                }
                slot
            };
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
    ) -> Result<(), serde_json::Error> {
        let (mark, capture) = (self.entry_mark, self.entry_capture.take());
        self.field_value(mark, capture, value)
    }

    fn end(self) -> Result<bool, serde_json::Error> {
        self.w.out.push(b'}');
        self.w.depth -= 1;
        Ok(false)
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = bool;
    type Error = serde_json::Error;

    #[inline]
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), serde_json::Error> {
        if self.raw {
            let start = self.w.out.len();
            value.serialize(RawStr {
                out: &mut *self.w.out,
            })?;
            self.raw_null = &self.w.out[start..] == b"null";
            return Ok(());
        }
        let mark = self.w.out.len();
        if !self.first {
            self.w.out.push(b',');
        }
        self.w.write_str(key);
        self.w.out.push(b':');
        let capture = if self.level == Level::Other {
            None
        } else {
            self.capture_for(key.as_bytes())
        };
        self.field_value(mark, capture, value)
    }

    fn end(self) -> Result<bool, serde_json::Error> {
        if self.raw {
            return Ok(self.raw_null);
        }
        self.w.out.push(b'}');
        self.w.depth -= 1;
        Ok(false)
    }
}

impl ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = bool;
    type Error = serde_json::Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), serde_json::Error> {
        ser::SerializeStruct::serialize_field(self, key, value)
    }

    fn end(self) -> Result<bool, serde_json::Error> {
        self.w.out.extend_from_slice(b"}}");
        self.w.depth -= 1;
        Ok(false)
    }
}

fn key_must_be_a_string() -> serde_json::Error {
    ser::Error::custom("key must be a string")
}

/// Writes a map key: strings as they are; integers, booleans and chars quoted (like `serde_json`).
struct MapKey<'o> {
    out: &'o mut Vec<u8>,
}

impl MapKey<'_> {
    fn quoted(self, text: &str) -> Result<bool, serde_json::Error> {
        let mut ser = serde_json::Serializer::new(&mut *self.out);
        ser::Serializer::serialize_str(&mut ser, text)?;
        Ok(false)
    }
}

macro_rules! key_int {
    ($($method:ident: $ty:ty),* $(,)?) => {
        $(
            fn $method(self, value: $ty) -> Result<bool, serde_json::Error> {
                self.quoted(&value.to_string())
            }
        )*
    };
}

impl ser::Serializer for MapKey<'_> {
    type Ok = bool;
    type Error = serde_json::Error;
    type SerializeSeq = Impossible<bool, serde_json::Error>;
    type SerializeTuple = Impossible<bool, serde_json::Error>;
    type SerializeTupleStruct = Impossible<bool, serde_json::Error>;
    type SerializeTupleVariant = Impossible<bool, serde_json::Error>;
    type SerializeMap = Impossible<bool, serde_json::Error>;
    type SerializeStruct = Impossible<bool, serde_json::Error>;
    type SerializeStructVariant = Impossible<bool, serde_json::Error>;

    fn serialize_str(self, v: &str) -> Result<bool, serde_json::Error> {
        self.quoted(v)
    }

    fn serialize_bool(self, v: bool) -> Result<bool, serde_json::Error> {
        self.quoted(if v { "true" } else { "false" })
    }

    key_int! {
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64, serialize_i128: i128,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64, serialize_u128: u128,
    }

    fn serialize_f32(self, _v: f32) -> Result<bool, serde_json::Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_f64(self, _v: f64) -> Result<bool, serde_json::Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_char(self, v: char) -> Result<bool, serde_json::Error> {
        self.quoted(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_bytes(self, _v: &[u8]) -> Result<bool, serde_json::Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_none(self) -> Result<bool, serde_json::Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<bool, serde_json::Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_unit(self) -> Result<bool, serde_json::Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<bool, serde_json::Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<bool, serde_json::Error> {
        self.quoted(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<bool, serde_json::Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<bool, serde_json::Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, serde_json::Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, serde_json::Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, serde_json::Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, serde_json::Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, serde_json::Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, serde_json::Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, serde_json::Error> {
        Err(key_must_be_a_string())
    }

    fn collect_str<T: std::fmt::Display + ?Sized>(
        self,
        value: &T,
    ) -> Result<bool, serde_json::Error> {
        self.quoted(&value.to_string())
    }
}

/// Writes the string held by a `RawValue` or arbitrary-precision `Number` verbatim.
struct RawStr<'o> {
    out: &'o mut Vec<u8>,
}

fn expected_raw_string() -> serde_json::Error {
    ser::Error::custom("expected the JSON text of a RawValue or Number")
}

impl ser::Serializer for RawStr<'_> {
    type Ok = bool;
    type Error = serde_json::Error;
    type SerializeSeq = Impossible<bool, serde_json::Error>;
    type SerializeTuple = Impossible<bool, serde_json::Error>;
    type SerializeTupleStruct = Impossible<bool, serde_json::Error>;
    type SerializeTupleVariant = Impossible<bool, serde_json::Error>;
    type SerializeMap = Impossible<bool, serde_json::Error>;
    type SerializeStruct = Impossible<bool, serde_json::Error>;
    type SerializeStructVariant = Impossible<bool, serde_json::Error>;

    fn serialize_str(self, v: &str) -> Result<bool, serde_json::Error> {
        self.out.extend_from_slice(v.as_bytes());
        Ok(false)
    }

    fn serialize_bool(self, _v: bool) -> Result<bool, serde_json::Error> {
        Err(expected_raw_string())
    }
    fn serialize_i8(self, _v: i8) -> Result<bool, serde_json::Error> {
        Err(expected_raw_string())
    }
    fn serialize_i16(self, _v: i16) -> Result<bool, serde_json::Error> {
        Err(expected_raw_string())
    }
    fn serialize_i32(self, _v: i32) -> Result<bool, serde_json::Error> {
        Err(expected_raw_string())
    }
    fn serialize_i64(self, _v: i64) -> Result<bool, serde_json::Error> {
        Err(expected_raw_string())
    }
    fn serialize_u8(self, _v: u8) -> Result<bool, serde_json::Error> {
        Err(expected_raw_string())
    }
    fn serialize_u16(self, _v: u16) -> Result<bool, serde_json::Error> {
        Err(expected_raw_string())
    }
    fn serialize_u32(self, _v: u32) -> Result<bool, serde_json::Error> {
        Err(expected_raw_string())
    }
    fn serialize_u64(self, _v: u64) -> Result<bool, serde_json::Error> {
        Err(expected_raw_string())
    }
    fn serialize_f32(self, _v: f32) -> Result<bool, serde_json::Error> {
        Err(expected_raw_string())
    }
    fn serialize_f64(self, _v: f64) -> Result<bool, serde_json::Error> {
        Err(expected_raw_string())
    }
    fn serialize_char(self, _v: char) -> Result<bool, serde_json::Error> {
        Err(expected_raw_string())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<bool, serde_json::Error> {
        Err(expected_raw_string())
    }
    fn serialize_none(self) -> Result<bool, serde_json::Error> {
        Err(expected_raw_string())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<bool, serde_json::Error> {
        Err(expected_raw_string())
    }
    fn serialize_unit(self) -> Result<bool, serde_json::Error> {
        Err(expected_raw_string())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<bool, serde_json::Error> {
        Err(expected_raw_string())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
    ) -> Result<bool, serde_json::Error> {
        Err(expected_raw_string())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _value: &T,
    ) -> Result<bool, serde_json::Error> {
        Err(expected_raw_string())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<bool, serde_json::Error> {
        Err(expected_raw_string())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, serde_json::Error> {
        Err(expected_raw_string())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, serde_json::Error> {
        Err(expected_raw_string())
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, serde_json::Error> {
        Err(expected_raw_string())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, serde_json::Error> {
        Err(expected_raw_string())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, serde_json::Error> {
        Err(expected_raw_string())
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, serde_json::Error> {
        Err(expected_raw_string())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, serde_json::Error> {
        Err(expected_raw_string())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;
    use serde_json::json;

    use super::*;

    fn stripped<T: Serialize + ?Sized>(value: &T) -> String {
        String::from_utf8(to_json_without_nulls(value).unwrap()).unwrap()
    }

    #[derive(Serialize)]
    struct Inner {
        a: Option<u8>,
        b: Option<&'static str>,
    }

    #[derive(Serialize)]
    enum Shape {
        Unit,
        New(Option<u8>),
        Tuple(u8, Option<u8>),
        Struct { x: Option<u8>, y: u8 },
    }

    #[derive(Serialize)]
    struct Outer {
        name: String,
        missing: Option<String>,
        inner: Inner,
        list: Vec<Option<i32>>,
        shapes: Vec<Shape>,
        #[serde(flatten)]
        extra: BTreeMap<String, serde_json::Value>,
        nan: f64,
        float: f32,
        big: u128,
        ch: char,
        bytes: &'static [u8],
        unit: (),
    }

    #[test]
    fn matches_serde_json_without_null_fields() {
        let value = Outer {
            name: "ł\"\n\u{1}".into(),
            missing: None,
            inner: Inner {
                a: None,
                b: Some("x"),
            },
            list: vec![Some(1), None, Some(-3)],
            shapes: vec![
                Shape::Unit,
                Shape::New(None),
                Shape::Tuple(1, None),
                Shape::Struct { x: None, y: 2 },
            ],
            extra: [
                (
                    "k".to_string(),
                    json!({"n": null, "m": [null, {"z": null}]}),
                ),
                ("gone".to_string(), serde_json::Value::Null),
            ]
            .into_iter()
            .collect(),
            nan: f64::NAN,
            float: 1.5,
            big: u128::from(u64::MAX),
            ch: 'é',
            bytes: &[1, 2],
            unit: (),
        };
        let expected = json!({
            "name": "ł\"\n\u{1}",
            "inner": {"b": "x"},
            "list": [1, null, -3],
            "shapes": ["Unit", {"New": null}, {"Tuple": [1, null]}, {"Struct": {"y": 2}}],
            "k": {"m": [null, {}]},
            "float": 1.5,
            "big": u64::MAX,
            "ch": "é",
            "bytes": [1, 2],
        });
        let text = stripped(&value);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            expected
        );
        assert!(!text.contains("missing") && !text.contains("gone") && !text.contains("\"a\""));
    }

    #[test]
    fn same_bytes_as_serde_json_when_there_is_no_null() {
        let value = json!({"a": [1, 2.5, "x\u{7f}", true, {"b": {}}], "c": -0.0, "d": 1e300, "e": "\u{2028}"});
        assert_eq!(
            to_json_without_nulls(&value).unwrap(),
            serde_json::to_vec(&value).unwrap()
        );
        let profile = crate::types::ProfileBatchItem {
            custom_id: Some("c-1".into()),
            city: Some("Kraków".into()),
            ..Default::default()
        };
        assert_eq!(
            to_json_without_nulls(&profile).unwrap(),
            serde_json::to_vec(&profile).unwrap()
        );
    }

    #[test]
    fn top_level_and_array_nulls_stay() {
        assert_eq!(stripped(&None::<u8>), "null");
        assert_eq!(stripped(&json!([null, {"a": null}])), "[null,{}]");
        assert_eq!(
            stripped(&json!({"a": null, "b": 1, "c": null})),
            r#"{"b":1}"#
        );
        assert_eq!(stripped(&json!({"a": null})), "{}");
    }

    #[test]
    fn map_keys_like_serde_json() {
        let map: BTreeMap<i32, Option<u8>> = [(1, Some(1)), (2, None)].into_iter().collect();
        assert_eq!(stripped(&map), r#"{"1":1}"#);
        let bad: BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into_iter().collect();
        assert!(to_json_without_nulls(&bad).is_err());
    }

    #[test]
    fn captures_top_level_and_nested_fields() {
        static RULES: [CaptureRule; 3] = [
            CaptureRule {
                parent: None,
                field: "time",
                slot: 0,
            },
            CaptureRule {
                parent: Some("client"),
                field: "email",
                slot: 1,
            },
            CaptureRule {
                parent: Some("client"),
                field: "id",
                slot: 2,
            },
        ];
        let value = json!({"client": {"email": "a@b.c", "id": null}, "other": {"email": "no"}, "time": "t", "list": [{"time": "no"}]});
        let mut out = Vec::new();
        let mut writer = JsonWriter::new(&mut out, &RULES);
        value.serialize(&mut writer).unwrap();
        let captures = writer.captures;
        let text = |slot: usize| {
            captures[slot].map(|(s, e)| String::from_utf8(out[s..e].to_vec()).unwrap())
        };
        assert_eq!(text(0).as_deref(), Some("\"t\""));
        assert_eq!(text(1).as_deref(), Some("\"a@b.c\""));
        assert_eq!(text(2), None, "a null is not captured");
    }

    #[test]
    fn notes_the_largest_top_level_field() {
        let value =
            json!({"small": 1, "big": "x".repeat(100), "nested": {"bigger": "y".repeat(50)}});
        let mut out = Vec::new();
        let mut writer = JsonWriter::new(&mut out, &[]);
        value.serialize(&mut writer).unwrap();
        let (s, e) = writer.largest_field.unwrap();
        assert!(out[s..e].starts_with(b"\"big\":") || out[s..e].starts_with(b",\"big\":"));
    }
}
