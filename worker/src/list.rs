//! Listing calls: Gong's pages followed up to a limit, with a cursor of our
//! own that resumes exactly after the last call returned, and the guards
//! that stop a listing Gong answers inconsistently.
//!
//! Gong's `records.cursor` fetches the page after the one it came with, so
//! to resume inside a page our cursor keeps the cursor that fetched that
//! page (none for the first) and the offset within it, with the filter.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::sign::Signer;

/// What a listing cursor is sealed for.
const PURPOSE: &str = "list";

/// Where a listing stands.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// The page size the listing was asked with (kept by its cursor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
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
    /// Our opaque, authenticated cursor for this position.
    pub fn encode(&self, signer: &Signer) -> Result<String> {
        let json = serde_json::to_vec(self).map_err(Error::internal)?;
        Ok(signer.seal(PURPOSE, &json))
    }

    /// Reads our cursor back.
    ///
    /// # Errors
    ///
    /// 400 `invalid_cursor` for anything this Worker did not make.
    pub fn decode(cursor: &str, signer: &Signer) -> Result<Position> {
        let json = signer.open(PURPOSE, cursor)?;
        serde_json::from_slice(&json).map_err(|_| Error::InvalidCursor)
    }
}

/// Stops a listing that Gong answers inconsistently, and bounds the pages
/// one request reads.
#[derive(Debug, Default)]
pub struct PageGuard {
    seen: Vec<String>,
    pages: usize,
    max_pages: Option<usize>,
}

impl PageGuard {
    /// Checks page `pages + 1` of `len` calls with Gong's `cursor` for the
    /// next one, wanting `limit` calls in all. The first page's length is
    /// Gong's page size: a request reads at most ⌈limit / page size⌉ + 1.
    ///
    /// # Errors
    ///
    /// 502 `gong_bad_response` for an empty page that still has a cursor, a
    /// cursor seen before (a loop), or more pages than the bound.
    pub fn page(&mut self, len: usize, cursor: Option<&str>, limit: usize) -> Result<()> {
        self.pages += 1;
        let max = *self
            .max_pages
            .get_or_insert_with(|| limit.div_ceil(len.max(1)) + 1);
        let repeated = cursor.is_some_and(|c| self.seen.iter().any(|s| s == c));
        check_page(self.pages, len, cursor, repeated)?;
        if let Some(c) = cursor {
            self.seen.push(c.to_owned());
        }
        if self.pages > max {
            return Err(Error::GongBadResponse(format!(
                "the listing needed more than {max} Gong pages for {limit} calls"
            )));
        }
        Ok(())
    }

    /// How many pages were read.
    pub fn pages(&self) -> usize {
        self.pages
    }
}

/// The rule every reader of Gong's listing holds its pages to (a request's
/// [`PageGuard`], and the sync, whose job spans many alarms and keeps the
/// cursors it has seen in its own SQLite): page number `page` (from 1) of
/// `len` calls with Gong's `cursor` for the next, `repeated` when that
/// cursor came before in the same listing.
///
/// # Errors
///
/// 502 `gong_bad_response` for an empty page that still has a cursor, or a
/// cursor seen before (a loop).
pub fn check_page(page: usize, len: usize, cursor: Option<&str>, repeated: bool) -> Result<()> {
    if len == 0 && cursor.is_some() {
        return Err(Error::GongBadResponse(format!(
            "page {page} of the listing has no calls but a cursor for more"
        )));
    }
    if repeated && cursor.is_some() {
        return Err(Error::GongBadResponse(format!(
            "page {page} of the listing repeats an earlier page's cursor"
        )));
    }
    Ok(())
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

/// A cursor's place in a listing and the page size it was made with, so
/// the next page is as large as the first unless asked otherwise.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paged<T> {
    /// Where the next page starts.
    pub at: T,
    /// The page size.
    pub limit: usize,
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
    fn cursors_round_trip_and_refuse_garbage_and_forgery() {
        let signer = Signer::new("https://api.gong.io", "k", "s");
        let p = Position {
            limit: Some(7),
            from: "a".into(),
            to: "b".into(),
            workspace: None,
            page: Some("g".into()),
            offset: 7,
        };
        let cursor = p.encode(&signer).unwrap();
        assert_eq!(Position::decode(&cursor, &signer).unwrap(), p);
        assert_eq!(
            Position::decode("%%%", &signer).unwrap_err().code(),
            "invalid_cursor"
        );
        assert_eq!(
            Position::decode("e30", &signer).unwrap_err().code(),
            "invalid_cursor"
        );
        let other = Signer::new("https://api.gong.io", "k2", "s");
        assert_eq!(
            Position::decode(&cursor, &other).unwrap_err().code(),
            "invalid_cursor"
        );
    }

    #[test]
    fn guards_stop_bad_listings() {
        let mut g = PageGuard::default();
        assert!(g.page(100, Some("a"), 250).is_ok());
        assert!(g.page(100, Some("b"), 250).is_ok());
        assert!(g.page(100, Some("c"), 250).is_ok());
        assert!(g.page(100, Some("d"), 250).is_ok()); // ⌈250/100⌉ + 1 = 4
        assert_eq!(
            g.page(100, Some("e"), 250).unwrap_err().code(),
            "gong_bad_response"
        );
        let mut g = PageGuard::default();
        assert!(g.page(10, Some("a"), 100).is_ok());
        assert!(g
            .page(10, Some("a"), 100)
            .unwrap_err()
            .to_string()
            .contains("repeats"));
        let mut g = PageGuard::default();
        assert!(g
            .page(0, Some("a"), 100)
            .unwrap_err()
            .to_string()
            .contains("no calls but a cursor"));
        let mut g = PageGuard::default();
        assert!(g.page(0, None, 100).is_ok());
    }
}
