//! `GET /v1/calls`: Gong's pages followed up to a limit, with a cursor of
//! our own that resumes exactly after the last call returned.
//!
//! Gong's `records.cursor` fetches the page after the one it came with, so
//! to resume inside a page our cursor keeps the cursor that fetched that
//! page (none for the first) and the offset within it, with the filter.

use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::api::ApiError;

/// Where a listing stands.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// The range start (ISO 8601).
    pub from: String,
    /// The range end (exclusive).
    pub to: String,
    /// The workspace, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
    /// Gong's cursor for the current page; none for the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// How many calls of the current page were already returned.
    #[serde(default)]
    pub offset: usize,
}

impl Position {
    /// Our opaque cursor for this position.
    pub fn encode(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    /// Reads our cursor back.
    pub fn decode(cursor: &str) -> Result<Position, ApiError> {
        let invalid = || {
            ApiError::bad_request(
                "invalid_cursor",
                "this cursor was not made by this API; start the listing again",
            )
        };
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(cursor.trim())
            .map_err(|_| invalid())?;
        serde_json::from_slice(&bytes).map_err(|_| invalid())
    }
}

/// What to take from a page of `len` calls and where to go next.
#[derive(Debug, PartialEq, Eq)]
pub struct Step {
    /// The calls of this page to return: `start..end`.
    pub start: usize,
    /// End of the range (exclusive).
    pub end: usize,
    /// Where the listing goes next.
    pub next: Next,
}

/// After a page.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// Fetch the next page with this Gong cursor.
    Page(String),
    /// The limit cut this page short: resume at this offset of it.
    Resume(usize),
    /// The limit is reached exactly at the end of a page; more pages exist.
    Stop(String),
    /// No more calls.
    Done,
}

/// The step for a page of `len` calls read from `offset`, when `wanted`
/// more calls are wanted and Gong's cursor for the next page is `cursor`.
pub fn step(offset: usize, len: usize, wanted: usize, cursor: Option<&str>) -> Step {
    let start = offset.min(len);
    let end = (start + wanted).min(len);
    let next = if end < len {
        Next::Resume(end)
    } else {
        match (cursor, end - start == wanted) {
            (None, _) => Next::Done,
            (Some(c), true) => Next::Stop(c.to_owned()),
            (Some(c), false) => Next::Page(c.to_owned()),
        }
    };
    Step { start, end, next }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps() {
        assert_eq!(
            step(0, 100, 40, Some("c")),
            Step {
                start: 0,
                end: 40,
                next: Next::Resume(40)
            }
        );
        assert_eq!(
            step(40, 100, 60, Some("c")),
            Step {
                start: 40,
                end: 100,
                next: Next::Stop("c".into())
            }
        );
        assert_eq!(
            step(40, 100, 100, Some("c")),
            Step {
                start: 40,
                end: 100,
                next: Next::Page("c".into())
            }
        );
        assert_eq!(
            step(0, 30, 100, None),
            Step {
                start: 0,
                end: 30,
                next: Next::Done
            }
        );
        assert_eq!(
            step(0, 30, 30, None),
            Step {
                start: 0,
                end: 30,
                next: Next::Done
            }
        );
        // A shorter page than the offset (the range changed): nothing, done.
        assert_eq!(
            step(50, 30, 10, None),
            Step {
                start: 30,
                end: 30,
                next: Next::Done
            }
        );
    }

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let p = Position {
            from: "a".into(),
            to: "b".into(),
            workspace: None,
            page: Some("g".into()),
            offset: 7,
        };
        assert_eq!(Position::decode(&p.encode()).unwrap(), p);
        assert_eq!(Position::decode("%%%").unwrap_err().code, "invalid_cursor");
        assert_eq!(Position::decode("e30").unwrap_err().code, "invalid_cursor");
        // "{}"
    }
}
