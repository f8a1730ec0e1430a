//! A GraphQL result written as JSON, byte for byte as `serde_json` writes it, faster.
//!
//! A claim page is about 15 KB of JSON, most of it text. `serde_json` looks at every byte of a
//! string on its own to find the few that need escaping, which made writing a page cost as much as
//! a tenth of the instructions of answering it. Here a string is checked eight bytes at a time and
//! copied in runs; the rare byte that needs escaping gets the escape `serde_json` would give it.
//! The tests below hold the output to `serde_json`'s.

use async_graphql::{Name, Value};

/// Appends `value` as JSON, as `serde_json::to_writer` would write it.
pub fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Boolean(true) => out.extend_from_slice(b"true"),
        Value::Boolean(false) => out.extend_from_slice(b"false"),
        Value::Number(number) => write_number(out, number),
        Value::String(text) => write_str(out, text),
        Value::Enum(name) => write_str(out, name.as_str()),
        // As `serde_json` writes bytes: an array of numbers.
        Value::Binary(bytes) => write_list(out, bytes.iter(), |out, byte| {
            out.extend_from_slice(itoa::Buffer::new().format(*byte).as_bytes());
        }),
        Value::List(items) => write_list(out, items.iter(), write_value),
        Value::Object(fields) => {
            out.push(b'{');
            for (index, (name, value)) in fields.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                write_name(out, name);
                out.push(b':');
                write_value(out, value);
            }
            out.push(b'}');
        }
    }
}

fn write_list<T>(out: &mut Vec<u8>, items: impl Iterator<Item = T>, mut each: impl FnMut(&mut Vec<u8>, T)) {
    out.push(b'[');
    for (index, item) in items.enumerate() {
        if index > 0 {
            out.push(b',');
        }
        each(out, item);
    }
    out.push(b']');
}

/// A field name or alias: a GraphQL name (`[_A-Za-z][_0-9A-Za-z]*`, the parser allows nothing else)
/// never needs escaping. Should one ever hold anything else, it is escaped like any text.
fn write_name(out: &mut Vec<u8>, name: &Name) {
    let name = name.as_str();
    if name.bytes().all(|b| b == b'_' || b.is_ascii_alphanumeric()) {
        out.reserve(name.len() + 2);
        out.push(b'"');
        out.extend_from_slice(name.as_bytes());
        out.push(b'"');
    } else {
        write_str(out, name);
    }
}

/// Integers in decimal; anything else (floats: rare, and `serde_json` has its own way with them)
/// through `serde_json` itself.
fn write_number(out: &mut Vec<u8>, number: &serde_json::Number) {
    if let Some(n) = number.as_u64() {
        out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
    } else if let Some(n) = number.as_i64() {
        out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
    } else if serde_json::to_writer(&mut *out, number).is_err() {
        // A Number always serialises; should that change, `null` is what serde_json writes for a
        // float it cannot represent.
        out.extend_from_slice(b"null");
    }
}

/// Every byte of the word is repeated in each of its eight bytes.
const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);

/// Whether any of the eight bytes of `word` is below `n` (`n` at most 0x80).
const fn any_byte_below(word: u64, n: u8) -> bool {
    word.wrapping_sub(ONES * n as u64) & !word & HIGHS != 0
}

/// Whether any of the eight bytes of `word` needs escaping in a JSON string: `"`, `\` or a control
/// character (below 0x20).
const fn needs_escape(word: u64) -> bool {
    any_byte_below(word, 0x20)
        || any_byte_below(word ^ (ONES * b'"' as u64), 1)
        || any_byte_below(word ^ (ONES * b'\\' as u64), 1)
}

/// Appends `text` as a JSON string, escaped as `serde_json` escapes it.
pub fn write_str(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    // `bytes[start..at]` needs no escaping and is not written yet.
    let mut start = 0;
    let mut at = 0;
    while at < bytes.len() {
        // Eight bytes, or the last few padded with spaces (which need no escaping). A whole word
        // is one fixed-size load; a copy of a variable length would be a call to memcpy.
        let end = (at + 8).min(bytes.len());
        let word = match bytes.get(at..at + 8) {
            Some(eight) => <[u8; 8]>::try_from(eight).unwrap_or([0; 8]),
            None => {
                let mut padded = [b' '; 8];
                padded[..end - at].copy_from_slice(&bytes[at..end]);
                padded
            }
        };
        if !needs_escape(u64::from_ne_bytes(word)) {
            at = end;
            continue;
        }
        // A word with something to escape: one byte at a time.
        while at < end {
            let byte = bytes[at];
            if let Some(escape) = escape_of(byte) {
                out.extend_from_slice(&bytes[start..at]);
                out.extend_from_slice(escape.as_bytes());
                start = at + 1;
            } else if byte < 0x20 {
                out.extend_from_slice(&bytes[start..at]);
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(byte >> 4)]);
                out.push(HEX[usize::from(byte & 0xf)]);
                start = at + 1;
            }
            at += 1;
        }
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The short escapes `serde_json` uses; other control characters are written `\u00XX`.
const fn escape_of(byte: u8) -> Option<&'static str> {
    Some(match byte {
        b'"' => "\\\"",
        b'\\' => "\\\\",
        0x08 => "\\b",
        0x0c => "\\f",
        b'\n' => "\\n",
        b'\r' => "\\r",
        b'\t' => "\\t",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use async_graphql::indexmap::IndexMap;

    use super::*;

    fn ours(value: &Value) -> String {
        let mut out = Vec::new();
        write_value(&mut out, value);
        String::from_utf8(out).expect("UTF-8")
    }

    fn theirs(value: &Value) -> String {
        serde_json::to_string(value).expect("serialising")
    }

    #[test]
    fn every_character_below_0x80_is_written_as_serde_json_writes_it() {
        for byte in 0u8..0x80 {
            let c = char::from(byte);
            // At every place in a word, and across a word's edge.
            for prefix in 0..17 {
                let text = format!("{}{c}{}", "a".repeat(prefix), "b".repeat(9));
                let value = Value::String(text);
                assert_eq!(ours(&value), theirs(&value), "byte {byte:#04x} after {prefix}");
            }
        }
    }

    #[test]
    fn texts_of_every_length_and_script_are_written_as_serde_json_writes_them() {
        let pieces = [
            "",
            "a",
            "Rest-pause training \"works\"",
            "back\\slash",
            "line\nbreak\ttab\r\u{7}bell\u{1f}",
            "µ-ä-日本語-🧪 with a quote \" at the end\"",
            "\u{7f}\u{80}\u{ff}\u{2028}\u{2029}",
        ];
        for a in pieces {
            for b in pieces {
                for repeat in [1, 3, 17] {
                    let value = Value::String(format!("{a}{b}").repeat(repeat));
                    assert_eq!(ours(&value), theirs(&value));
                }
            }
        }
    }

    #[test]
    fn whole_results_are_written_as_serde_json_writes_them() {
        let mut inner = IndexMap::new();
        inner.insert(Name::new("title"), Value::String("A \"quoted\" title".into()));
        inner.insert(Name::new("year"), Value::from(2019));
        inner.insert(Name::new("negative"), Value::from(-42));
        inner.insert(Name::new("big"), Value::from(u64::MAX));
        inner.insert(Name::new("ratio"), Value::from(0.125));
        inner.insert(Name::new("tiny"), Value::from(1e-300));
        inner.insert(Name::new("retracted"), Value::Boolean(false));
        inner.insert(Name::new("open"), Value::Boolean(true));
        inner.insert(
            Name::new("design"),
            Value::Enum(Name::new("RANDOMIZED_CONTROLLED_TRIAL")),
        );
        inner.insert(Name::new("bytes"), Value::Binary(vec![0, 7, 255].into()));
        inner.insert(Name::new("none"), Value::Null);
        inner.insert(Name::new("empty"), Value::List(Vec::new()));
        inner.insert(Name::new("nothing"), Value::Object(IndexMap::new()));
        let mut outer = IndexMap::new();
        outer.insert(
            Name::new("studies"),
            Value::List(vec![Value::Object(inner.clone()), Value::Object(inner)]),
        );
        let value = Value::Object(outer);
        assert_eq!(ours(&value), theirs(&value));
    }
}
