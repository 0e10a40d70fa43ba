//! The shapes a transcript comes in and which call of it is meant: one rule
//! for the typed parser ([`crate::transcript`]) and the streaming reader
//! ([`crate::stream`]), so both pick the same call and fail the same way.

use crate::error::{Error, Result};

/// What a top-level key of a transcript object says about its shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Key {
    /// `callTranscripts`: the whole `/v2/calls/transcript` response.
    CallTranscripts,
    /// `requestId`, a response's.
    RequestId,
    /// `records`, a response's paging.
    Records,
    /// `callId`: one call's transcript.
    CallId,
    /// `transcript`: one call's transcript.
    Transcript,
    /// Anything else, ignored.
    Other,
}

impl Key {
    pub(crate) fn of(name: &str) -> Key {
        match name {
            "callTranscripts" => Key::CallTranscripts,
            "requestId" => Key::RequestId,
            "records" => Key::Records,
            "callId" => Key::CallId,
            "transcript" => Key::Transcript,
            _ => Key::Other,
        }
    }
}

/// The shape of an object, from the keys seen in it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Shape {
    response: bool,
    call: bool,
}

/// What an object turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A response (it has `callTranscripts`, whatever else it has).
    Response,
    /// One call's transcript.
    Call,
    /// Neither.
    Neither,
}

impl Shape {
    pub(crate) fn note(&mut self, key: Key) {
        match key {
            Key::CallTranscripts => self.response = true,
            Key::CallId | Key::Transcript => self.call = true,
            _ => {}
        }
    }

    pub(crate) fn kind(self) -> Kind {
        match (self.response, self.call) {
            (true, _) => Kind::Response,
            (false, true) => Kind::Call,
            (false, false) => Kind::Neither,
        }
    }
}

/// Whether the transcript of call `id` is the one asked for: the first of
/// a response when no call is named, else the one with that id.
pub(crate) fn is_wanted(call_id: Option<&str>, id: Option<&str>) -> bool {
    call_id.is_none_or(|want| id == Some(want))
}

/// A response without the call asked for.
pub(crate) fn not_found(call_id: Option<&str>) -> Error {
    Error::TranscriptNotFound(call_id.map(str::to_owned))
}

/// A single call's transcript must be of the call asked for, when both say.
pub(crate) fn check_call(call_id: Option<&str>, own: Option<&str>) -> Result<()> {
    match (call_id, own) {
        (Some(want), Some(have)) if want != have => Err(Error::TranscriptMismatch {
            call: want.to_owned(),
            transcript: have.to_owned(),
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_selection() {
        let mut s = Shape::default();
        assert_eq!(s.kind(), Kind::Neither);
        s.note(Key::of("callId"));
        assert_eq!(s.kind(), Kind::Call);
        s.note(Key::of("callTranscripts"));
        assert_eq!(s.kind(), Kind::Response);
        assert!(is_wanted(None, Some("1")));
        assert!(!is_wanted(Some("2"), Some("1")));
        assert!(!is_wanted(Some("2"), None));
        assert!(check_call(Some("1"), Some("2")).is_err());
        assert!(check_call(Some("1"), None).is_ok());
    }
}
