//! Request bodies for Gong's `POST /v2/calls/extensive` and
//! `POST /v2/calls/transcript`, and the reading of Gong's error answers.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Gong takes at most this many call ids in one request (one page).
pub const MAX_CALL_IDS: usize = 100;

/// Checks a call id: Gong's ids are strings of 1 to 20 ASCII digits, with
/// no leading zero (so `007` and `7` never name one call twice).
///
/// # Examples
///
/// ```
/// assert!(gongkit::validate_call_id("7782342274025937895").is_ok());
/// assert!(gongkit::validate_call_id("007").is_err());
/// assert_eq!(
///     gongkit::validate_call_id("../1").unwrap_err().to_string(),
///     r#"invalid call id: "../1": expected 1 to 20 digits"#
/// );
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`] for anything but 1 to 20 ASCII digits, and
/// for a leading zero.
pub fn validate_call_id(id: &str) -> Result<()> {
    if (1..=20).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit()) {
        if id.starts_with('0') {
            return Err(Error::argument(
                "call id",
                format!("{id:?}: Gong's call ids have no leading zeros"),
            ));
        }
        Ok(())
    } else {
        let shown: String = id.chars().take(40).collect();
        let more = if shown.len() < id.len() { "…" } else { "" };
        Err(Error::argument(
            "call id",
            format!("{shown:?}{more}: expected 1 to 20 digits"),
        ))
    }
}

/// Splits call ids into batches of at most [`MAX_CALL_IDS`], dropping
/// repeats (Gong refuses duplicate ids) and keeping the order.
///
/// # Examples
///
/// ```
/// let ids: Vec<String> = (0..250).map(|i| (1000 + i).to_string()).collect();
/// let batches = gongkit::batch_call_ids(&ids)?;
/// assert_eq!(batches.iter().map(Vec::len).collect::<Vec<_>>(), [100, 100, 50]);
/// assert!(gongkit::batch_call_ids::<&str>(&[]).is_err());
/// # Ok::<(), gongkit::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`] for an empty list (Gong answers 400 to it) or
/// a malformed id.
pub fn batch_call_ids<S: AsRef<str>>(ids: &[S]) -> Result<Vec<Vec<String>>> {
    if ids.is_empty() {
        return Err(Error::argument("callIds", "no call ids given"));
    }
    let mut seen = std::collections::HashSet::with_capacity(ids.len());
    let mut unique = Vec::with_capacity(ids.len());
    for id in ids {
        let id = id.as_ref();
        validate_call_id(id)?;
        if seen.insert(id) {
            unique.push(id.to_owned());
        }
    }
    Ok(unique
        .chunks(MAX_CALL_IDS)
        .map(<[String]>::to_vec)
        .collect())
}

/// Which calls a request asks for.
///
/// # Examples
///
/// ```
/// let f = gongkit::CallsFilter::range("2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z")?;
/// assert_eq!(
///     serde_json::to_string(&f).unwrap(),
///     r#"{"fromDateTime":"2024-01-01T00:00:00Z","toDateTime":"2024-02-01T00:00:00Z"}"#
/// );
/// # Ok::<(), gongkit::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct CallsFilter {
    /// Calls that started at or after this time (ISO 8601).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_date_time: Option<String>,
    /// Calls that started before this time (ISO 8601, exclusive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_date_time: Option<String>,
    /// Only calls of this workspace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<String>,
    /// Only these calls (at most [`MAX_CALL_IDS`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_ids: Option<Vec<String>>,
    /// Only calls hosted by these users (extensive requests only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_user_ids: Option<Vec<String>>,
}

impl CallsFilter {
    /// A filter by call ids.
    ///
    /// # Examples
    ///
    /// ```
    /// let f = gongkit::CallsFilter::ids(&["1", "2", "1"])?;
    /// assert_eq!(f.call_ids.unwrap(), ["1", "2"]);
    /// # Ok::<(), gongkit::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for no ids, a malformed id, or more than
    /// [`MAX_CALL_IDS`] distinct ids (use [`batch_call_ids`]).
    pub fn ids<S: AsRef<str>>(ids: &[S]) -> Result<Self> {
        let mut batches = batch_call_ids(ids)?;
        if batches.len() > 1 {
            let count: usize = batches.iter().map(Vec::len).sum();
            return Err(Error::argument(
                "callIds",
                format!(
                    "{count} ids, at most {MAX_CALL_IDS} per request: split them with batchCallIds"
                ),
            ));
        }
        Ok(CallsFilter {
            call_ids: batches.pop(),
            ..Default::default()
        })
    }

    /// A filter by a date range: `from` inclusive, `to` exclusive, both
    /// ISO 8601 with an offset or `Z`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(gongkit::CallsFilter::range("2024-01-01T00:00:00Z", "yesterday").is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when a bound is not ISO 8601 or `from` is
    /// not before `to`.
    pub fn range(from: &str, to: &str) -> Result<Self> {
        let start = iso_bound("fromDateTime", from)?;
        let end = iso_bound("toDateTime", to)?;
        if start >= end {
            return Err(Error::argument(
                "toDateTime",
                format!("{to:?} is not after fromDateTime {from:?}"),
            ));
        }
        Ok(CallsFilter {
            from_date_time: Some(from.to_owned()),
            to_date_time: Some(to.to_owned()),
            ..Default::default()
        })
    }

    /// The same filter limited to one workspace.
    ///
    /// # Examples
    ///
    /// ```
    /// let f = gongkit::CallsFilter::ids(&["1"])?.workspace("623457276584334")?;
    /// assert_eq!(f.workspace_id.as_deref(), Some("623457276584334"));
    /// # Ok::<(), gongkit::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an id that is not 1 to 20 digits.
    pub fn workspace(mut self, id: &str) -> Result<Self> {
        validate_call_id(id).map_err(|_| {
            Error::argument("workspaceId", format!("{id:?}: expected 1 to 20 digits"))
        })?;
        self.workspace_id = Some(id.to_owned());
        Ok(self)
    }
}

/// The request options of the JS package and the Worker, in one place:
/// which calls (ids and/or a date range), a workspace, a cursor, and a
/// preset for the content.
///
/// # Examples
///
/// ```
/// let options: gongkit::RequestOptions = serde_json::from_str(
///     r#"{"fromDateTime": "2024-01-01T00:00:00Z", "toDateTime": "2024-02-01T00:00:00Z", "cursor": "c2", "preset": "callView"}"#,
/// ).unwrap();
/// let body = serde_json::to_value(options.extensive()?).unwrap();
/// assert_eq!(body["cursor"], "c2");
/// assert_eq!(body["contentSelector"]["context"], "Extended");
/// # Ok::<(), gongkit::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct RequestOptions {
    /// Only these calls (at most [`MAX_CALL_IDS`]).
    pub call_ids: Option<Vec<String>>,
    /// Calls that started at or after this time (ISO 8601).
    pub from_date_time: Option<String>,
    /// Calls that started before this time (ISO 8601, exclusive).
    pub to_date_time: Option<String>,
    /// Only calls of this workspace.
    pub workspace_id: Option<String>,
    /// The cursor of the previous page.
    pub cursor: Option<String>,
    /// A content selector preset (extensive requests only); none is
    /// [`Preset::CallView`].
    pub preset: Option<Preset>,
}

/// Content selector presets. Without one, an extensive request asks for
/// [`Preset::CallView`]: what [`crate::normalize_call`] reads (parties
/// above all). Gong answers a request without a content selector with
/// metadata only, which is what [`Preset::Metadata`] asks for.
///
/// # Examples
///
/// ```
/// assert_eq!(serde_json::from_str::<gongkit::Preset>(r#""callView""#).unwrap(), gongkit::Preset::CallView);
/// assert_eq!(serde_json::from_str::<gongkit::Preset>(r#""metadata""#).unwrap(), gongkit::Preset::Metadata);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub enum Preset {
    /// [`ContentSelector::call_view`] (the default).
    CallView,
    /// No content selector: Gong sends each call's metadata only (no
    /// parties, no content), the smallest answer.
    Metadata,
}

impl RequestOptions {
    /// The filter these options describe, checked.
    ///
    /// # Examples
    ///
    /// ```
    /// let options = gongkit::RequestOptions { call_ids: Some(vec!["12".into()]), ..Default::default() };
    /// assert_eq!(options.filter()?.call_ids.unwrap(), ["12"]);
    /// # Ok::<(), gongkit::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for malformed or too many ids, a bound that
    /// is not ISO 8601, an empty range, or a malformed workspace id.
    pub fn filter(&self) -> Result<CallsFilter> {
        let mut filter = match &self.call_ids {
            Some(ids) => CallsFilter::ids(ids)?,
            None => CallsFilter::default(),
        };
        match (&self.from_date_time, &self.to_date_time) {
            (Some(from), Some(to)) => {
                let range = CallsFilter::range(from, to)?;
                filter.from_date_time = range.from_date_time;
                filter.to_date_time = range.to_date_time;
            }
            (Some(from), None) => {
                iso_bound("fromDateTime", from)?;
                filter.from_date_time = Some(from.clone());
            }
            (None, Some(to)) => {
                iso_bound("toDateTime", to)?;
                filter.to_date_time = Some(to.clone());
            }
            (None, None) => {}
        }
        match &self.workspace_id {
            Some(id) => filter.workspace(id),
            None => Ok(filter),
        }
    }

    /// The extensive request body.
    ///
    /// # Examples
    ///
    /// ```
    /// let options = gongkit::RequestOptions { call_ids: Some(vec!["12".into()]), ..Default::default() };
    /// let body = serde_json::to_value(options.extensive()?).unwrap();
    /// assert_eq!(body["contentSelector"]["exposedFields"]["parties"], true);
    /// let metadata = gongkit::RequestOptions { preset: Some(gongkit::Preset::Metadata), ..options };
    /// assert_eq!(serde_json::to_string(&metadata.extensive()?).unwrap(), r#"{"filter":{"callIds":["12"]}}"#);
    /// # Ok::<(), gongkit::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`RequestOptions::filter`].
    pub fn extensive(&self) -> Result<ExtensiveRequest> {
        let mut request = ExtensiveRequest::new(self.filter()?);
        request.cursor.clone_from(&self.cursor);
        match self.preset.unwrap_or(Preset::CallView) {
            Preset::CallView => request.content_selector = Some(ContentSelector::call_view()),
            Preset::Metadata => {}
        }
        Ok(request)
    }

    /// The transcript request body.
    ///
    /// # Examples
    ///
    /// ```
    /// let options = gongkit::RequestOptions { call_ids: Some(vec!["12".into()]), cursor: Some("c".into()), ..Default::default() };
    /// assert_eq!(serde_json::to_string(&options.transcript()?).unwrap(), r#"{"cursor":"c","filter":{"callIds":["12"]}}"#);
    /// # Ok::<(), gongkit::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`RequestOptions::filter`], and for a preset, which only
    /// extensive requests take.
    pub fn transcript(&self) -> Result<TranscriptRequest> {
        if self.preset.is_some() {
            return Err(Error::argument(
                "preset",
                "only extensive requests take a preset",
            ));
        }
        let mut request = TranscriptRequest::new(self.filter()?);
        request.cursor.clone_from(&self.cursor);
        Ok(request)
    }
}

/// A bound of a range as Gong takes it: an ISO 8601 date and time with an
/// offset (`2024-01-01T00:00:00Z`, `2024-01-01T00:00:00-08:00`). A plain
/// date or a time without an offset is refused rather than passed on for
/// Gong to refuse (or to read in a time zone nobody chose).
/// Whether an ISO 8601 text has a time after its date and an offset (`Z`
/// or `±hh:mm`) after its time.
fn has_time_and_offset(value: &str) -> bool {
    let Some(time) = value
        .get(10..)
        .and_then(|t| t.strip_prefix(['T', 't', ' ']))
    else {
        return false;
    };
    time.ends_with(['Z', 'z']) || time.contains(['+', '-'])
}

fn iso_bound(name: &'static str, value: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    let shown = crate::error::Shown(value);
    match crate::parse_call_time(value) {
        Ok(t) if !t.is_unix() && has_time_and_offset(value) => Ok(t.utc()),
        Ok(t) if !t.is_unix() => Err(Error::argument(
            name,
            format!(
                "{shown}: expected a date and time with an offset, such as 2024-12-18T00:00:00Z"
            ),
        )),
        _ => Err(Error::argument(
            name,
            format!("{shown}: expected ISO 8601 such as 2024-12-18T00:00:00Z"),
        )),
    }
}

/// How much CRM context Gong sends.
///
/// # Examples
///
/// ```
/// assert_eq!(serde_json::to_string(&gongkit::ContextLevel::Extended).unwrap(), r#""Extended""#);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub enum ContextLevel {
    /// No CRM links (Gong's default).
    None,
    /// Links only: system, object type, id.
    Basic,
    /// Links with the objects' fields: the only way to get an Account's name.
    Extended,
}

/// When CRM context values are taken.
///
/// # Examples
///
/// ```
/// assert_eq!(serde_json::to_string(&gongkit::ContextTiming::TimeOfCall).unwrap(), r#""TimeOfCall""#);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub enum ContextTiming {
    /// The values now.
    Now,
    /// The values at the time of the call.
    TimeOfCall,
}

/// Which parts of each call Gong sends.
///
/// # Examples
///
/// ```
/// let s = gongkit::ContentSelector::call_view();
/// assert_eq!(s.context, Some(gongkit::ContextLevel::Extended));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct ContentSelector {
    /// CRM context level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<ContextLevel>,
    /// Context timing; Gong accepts it only with `Extended`.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub context_timing: Vec<ContextTiming>,
    /// The fields to send.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exposed_fields: Option<ExposedFields>,
}

impl ContentSelector {
    /// What the normalized call needs: parties, CRM context with fields
    /// (`Extended`), talk time per speaker, and Gong's summaries.
    ///
    /// # Examples
    ///
    /// ```
    /// let json = serde_json::to_value(gongkit::ContentSelector::call_view()).unwrap();
    /// assert_eq!(json["exposedFields"]["parties"], true);
    /// assert_eq!(json["exposedFields"]["interaction"]["speakers"], true);
    /// assert_eq!(json["exposedFields"]["content"]["keyPoints"], true);
    /// ```
    pub fn call_view() -> Self {
        ContentSelector {
            context: Some(ContextLevel::Extended),
            context_timing: Vec::new(),
            exposed_fields: Some(ExposedFields {
                parties: Some(true),
                content: Some(ContentFields {
                    brief: Some(true),
                    outline: Some(true),
                    highlights: Some(true),
                    call_outcome: Some(true),
                    key_points: Some(true),
                    ..Default::default()
                }),
                interaction: Some(InteractionFields {
                    speakers: Some(true),
                    ..Default::default()
                }),
                collaboration: None,
                media: None,
            }),
        }
    }
}

/// The fields of a call that Gong sends.
///
/// # Examples
///
/// ```
/// let f = gongkit::ExposedFields { parties: Some(true), ..Default::default() };
/// assert_eq!(serde_json::to_string(&f).unwrap(), r#"{"parties":true}"#);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct ExposedFields {
    /// Participants.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parties: Option<bool>,
    /// Content analysis.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<ContentFields>,
    /// Interaction statistics.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interaction: Option<InteractionFields>,
    /// Comments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collaboration: Option<CollaborationFields>,
    /// Audio and video links.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<bool>,
}

/// Content fields to send.
///
/// # Examples
///
/// ```
/// let c = gongkit::ContentFields { brief: Some(true), ..Default::default() };
/// assert_eq!(serde_json::to_string(&c).unwrap(), r#"{"brief":true}"#);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct ContentFields {
    /// The agenda.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub structure: Option<bool>,
    /// Topic durations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topics: Option<bool>,
    /// Trackers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trackers: Option<bool>,
    /// Tracker occurrences (with `trackers`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracker_occurrences: Option<bool>,
    /// Deprecated by Gong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points_of_interest: Option<bool>,
    /// The brief.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brief: Option<bool>,
    /// The outline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outline: Option<bool>,
    /// Highlights.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub highlights: Option<bool>,
    /// The outcome.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_outcome: Option<bool>,
    /// Key points.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_points: Option<bool>,
}

/// Interaction fields to send.
///
/// # Examples
///
/// ```
/// let i = gongkit::InteractionFields { speakers: Some(true), ..Default::default() };
/// assert_eq!(serde_json::to_string(&i).unwrap(), r#"{"speakers":true}"#);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct InteractionFields {
    /// Talk time per participant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speakers: Option<bool>,
    /// Video statistics.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video: Option<bool>,
    /// The host's interaction statistics.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person_interaction_stats: Option<bool>,
    /// Question counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub questions: Option<bool>,
}

/// Collaboration fields to send.
///
/// # Examples
///
/// ```
/// let c = gongkit::CollaborationFields { public_comments: Some(true) };
/// assert_eq!(serde_json::to_string(&c).unwrap(), r#"{"publicComments":true}"#);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct CollaborationFields {
    /// Public comments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_comments: Option<bool>,
}

/// The body of `POST /v2/calls/extensive`.
///
/// # Examples
///
/// ```
/// use gongkit::{CallsFilter, ContentSelector, ExtensiveRequest};
///
/// let body = ExtensiveRequest::new(CallsFilter::ids(&["7782342274025937895"])?)
///     .content_selector(ContentSelector::call_view());
/// let json = serde_json::to_value(&body).unwrap();
/// assert_eq!(json["filter"]["callIds"][0], "7782342274025937895");
/// assert_eq!(json["contentSelector"]["context"], "Extended");
/// assert!(json.get("cursor").is_none());
/// # Ok::<(), gongkit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct ExtensiveRequest {
    /// The cursor of the previous page (`records.cursor`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Which calls.
    pub filter: CallsFilter,
    /// Which parts of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_selector: Option<ContentSelector>,
}

impl ExtensiveRequest {
    /// A request with this filter and nothing else.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = gongkit::ExtensiveRequest::new(gongkit::CallsFilter::ids(&["1"])?);
    /// assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"filter":{"callIds":["1"]}}"#);
    /// # Ok::<(), gongkit::Error>(())
    /// ```
    pub fn new(filter: CallsFilter) -> Self {
        ExtensiveRequest {
            cursor: None,
            filter,
            content_selector: None,
        }
    }

    /// The same request for the page after `cursor`.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = gongkit::ExtensiveRequest::new(gongkit::CallsFilter::ids(&["1"])?).cursor("abc");
    /// assert_eq!(r.cursor.as_deref(), Some("abc"));
    /// # Ok::<(), gongkit::Error>(())
    /// ```
    pub fn cursor(mut self, cursor: impl Into<String>) -> Self {
        self.cursor = Some(cursor.into());
        self
    }

    /// The same request with a content selector.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = gongkit::ExtensiveRequest::new(gongkit::CallsFilter::ids(&["1"])?)
    ///     .content_selector(gongkit::ContentSelector::call_view());
    /// assert!(r.content_selector.is_some());
    /// # Ok::<(), gongkit::Error>(())
    /// ```
    pub fn content_selector(mut self, selector: ContentSelector) -> Self {
        self.content_selector = Some(selector);
        self
    }
}

/// The body of `POST /v2/calls/transcript`.
///
/// # Examples
///
/// ```
/// let r = gongkit::TranscriptRequest::new(gongkit::CallsFilter::ids(&["1"])?);
/// assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"filter":{"callIds":["1"]}}"#);
/// # Ok::<(), gongkit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct TranscriptRequest {
    /// The cursor of the previous page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Which calls (`primaryUserIds` is not accepted here and is dropped).
    pub filter: CallsFilter,
}

impl TranscriptRequest {
    /// A request with this filter.
    ///
    /// # Examples
    ///
    /// ```
    /// let f = gongkit::CallsFilter { primary_user_ids: Some(vec!["9".into()]), ..gongkit::CallsFilter::ids(&["1"])? };
    /// assert!(gongkit::TranscriptRequest::new(f).filter.primary_user_ids.is_none());
    /// # Ok::<(), gongkit::Error>(())
    /// ```
    pub fn new(mut filter: CallsFilter) -> Self {
        filter.primary_user_ids = None;
        TranscriptRequest {
            cursor: None,
            filter,
        }
    }

    /// The same request for the page after `cursor`.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = gongkit::TranscriptRequest::new(gongkit::CallsFilter::ids(&["1"])?).cursor("c");
    /// assert_eq!(r.cursor.as_deref(), Some("c"));
    /// # Ok::<(), gongkit::Error>(())
    /// ```
    pub fn cursor(mut self, cursor: impl Into<String>) -> Self {
        self.cursor = Some(cursor.into());
        self
    }
}

/// Gong's error answer: `{"requestId": "...", "errors": ["..."]}`.
///
/// # Examples
///
/// ```
/// let e = gongkit::GongError::parse(r#"{"requestId": "x1", "errors": ["cursor has expired"]}"#).unwrap();
/// assert_eq!(e.message(), "cursor has expired");
/// assert!(gongkit::GongError::parse("<html>Bad gateway</html>").is_none());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct GongError {
    /// Gong's reference for the request.
    #[serde(default)]
    pub request_id: Option<String>,
    /// The messages.
    #[serde(default)]
    pub errors: Vec<String>,
}

impl GongError {
    /// Reads an error body; `None` when it is not Gong's error JSON.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(gongkit::GongError::parse(r#"{"errors": []}"#).is_some());
    /// ```
    pub fn parse(body: &str) -> Option<GongError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Body {
            request_id: Option<String>,
            errors: Option<Vec<serde_json::Value>>,
        }
        let body: Body = serde_json::from_str(body).ok()?;
        let errors = body.errors?;
        Some(GongError {
            request_id: body.request_id,
            // Gong sends strings; anything else is kept as its JSON text.
            errors: errors
                .into_iter()
                .map(|e| match e {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                })
                .collect(),
        })
    }

    /// The messages joined with `; `.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = gongkit::GongError { request_id: None, errors: vec!["a".into(), "b".into()] };
    /// assert_eq!(e.message(), "a; b");
    /// ```
    pub fn message(&self) -> String {
        self.errors.join("; ")
    }
}

/// Whether an answer is Gong's "No calls found corresponding to the provided
/// filters": a 404 that means an empty result, not an error.
///
/// # Examples
///
/// ```
/// let body = r#"{"requestId": "r", "errors": ["No calls found corresponding to the provided filters"]}"#;
/// assert!(gongkit::is_no_calls_found(404, body));
/// assert!(!gongkit::is_no_calls_found(404, r#"{"errors": ["Not found"]}"#));
/// assert!(!gongkit::is_no_calls_found(400, body));
/// ```
pub fn is_no_calls_found(status: u16, body: &str) -> bool {
    status == 404
        && GongError::parse(body).is_some_and(|e| {
            e.errors
                .iter()
                .any(|m| m.to_ascii_lowercase().contains("no calls found"))
        })
}
