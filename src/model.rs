//! Gong's JSON as serde types: the `/v2/calls/extensive` and
//! `/v2/calls/transcript` responses.
//!
//! Field names and enums follow Gong's OpenAPI description. Everything may be
//! absent (`Option`, or an empty `Vec` when missing or null), unknown fields
//! are ignored, and enums keep values they do not know in an `Other` variant,
//! since Gong adds fields and values without notice. Strings borrow from the
//! input where they can ([`Text`]), which keeps parsing big transcripts cheap.

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

use crate::date::CallTime;
use crate::error::{Error, Result};

/// Parses JSON into a gongkit type, naming the JSON path of any error.
///
/// # Examples
///
/// ```
/// use gongkit::{from_json, TranscriptResponse};
///
/// let r: TranscriptResponse = from_json(r#"{"callTranscripts": [{"callId": "1", "transcript": []}]}"#)?;
/// assert_eq!(r.call_transcripts[0].call_id.as_deref(), Some("1"));
///
/// let err = from_json::<TranscriptResponse>(r#"{"callTranscripts": [{"transcript": [{"sentences": [{"start": "x"}]}]}]}"#)
///     .unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     r#"callTranscripts[0].transcript[0].sentences[0].start: invalid type: string "x", expected i64"#
/// );
/// # Ok::<(), gongkit::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Json`] with the path and serde_json's message when the input is
/// not JSON or does not fit the type.
pub fn from_json<'a, T: Deserialize<'a>>(json: &'a str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| Error::in_document(json, &e))
}

/// JSON text from UTF-8 bytes (an HTTP body as it came), checked in place:
/// the byte entry point of the bindings, which take bytes where they take
/// JSON text.
///
/// # Examples
///
/// ```
/// assert_eq!(gongkit::json_str_from_utf8(b"[1]")?, "[1]");
/// assert_eq!(
///     gongkit::json_str_from_utf8(b"[\"\xff\"]").unwrap_err().to_string(),
///     "invalid JSON: not UTF-8 (byte 2 of 5)"
/// );
/// # Ok::<(), gongkit::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Json`] naming the first byte that is not UTF-8.
pub fn json_str_from_utf8(bytes: &[u8]) -> Result<&str> {
    // A chunked check (16 ASCII bytes a SIMD test, `from_utf8` between) was
    // tried: with an accented character every 60 bytes or so, the many
    // short `from_utf8` calls cost more (12 % of `formatTranscript` from
    // bytes in Node against 7 % for one call).
    std::str::from_utf8(bytes).map_err(|e| not_utf8(e.valid_up_to(), bytes.len()))
}

/// [`json_str_from_utf8`] for bytes the caller owns: no copy.
///
/// # Examples
///
/// ```
/// assert_eq!(gongkit::json_from_utf8(b"{}".to_vec())?, "{}");
/// # Ok::<(), gongkit::Error>(())
/// ```
///
/// # Errors
///
/// As [`json_str_from_utf8`].
pub fn json_from_utf8(bytes: Vec<u8>) -> Result<String> {
    let len = bytes.len();
    String::from_utf8(bytes).map_err(|e| not_utf8(e.utf8_error().valid_up_to(), len))
}

#[cfg(test)]
mod utf8_tests {
    /// The error names `from_utf8`'s byte, for bad bytes at every place of
    /// texts of up to 70 bytes.
    #[test]
    fn agrees_with_from_utf8_at_every_place() {
        let bads: [&[u8]; 6] = [
            b"\xff",
            b"\xc3",
            b"\xe6\x97",
            b"\xc3\x28",
            b"\xed\xa0\x80",
            b"\xf0\x9f\x98",
        ];
        for len in 0..70 {
            for at in 0..=len {
                for piece in [&b"\xc3\xa9"[..], "日".as_bytes(), "😀".as_bytes()]
                    .into_iter()
                    .chain(bads)
                {
                    let mut bytes = vec![b'a'; len];
                    bytes.splice(at..at, piece.iter().copied());
                    let want = std::str::from_utf8(&bytes).map_err(|e| e.valid_up_to());
                    let got = super::json_str_from_utf8(&bytes).map_err(|e| e.to_string());
                    match want {
                        Ok(s) => assert_eq!(got, Ok(s)),
                        Err(n) => assert_eq!(
                            got,
                            Err(format!(
                                "invalid JSON: not UTF-8 (byte {n} of {})",
                                bytes.len()
                            ))
                        ),
                    }
                }
            }
        }
    }
}

fn not_utf8(at: usize, len: usize) -> Error {
    Error::Json {
        path: String::new(),
        message: format!("invalid JSON: not UTF-8 (byte {at} of {len})"),
    }
}

/// A string from Gong's JSON, borrowed from the input when it has no escapes.
///
/// It dereferences to `str`, so it can be used wherever a `&str` is expected.
///
/// # Examples
///
/// ```
/// use gongkit::Text;
///
/// let t: Text = serde_json::from_str(r#""Pricing""#).unwrap();
/// assert_eq!(&*t, "Pricing");
/// assert!(t.is_borrowed());
/// let escaped: Text = serde_json::from_str(r#""caf\u00e9""#).unwrap();
/// assert_eq!(escaped.as_str(), "café");
/// ```
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(type = "string"))]
pub struct Text<'a>(Cow<'a, str>);

impl<'a> Text<'a> {
    /// The string.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(gongkit::Text::from("a").as_str(), "a");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the string points into the input rather than owning a copy.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(gongkit::Text::from("a").is_borrowed());
    /// assert!(!gongkit::Text::from(String::from("a")).is_borrowed());
    /// ```
    pub fn is_borrowed(&self) -> bool {
        matches!(self.0, Cow::Borrowed(_))
    }

    pub(crate) fn into_cow(self) -> Cow<'a, str> {
        self.0
    }

    /// A copy that no longer borrows from the input.
    ///
    /// # Examples
    ///
    /// ```
    /// let owned: gongkit::Text<'static> = gongkit::Text::from("a").into_owned();
    /// assert_eq!(owned.as_str(), "a");
    /// ```
    pub fn into_owned(self) -> Text<'static> {
        Text(Cow::Owned(self.0.into_owned()))
    }
}

impl Deref for Text<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text<'_> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<'a> From<&'a str> for Text<'a> {
    fn from(s: &'a str) -> Self {
        Text(Cow::Borrowed(s))
    }
}

impl From<String> for Text<'_> {
    fn from(s: String) -> Self {
        Text(Cow::Owned(s))
    }
}

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Text<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(TextVisitor { ids: false })
    }
}

/// An identifier (call, user, speaker, workspace): Gong sends strings of up to
/// 20 digits, which do not fit a JavaScript number, so ids stay strings. A
/// numeric id is accepted and kept as its decimal string.
///
/// # Examples
///
/// ```
/// use gongkit::Id;
///
/// let from_string: Id = serde_json::from_str(r#""7782342274025937895""#).unwrap();
/// let from_number: Id = serde_json::from_str("7782342274025937895").unwrap();
/// assert_eq!(from_string, from_number);
/// assert!(serde_json::from_str::<Id>("18446744073709551616").is_err()); // beyond u64
/// ```
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(type = "string"))]
pub struct Id<'a>(Cow<'a, str>);

impl<'a> Id<'a> {
    /// The id as a string.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(gongkit::Id::from("42").as_str(), "42");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A copy that no longer borrows from the input.
    ///
    /// # Examples
    ///
    /// ```
    /// let owned: gongkit::Id<'static> = gongkit::Id::from("42").into_owned();
    /// assert_eq!(owned.as_str(), "42");
    /// ```
    pub fn into_owned(self) -> Id<'static> {
        Id(Cow::Owned(self.0.into_owned()))
    }
}

impl Deref for Id<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Id<'_> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<'a> From<&'a str> for Id<'a> {
    fn from(s: &'a str) -> Self {
        Id(Cow::Borrowed(s))
    }
}

impl From<String> for Id<'_> {
    fn from(s: String) -> Self {
        Id(Cow::Owned(s))
    }
}

impl fmt::Debug for Id<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Id<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Id<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Id<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(TextVisitor { ids: true })
            .map(|t| Id(t.0))
    }
}

struct TextVisitor {
    ids: bool,
}

impl<'de> de::Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.ids {
            "an id (a string or a whole number)"
        } else {
            "a string"
        })
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Text(Cow::Owned(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        if self.ids {
            Ok(Text(Cow::Owned(v.to_string())))
        } else {
            Err(E::invalid_type(de::Unexpected::Unsigned(v), &self))
        }
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        match u64::try_from(v) {
            Ok(v) => self.visit_u64(v),
            Err(_) if self.ids => Err(E::custom(format_args!(
                "invalid id {v}: ids are not negative"
            ))),
            Err(_) => Err(E::invalid_type(de::Unexpected::Signed(v), &self)),
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        // JavaScript hands every number over as a double: whole ones within
        // its exact range are fine, anything else would have lost digits.
        const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
        if self.ids && v.fract() == 0.0 && (0.0..=EXACT).contains(&v) {
            return self.visit_u64(v as u64);
        }
        if self.ids {
            return Err(E::custom(format_args!(
                "invalid id {v}: a numeric id must be a whole number that fits in 64 bits; send ids as strings"
            )));
        }
        Err(E::invalid_type(de::Unexpected::Float(v), &self))
    }
}

/// Missing and `null` both become the type's default (an empty list).
fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Option::<T>::deserialize(deserializer).map(Option::unwrap_or_default)
}

macro_rules! gong_enum {
    ($(#[$meta:meta])* $name:ident as $ts:literal { $($(#[$vmeta:meta])* $variant:ident = $s:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(type = $ts))]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A value this version does not know, kept as Gong sent it.
            Other(String),
        }

        impl $name {
            /// The value as Gong spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $s,)*
                    Self::Other(s) => s,
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $($s => Self::$variant,)*
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                Text::deserialize(deserializer).map(|t| Self::from(t.as_str()))
            }
        }
    };
}

gong_enum! {
    /// Whether a participant is from the seller's company.
    ///
    /// # Examples
    ///
    /// ```
    /// use gongkit::Affiliation;
    /// assert_eq!(Affiliation::from("Internal"), Affiliation::Internal);
    /// assert_eq!(Affiliation::from("Partner").as_str(), "Partner");
    /// ```
    Affiliation as "\"Internal\" | \"External\" | \"Unknown\" | (string & {})" {
        /// The seller's own people.
        Internal = "Internal",
        /// The customer's side.
        External = "External",
        /// Gong could not tell.
        Unknown = "Unknown",
    }
}

gong_enum! {
    /// Call direction.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(gongkit::Direction::from("Inbound"), gongkit::Direction::Inbound);
    /// ```
    Direction as "\"Inbound\" | \"Outbound\" | \"Conference\" | \"Unknown\" | (string & {})" {
        /// The customer called in.
        Inbound = "Inbound",
        /// The seller called out.
        Outbound = "Outbound",
        /// A conference call.
        Conference = "Conference",
        /// Gong could not tell.
        Unknown = "Unknown",
    }
}

gong_enum! {
    /// Whether a call had people from outside the company.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(gongkit::Scope::from("External"), gongkit::Scope::External);
    /// ```
    Scope as "\"Internal\" | \"External\" | \"Unknown\" | (string & {})" {
        /// Only the company's own people.
        Internal = "Internal",
        /// People from outside took part.
        External = "External",
        /// Gong could not tell.
        Unknown = "Unknown",
    }
}

gong_enum! {
    /// The call's media.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(gongkit::MediaType::from("Video"), gongkit::MediaType::Video);
    /// ```
    MediaType as "\"Video\" | \"Audio\" | (string & {})" {
        /// A video call.
        Video = "Video",
        /// An audio-only call.
        Audio = "Audio",
    }
}

gong_enum! {
    /// The external system a context object comes from.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(gongkit::CrmSystem::from("HubSpot"), gongkit::CrmSystem::HubSpot);
    /// ```
    CrmSystem as "\"Salesforce\" | \"HubSpot\" | \"MicrosoftDynamic\" | \"Generic\" | (string & {})" {
        /// Salesforce.
        Salesforce = "Salesforce",
        /// HubSpot.
        HubSpot = "HubSpot",
        /// Microsoft Dynamics.
        MicrosoftDynamic = "MicrosoftDynamic",
        /// Any other CRM connected through Gong's generic integration.
        Generic = "Generic",
    }
}

gong_enum! {
    /// The kind of a CRM object linked to a call or a participant.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(gongkit::ObjectType::from("Account"), gongkit::ObjectType::Account);
    /// ```
    ObjectType as "\"Opportunity\" | \"Account\" | \"Contact\" | \"User\" | \"Lead\" | (string & {})" {
        /// A sales opportunity (calls).
        Opportunity = "Opportunity",
        /// A customer account (calls).
        Account = "Account",
        /// A contact (participants).
        Contact = "Contact",
        /// A CRM user (participants).
        User = "User",
        /// A lead (participants).
        Lead = "Lead",
    }
}

gong_enum! {
    /// When CRM context values were captured.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(gongkit::Timing::from("Now"), gongkit::Timing::Now);
    /// ```
    Timing as "\"Now\" | \"TimeOfCall\" | (string & {})" {
        /// The values as they are now.
        Now = "Now",
        /// The values as they were at the time of the call.
        TimeOfCall = "TimeOfCall",
    }
}

gong_enum! {
    /// How a participant joined.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(gongkit::PartyMethod::from("Attendee"), gongkit::PartyMethod::Attendee);
    /// ```
    PartyMethod as "\"Invitee\" | \"Attendee\" | (string & {})" {
        /// Was invited.
        Invitee = "Invitee",
        /// Attended.
        Attendee = "Attendee",
    }
}

gong_enum! {
    /// The kind of a tracker.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(gongkit::TrackerType::from("SMART"), gongkit::TrackerType::Smart);
    /// ```
    TrackerType as "\"KEYWORD\" | \"SMART\" | (string & {})" {
        /// A keyword tracker.
        Keyword = "KEYWORD",
        /// A smart (AI) tracker.
        Smart = "SMART",
    }
}

/// Paging information of a response.
///
/// # Examples
///
/// ```
/// let r: gongkit::Records = serde_json::from_str(r#"{"totalRecords": 263, "cursor": "abc"}"#).unwrap();
/// assert_eq!(r.total_records, Some(263));
/// assert_eq!(r.cursor.as_deref(), Some("abc"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct Records<'a> {
    /// Total number of records that match the filter.
    pub total_records: Option<i64>,
    /// Number of records in this page.
    pub current_page_size: Option<i64>,
    /// This page's number, from 0.
    pub current_page_number: Option<i64>,
    /// Present only when more records exist: send it back for the next page.
    pub cursor: Option<Text<'a>>,
}

/// The answer of `POST /v2/calls/transcript`.
///
/// # Examples
///
/// ```
/// let r = gongkit::TranscriptResponse::from_json(
///     r#"{"callTranscripts": [{"callId": "1", "transcript": [{"speakerId": "7", "sentences": [{"start": 0, "end": 900, "text": "Hi."}]}]}]}"#,
/// )?;
/// assert_eq!(r.call_transcripts[0].transcript[0].sentences[0].text.as_deref(), Some("Hi."));
/// # Ok::<(), gongkit::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct TranscriptResponse<'a> {
    /// Gong's reference for the request.
    pub request_id: Option<Text<'a>>,
    /// Paging information.
    pub records: Option<Records<'a>>,
    /// One entry per call.
    #[serde(default, deserialize_with = "nullable")]
    pub call_transcripts: Vec<CallTranscript<'a>>,
}

impl<'a> TranscriptResponse<'a> {
    /// Parses the JSON of a transcript response.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = gongkit::TranscriptResponse::from_json(r#"{"callTranscripts": []}"#)?;
    /// assert!(r.call_transcripts.is_empty());
    /// # Ok::<(), gongkit::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Json`] naming the path of the first value that does not fit.
    pub fn from_json(json: &'a str) -> Result<Self> {
        from_json(json)
    }
}

/// The transcript of one call.
///
/// # Examples
///
/// ```
/// let t: gongkit::CallTranscript = serde_json::from_str(r#"{"callId": 42, "transcript": null}"#).unwrap();
/// assert_eq!(t.call_id.as_deref(), Some("42"));
/// assert!(t.transcript.is_empty());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct CallTranscript<'a> {
    /// The call's id.
    pub call_id: Option<Id<'a>>,
    /// The monologues, in order.
    #[serde(default, deserialize_with = "nullable")]
    pub transcript: Vec<Monologue<'a>>,
}

/// What one speaker said without interruption, on one topic.
///
/// # Examples
///
/// ```
/// let m: gongkit::Monologue = serde_json::from_str(r#"{"speakerId": null, "topic": "", "sentences": []}"#).unwrap();
/// assert_eq!(m.speaker_id, None);
/// assert_eq!(m.topic.as_deref(), Some(""));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct Monologue<'a> {
    /// Links to `parties[].speakerId` of the extensive response; may be null.
    pub speaker_id: Option<Id<'a>>,
    /// The topic Gong assigned; may be missing, null or empty.
    pub topic: Option<Text<'a>>,
    /// The sentences, in order.
    #[serde(default, deserialize_with = "nullable")]
    pub sentences: Vec<Sentence<'a>>,
}

/// One sentence of a monologue, with times in milliseconds from the start of
/// the call.
///
/// # Examples
///
/// ```
/// let s: gongkit::Sentence = serde_json::from_str(r#"{"start": 1500, "text": "Hello"}"#).unwrap();
/// assert_eq!((s.start, s.end), (Some(1500), None));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct Sentence<'a> {
    /// Start, in milliseconds from the start of the call.
    pub start: Option<i64>,
    /// End, in milliseconds from the start of the call.
    pub end: Option<i64>,
    /// What was said.
    pub text: Option<Text<'a>>,
}

/// The answer of `POST /v2/calls/extensive`.
///
/// # Examples
///
/// ```
/// let r = gongkit::ExtensiveResponse::from_json(
///     r#"{"records": {"cursor": "c1"}, "calls": [{"metaData": {"id": "1", "title": "Demo", "scheduled": 1518863400}}]}"#,
/// )?;
/// let meta = r.calls[0].meta_data.as_ref().unwrap();
/// assert_eq!(meta.title.as_deref(), Some("Demo"));
/// assert_eq!(meta.scheduled.unwrap().to_utc_string(), "2018-02-17T10:30:00Z");
/// assert_eq!(r.records.unwrap().cursor.as_deref(), Some("c1"));
/// # Ok::<(), gongkit::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct ExtensiveResponse<'a> {
    /// Gong's reference for the request.
    pub request_id: Option<Text<'a>>,
    /// Paging information.
    pub records: Option<Records<'a>>,
    /// One entry per call.
    #[serde(default, deserialize_with = "nullable")]
    pub calls: Vec<CallData<'a>>,
}

impl<'a> ExtensiveResponse<'a> {
    /// Parses the JSON of an extensive response.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = gongkit::ExtensiveResponse::from_json(r#"{"calls": [{"parties": null}]}"#)?;
    /// assert!(r.calls[0].parties.is_empty());
    /// # Ok::<(), gongkit::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Json`] naming the path of the first value that does not fit.
    pub fn from_json(json: &'a str) -> Result<Self> {
        from_json(json)
    }
}

/// One call of an extensive response.
///
/// # Examples
///
/// ```
/// let c: gongkit::CallData = serde_json::from_str(r#"{"metaData": {"id": 7}}"#).unwrap();
/// assert_eq!(c.meta_data.unwrap().id.as_deref(), Some("7"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct CallData<'a> {
    /// The call's basic data.
    pub meta_data: Option<CallMetaData<'a>>,
    /// Links to CRM objects (with their fields when asked for with
    /// `context: "Extended"`).
    #[serde(default, deserialize_with = "nullable")]
    pub context: Vec<CrmContext<'a>>,
    /// The participants; absent on imported calls.
    #[serde(default, deserialize_with = "nullable")]
    pub parties: Vec<Party<'a>>,
    /// Gong's analysis of the content.
    pub content: Option<Content<'a>>,
    /// Interaction statistics.
    pub interaction: Option<Interaction<'a>>,
    /// Comments on the call.
    pub collaboration: Option<Collaboration<'a>>,
    /// Audio and video links.
    pub media: Option<Media<'a>>,
}

/// A call's basic data (`metaData`).
///
/// # Examples
///
/// ```
/// let m: gongkit::CallMetaData = serde_json::from_str(
///     r#"{"id": "1", "started": "2019-10-18T14:03:37.041977-07:00", "duration": 460, "scope": "External"}"#,
/// ).unwrap();
/// assert_eq!(m.duration, Some(460));
/// assert_eq!(m.scope, Some(gongkit::Scope::External));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct CallMetaData<'a> {
    /// Gong's id for the call (up to 20 digits).
    pub id: Option<Id<'a>>,
    /// The call's page in Gong.
    pub url: Option<Text<'a>>,
    /// The call's title.
    pub title: Option<Text<'a>>,
    /// When the call was scheduled.
    pub scheduled: Option<CallTime>,
    /// When the recording started.
    pub started: Option<CallTime>,
    /// Length in seconds.
    pub duration: Option<i64>,
    /// The host's user id.
    pub primary_user_id: Option<Id<'a>>,
    /// Call direction.
    pub direction: Option<Direction>,
    /// The system the call came from.
    pub system: Option<Text<'a>>,
    /// Internal or external.
    pub scope: Option<Scope>,
    /// Audio or video.
    pub media: Option<MediaType>,
    /// Spoken language, such as `eng`.
    pub language: Option<Text<'a>>,
    /// The workspace id.
    pub workspace_id: Option<Id<'a>>,
    /// The SDR disposition.
    pub sdr_disposition: Option<Text<'a>>,
    /// The id given by the system that uploaded the call.
    pub client_unique_id: Option<Text<'a>>,
    /// Free-form data given at upload.
    pub custom_data: Option<Text<'a>>,
    /// The call's purpose.
    pub purpose: Option<Text<'a>>,
    /// The meeting link.
    pub meeting_url: Option<Text<'a>>,
    /// Whether the call is private.
    pub is_private: Option<bool>,
    /// The calendar event's id.
    pub calendar_event_id: Option<Text<'a>>,
}

/// Links from a call or participant to one external system.
///
/// # Examples
///
/// ```
/// let c: gongkit::CrmContext = serde_json::from_str(
///     r#"{"system": "Salesforce", "objects": [{"objectType": "Account", "fields": [{"name": "Name", "value": "Acme"}]}]}"#,
/// ).unwrap();
/// assert_eq!(c.objects[0].object_type, Some(gongkit::ObjectType::Account));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct CrmContext<'a> {
    /// The system.
    pub system: Option<CrmSystem>,
    /// The linked objects.
    #[serde(default, deserialize_with = "nullable")]
    pub objects: Vec<CrmObject<'a>>,
}

/// One linked CRM object.
///
/// # Examples
///
/// ```
/// let o: gongkit::CrmObject = serde_json::from_str(r#"{"objectType": "Opportunity", "objectId": "0061"}"#).unwrap();
/// assert_eq!(o.object_id.as_deref(), Some("0061"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct CrmObject<'a> {
    /// Its kind.
    pub object_type: Option<ObjectType>,
    /// Its id in the CRM.
    pub object_id: Option<Id<'a>>,
    /// Its fields (only with `context: "Extended"`).
    #[serde(default, deserialize_with = "nullable")]
    pub fields: Vec<CrmField<'a>>,
    /// When the values were captured.
    pub timing: Option<Timing>,
}

/// One field of a CRM object; the value may be of any JSON type.
///
/// # Examples
///
/// ```
/// let f: gongkit::CrmField = serde_json::from_str(r#"{"name": "Amount", "value": 1200}"#).unwrap();
/// assert_eq!(f.value, Some(gongkit::CrmValue::Number(1200.into())));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct CrmField<'a> {
    /// The field's name, as the CRM spells it (`Name` in Salesforce).
    pub name: Option<Text<'a>>,
    /// The field's value.
    #[cfg_attr(feature = "wasm", tsify(type = "unknown"))]
    pub value: Option<CrmValue<'a>>,
}

/// A CRM field's value as Gong sends it: text, a number or a boolean. An
/// array or an object is `Other`, without its content: nothing reads one,
/// and a whole JSON value type (`serde_json::Value`) took 5 KB of the
/// gzipped WebAssembly build.
///
/// # Examples
///
/// ```
/// use gongkit::CrmValue;
///
/// let text: CrmValue = serde_json::from_str(r#""Acme Corporation""#).unwrap();
/// assert_eq!(text.as_str(), Some("Acme Corporation"));
/// let number: CrmValue = serde_json::from_str("12000.5").unwrap();
/// assert_eq!(serde_json::to_string(&number).unwrap(), "12000.5");
/// assert_eq!(serde_json::from_str::<CrmValue>(r#"{"a": [1]}"#).unwrap(), CrmValue::Other);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum CrmValue<'a> {
    /// A string.
    Text(Text<'a>),
    /// A number, exactly as sent.
    Number(serde_json::Number),
    /// A boolean.
    Bool(bool),
    /// An array or an object (its content is not kept; serialized as `null`).
    Other,
}

impl CrmValue<'_> {
    /// The text, when the value is a string.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(gongkit::CrmValue::Bool(true).as_str(), None);
    /// ```
    pub fn as_str(&self) -> Option<&str> {
        match self {
            CrmValue::Text(t) => Some(t.as_str()),
            _ => None,
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for CrmValue<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CrmValueVisitor)
    }
}

struct CrmValueVisitor;

impl<'de> de::Visitor<'de> for CrmValueVisitor {
    type Value = CrmValue<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a CRM field value")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(CrmValue::Text(Text(Cow::Borrowed(v))))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(CrmValue::Text(Text(Cow::Owned(v.to_owned()))))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(CrmValue::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(CrmValue::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(CrmValue::Other, CrmValue::Number))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(CrmValue::Bool(v))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(CrmValue::Other)
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map
            .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
            .is_some()
        {}
        Ok(CrmValue::Other)
    }
}

/// A participant of a call.
///
/// # Examples
///
/// ```
/// let p: gongkit::Party = serde_json::from_str(
///     r#"{"name": "Jane Doe", "emailAddress": "jane@acme.com", "speakerId": "7", "affiliation": "External"}"#,
/// ).unwrap();
/// assert_eq!(p.affiliation, Some(gongkit::Affiliation::External));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct Party<'a> {
    /// The participant's id in the call.
    pub id: Option<Id<'a>>,
    /// Email address.
    pub email_address: Option<Text<'a>>,
    /// Name.
    pub name: Option<Text<'a>>,
    /// Job title.
    pub title: Option<Text<'a>>,
    /// The Gong user id, for the company's own users.
    pub user_id: Option<Id<'a>>,
    /// Links to the transcript's `speakerId`.
    pub speaker_id: Option<Id<'a>>,
    /// CRM links for this person.
    #[serde(default, deserialize_with = "nullable")]
    pub context: Vec<CrmContext<'a>>,
    /// Internal, External or Unknown.
    pub affiliation: Option<Affiliation>,
    /// Phone number.
    pub phone_number: Option<Text<'a>>,
    /// How they joined.
    #[serde(default, deserialize_with = "nullable")]
    pub methods: Vec<PartyMethod>,
}

/// Gong's analysis of a call's content.
///
/// # Examples
///
/// ```
/// let c: gongkit::Content = serde_json::from_str(
///     r#"{"brief": "Pricing call.", "keyPoints": [{"text": "Budget approved"}]}"#,
/// ).unwrap();
/// assert_eq!(c.key_points[0].text.as_deref(), Some("Budget approved"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct Content<'a> {
    /// The call's agenda.
    #[serde(default, deserialize_with = "nullable")]
    pub structure: Vec<Structure<'a>>,
    /// Tracker matches.
    #[serde(default, deserialize_with = "nullable")]
    pub trackers: Vec<Tracker<'a>>,
    /// Topics and their durations.
    #[serde(default, deserialize_with = "nullable")]
    pub topics: Vec<Topic<'a>>,
    /// Gong's summary of the call.
    pub brief: Option<Text<'a>>,
    /// The outline.
    #[serde(default, deserialize_with = "nullable")]
    pub outline: Vec<OutlineSection<'a>>,
    /// Highlights.
    #[serde(default, deserialize_with = "nullable")]
    pub highlights: Vec<HighlightsSection<'a>>,
    /// The outcome.
    pub call_outcome: Option<CallOutcome<'a>>,
    /// Key points.
    #[serde(default, deserialize_with = "nullable")]
    pub key_points: Vec<KeyPoint<'a>>,
}

/// One part of a call's agenda.
///
/// # Examples
///
/// ```
/// let s: gongkit::Structure = serde_json::from_str(r#"{"name": "Meeting Setup", "duration": 67}"#).unwrap();
/// assert_eq!(s.duration, Some(67));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct Structure<'a> {
    /// Its name.
    pub name: Option<Text<'a>>,
    /// Its length in seconds.
    pub duration: Option<i64>,
}

/// A topic and how long it was discussed.
///
/// # Examples
///
/// ```
/// let t: gongkit::Topic = serde_json::from_str(r#"{"name": "Pricing", "duration": 120}"#).unwrap();
/// assert_eq!(t.name.as_deref(), Some("Pricing"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct Topic<'a> {
    /// Its name.
    pub name: Option<Text<'a>>,
    /// Seconds spent on it.
    pub duration: Option<i64>,
}

/// A tracker's matches in a call.
///
/// # Examples
///
/// ```
/// let t: gongkit::Tracker = serde_json::from_str(r#"{"name": "Competitors", "count": 2, "type": "KEYWORD"}"#).unwrap();
/// assert_eq!(t.kind, Some(gongkit::TrackerType::Keyword));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct Tracker<'a> {
    /// Its id.
    pub id: Option<Id<'a>>,
    /// Its name.
    pub name: Option<Text<'a>>,
    /// How often it matched.
    pub count: Option<i64>,
    /// Keyword or smart.
    #[serde(rename = "type")]
    pub kind: Option<TrackerType>,
    /// Where it matched.
    #[serde(default, deserialize_with = "nullable")]
    pub occurrences: Vec<Occurrence<'a>>,
    /// The phrases that matched.
    #[serde(default, deserialize_with = "nullable")]
    pub phrases: Vec<TrackerPhrase<'a>>,
}

/// Where a tracker matched.
///
/// # Examples
///
/// ```
/// let o: gongkit::Occurrence = serde_json::from_str(r#"{"startTime": 12.5, "speakerId": "7"}"#).unwrap();
/// assert_eq!(o.start_time, Some(12.5));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct Occurrence<'a> {
    /// Seconds from the start of the call.
    pub start_time: Option<f64>,
    /// Who said it.
    pub speaker_id: Option<Id<'a>>,
}

/// A phrase of a tracker and where it was said.
///
/// # Examples
///
/// ```
/// let p: gongkit::TrackerPhrase = serde_json::from_str(r#"{"phrase": "too expensive", "count": 1}"#).unwrap();
/// assert_eq!(p.count, Some(1));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct TrackerPhrase<'a> {
    /// How often.
    pub count: Option<i64>,
    /// Where.
    #[serde(default, deserialize_with = "nullable")]
    pub occurrences: Vec<Occurrence<'a>>,
    /// The phrase.
    pub phrase: Option<Text<'a>>,
}

/// A section of Gong's outline of a call.
///
/// # Examples
///
/// ```
/// let s: gongkit::OutlineSection = serde_json::from_str(
///     r#"{"section": "Intro", "startTime": 0, "duration": 60, "items": [{"text": "Agenda", "startTime": 5}]}"#,
/// ).unwrap();
/// assert_eq!(s.items[0].text.as_deref(), Some("Agenda"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct OutlineSection<'a> {
    /// The section's title.
    pub section: Option<Text<'a>>,
    /// Seconds from the start of the call.
    pub start_time: Option<f64>,
    /// Length in seconds.
    pub duration: Option<f64>,
    /// Its items.
    #[serde(default, deserialize_with = "nullable")]
    pub items: Vec<OutlineItem<'a>>,
}

/// An item of an outline section.
///
/// # Examples
///
/// ```
/// let i: gongkit::OutlineItem = serde_json::from_str(r#"{"text": "Agenda"}"#).unwrap();
/// assert_eq!(i.start_time, None);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct OutlineItem<'a> {
    /// The item.
    pub text: Option<Text<'a>>,
    /// Seconds from the start of the call.
    pub start_time: Option<f64>,
}

/// A section of Gong's highlights of a call.
///
/// # Examples
///
/// ```
/// let h: gongkit::HighlightsSection = serde_json::from_str(
///     r#"{"title": "Next steps", "items": [{"text": "Send the quote", "startTimes": [61.2]}]}"#,
/// ).unwrap();
/// assert_eq!(h.items[0].start_times, vec![61.2]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct HighlightsSection<'a> {
    /// The section's title.
    pub title: Option<Text<'a>>,
    /// Its items.
    #[serde(default, deserialize_with = "nullable")]
    pub items: Vec<HighlightItem<'a>>,
}

/// One highlight.
///
/// # Examples
///
/// ```
/// let i: gongkit::HighlightItem = serde_json::from_str(r#"{"text": "Send the quote"}"#).unwrap();
/// assert!(i.start_times.is_empty());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct HighlightItem<'a> {
    /// The highlight.
    pub text: Option<Text<'a>>,
    /// Seconds from the start of the call where it was said.
    #[serde(default, deserialize_with = "nullable")]
    pub start_times: Vec<f64>,
}

/// Gong's verdict on a call's outcome.
///
/// # Examples
///
/// ```
/// let o: gongkit::CallOutcome = serde_json::from_str(r#"{"id": "MEETING_BOOKED", "name": "Meeting booked"}"#).unwrap();
/// assert_eq!(o.name.as_deref(), Some("Meeting booked"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct CallOutcome<'a> {
    /// Its id, such as `MEETING_BOOKED`.
    pub id: Option<Text<'a>>,
    /// Its category, such as `Answered`.
    pub category: Option<Text<'a>>,
    /// Its name, such as `Meeting booked`.
    pub name: Option<Text<'a>>,
}

/// A key point of a call.
///
/// # Examples
///
/// ```
/// let k: gongkit::KeyPoint = serde_json::from_str(r#"{"text": "Budget approved"}"#).unwrap();
/// assert_eq!(k.text.as_deref(), Some("Budget approved"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct KeyPoint<'a> {
    /// The point.
    pub text: Option<Text<'a>>,
}

/// Interaction statistics of a call.
///
/// # Examples
///
/// ```
/// let i: gongkit::Interaction = serde_json::from_str(r#"{"speakers": [{"id": "1", "talkTime": 145}]}"#).unwrap();
/// assert_eq!(i.speakers[0].talk_time, Some(145.0));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct Interaction<'a> {
    /// Talk time per participant.
    #[serde(default, deserialize_with = "nullable")]
    pub speakers: Vec<Speaker<'a>>,
    /// Statistics such as interactivity.
    #[serde(default, deserialize_with = "nullable")]
    pub interaction_stats: Vec<InteractionStat<'a>>,
    /// Video statistics.
    #[serde(default, deserialize_with = "nullable")]
    pub video: Vec<VideoStat<'a>>,
    /// Question counts.
    pub questions: Option<Questions>,
}

/// How long one participant talked.
///
/// # Examples
///
/// ```
/// let s: gongkit::Speaker = serde_json::from_str(r#"{"id": "56825452554556", "talkTime": 145.5}"#).unwrap();
/// assert_eq!(s.id.as_deref(), Some("56825452554556"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct Speaker<'a> {
    /// The participant's id (`parties[].id`).
    pub id: Option<Id<'a>>,
    /// The Gong user id.
    pub user_id: Option<Id<'a>>,
    /// Seconds of talk.
    pub talk_time: Option<f64>,
}

/// A named interaction statistic.
///
/// # Examples
///
/// ```
/// let s: gongkit::InteractionStat = serde_json::from_str(r#"{"name": "Interactivity", "value": 56}"#).unwrap();
/// assert_eq!(s.value, Some(56.0));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct InteractionStat<'a> {
    /// Its name.
    pub name: Option<Text<'a>>,
    /// Its value.
    pub value: Option<f64>,
}

/// A video statistic.
///
/// # Examples
///
/// ```
/// let v: gongkit::VideoStat = serde_json::from_str(r#"{"name": "Browser", "duration": 218}"#).unwrap();
/// assert_eq!(v.duration, Some(218.0));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct VideoStat<'a> {
    /// Its name.
    pub name: Option<Text<'a>>,
    /// Seconds.
    pub duration: Option<f64>,
}

/// Question counts.
///
/// # Examples
///
/// ```
/// let q: gongkit::Questions = serde_json::from_str(r#"{"companyCount": 3, "nonCompanyCount": 5}"#).unwrap();
/// assert_eq!(q.non_company_count, Some(5));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default)]
pub struct Questions {
    /// Asked by the company's people.
    pub company_count: Option<i64>,
    /// Asked by others.
    pub non_company_count: Option<i64>,
}

/// Comments on a call.
///
/// # Examples
///
/// ```
/// let c: gongkit::Collaboration = serde_json::from_str(r#"{"publicComments": [{"comment": "Nice"}]}"#).unwrap();
/// assert_eq!(c.public_comments[0].comment.as_deref(), Some("Nice"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct Collaboration<'a> {
    /// Public comments.
    #[serde(default, deserialize_with = "nullable")]
    pub public_comments: Vec<Comment<'a>>,
}

/// A comment on a call.
///
/// # Examples
///
/// ```
/// let c: gongkit::Comment = serde_json::from_str(r#"{"id": "1", "audioStartTime": 3.5, "duringCall": false}"#).unwrap();
/// assert_eq!(c.during_call, Some(false));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct Comment<'a> {
    /// Its id.
    pub id: Option<Id<'a>>,
    /// Seconds into the call where it starts.
    pub audio_start_time: Option<f64>,
    /// Seconds into the call where it ends.
    pub audio_end_time: Option<f64>,
    /// Who wrote it.
    pub commenter_user_id: Option<Id<'a>>,
    /// The comment.
    pub comment: Option<Text<'a>>,
    /// When it was posted (ISO 8601).
    pub posted: Option<Text<'a>>,
    /// The comment it replies to.
    pub in_reply_to: Option<Id<'a>>,
    /// Whether it was written during the call.
    pub during_call: Option<bool>,
}

/// Links to the call's recording (valid for a few hours).
///
/// # Examples
///
/// ```
/// let m: gongkit::Media = serde_json::from_str(r#"{"audioUrl": "https://example.com/a"}"#).unwrap();
/// assert_eq!(m.video_url, None);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct Media<'a> {
    /// Audio.
    pub audio_url: Option<Text<'a>>,
    /// Video.
    pub video_url: Option<Text<'a>>,
}
