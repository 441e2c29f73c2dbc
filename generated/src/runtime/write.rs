//! The crate's own JSON writer, for request bodies.
//!
//! The generator emits a [`ToJson`] impl for every type a request body can hold: one plain
//! function per type that makes one call per field. The writing itself (keys, commas, string
//! escapes, numbers) is compiled here once, not once per type and field type as serde's
//! `Serialize` for `serde_json`'s serializer would be. That is the other half of what
//! [`read`](super::read) does for responses; see ARCHITECTURE.md, "Compile cost of the
//! generated crate".
//!
//! The output is what `serde_json` writes for the same value through the type's `Serialize`
//! impl, byte for byte where the key order is the same: the same string escapes, the same
//! number text (floats through `serde_json` itself), absent optional fields left out, a
//! cleared [`Patch`] as `null`. Tagged unions put their tag first. The generated example
//! tests compare the two on every example of a type that has both.

use std::collections::BTreeMap;
use std::io::Write as _;

use super::Patch;

/// A type the writer can write: every type a request body of this crate can hold.
pub trait ToJson {
    /// Appends this value's JSON text to `writer`.
    fn write(&self, writer: &mut Writer);
}

/// JSON text under construction.
#[derive(Debug, Default)]
pub struct Writer {
    out: Vec<u8>,
    /// The first thing that could not be written: a tagged-union payload or a flattened
    /// member that is not an object.
    error: Option<String>,
}

/// For each byte, the letter of its escape (`\n` is `n`), `u` for `\u00XX`, or 0 when it is
/// written as it is: serde_json's choices.
static ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = b'u';
        byte += 1;
    }
    table[0x08] = b'b';
    table[0x0c] = b'f';
    table[b'\n' as usize] = b'n';
    table[b'\r' as usize] = b'r';
    table[b'\t' as usize] = b't';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

impl Writer {
    /// An empty writer.
    pub fn new() -> Writer {
        Writer::default()
    }

    /// The JSON text of `value`, or what could not be written.
    pub fn to_vec<T: ToJson + ?Sized>(value: &T) -> Result<Vec<u8>, String> {
        // serde_json's first guess too: most bodies fit, or grow once or twice.
        let mut writer = Writer { out: Vec::with_capacity(128), error: None };
        value.write(&mut writer);
        writer.finish()
    }

    /// The text written, or the first thing that could not be written.
    pub fn finish(self) -> Result<Vec<u8>, String> {
        match self.error {
            None => Ok(self.out),
            Some(error) => Err(error),
        }
    }

    /// Writes `null`.
    pub fn null(&mut self) {
        self.out.extend_from_slice(b"null");
    }

    /// Writes `text` as a JSON string, escaped as `serde_json` escapes it.
    pub fn str(&mut self, text: &str) {
        self.out.reserve(text.len() + 2);
        self.out.push(b'"');
        let bytes = text.as_bytes();
        let mut start = 0;
        for (i, &byte) in bytes.iter().enumerate() {
            let escape = ESCAPE[usize::from(byte)];
            if escape == 0 {
                continue;
            }
            self.out.extend_from_slice(&bytes[start..i]);
            start = i + 1;
            if escape == b'u' {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                self.out.extend_from_slice(&[
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[usize::from(byte >> 4)],
                    HEX[usize::from(byte & 0xf)],
                ]);
            } else {
                self.out.extend_from_slice(&[b'\\', escape]);
            }
        }
        self.out.extend_from_slice(&bytes[start..]);
        self.out.push(b'"');
    }

    /// Starts an object: `{`. Write its members with the returned [`Object`], then call
    /// [`Object::end`].
    pub fn object(&mut self) -> Object<'_> {
        self.out.push(b'{');
        Object { writer: self, first: true }
    }

    /// A tagged-union variant: `{"tag":"value"` followed by the payload's members.
    pub fn tagged<P: ToJson + ?Sized>(&mut self, tag: &str, value: &str, payload: &P) {
        let mark = self.tag(tag, value);
        payload.write(self);
        self.splice_payload(mark);
    }

    /// A tagged-union variant without a payload: `{"tag":"value"}`.
    pub fn tag_only(&mut self, tag: &str, value: &str) {
        self.tag(tag, value);
        self.out.push(b'}');
    }

    /// Writes `{"tag":"value"` and returns where the payload will start.
    fn tag(&mut self, tag: &str, value: &str) -> usize {
        self.out.push(b'{');
        self.str(tag);
        self.out.push(b':');
        self.str(value);
        self.out.len()
    }

    /// Joins the payload object written from `mark` to the tag before it.
    fn splice_payload(&mut self, mark: usize) {
        match &self.out[mark..] {
            b"{}" => {
                self.out.truncate(mark);
                self.out.push(b'}');
            }
            [b'{', ..] => self.out[mark] = b',',
            _ => self.fail("a tagged union payload must be a JSON object".to_owned()),
        }
    }

    #[cold]
    #[inline(never)]
    fn fail(&mut self, error: String) {
        self.error.get_or_insert(error);
    }

    /// Writes a key and its colon, after a comma unless it is the first.
    fn key(&mut self, first: &mut bool, name: &str) {
        if !std::mem::replace(first, false) {
            self.out.push(b',');
        }
        self.str(name);
        self.out.push(b':');
    }
}

/// An object being written; see [`Writer::object`].
#[derive(Debug)]
pub struct Object<'w> {
    writer: &'w mut Writer,
    first: bool,
}

impl Object<'_> {
    /// Writes a member that is always sent.
    pub fn field<T: ToJson + ?Sized>(&mut self, name: &str, value: &T) {
        self.writer.key(&mut self.first, name);
        value.write(self.writer);
    }

    /// Writes an optional member, or nothing when it is `None`.
    pub fn optional<T: ToJson>(&mut self, name: &str, value: &Option<T>) {
        if let Some(value) = value {
            self.field(name, value);
        }
    }

    /// Writes a [`Patch`] member: nothing when absent, `null` when cleared, else the value.
    pub fn patch<T: ToJson>(&mut self, name: &str, value: &Patch<T>) {
        match value {
            Patch::Absent => {}
            Patch::Null => {
                self.writer.key(&mut self.first, name);
                self.writer.null();
            }
            Patch::Value(value) => self.field(name, value),
        }
    }

    /// Writes the members of `value`, an object, as members of this one (serde's `flatten`).
    /// `null` (an absent optional member) adds nothing.
    pub fn flatten<T: ToJson + ?Sized>(&mut self, value: &T) {
        let mark = self.writer.out.len();
        value.write(self.writer);
        self.splice_members(mark);
    }

    /// Joins the object written from `mark` to this one's members.
    fn splice_members(&mut self, mark: usize) {
        let out = &mut self.writer.out;
        match &out[mark..] {
            b"{}" | b"null" => out.truncate(mark),
            [b'{', .., b'}'] => {
                out.pop();
                if std::mem::replace(&mut self.first, false) {
                    out.remove(mark);
                } else {
                    out[mark] = b',';
                }
            }
            _ => self.writer.fail("a flattened member must be a JSON object".to_owned()),
        }
    }

    /// Ends the object: `}`.
    pub fn end(self) {
        self.writer.out.push(b'}');
    }
}

impl ToJson for str {
    fn write(&self, writer: &mut Writer) {
        writer.str(self);
    }
}

impl ToJson for String {
    fn write(&self, writer: &mut Writer) {
        writer.str(self);
    }
}

impl ToJson for bool {
    fn write(&self, writer: &mut Writer) {
        writer.out.extend_from_slice(if *self { b"true" } else { b"false" });
    }
}

impl ToJson for i64 {
    fn write(&self, writer: &mut Writer) {
        // Writing to a `Vec` cannot fail.
        let _ = write!(writer.out, "{self}");
    }
}

impl ToJson for f64 {
    /// The text `serde_json` writes (through its own `Display` for numbers, compiled in
    /// `serde_json`): the shortest text that reads back as the same value, and `null` for a
    /// value that is not finite.
    fn write(&self, writer: &mut Writer) {
        let _ = write!(writer.out, "{}", serde_json::Value::from(*self));
    }
}

impl ToJson for serde_json::Value {
    /// Through `Value`'s `Display`, which `serde_json` compiles once for every crate.
    fn write(&self, writer: &mut Writer) {
        let _ = write!(writer.out, "{self}");
    }
}

impl<T: ToJson> ToJson for Option<T> {
    /// `null` for `None`: how a nullable member that is always sent is written.
    fn write(&self, writer: &mut Writer) {
        match self {
            Some(value) => value.write(writer),
            None => writer.null(),
        }
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn write(&self, writer: &mut Writer) {
        writer.out.push(b'[');
        for (i, element) in self.iter().enumerate() {
            if i > 0 {
                writer.out.push(b',');
            }
            element.write(writer);
        }
        writer.out.push(b']');
    }
}

impl<V: ToJson> ToJson for BTreeMap<String, V> {
    fn write(&self, writer: &mut Writer) {
        let mut object = writer.object();
        for (key, value) in self {
            object.field(key, value);
        }
        object.end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text<T: ToJson + ?Sized>(value: &T) -> String {
        String::from_utf8(Writer::to_vec(value).unwrap()).unwrap()
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut every: String = (0u8..0x80).map(char::from).collect();
        every.push_str("é ü 日本 🎉 \u{2028}\u{2029} \u{7f}");
        assert_eq!(text(every.as_str()), serde_json::to_string(&every).unwrap());
        assert_eq!(text(""), "\"\"");
        assert_eq!(text("plain"), "\"plain\"");
        assert_eq!(text("a\"b\\c\nd\u{1}"), r#""a\"b\\c\nd\u0001""#);
    }

    #[test]
    fn numbers_are_written_as_serde_json_writes_them() {
        for n in [0, 1, -1, 42, i64::MIN, i64::MAX] {
            assert_eq!(text(&n), serde_json::to_string(&n).unwrap());
        }
        let floats = [
            0.0,
            -0.0,
            1.0,
            -1.5,
            0.1,
            1e20,
            1e21,
            1.5e-7,
            123456789.125,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::MIN,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for x in floats {
            assert_eq!(text(&x), serde_json::to_string(&x).unwrap(), "{x}");
        }
    }

    #[test]
    fn containers_and_values() {
        assert_eq!(text(&true), "true");
        assert_eq!(text(&vec![1i64, 2, 3]), "[1,2,3]");
        assert_eq!(text(&Vec::<i64>::new()), "[]");
        assert_eq!(text(&Some(vec![None, Some(false)])), "[null,false]");
        let mut map = BTreeMap::new();
        map.insert("b\n".to_owned(), 2i64);
        map.insert("a".to_owned(), 1i64);
        assert_eq!(text(&map), serde_json::to_string(&map).unwrap());
        assert_eq!(text(&BTreeMap::<String, i64>::new()), "{}");
        let value = serde_json::json!({"z": [1, 2.5, null, "é\u{1}"], "a": {"x": true}});
        assert_eq!(text(&value), serde_json::to_string(&value).unwrap());
    }

    #[test]
    fn objects_skip_absent_members_and_write_cleared_ones_as_null() {
        let write = |name: Option<String>, note: Patch<i64>| {
            let mut writer = Writer::new();
            let mut object = writer.object();
            object.field("id", "a");
            object.optional("name", &name);
            object.patch("note", &note);
            object.end();
            String::from_utf8(writer.finish().unwrap()).unwrap()
        };
        assert_eq!(write(None, Patch::Absent), r#"{"id":"a"}"#);
        assert_eq!(write(Some("n".into()), Patch::Null), r#"{"id":"a","name":"n","note":null}"#);
        assert_eq!(write(None, Patch::Value(3)), r#"{"id":"a","note":3}"#);
        let mut writer = Writer::new();
        let mut object = writer.object();
        object.optional::<i64>("gone", &None);
        object.end();
        assert_eq!(writer.finish().unwrap(), b"{}");
    }

    struct Payload(Vec<(&'static str, i64)>);

    impl ToJson for Payload {
        fn write(&self, writer: &mut Writer) {
            let mut object = writer.object();
            for (name, value) in &self.0 {
                object.field(name, value);
            }
            object.end();
        }
    }

    #[test]
    fn tagged_variants_put_the_tag_first_then_the_payload() {
        let mut writer = Writer::new();
        writer.tagged("op", "add", &Payload(vec![("a", 1), ("b", 2)]));
        assert_eq!(writer.finish().unwrap(), br#"{"op":"add","a":1,"b":2}"#);
        let mut writer = Writer::new();
        writer.tagged("op", "noop", &Payload(Vec::new()));
        assert_eq!(writer.finish().unwrap(), br#"{"op":"noop"}"#);
        let mut writer = Writer::new();
        writer.tag_only("op", "x\"");
        assert_eq!(writer.finish().unwrap(), br#"{"op":"x\""}"#);
        // Inside a list, the splice only touches the payload's own text.
        let mut writer = Writer::new();
        let mut object = writer.object();
        object.field("first", &1i64);
        object.end();
        writer.tagged("op", "add", &Payload(vec![("a", 1)]));
        assert_eq!(writer.finish().unwrap(), br#"{"first":1}{"op":"add","a":1}"#);
    }

    #[test]
    fn a_payload_that_is_not_an_object_is_an_error() {
        let mut writer = Writer::new();
        writer.tagged("op", "add", &5i64);
        assert_eq!(writer.finish().unwrap_err(), "a tagged union payload must be a JSON object");
    }

    #[test]
    fn flattened_members_join_the_object() {
        let write = |before: bool, inner: &dyn Fn(&mut Writer), after: bool| {
            let mut writer = Writer::new();
            let mut object = writer.object();
            if before {
                object.field("a", &1i64);
            }
            let mark = object.writer.out.len();
            inner(object.writer);
            object.splice_members(mark);
            if after {
                object.field("z", &2i64);
            }
            object.end();
            writer.finish().map(|text| String::from_utf8(text).unwrap())
        };
        let payload = |writer: &mut Writer| Payload(vec![("b", 3), ("c", 4)]).write(writer);
        let empty = |writer: &mut Writer| Payload(Vec::new()).write(writer);
        let none = |writer: &mut Writer| None::<i64>.write(writer);
        let number = |writer: &mut Writer| 5i64.write(writer);
        assert_eq!(write(true, &payload, true).unwrap(), r#"{"a":1,"b":3,"c":4,"z":2}"#);
        assert_eq!(write(false, &payload, true).unwrap(), r#"{"b":3,"c":4,"z":2}"#);
        assert_eq!(write(false, &payload, false).unwrap(), r#"{"b":3,"c":4}"#);
        assert_eq!(write(true, &empty, true).unwrap(), r#"{"a":1,"z":2}"#);
        assert_eq!(write(false, &empty, true).unwrap(), r#"{"z":2}"#);
        assert_eq!(write(false, &none, false).unwrap(), "{}");
        assert_eq!(write(true, &none, false).unwrap(), r#"{"a":1}"#);
        assert_eq!(write(true, &number, false).unwrap_err(), "a flattened member must be a JSON object");
        // A tagged variant flattened: its tag and payload join the object.
        let tagged = |writer: &mut Writer| writer.tagged("op", "add", &Payload(vec![("b", 3)]));
        assert_eq!(write(true, &tagged, false).unwrap(), r#"{"a":1,"op":"add","b":3}"#);
        let mut writer = Writer::new();
        let mut object = writer.object();
        object.flatten(&Payload(vec![("b", 3)]));
        object.end();
        assert_eq!(writer.finish().unwrap(), br#"{"b":3}"#);
    }
}
