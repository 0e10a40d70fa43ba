//! The JSON path of a parse error, found from its position.
//!
//! serde_json says where an error is as a line and column. Wrapping every
//! deserializer in `serde_path_to_error` would say it as a path, but doubles
//! the deserialization code of every model type: a quarter of the
//! WebAssembly module. Instead, this small scanner walks the text up to the
//! error's position and names the keys and indices it is inside. The tests
//! check it against `serde_path_to_error` on the fixture table and on random
//! broken documents.

/// The path, in `serde_path_to_error`'s notation (`calls[0].metaData.id`),
/// of the value at or just before byte `offset`; empty for the document.
///
/// `refused` is the opening byte (`{` or `[`) of a value serde_json refused
/// on sight, without reading into it: when that value starts at `offset`
/// inside an array, the error is in that array element.
pub(crate) fn path_at(json: &str, offset: usize, error: ErrorKind) -> String {
    /// In an object: the key whose value is read; in an array: the index of
    /// the element. `done` once that value is complete.
    enum Frame<'a> {
        Object {
            key: Option<&'a str>,
            started: bool,
            done: bool,
        },
        Array {
            index: usize,
            started: bool,
            done: bool,
        },
    }
    fn start_value(stack: &mut [Frame<'_>]) {
        match stack.last_mut() {
            Some(Frame::Object { started, .. } | Frame::Array { started, .. }) => *started = true,
            None => {}
        }
    }
    fn end_value(stack: &mut [Frame<'_>]) {
        match stack.last_mut() {
            Some(Frame::Object { done, .. } | Frame::Array { done, .. }) => *done = true,
            None => {}
        }
    }
    let bytes = json.as_bytes();
    let mut end = offset.min(bytes.len());
    // A trailing comma is found at the closing bracket and reported after
    // it, but belongs inside the container it closes.
    if error == ErrorKind::TrailingComma && end > 0 && matches!(bytes[end - 1], b']' | b'}') {
        end -= 1;
    }
    let mut stack: Vec<Frame> = Vec::new();
    // Whether the next string in an object is a key.
    let mut want_key = false;
    let mut i = 0;
    while i < end {
        match bytes[i] {
            b'{' => {
                start_value(&mut stack);
                stack.push(Frame::Object {
                    key: None,
                    started: false,
                    done: false,
                });
                want_key = true;
                i += 1;
            }
            b'[' => {
                start_value(&mut stack);
                stack.push(Frame::Array {
                    index: 0,
                    started: false,
                    done: false,
                });
                want_key = false;
                i += 1;
            }
            b'}' | b']' => {
                stack.pop();
                end_value(&mut stack);
                want_key = false;
                i += 1;
            }
            b',' => {
                match stack.last_mut() {
                    Some(Frame::Object { key, started, done }) => {
                        *key = None;
                        *started = false;
                        *done = false;
                        want_key = true;
                    }
                    Some(Frame::Array {
                        index,
                        started,
                        done,
                    }) => {
                        *index += 1;
                        *started = false;
                        *done = false;
                    }
                    None => {}
                }
                i += 1;
            }
            b'"' => {
                let start = i + 1;
                i = start;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                if i >= bytes.len() {
                    // Cut off inside a string: a value has begun, a key has not.
                    if !want_key {
                        start_value(&mut stack);
                    }
                    break;
                }
                let text = json.get(start..i).unwrap_or_default();
                i += 1;
                if want_key {
                    if let Some(Frame::Object { key, .. }) = stack.last_mut() {
                        *key = Some(text);
                    }
                    want_key = false;
                } else {
                    start_value(&mut stack);
                    end_value(&mut stack);
                }
            }
            b':' => {
                // The value's reading begins with the colon.
                if let Some(Frame::Object { started, .. }) = stack.last_mut() {
                    *started = true;
                }
                i += 1;
            }
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            _ => {
                // A number, `true`, `false` or `null`.
                start_value(&mut stack);
                let token = i;
                while i < end && !b",]} \t\n\r".contains(&bytes[i]) {
                    i += 1;
                }
                // Cut off right after a token: complete only if it is one.
                let whole = matches!(&bytes[token..i], b"true" | b"false" | b"null")
                    || bytes[i - 1].is_ascii_digit();
                if i < end || whole {
                    end_value(&mut stack);
                }
            }
        }
    }
    // A value refused on sight, without reading into it, at the first byte
    // of an array element: the error is in that element.
    if let ErrorKind::Refused(open) = error {
        if bytes.get(end) == Some(&open) {
            start_value(&mut stack);
        }
    }
    // A wrong value is reported just after it, while a syntax error after a
    // complete value is about what follows it, in the container.
    let value_error = matches!(error, ErrorKind::Value | ErrorKind::Refused(_));
    let mut path = String::new();
    for frame in &stack {
        match *frame {
            Frame::Object {
                key: Some(key),
                started: true,
                done,
            } if value_error || !done => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Frame::Array {
                index,
                started: true,
                done,
            } if value_error || !done => {
                path.push('[');
                path.push_str(&index.to_string());
                path.push(']');
            }
            _ => {}
        }
    }
    path
}

/// What kind of error `path_at` locates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ErrorKind {
    /// A value that does not fit, reported just after it.
    Value,
    /// A map (`{`) or sequence (`[`) refused before reading into it.
    Refused(u8),
    /// Malformed JSON or an early end.
    Syntax,
    /// A comma before a closing bracket.
    TrailingComma,
}

/// The byte offset of serde_json's line and column (bytes since the start
/// of the line).
pub(crate) fn offset_of(json: &str, line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        json.bytes()
            .enumerate()
            .filter(|&(_, b)| b == b'\n')
            .nth(line - 2)
            .map_or(json.len(), |(i, _)| i + 1)
    };
    (line_start + column).min(json.len())
}
