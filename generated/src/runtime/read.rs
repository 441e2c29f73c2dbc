//! The crate's own JSON decoder for responses and webhooks: a small reader, and [`FromJson`],
//! which the generator implements for every type a response or webhook can hold.
//!
//! serde's `Deserialize` is generic over the deserializer, so each type's impl, and serde_json's
//! code for it, is compiled once per type inside this crate, and most of the crate's compiled
//! code was that. The reader is not generic: each type's `read` is one plain function, and a
//! field costs one call. What it accepts is what the types' `Deserialize` impls (which stay, for
//! applications that decode these types themselves) accept, and every spec example is decoded
//! both ways by the generated tests to keep it so. Numbers, strings with escapes and
//! `serde_json::Value`s are handed to serde_json, from their text, so their values are exactly
//! serde_json's; the reader only finds where they start and end.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::Patch;
use super::drift::Shape;

/// Where decoding failed and why; boxed, so that a `Read<T>` is hardly larger than `T`.
#[derive(Debug)]
pub struct ReadError(Box<Failure>);

/// The contents of a [`ReadError`].
#[derive(Debug)]
pub(crate) struct Failure {
    /// Byte offset in the input.
    pub(crate) offset: usize,
    /// What went wrong, in serde_json's words where it has them.
    pub(crate) message: String,
    /// Whether the error is about the object that ends at `offset` (a missing field) rather
    /// than about a value starting there.
    pub(crate) own: bool,
}

impl ReadError {
    #[cold]
    #[inline(never)]
    pub(crate) fn new(offset: usize, message: String, own: bool) -> Self {
        ReadError(Box::new(Failure { offset, message, own }))
    }

    /// What failed, where.
    pub(crate) fn into_failure(self) -> Failure {
        *self.0
    }
}

/// The result of a read.
pub type Read<T> = Result<T, ReadError>;

/// Nesting allowed in a skipped value, as serde_json allows.
const MAX_DEPTH: usize = 128;

/// A position in a JSON text.
pub struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `text`.
    pub fn new(text: &'a str) -> Self {
        Reader { text, pos: 0 }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    /// The next byte after white space, not consumed.
    #[inline]
    fn peek(&mut self) -> Option<u8> {
        let bytes = self.bytes();
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = bytes.get(self.pos) {
            self.pos += 1;
        }
        bytes.get(self.pos).copied()
    }

    /// An error about the value at the current position.
    #[cold]
    #[inline(never)]
    pub fn error(&self, message: String) -> ReadError {
        ReadError::new(self.pos, message, false)
    }

    /// An error about the object that just ended (`missing field`, say).
    #[cold]
    #[inline(never)]
    pub fn object_error(&self, message: String) -> ReadError {
        ReadError::new(self.pos.saturating_sub(1), message, true)
    }

    /// `invalid type: ..., expected ...`, describing the value at the current position as
    /// serde_json does.
    #[cold]
    #[inline(never)]
    pub fn invalid(&mut self, expected: &str) -> ReadError {
        let found = match self.peek() {
            None => return self.error("EOF while parsing a value".to_owned()),
            Some(b'"') => {
                let at = self.pos;
                let found = match self.str() {
                    Ok(text) => format!("string {:?}", &*text),
                    Err(err) => return err,
                };
                self.pos = at;
                found
            }
            Some(b'{') => "map".to_owned(),
            Some(b'[') => "sequence".to_owned(),
            Some(b'n') => "null".to_owned(),
            Some(b't') => "boolean `true`".to_owned(),
            Some(b'f') => "boolean `false`".to_owned(),
            Some(_) => {
                let at = self.pos;
                let span = self.number_span();
                self.pos = at;
                match span {
                    Some(span) if span.bytes().all(|b| b == b'-' || b.is_ascii_digit()) => {
                        format!("integer `{span}`")
                    }
                    Some(span) => format!("floating point `{span}`"),
                    None => return self.error("expected value".to_owned()),
                }
            }
        };
        self.error(format!("invalid type: {found}, expected {expected}"))
    }

    /// Consumes `null` if it is next.
    pub fn null(&mut self) -> bool {
        if self.peek() == Some(b'n') && self.bytes()[self.pos..].starts_with(b"null") {
            self.pos += 4;
            true
        } else {
            false
        }
    }

    /// Enters an object.
    pub fn object(&mut self, expected: &str) -> Read<Fields> {
        if self.peek() == Some(b'{') {
            self.pos += 1;
            Ok(Fields { first: true })
        } else {
            Err(self.invalid(expected))
        }
    }

    /// The next key of the object `fields` was entered with, past its `:`; `None` after its
    /// closing brace.
    pub fn key(&mut self, fields: &mut Fields) -> Read<Option<Cow<'a, str>>> {
        match self.peek() {
            Some(b'}') => {
                self.pos += 1;
                return Ok(None);
            }
            Some(b',') if !fields.first => {
                self.pos += 1;
                if self.peek() != Some(b'"') {
                    return Err(self.error("expected a key after `,`".to_owned()));
                }
            }
            Some(b'"') if fields.first => {}
            None => return Err(self.error("EOF while parsing an object".to_owned())),
            _ => return Err(self.error("expected `,` or `}`".to_owned())),
        }
        fields.first = false;
        let key = self.str()?;
        if self.peek() != Some(b':') {
            return Err(self.error("expected `:`".to_owned()));
        }
        self.pos += 1;
        Ok(Some(key))
    }

    /// Enters an array.
    pub fn array(&mut self, expected: &str) -> Read<Elements> {
        if self.peek() == Some(b'[') {
            self.pos += 1;
            Ok(Elements { first: true })
        } else {
            Err(self.invalid(expected))
        }
    }

    /// Whether another element of the array `elements` was entered with follows; false after
    /// its closing bracket.
    pub fn element(&mut self, elements: &mut Elements) -> Read<bool> {
        match self.peek() {
            Some(b']') => {
                self.pos += 1;
                Ok(false)
            }
            Some(b',') if !elements.first => {
                self.pos += 1;
                Ok(true)
            }
            Some(_) if elements.first => {
                elements.first = false;
                Ok(true)
            }
            None => Err(self.error("EOF while parsing a list".to_owned())),
            _ => Err(self.error("expected `,` or `]`".to_owned())),
        }
    }

    /// A string, borrowed unless it has escapes (which serde_json then reads).
    pub fn str(&mut self) -> Read<Cow<'a, str>> {
        if self.peek() != Some(b'"') {
            return Err(self.invalid("a string"));
        }
        let bytes = self.bytes();
        let start = self.pos;
        let mut i = start + 1;
        let mut escaped = false;
        loop {
            match bytes.get(i) {
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    i += 2;
                }
                Some(0..=0x1f) => {
                    self.pos = i;
                    return Err(
                        self.error("control character (\\u0000-\\u001F) found while parsing a string".to_owned())
                    );
                }
                Some(_) => i += 1,
                None => {
                    self.pos = bytes.len();
                    return Err(self.error("EOF while parsing a string".to_owned()));
                }
            }
        }
        let text = self.text;
        if escaped {
            // `Value`'s `FromStr` is compiled inside serde_json, once for every crate.
            match text[start..=i].parse::<serde_json::Value>() {
                Ok(serde_json::Value::String(value)) => {
                    self.pos = i + 1;
                    Ok(Cow::Owned(value))
                }
                Ok(_) => Err(self.error("expected a string".to_owned())),
                Err(err) => Err(ReadError::new(start + err.column().saturating_sub(1), message_of(&err), false)),
            }
        } else {
            self.pos = i + 1;
            Ok(Cow::Borrowed(&text[start + 1..i]))
        }
    }

    /// The text of the number at the current position, consumed.
    fn number_span(&mut self) -> Option<&'a str> {
        self.peek();
        let bytes = self.bytes();
        let start = self.pos;
        while let Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') = bytes.get(self.pos) {
            self.pos += 1;
        }
        (self.pos > start).then(|| &self.text[start..self.pos])
    }

    /// The number at the current position, read by serde_json from its text (with `Value`'s
    /// `FromStr`, compiled inside serde_json once for every crate).
    fn number(&mut self, expected: &str) -> Read<serde_json::Number> {
        self.peek();
        let at = self.pos;
        let Some(span) = self.number_span() else {
            return Err(self.invalid(expected));
        };
        match span.parse::<serde_json::Value>() {
            Ok(serde_json::Value::Number(number)) => Ok(number),
            Ok(_) => Err(ReadError::new(at, "expected a number".to_owned(), false)),
            Err(err) => Err(ReadError::new(at, message_of(&err), false)),
        }
    }

    /// An `i64`.
    pub fn i64(&mut self) -> Read<i64> {
        self.peek();
        let at = self.pos;
        if let Some(value) = self.short_integer() {
            return Ok(value);
        }
        let number = self.number("i64")?;
        number.as_i64().ok_or_else(|| {
            let kind = if number.is_f64() { "floating point" } else { "integer" };
            ReadError::new(at, format!("invalid type: {kind} `{number}`, expected i64"), false)
        })
    }

    /// An `f64`.
    pub fn f64(&mut self) -> Read<f64> {
        self.peek();
        let at = self.pos;
        if let Some(value) = self.short_decimal() {
            return Ok(value);
        }
        let number = self.number("f64")?;
        number
            .as_f64()
            .ok_or_else(|| ReadError::new(at, format!("invalid value: number `{number}`, expected f64"), false))
    }

    /// An integer of at most 18 digits, which every parser reads alike, consumed; `None`
    /// (nothing consumed) for anything else.
    fn short_integer(&mut self) -> Option<i64> {
        let bytes = self.bytes();
        let start = self.pos;
        let digits_start = start + usize::from(bytes.get(start) == Some(&b'-'));
        let mut end = digits_start;
        while let Some(b'0'..=b'9') = bytes.get(end) {
            end += 1;
        }
        let digits = end - digits_start;
        let leading_zero = digits > 1 && bytes[digits_start] == b'0';
        if digits == 0 || digits > 18 || leading_zero || matches!(bytes.get(end), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        let value = self.text[start..end].parse().ok()?;
        self.pos = end;
        Some(value)
    }

    /// A number without an exponent and with at most 15 significant digits, consumed; `None`
    /// (nothing consumed) for anything else. Such a number is exactly a 15-digit integer times
    /// a power of ten that is exact in an `f64`, so the correctly rounded result Rust's parser
    /// gives is the one serde_json computes too.
    fn short_decimal(&mut self) -> Option<f64> {
        let bytes = self.bytes();
        let start = self.pos;
        let mut end = start + usize::from(bytes.get(start) == Some(&b'-'));
        let (mut digits, mut dots, mut first) = (0, 0, true);
        loop {
            match bytes.get(end) {
                Some(b'0'..=b'9') => {
                    // A leading zero may only be followed by the point.
                    if first && bytes[end] == b'0' && matches!(bytes.get(end + 1), Some(b'0'..=b'9')) {
                        return None;
                    }
                    digits += 1;
                }
                Some(b'.') if dots == 0 && !first => dots += 1,
                Some(b'e' | b'E' | b'.' | b'+' | b'-') => return None,
                _ => break,
            }
            first = false;
            end += 1;
        }
        if digits == 0 || digits > 15 || bytes[end - 1] == b'.' {
            return None;
        }
        let value = self.text[start..end].parse().ok()?;
        self.pos = end;
        Some(value)
    }

    /// A boolean.
    pub fn bool(&mut self) -> Read<bool> {
        match self.peek() {
            Some(b't') if self.bytes()[self.pos..].starts_with(b"true") => {
                self.pos += 4;
                Ok(true)
            }
            Some(b'f') if self.bytes()[self.pos..].starts_with(b"false") => {
                self.pos += 5;
                Ok(false)
            }
            _ => Err(self.invalid("a boolean")),
        }
    }

    /// Skips one value of any kind.
    pub fn skip(&mut self) -> Read<()> {
        self.skip_at(0)
    }

    fn skip_at(&mut self, depth: usize) -> Read<()> {
        if depth > MAX_DEPTH {
            return Err(self.error("recursion limit exceeded".to_owned()));
        }
        match self.peek() {
            Some(b'"') => self.str().map(drop),
            Some(b'{') => {
                let mut fields = self.object("a map")?;
                while self.key(&mut fields)?.is_some() {
                    self.skip_at(depth + 1)?;
                }
                Ok(())
            }
            Some(b'[') => {
                let mut elements = self.array("a sequence")?;
                while self.element(&mut elements)? {
                    self.skip_at(depth + 1)?;
                }
                Ok(())
            }
            Some(b't' | b'f') => self.bool().map(drop),
            Some(b'n') if self.null() => Ok(()),
            Some(_) => match self.number_span() {
                Some(_) => Ok(()),
                None => Err(self.error("expected value".to_owned())),
            },
            None => Err(self.error("EOF while parsing a value".to_owned())),
        }
    }

    /// Any value, read by serde_json from its text.
    pub fn value(&mut self) -> Read<serde_json::Value> {
        self.peek();
        let start = self.pos;
        self.skip()?;
        self.text[start..self.pos]
            .parse()
            .map_err(|err: serde_json::Error| ReadError::new(start, message_of(&err), false))
    }

    /// The current position, to come back to with [`reset`](Self::reset).
    pub fn mark(&self) -> usize {
        self.pos
    }

    /// Goes back to a position from [`mark`](Self::mark).
    pub fn reset(&mut self, pos: usize) {
        self.pos = pos;
    }

    /// Checks that only white space is left.
    pub(crate) fn end(&mut self) -> Read<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.error("trailing characters".to_owned())),
        }
    }
}

/// An object being read; see [`Reader::object`].
pub struct Fields {
    first: bool,
}

/// An array being read; see [`Reader::array`].
pub struct Elements {
    first: bool,
}

/// serde_json's message without its position.
pub(crate) fn message_of(err: &serde_json::Error) -> String {
    let message = err.to_string();
    let position = format!(" at line {} column {}", err.line(), err.column());
    message.strip_suffix(&position).unwrap_or(&message).to_owned()
}

/// A type the crate's reader decodes.
pub trait FromJson: Sized {
    /// What the spec says the JSON looks like, for the drift check of a client with an observer
    /// ([`drift`](super::drift)); decoding never reads it.
    const SHAPE: Shape;

    /// Reads one value at the reader's position.
    fn read(reader: &mut Reader<'_>) -> Read<Self>;
}

impl FromJson for String {
    const SHAPE: Shape = Shape::String;

    fn read(reader: &mut Reader<'_>) -> Read<Self> {
        reader.str().map(Cow::into_owned)
    }
}

impl FromJson for bool {
    const SHAPE: Shape = Shape::Boolean;

    fn read(reader: &mut Reader<'_>) -> Read<Self> {
        reader.bool()
    }
}

impl FromJson for i64 {
    const SHAPE: Shape = Shape::Integer;

    fn read(reader: &mut Reader<'_>) -> Read<Self> {
        reader.i64()
    }
}

impl FromJson for f64 {
    const SHAPE: Shape = Shape::Number;

    fn read(reader: &mut Reader<'_>) -> Read<Self> {
        reader.f64()
    }
}

impl FromJson for serde_json::Value {
    const SHAPE: Shape = Shape::Any;

    fn read(reader: &mut Reader<'_>) -> Read<Self> {
        reader.value()
    }
}

impl FromJson for () {
    const SHAPE: Shape = Shape::Null;

    fn read(reader: &mut Reader<'_>) -> Read<Self> {
        if reader.null() { Ok(()) } else { Err(reader.invalid("unit")) }
    }
}

impl<T: FromJson> FromJson for Option<T> {
    const SHAPE: Shape = Shape::Nullable(&T::SHAPE);

    fn read(reader: &mut Reader<'_>) -> Read<Self> {
        if reader.null() { Ok(None) } else { T::read(reader).map(Some) }
    }
}

impl<T: FromJson> FromJson for Patch<T> {
    const SHAPE: Shape = Shape::Nullable(&T::SHAPE);

    fn read(reader: &mut Reader<'_>) -> Read<Self> {
        if reader.null() { Ok(Patch::Null) } else { T::read(reader).map(Patch::Value) }
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    const SHAPE: Shape = Shape::List(&T::SHAPE);

    fn read(reader: &mut Reader<'_>) -> Read<Self> {
        let mut elements = reader.array("a sequence")?;
        let mut list = Vec::new();
        while reader.element(&mut elements)? {
            list.push(T::read(reader)?);
        }
        Ok(list)
    }
}

impl<V: FromJson> FromJson for BTreeMap<String, V> {
    const SHAPE: Shape = Shape::Map(&V::SHAPE);

    fn read(reader: &mut Reader<'_>) -> Read<Self> {
        let mut fields = reader.object("a map")?;
        let mut map = BTreeMap::new();
        while let Some(key) = reader.key(&mut fields)? {
            map.insert(key.into_owned(), V::read(reader)?);
        }
        Ok(map)
    }
}

/// Reads a required field's value into `slot`.
pub fn required<T: FromJson>(reader: &mut Reader<'_>, slot: &mut Option<T>, name: &str) -> Read<()> {
    if slot.is_some() {
        return Err(duplicate(reader, name));
    }
    *slot = Some(T::read(reader)?);
    Ok(())
}

/// Reads an optional field's value, where `null` reads as `None`.
pub fn optional<T: FromJson>(reader: &mut Reader<'_>, slot: &mut Option<T>, seen: &mut bool, name: &str) -> Read<()> {
    if std::mem::replace(seen, true) {
        return Err(duplicate(reader, name));
    }
    *slot = if reader.null() { None } else { Some(T::read(reader)?) };
    Ok(())
}

/// Reads a [`Patch`] field's value.
pub fn patch<T: FromJson>(reader: &mut Reader<'_>, slot: &mut Patch<T>, name: &str) -> Read<()> {
    if !slot.is_absent() {
        return Err(duplicate(reader, name));
    }
    *slot = if reader.null() { Patch::Null } else { Patch::Value(T::read(reader)?) };
    Ok(())
}

/// `duplicate field`.
#[cold]
#[inline(never)]
fn duplicate(reader: &Reader<'_>, name: &str) -> ReadError {
    reader.error(format!("duplicate field `{name}`"))
}

/// `missing field` for the object that just ended.
#[cold]
#[inline(never)]
pub fn missing(reader: &Reader<'_>, name: &str) -> ReadError {
    reader.object_error(format!("missing field `{name}`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read<T: FromJson>(text: &str) -> Read<T> {
        let mut reader = Reader::new(text);
        let value = T::read(&mut reader)?;
        reader.end()?;
        Ok(value)
    }

    fn message<T: FromJson + std::fmt::Debug>(text: &str) -> (usize, String) {
        let err = read::<T>(text).unwrap_err().into_failure();
        (err.offset, err.message)
    }

    #[test]
    fn strings_are_borrowed_unless_escaped() {
        let mut reader = Reader::new(r#" "plain" "#);
        assert!(matches!(reader.str().unwrap(), Cow::Borrowed("plain")));
        let text = read::<String>(r#""a\"b\\c\u00e9\ud83d\ude00\n""#).unwrap();
        assert_eq!(text, "a\"b\\cé😀\n");
        assert_eq!(
            message::<String>("\"a\u{1}\"").1,
            "control character (\\u0000-\\u001F) found while parsing a string"
        );
        assert_eq!(message::<String>(r#""open"#).1, "EOF while parsing a string");
        assert!(message::<String>(r#""\q""#).1.starts_with("invalid escape"));
    }

    #[test]
    fn numbers_are_serde_jsons() {
        assert_eq!(read::<i64>("-42").unwrap(), -42);
        assert_eq!(read::<f64>("5").unwrap(), 5.0);
        assert_eq!(read::<f64>("1.5e3").unwrap(), 1500.0);
        let tricky = "0.30000000000000004441";
        assert_eq!(read::<f64>(tricky).unwrap(), serde_json::from_str::<f64>(tricky).unwrap());
        assert_eq!(message::<i64>("1.5").1, "invalid type: floating point `1.5`, expected i64");
        assert_eq!(
            message::<i64>("9223372036854775808").1,
            "invalid type: integer `9223372036854775808`, expected i64"
        );
        assert_eq!(message::<i64>(r#""5""#).1, "invalid type: string \"5\", expected i64");
        assert_eq!(message::<bool>("1"), (0, "invalid type: integer `1`, expected a boolean".to_owned()));
        // The short paths give what serde_json gives, and leave what they cannot read to it.
        for text in
            ["0", "-0", "7", "-123456789012345678", "42.5", "0.1", "-0.000123", "123456789.12345", "3.14159265358979"]
        {
            assert_eq!(
                read::<f64>(text).unwrap().to_bits(),
                serde_json::from_str::<f64>(text).unwrap().to_bits(),
                "{text}"
            );
        }
        for text in ["0", "-7", "123456789012345678", "-999999999999999999"] {
            assert_eq!(read::<i64>(text).unwrap(), serde_json::from_str::<i64>(text).unwrap(), "{text}");
        }
        assert!(read::<f64>("01").is_err());
        assert!(read::<i64>("01").is_err());
        assert!(read::<f64>("1.").is_err());
        assert!(read::<f64>(".5").is_err());
        assert_eq!(
            read::<f64>("1234567890123456789.5").unwrap(),
            serde_json::from_str::<f64>("1234567890123456789.5").unwrap()
        );
    }

    #[test]
    fn containers_nulls_and_values() {
        assert_eq!(read::<Vec<Option<i64>>>("[1, null ,3]").unwrap(), vec![Some(1), None, Some(3)]);
        assert_eq!(read::<Vec<i64>>("[]").unwrap(), Vec::<i64>::new());
        let map = read::<BTreeMap<String, bool>>(r#"{"b": true, "a": false}"#).unwrap();
        assert_eq!(map.into_iter().collect::<Vec<_>>(), vec![("a".into(), false), ("b".into(), true)]);
        assert!(matches!(read::<Patch<i64>>("null").unwrap(), Patch::Null));
        let value = read::<serde_json::Value>(r#" {"x": [1, "y", {"z": null}]} "#).unwrap();
        assert_eq!(value, serde_json::json!({"x": [1, "y", {"z": null}]}));
        assert_eq!(message::<Vec<i64>>("[1 2]").1, "expected `,` or `]`");
        assert_eq!(message::<Vec<i64>>("[1,").1, "EOF while parsing a value");
        assert_eq!(message::<i64>("1 2"), (2, "trailing characters".to_owned()));
    }

    #[test]
    fn skipping_handles_every_kind_and_stops_deep_nesting() {
        let mut reader = Reader::new(r#"{"a": [1, -2.5e3, "x\"}", {"b": [[], {}]}, true, false, null]} 7"#);
        reader.skip().unwrap();
        assert_eq!(read::<i64>(&reader.text[reader.pos..]).unwrap(), 7);
        let deep = "[".repeat(200) + &"]".repeat(200);
        let err = Reader::new(&deep).skip().unwrap_err().into_failure();
        assert_eq!(err.message, "recursion limit exceeded");
    }
}
