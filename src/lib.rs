//! Turn raw Gong.io call data into clean, LLM-ready text.
//!
//! ```
//! use gongkit::{format_transcript, call_date, account_from_email, TranscriptOptions};
//!
//! let json = r#"{"callTranscripts": [{"callId": "1", "transcript": [
//!     {"speakerId": "7", "topic": "Introduction",
//!      "sentences": [{"start": 0, "end": 1500, "text": "Hi, thanks for joining."}]}
//! ]}]}"#;
//! assert_eq!(
//!     format_transcript(json, &TranscriptOptions::default())?,
//!     "Speaker 7 (Introduction): Hi, thanks for joining."
//! );
//! assert_eq!(call_date("2024-12-18T15:30:00Z", None)?, "2024-12-18");
//! assert_eq!(account_from_email("jane@big-corp.co.uk", &["seller.io"])?.as_deref(), Some("Big Corp"));
//! # Ok::<(), gongkit::Error>(())
//! ```
//!
//! The crate is pure: no I/O, no clock, no async. It models Gong's JSON
//! ([`ExtensiveResponse`], [`TranscriptResponse`]), parses its mixed date
//! forms ([`parse_call_time`]), finds the customer's account name
//! ([`account_from_parties`], [`crm_account_name`]) and formats transcripts
//! ([`format_transcript`]).
#![deny(missing_docs)]

mod account;
mod call;
mod chunk;
mod date;
mod error;
mod json_string;
mod model;
mod options;
mod path;
mod request;
mod shape;
mod simd;
mod stream;
mod transcript;
#[cfg(feature = "wasm")]
mod wasm;
/// Words as search sees them (accents, case and width folded away; Chinese
/// and Japanese a character a word), shared by the Worker's search index and
/// the browser page's filter so the two always agree.
pub mod words;
mod writer;

pub use account::{
    account_from_email, account_from_parties, crm_account_name, customer_domain, email_domain,
    is_free_mail,
};
pub use call::{
    call_document, chunk_call_document, normalize_call, Account, AccountSource, AnyExtensive,
    NormalizedCall, Participant, Summary, DOCUMENT_VERSION,
};
pub use chunk::{chunk_monologues, chunk_transcript, Chunk, MAX_CHARS};
pub use date::{call_date, parse_call_time, CallTime, MAX_UTC_OFFSET_MINUTES};
pub use error::{json_words, Error, Result};
pub use json_string::{json_string, write_json_string};
pub use model::*;
pub use options::{CallOptions, Format, TranscriptOptions};
pub use request::{
    batch_call_ids, is_no_calls_found, validate_call_id, CallsFilter, CollaborationFields,
    ContentFields, ContentSelector, ContextLevel, ContextTiming, ExposedFields, ExtensiveRequest,
    GongError, InteractionFields, Preset, RequestOptions, TranscriptRequest, MAX_CALL_IDS,
};
pub use transcript::{
    check_has_text, format_monologues, format_transcript, select_call_transcript, AnyTranscript,
    TranscriptInput,
};
pub use writer::clock;
