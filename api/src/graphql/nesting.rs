//! How deeply a request nests, measured on its raw text before anything recursive reads it.
//!
//! async-graphql's parser recurses once per level of a list or object value: a query of a few KiB
//! nesting `[[[…]]]` some 1,600 levels deep overflows a worker thread's stack and aborts the whole
//! process, before any validation rule or extension runs. serde_json stops at 128 levels, but what
//! reads its values afterwards (coercion, our own walks) recurses too. So every text a request
//! carries (the GraphQL document, and the JSON of its variables and extensions) is scanned here
//! first, in one pass with no recursion, and refused past [`MAX_VALUE_DEPTH`] levels of values or
//! [`MAX_SELECTION_DEPTH`] levels of selections.

/// The deepest a value may nest: lists and input objects in an argument, a directive's argument,
/// a variable's default value or a variable's JSON value.
pub const MAX_VALUE_DEPTH: usize = 64;

/// The deepest selection sets may nest in the text. The parser itself refuses deeper documents,
/// but only after recursing into them; the query depth limit (fragments expanded) is lower still.
pub const MAX_SELECTION_DEPTH: usize = 64;

/// What nests too deeply, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooDeep {
    /// `valueDepth`, `selectionDepth` or `bracketDepth`: the limit's name in `extensions.limit`.
    pub limit: &'static str,
    /// The limit.
    pub max: usize,
    /// Where the first bracket past the limit stands.
    pub at: Place,
}

/// Where in a request the nesting went past its limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// In the GraphQL document, at a 1-based line and column (columns count characters).
    Document { line: usize, column: usize },
    /// In the JSON of a request parameter (`variables` or `extensions`), under `key`, the
    /// parameter's top-level key (a variable's name), when the excess is under one.
    Json {
        parameter: &'static str,
        key: Option<String>,
    },
}

impl TooDeep {
    /// The sentence a client reads.
    pub fn message(&self) -> String {
        let what = match self.limit {
            LIMIT_SELECTION_DEPTH => "Selection sets",
            LIMIT_BRACKET_DEPTH => "Brackets",
            _ => "Values (lists and input objects)",
        };
        let place = match &self.at {
            Place::Document { line, column } => format!("the query at line {line}, column {column}"),
            Place::Json {
                parameter: "variables",
                key: Some(name),
            } => format!("the variable \"${name}\""),
            Place::Json {
                parameter,
                key: Some(key),
            } => format!("{parameter}.{key}"),
            Place::Json { parameter, key: None } => format!("the {parameter} parameter"),
        };
        format!(
            "{what} may nest at most {} levels deep; {place} goes deeper. Send a flatter request.",
            self.max
        )
    }
}

const LIMIT_VALUE_DEPTH: &str = "valueDepth";
const LIMIT_SELECTION_DEPTH: &str = "selectionDepth";
const LIMIT_BRACKET_DEPTH: &str = "bracketDepth";

/// Brackets of any kind open at once beyond which a document is refused whatever they are: valid GraphQL never
/// gets near it (selections, one argument list, values), and it bounds the scanner's own stack.
const MAX_OPEN_BRACKETS: usize = MAX_SELECTION_DEPTH + MAX_VALUE_DEPTH + 8;

/// Checks a GraphQL document's nesting. Strings, block strings and comments are skipped as the
/// GraphQL lexer skips them (<https://spec.graphql.org/October2021/#sec-Language.Source-Text>), so
/// brackets inside them do not count. Values are what stands inside parentheses (arguments and
/// variable definitions); selection sets are the braces outside them.
pub fn check_document(text: &str) -> Result<(), TooDeep> {
    check_document_within(text, MAX_VALUE_DEPTH, MAX_SELECTION_DEPTH)
}

/// [`check_document`] with the limits given (the tests use small ones).
fn check_document_within(
    text: &str,
    max_value_depth: usize,
    max_selection_depth: usize,
) -> Result<(), TooDeep> {
    /// An open bracket: its kind, and the value depth it was opened at.
    struct Open {
        kind: u8,
        value_depth: usize,
    }
    let bytes = text.as_bytes();
    let mut open: Vec<Open> = Vec::new();
    let mut parentheses = 0usize;
    let mut selection_depth = 0usize;
    let mut value_depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        match byte {
            b'#' => {
                while i < bytes.len() && !matches!(bytes[i], b'\n' | b'\r') {
                    i += 1;
                }
                continue;
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                // Unclosed, the parser takes its first two quotes for an empty string and reads
                // on from the third: so must we, or brackets after it would go uncounted.
                i = end_of_block_string(bytes, i + 3).unwrap_or(i + 2);
                continue;
            }
            b'"' => {
                i = end_of_string(bytes, i + 1);
                continue;
            }
            b'(' | b'[' | b'{' => {
                let exceeded = match byte {
                    b'(' => {
                        parentheses += 1;
                        None
                    }
                    _ if parentheses > 0 => {
                        value_depth += 1;
                        (value_depth > max_value_depth).then_some((LIMIT_VALUE_DEPTH, max_value_depth))
                    }
                    b'{' => {
                        selection_depth += 1;
                        (selection_depth > max_selection_depth)
                            .then_some((LIMIT_SELECTION_DEPTH, max_selection_depth))
                    }
                    // A `[` outside parentheses is not GraphQL; the parser refuses it flat.
                    _ => None,
                };
                let exceeded = exceeded.or_else(|| {
                    (open.len() >= MAX_OPEN_BRACKETS).then_some((LIMIT_BRACKET_DEPTH, MAX_OPEN_BRACKETS))
                });
                if let Some((limit, max)) = exceeded {
                    let (line, column) = line_and_column(text, i);
                    return Err(TooDeep {
                        limit,
                        max,
                        at: Place::Document { line, column },
                    });
                }
                open.push(Open {
                    kind: byte,
                    value_depth,
                });
                if byte == b'(' {
                    value_depth = 0;
                }
            }
            b')' | b']' | b'}' => {
                // Mismatched brackets are the parser's to report; here they only close a level.
                if let Some(closed) = open.pop() {
                    match closed.kind {
                        b'(' => parentheses -= 1,
                        b'{' if parentheses == 0 => selection_depth = selection_depth.saturating_sub(1),
                        _ => {}
                    }
                    value_depth = match closed.kind {
                        b'(' => closed.value_depth,
                        _ => closed.value_depth.saturating_sub(1),
                    };
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// The index just past a string's closing quote, or the line end or text end that cuts it short
/// (where the lexer stops reading it too). `from` is just past the opening quote.
fn end_of_string(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            b'\n' | b'\r' => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The index just past a block string's closing `"""` (`\"""` inside it is an escaped quote), or
/// `None` when it is never closed.
fn end_of_block_string(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i < bytes.len() {
        if bytes[i..].starts_with(b"\\\"\"\"") {
            i += 4;
        } else if bytes[i..].starts_with(b"\"\"\"") {
            return Some(i + 3);
        } else {
            i += 1;
        }
    }
    None
}

/// The 1-based line and column (in characters) of byte `index`, lines ending at `\n`, `\r\n` or
/// `\r` as in GraphQL.
fn line_and_column(text: &str, index: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..index];
    let line_start = before
        .iter()
        .rposition(|b| matches!(b, b'\n' | b'\r'))
        .map_or(0, |at| at + 1);
    let lines = before
        .iter()
        .enumerate()
        .filter(|&(at, &b)| b == b'\n' || (b == b'\r' && before.get(at + 1) != Some(&b'\n')))
        .count();
    let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
    (lines + 1, column)
}

/// Checks the nesting of a JSON text that holds request parameters. `values_from` is the depth at
/// which a parameter's own value begins: 1 for a GET's `variables` text (the object of variables),
/// 2 for a POST body (the body object, then `variables`). The keys at depths 1 and 2 name the
/// place of an excess.
pub fn check_json(bytes: &[u8], parameter: &'static str, values_from: usize) -> Result<(), TooDeep> {
    let max_depth = MAX_VALUE_DEPTH + values_from;
    let mut depth = 0usize;
    // The key last read at depths 1 and 2: the parameter, then a variable's name.
    let mut keys: [Option<(usize, usize)>; 2] = [None, None];
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let start = i + 1;
                let end = end_of_json_string(bytes, start);
                if (1..=2).contains(&depth) && next_is_colon(bytes, end) {
                    keys[depth - 1] = Some((start, end.saturating_sub(1)));
                }
                i = end;
                continue;
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > max_depth {
                    let key_text = |key: Option<(usize, usize)>| {
                        key.map(|(start, end)| String::from_utf8_lossy(&bytes[start..end]).into_owned())
                    };
                    let (parameter, key) = if values_from == 1 {
                        (parameter, key_text(keys[0]))
                    } else {
                        let parameter = match key_text(keys[0]).as_deref() {
                            Some("extensions") => "extensions",
                            _ => "variables",
                        };
                        (parameter, key_text(keys[1]))
                    };
                    return Err(TooDeep {
                        limit: LIMIT_VALUE_DEPTH,
                        max: MAX_VALUE_DEPTH,
                        at: Place::Json { parameter, key },
                    });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// The index just past a JSON string's closing quote; `from` is just past the opening one.
fn end_of_json_string(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

fn next_is_colon(bytes: &[u8], from: usize) -> bool {
    bytes
        .get(from..)
        .and_then(|rest| rest.iter().find(|b| !b.is_ascii_whitespace()))
        == Some(&b':')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(open: &str, inner: &str, close: &str, levels: usize) -> String {
        format!("{}{inner}{}", open.repeat(levels), close.repeat(levels))
    }

    fn limit_of(text: &str) -> Option<&'static str> {
        check_document(text).err().map(|deep| deep.limit)
    }

    #[test]
    fn values_up_to_the_limit_pass_and_one_more_is_refused() {
        let at_limit = format!(
            "{{ nodes(ids: {}) {{ id }} }}",
            nested("[", "\"x\"", "]", MAX_VALUE_DEPTH)
        );
        assert_eq!(check_document(&at_limit), Ok(()));
        let over = format!(
            "{{ nodes(ids: {}) {{ id }} }}",
            nested("[", "\"x\"", "]", MAX_VALUE_DEPTH + 1)
        );
        let deep = check_document(&over).expect_err("too deep");
        assert_eq!(deep.limit, "valueDepth");
        // The 65th bracket: `{ nodes(ids: ` is 13 characters, then 64 brackets.
        assert_eq!(
            deep.at,
            Place::Document {
                line: 1,
                column: 14 + 64
            }
        );
    }

    #[test]
    fn objects_defaults_and_directive_arguments_are_values() {
        for text in [
            format!("{{ a(x: {}) }}", nested("{a: ", "1", "}", 100)),
            format!("query($v: Int = {}) {{ a }}", nested("[", "1", "]", 100)),
            format!("query($v: {}) {{ a }}", nested("[", "Int", "]", 100)),
            format!("{{ a @include(if: {}) }}", nested("[", "true", "]", 100)),
            format!("{{ unknown(x: {}) }}", nested("[{x: ", "1", "}]", 50)),
        ] {
            assert_eq!(limit_of(&text), Some("valueDepth"), "{text}");
        }
    }

    #[test]
    fn selections_nest_to_their_own_limit() {
        let ok = format!("{{{}}}", nested("a {", "b", "}", MAX_SELECTION_DEPTH - 1));
        assert_eq!(check_document(&ok), Ok(()));
        let over = format!("{{{}}}", nested("a {", "b", "}", MAX_SELECTION_DEPTH));
        assert_eq!(limit_of(&over), Some("selectionDepth"));
        // Parentheses opened over and over bound the scanner too.
        assert_eq!(limit_of(&"(".repeat(100_000)), Some("bracketDepth"));
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let brackets = "[".repeat(1000);
        for text in [
            format!("{{ a(x: \"{brackets}\") }}"),
            format!("{{ a(x: \"\"\"{brackets}\\\"\"\"{brackets}\"\"\") }}"),
            format!("{{ a(x: \"\\\"{brackets}\") }}"),
            format!("# {brackets}\n{{ a }}"),
        ] {
            assert_eq!(check_document(&text), Ok(()), "{text}");
        }
        // An unclosed block string is two empty strings' quotes and a third to the parser: what
        // follows it is read, so it is counted.
        let text = format!("{{ a(x: [\"\"\"\" {}]) }}", nested("[", "1", "]", 100));
        assert_eq!(limit_of(&text), Some("valueDepth"), "{text}");
        let parsed = async_graphql::parser::parse_query(format!(
            "{{ a(x: [\"\"\"\" {}]) }}",
            nested("[", "1", "]", 3)
        ));
        assert!(
            parsed.is_ok(),
            "the parser reads on after an unclosed block string: {parsed:?}"
        );
        // A string cut short by a line end stops there, as the lexer does.
        let cut = format!("{{ a(x: \"\n{}) }}", nested("[", "1", "]", 100));
        assert_eq!(limit_of(&cut), Some("valueDepth"));
    }

    /// The deepest value in a parsed document: arguments, directive arguments, variable defaults and
    /// variable types.
    fn deepest_value(document: &async_graphql::parser::types::ExecutableDocument) -> usize {
        use async_graphql::parser::types::{BaseType, Selection, SelectionSet, Type};
        use async_graphql_value::{ConstValue, Value};
        fn value(v: &Value) -> usize {
            match v {
                Value::List(items) => 1 + items.iter().map(value).max().unwrap_or(0),
                Value::Object(fields) => 1 + fields.values().map(value).max().unwrap_or(0),
                _ => 0,
            }
        }
        fn constant(v: &ConstValue) -> usize {
            value(&v.clone().into_value())
        }
        fn ty(t: &Type) -> usize {
            match &t.base {
                BaseType::List(inner) => 1 + ty(inner),
                BaseType::Named(_) => 0,
            }
        }
        fn set(s: &SelectionSet) -> usize {
            s.items
                .iter()
                .map(|item| match &item.node {
                    Selection::Field(f) => f
                        .node
                        .arguments
                        .iter()
                        .map(|(_, v)| value(&v.node))
                        .chain(
                            f.node
                                .directives
                                .iter()
                                .flat_map(|d| d.node.arguments.iter().map(|(_, v)| value(&v.node))),
                        )
                        .chain([set(&f.node.selection_set.node)])
                        .max()
                        .unwrap_or(0),
                    Selection::InlineFragment(f) => set(&f.node.selection_set.node),
                    Selection::FragmentSpread(_) => 0,
                })
                .max()
                .unwrap_or(0)
        }
        let operations = document.operations.iter().map(|(_, op)| {
            op.node
                .variable_definitions
                .iter()
                .map(|d| {
                    ty(&d.node.var_type.node)
                        .max(d.node.default_value.as_ref().map_or(0, |v| constant(&v.node)))
                })
                .chain([set(&op.node.selection_set.node)])
                .max()
                .unwrap_or(0)
        });
        let fragments = document
            .fragments
            .values()
            .map(|f| set(&f.node.selection_set.node));
        operations.chain(fragments).max().unwrap_or(0)
    }

    /// A fixed xorshift sequence: the same random documents every run.
    struct Random(u64);

    impl Random {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[self.below(items.len())]
        }

        /// Spaces, or a comment full of brackets, between tokens.
        fn gap(&mut self) -> &'static str {
            ["", " ", "\n", " # [[{{ ((\n", "\r\n", ","][self.below(6)]
        }

        /// A GraphQL value nesting up to `depth` levels, its strings full of brackets, quotes and
        /// escapes.
        fn value(&mut self, depth: usize) -> String {
            match self.below(if depth == 0 { 3 } else { 6 }) {
                0 => "1".to_owned(),
                1 => {
                    let inner: String = (0..self.below(4))
                        .map(|_| self.pick(&["[", "]", "{", "\\\"", "\\\\", "#", "\"\"\"", "a"]))
                        .map(|piece| if piece == "\"\"\"" { "\\\"" } else { piece })
                        .collect();
                    format!("\"{inner}\"")
                }
                2 => {
                    let inner: String = (0..self.below(4))
                        .map(|_| self.pick(&["[", "]", "\"", "\"\"", "\\\"\"\"", "\n", "#", "\\"]))
                        .collect();
                    format!("\"\"\"{inner}\"\"\"")
                }
                3 | 4 => {
                    let items: Vec<String> = (0..self.below(3)).map(|_| self.value(depth - 1)).collect();
                    let gap = self.gap();
                    format!("[{gap}{}{gap}]", items.join(" "))
                }
                _ => {
                    let fields: Vec<String> = (0..self.below(3))
                        .map(|i| format!("f{i}: {}", self.value(depth - 1)))
                        .collect();
                    format!("{{{}}}", fields.join(self.gap()))
                }
            }
        }
    }

    /// The scanner never counts less than the parser reads: over random documents (values with
    /// tricky strings, block strings and comments, then one random token spliced in at a random
    /// place), every one the parser reads holds values no deeper than the scanner let through.
    #[test]
    fn the_scanner_never_counts_less_than_the_parser_reads() {
        const SPLICES: &[&str] = &[
            "[", "]", "{", "}", "(", ")", "\"", "\"\"", "\"\"\"", "\\", "\\\"\"\"", "#", "\n", "\r", "[[[[",
            "\"\"\"\"",
        ];
        let mut random = Random(0x9e37_79b9_7f4a_7c15);
        let (mut parsed, mut refused) = (0, 0);
        for _ in 0..30_000 {
            let mut text = format!(
                "query($v: [[Int]] = {}) {{ a(x: {}){}@include(if: {}) {{ b }} }}",
                random.value(4),
                random.value(4),
                random.gap(),
                random.value(4)
            );
            if random.below(2) == 0 {
                let splice = random.pick(SPLICES);
                let mut at = random.below(text.len());
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                text.insert_str(at, splice);
            }
            let allowed = check_document_within(&text, 2, 64).is_ok();
            if let Ok(document) = async_graphql::parser::parse_query(&text) {
                parsed += 1;
                let depth = deepest_value(&document);
                assert!(
                    !allowed || depth <= 2,
                    "the scanner allowed depth {depth}: {text:?}"
                );
                refused += usize::from(!allowed);
            }
        }
        assert!(
            parsed > 5_000 && refused > 500,
            "{parsed} parsed, {refused} refused"
        );
    }

    #[test]
    fn the_place_is_given_in_lines_and_characters() {
        let text = format!("{{\r\n  é(x:\n{}) }}", nested("[", "1", "]", 65));
        let deep = check_document(&text).expect_err("too deep");
        assert_eq!(deep.at, Place::Document { line: 3, column: 65 });
    }

    #[test]
    fn a_variables_value_is_measured_from_its_own_depth() {
        let value = |levels| nested("[", "1", "]", levels);
        let body = |levels| {
            format!(
                "{{\"query\": \"{{ a }}\", \"variables\": {{\"ids\": {}}}}}",
                value(levels)
            )
        };
        assert_eq!(check_json(body(MAX_VALUE_DEPTH).as_bytes(), "body", 2), Ok(()));
        let deep = check_json(body(MAX_VALUE_DEPTH + 1).as_bytes(), "body", 2).expect_err("too deep");
        assert_eq!(
            deep.at,
            Place::Json {
                parameter: "variables",
                key: Some("ids".into())
            }
        );
        assert!(deep.message().contains("\"$ids\""), "{}", deep.message());
        let get = format!("{{\"ids\": {}}}", value(MAX_VALUE_DEPTH + 1));
        assert!(check_json(get.as_bytes(), "variables", 1).is_err());
        let extensions = format!("{{\"extensions\": {{\"x\": {}}}}}", value(MAX_VALUE_DEPTH + 1));
        let deep = check_json(extensions.as_bytes(), "body", 2).expect_err("too deep");
        assert_eq!(
            deep.at,
            Place::Json {
                parameter: "extensions",
                key: Some("x".into())
            }
        );
        // Brackets inside strings, escaped quotes included, do not count.
        let quoted = format!("{{\"v\": \"\\\"{}\"}}", "[".repeat(1000));
        assert_eq!(check_json(quoted.as_bytes(), "variables", 1), Ok(()));
    }
}
