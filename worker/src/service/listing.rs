//! Calls in a range (from the library when it covers the range, else
//! Gong's pages), and a customer's calls (from the library, else a bounded
//! scan of Gong).

use gongkit::{AnyExtensive, CallOptions, RequestOptions};
use serde_json::Value;

use super::{Found, Listing, Service, Source};
use crate::args::{self, FindArgs, ListArgs};
use crate::error::{Error, Result};
use crate::gong::Answer;
use crate::list::{self, PageGuard, Position};
use crate::sign::Signer;

/// `find_calls_by_account` looks at this many calls of the range at most.
pub const FIND_SCAN_LIMIT: usize = 1000;
/// `find_calls_by_account` reads the range in windows of this many days,
/// newest first.
pub const FIND_WINDOW_DAYS: i64 = 30;
/// A live scan of Gong by `find_calls_by_account` sends at most this many
/// requests (a window with no calls costs one too): one question must not
/// spend the company's quota. Beyond it the answer is `truncated` with the
/// range it covered, and the library is the way to ask about the rest.
pub const FIND_GONG_REQUESTS: u32 = 10;

/// Where a listing from the library stands.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct LibraryPosition {
    #[serde(default)]
    limit: Option<usize>,
    from: String,
    to: String,
    after_started: i64,
    after_id: String,
}

struct Page {
    calls: Vec<Option<Value>>,
    cursor: Option<String>,
}

impl Service {
    /// `GET /v1/calls`, MCP `list_calls`: calls in a range, following
    /// Gong's pages up to the limit, private calls left out.
    pub async fn list_calls(&self, args: &ListArgs) -> Result<Listing> {
        let listing = self.list_calls_seen(args).await?;
        self.returned_all(&listing.calls);
        Ok(listing)
    }

    /// The listing, with the calls the user may not see already left out
    /// (by each page, so a page may hold fewer than `limit`).
    async fn list_calls_seen(&self, args: &ListArgs) -> Result<Listing> {
        args::check_listing(args)?;
        let (_, signer) = self.client()?;
        if let Some(listing) = self.list_from_library(args, signer).await? {
            return Ok(listing);
        }
        let mut position = match &args.cursor {
            Some(c) => Position::decode(c, signer)?,
            None => {
                check_range(
                    args.from.as_deref(),
                    args.to.as_deref(),
                    args.workspace_id.as_deref(),
                )?;
                Position {
                    limit: None,
                    from: args.from.clone().unwrap_or_default(),
                    to: args.to.clone().unwrap_or_default(),
                    workspace: args.workspace_id.clone(),
                    page: None,
                    offset: 0,
                }
            }
        };
        let limit = args::page_size(args.limit, position.limit, args::LIST_LIMIT);
        position.limit = Some(limit);
        let options = CallOptions {
            internal_domains: self.config.internal_domains.clone(),
            utc_offset_minutes: args.utc_offset_minutes,
            ..CallOptions::default()
        };
        let mut calls = Vec::new();
        let mut guard = PageGuard::default();
        let mut taken = 0;
        loop {
            let Some(page) = self.page(&position, &options).await? else {
                // "No calls found": an empty range on the first page; after
                // a page that promised more, Gong contradicted itself.
                if guard.pages() > 0 || position.page.is_some() {
                    return Err(Error::GongBadResponse(
                        "Gong answered \"no calls found\" for a page its previous page announced"
                            .into(),
                    ));
                }
                return Ok(Listing {
                    calls,
                    cursor: None,
                    source: Source::Gong,
                });
            };
            guard.page(page.calls.len(), page.cursor.as_deref(), limit)?;
            let step = list::step(
                position.offset,
                page.calls.len(),
                limit - taken,
                page.cursor.as_deref(),
            );
            taken += step.end - step.start;
            calls.extend(
                page.calls
                    .into_iter()
                    .skip(step.start)
                    .take(step.end - step.start)
                    .flatten(),
            );
            let cursor = match step.next {
                list::Next::Resume(offset) => {
                    position.offset = offset;
                    Some(position.encode(signer)?)
                }
                list::Next::Stop(next) => {
                    position.page = Some(next);
                    position.offset = 0;
                    Some(position.encode(signer)?)
                }
                list::Next::Page(next) => {
                    position.page = Some(next);
                    position.offset = 0;
                    continue;
                }
                list::Next::Done => None,
            };
            return Ok(Listing {
                calls,
                cursor,
                source: Source::Gong,
            });
        }
    }

    /// The listing from the library, when the range (with no workspace) is
    /// one the sync has read completely, or the cursor is a library one.
    async fn list_from_library(&self, args: &ListArgs, signer: &Signer) -> Result<Option<Listing>> {
        let Some(library) = &self.library else {
            return Ok(None);
        };
        let position = match (&args.cursor, &args.from, &args.to) {
            (Some(c), _, _) => match signer.open_secret("library-list", c) {
                Ok(json) => serde_json::from_slice::<LibraryPosition>(&json)
                    .map_err(|_| Error::InvalidCursor)?,
                Err(_) => return Ok(None),
            },
            (None, Some(from), Some(to)) if args.workspace_id.is_none() => {
                check_range(Some(from), Some(to), None)?;
                let (from_ms, to_ms) = (
                    instant(from)?.timestamp_millis(),
                    instant(to)?.timestamp_millis(),
                );
                match library.coverage().await? {
                    Some(c) if c.from_ms <= from_ms && to_ms <= c.to_ms => {}
                    _ => return Ok(None),
                }
                LibraryPosition {
                    limit: None,
                    from: from.clone(),
                    to: to.clone(),
                    after_started: i64::MIN,
                    after_id: String::new(),
                }
            }
            _ => return Ok(None),
        };
        let (from_ms, to_ms) = (
            instant(&position.from)?.timestamp_millis(),
            instant(&position.to)?.timestamp_millis(),
        );
        let after = (position.after_started != i64::MIN)
            .then_some((position.after_started, position.after_id.as_str()));
        let limit = args::page_size(args.limit, position.limit, args::LIST_LIMIT);
        let rows = library
            .list(from_ms, to_ms, after, limit + 1, self.visibility())
            .await?;
        self.note(Source::Library);
        let more = rows.len() > limit;
        let page = &rows[..rows.len().min(limit)];
        let last = page.last().map(|row| (row.started, row.id.clone()));
        let calls = self.summaries(page, args.utc_offset_minutes)?;
        let cursor = match (more, last) {
            (true, Some((after_started, after_id))) => {
                let next = LibraryPosition {
                    after_started,
                    after_id,
                    limit: Some(limit),
                    ..position
                };
                // Encrypted: the position is a call the caller saw, but a
                // cursor says nothing of any call to whoever holds it.
                Some(signer.seal_secret(
                    "library-list",
                    &serde_json::to_vec(&next).map_err(Error::internal)?,
                ))
            }
            _ => None,
        };
        Ok(Some(Listing {
            calls,
            cursor,
            source: Source::Library,
        }))
    }

    /// One Gong page at `position`: each call normalized (`None` for a
    /// private one or one the user may not see), and Gong's cursor for the
    /// next page.
    async fn page(&self, position: &Position, options: &CallOptions) -> Result<Option<Page>> {
        let (gong, _) = self.client()?;
        let request = RequestOptions {
            from_date_time: Some(position.from.clone()),
            to_date_time: Some(position.to.clone()),
            workspace_id: position.workspace.clone(),
            cursor: position.page.clone(),
            preset: Some(gongkit::Preset::CallView),
            ..RequestOptions::default()
        }
        .extensive()
        .map_err(|e| Error::InvalidQuery(e.to_string()))?;
        let body = serde_json::to_string(&request).map_err(Error::internal)?;
        self.note(Source::Gong);
        let text = match gong.post("/v2/calls/extensive", &body).await? {
            Answer::Body(text) => text,
            Answer::NoCalls => return Ok(None),
        };
        let page = gongkit::ExtensiveResponse::from_json(&text).map_err(Error::from_gong)?;
        let cursor = page
            .records
            .as_ref()
            .and_then(|r| r.cursor.as_deref())
            .map(str::to_owned);
        let mut calls = Vec::with_capacity(page.calls.len());
        for call in page.calls {
            let private = call.meta_data.as_ref().and_then(|m| m.is_private) == Some(true);
            if private && !self.config.include_private_calls {
                calls.push(None);
                continue;
            }
            let one = AnyExtensive::Call(Box::new(call));
            let normalized =
                gongkit::normalize_call(&one, None, options).map_err(Error::from_gong)?;
            let value = serde_json::to_value(&normalized).map_err(Error::internal)?;
            // A call the user may not see counts as looked at, never shown.
            calls.push(Some(value).filter(|v| self.may_see(v)));
        }
        // Erased calls are never served, whoever lists them.
        if let Some(library) = &self.library {
            let ids: Vec<String> = calls
                .iter()
                .flatten()
                .filter_map(|c| c["id"].as_str().map(str::to_owned))
                .collect();
            let erased = library.erased_among(&ids).await?;
            for call in &mut calls {
                if call
                    .as_ref()
                    .is_some_and(|c| erased.iter().any(|e| c["id"] == e.as_str()))
                {
                    *call = None;
                }
            }
        }
        Ok(Some(Page { calls, cursor }))
    }

    /// MCP `find_calls_by_account`: calls in a range whose account name
    /// contains `account` (ignoring case), newest first. The range is read
    /// in windows from its end backwards, so when the scan stops at
    /// [`FIND_SCAN_LIMIT`] it is the oldest calls that were not looked at.
    pub async fn find_calls_by_account(&self, args: &FindArgs) -> Result<Found> {
        check_range(Some(&args.from), Some(&args.to), None)?;
        let (from, to) = (instant(&args.from)?, instant(&args.to)?);
        let fallback = match &self.library {
            None => "the call library is not bound".to_owned(),
            Some(library) => {
                let (from_ms, to_ms) = (from.timestamp_millis(), to.timestamp_millis());
                match library.coverage().await? {
                    Some(c) if c.from_ms <= from_ms && to_ms <= c.to_ms => {
                        match library.unindexed().await? {
                            0 => {
                                let key = gongkit::words::nonempty(
                                    gongkit::words::fold(&args.account),
                                    "account",
                                )
                                .map_err(Error::from_input)?;
                                let filters = crate::library::Filters {
                                    from_ms: Some(from_ms),
                                    to_ms: Some(to_ms),
                                    ..Default::default()
                                };
                                let rows = library
                                    .account_calls(
                                        &key,
                                        &filters,
                                        self.visibility(),
                                        None,
                                        args.limit,
                                    )
                                    .await?;
                                self.note(Source::Library);
                                let calls = self.summaries(&rows, None)?;
                                self.returned_all(&calls);
                                return Ok(Found {
                                    calls,
                                    scanned: 0,
                                    truncated: false,
                                    source: Source::Library,
                                    fallback: None,
                                    covered: None,
                                });
                            }
                            unindexed => format!(
                                "the call library is still indexing account names ({unindexed} calls to go)"
                            ),
                        }
                    }
                    Some(c) => format!(
                        "the call library covers {} to {}, not all of this range",
                        crate::sync::iso(c.from_ms),
                        crate::sync::iso(c.to_ms)
                    ),
                    None => "the call library has not been synced yet".to_owned(),
                }
            }
        };
        // The one account matcher: folded (case and accents), a part of the name.
        let wanted = gongkit::words::fold(&args.account);
        let options = CallOptions {
            internal_domains: self.config.internal_domains.clone(),
            ..CallOptions::default()
        };
        let mut found = Found {
            calls: Vec::new(),
            scanned: 0,
            truncated: false,
            source: Source::Gong,
            fallback: Some(fallback),
            covered: None,
        };
        let iso =
            |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let sent_before = self.gong_requests();
        let spent = || self.gong_requests().saturating_sub(sent_before);
        // Whether the scan must stop before its next request: the request
        // cap, the calls cap, or a client that has gone away.
        let stop = |scanned: usize| {
            spent() >= FIND_GONG_REQUESTS || scanned >= FIND_SCAN_LIMIT || self.client_gone()
        };
        // Everything from here to the range's end has been looked at.
        let mut end = to;
        'windows: while end > from {
            if stop(found.scanned) {
                found.truncated = true;
                break;
            }
            let start = (end - chrono::Duration::days(FIND_WINDOW_DAYS)).max(from);
            let mut position = Position {
                from: iso(start),
                to: iso(end),
                ..Position::default()
            };
            let mut window = Vec::new();
            let mut guard = PageGuard::default();
            let room = FIND_SCAN_LIMIT - found.scanned;
            let mut complete = false;
            while let Some(page) = self.page(&position, &options).await? {
                guard.page(page.calls.len(), page.cursor.as_deref(), room)?;
                found.scanned += page.calls.len();
                window.extend(page.calls.into_iter().flatten());
                match page.cursor {
                    Some(next) if window.len() < room && !stop(found.scanned) => {
                        position.page = Some(next)
                    }
                    Some(_) => {
                        found.truncated = true;
                        break;
                    }
                    None => {
                        complete = true;
                        break;
                    }
                }
            }
            // "No calls found" ends the loop with the window complete too.
            let complete = complete || !found.truncated;
            // Gong lists oldest first; this window's newest come first.
            found.calls.extend(window.into_iter().rev().filter(|c| {
                c["account"]["name"]
                    .as_str()
                    .is_some_and(|name| gongkit::words::fold(name).contains(&wanted))
            }));
            if !complete {
                break 'windows;
            }
            end = start;
        }
        if end < to {
            found.covered = Some((iso(end), iso(to)));
        }
        found.calls.truncate(args.limit);
        self.returned_all(&found.calls);
        Ok(found)
    }
}

/// Checks a new listing's range (and workspace) before asking Gong.
pub(super) fn check_range(
    from: Option<&str>,
    to: Option<&str>,
    workspace: Option<&str>,
) -> Result<()> {
    // In gongkit's words (`from`, `to`), not Gong's (`fromDateTime`).
    let bound = |name: &str, value: &str| {
        gongkit::parse_call_time(value)
            .ok()
            .filter(|t| !t.is_unix())
            .map(|t| t.utc())
            .ok_or_else(|| {
                Error::InvalidQuery(format!(
                    "{name} {value:?}: expected a date such as 2024-03-01 or ISO 8601 such as 2024-03-01T09:30:00Z"
                ))
            })
    };
    let start = from.map(|f| bound("from", f)).transpose()?;
    let end = to.map(|t| bound("to", t)).transpose()?;
    if let (Some(start), Some(end), Some(from), Some(to)) = (start, end, from, to) {
        if start >= end {
            return Err(Error::InvalidQuery(format!(
                "to {to:?} is not after from {from:?}"
            )));
        }
    }
    RequestOptions {
        workspace_id: workspace.map(str::to_owned),
        ..RequestOptions::default()
    }
    .filter()
    .map(drop)
    .map_err(|e| Error::InvalidQuery(e.to_string()))
}

pub(crate) fn instant(iso: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(iso)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| Error::InvalidQuery(format!("invalid date {iso:?}: {e}")))
}
