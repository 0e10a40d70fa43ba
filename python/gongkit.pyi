"""Turn raw Gong.io call data into clean, LLM-ready text.

Type stubs of the extension module (written by hand; tests/python/test_stubs.py
checks them against the runtime's functions and signatures).
"""

from typing import Any, Dict, List, Literal, Optional, Sequence, Union

from typing_extensions import NotRequired, TypedDict

__all__ = [
    "GongkitError",
    "DOCUMENT_VERSION",
    "account_from_email",
    "account_from_parties",
    "call_date",
    "format_transcript",
    "normalize_call",
    "call_document",
    "chunk_transcript",
    "chunk_document",
    "extensive_request",
    "transcript_request",
    "batch_call_ids",
    "formats",
]

JsonValue = Any
"""A value as `json.loads` returns it."""

JsonText = Union[str, bytes]
"""JSON text: `str`, or UTF-8 `bytes` (read in place, the fast path)."""

Transcript = Union[JsonText, Dict[str, JsonValue], List[JsonValue]]
"""A transcript response, one `callTranscripts` element, a monologue list, or their JSON text."""

Extensive = Union[JsonText, Dict[str, JsonValue]]
"""An extensive response (`{"calls": [...]}`), one call of it, or its JSON text."""

Parties = Union[JsonText, List[JsonValue]]
"""A call's `parties` list, or its JSON text."""

FormatName = Literal["plain", "text", "markdown", "md", "webvtt", "vtt", "srt", "json"]
"""A value of the `format` argument: a name `formats()` lists, or an alias."""

DOCUMENT_VERSION: int
"""The layout version of `call_document`'s output."""

class GongkitError(ValueError):
    """Input gongkit cannot use: JSON that does not parse or does not have the
    shape Gong sends, a bad call time, email or option."""

    path: Optional[str]
    """The JSON path of the bad value (`callTranscripts[0].transcript[2].sentences[1].start`;
    `""` for the document itself), or None when the error is not about a place in a JSON document."""

class Account(TypedDict):
    """The customer's account and where its name came from."""

    name: str
    source: Literal["crm", "email"]

class Participant(TypedDict):
    """One party of a call."""

    name: Optional[str]
    email: Optional[str]
    title: Optional[str]
    affiliation: Optional[Literal["Internal", "External", "Unknown"]]
    speakerId: Optional[str]
    talkTimeSeconds: NotRequired[float]

class OutlineItem(TypedDict):
    """An item of an outline section."""

    text: Optional[str]
    startTime: Optional[float]

class OutlineSection(TypedDict):
    """A section of Gong's outline of the call."""

    section: Optional[str]
    startTime: Optional[float]
    duration: Optional[float]
    items: List[OutlineItem]

class HighlightItem(TypedDict):
    """A highlight and when it was said (seconds)."""

    text: Optional[str]
    startTimes: List[float]

class HighlightsSection(TypedDict):
    """A titled group of highlights."""

    title: Optional[str]
    items: List[HighlightItem]

class CallOutcome(TypedDict):
    """The call's outcome as Gong records it."""

    id: Optional[str]
    category: Optional[str]
    name: Optional[str]

class Summary(TypedDict, total=False):
    """Gong's summary of the call: only the parts it has."""

    brief: str
    keyPoints: List[str]
    outline: List[OutlineSection]
    highlights: List[HighlightsSection]
    callOutcome: CallOutcome

class NormalizedCall(TypedDict):
    """One call, normalized (`normalize_call`)."""

    id: Optional[str]
    title: Optional[str]
    url: Optional[str]
    scheduled: Optional[str]
    started: Optional[str]
    date: Optional[str]
    durationSeconds: Optional[int]
    direction: Optional[str]
    scope: Optional[str]
    language: Optional[str]
    account: Optional[Account]
    participants: List[Participant]
    summary: Optional[Summary]
    transcript: Optional[str]

class Chunk(TypedDict):
    """A piece of a transcript or document with the times it spans (ms)."""

    index: int
    count: int
    text: str
    start: Optional[int]
    end: Optional[int]

class FormatInfo(TypedDict):
    """A transcript format as `formats()` lists it."""

    name: Literal["plain", "markdown", "webvtt", "srt", "json"]
    extension: str
    contentType: str

class CallsFilter(TypedDict, total=False):
    """The `filter` of a Gong request body."""

    fromDateTime: str
    toDateTime: str
    workspaceId: str
    callIds: List[str]

class ExtensiveRequest(TypedDict, total=False):
    """The body of `POST /v2/calls/extensive`."""

    cursor: str
    filter: CallsFilter
    contentSelector: Dict[str, Any]

class TranscriptRequest(TypedDict, total=False):
    """The body of `POST /v2/calls/transcript`."""

    cursor: str
    filter: CallsFilter

def account_from_email(
    email: str, *, internal_domains: Optional[Sequence[str]] = None
) -> Optional[str]:
    """The account name for one email address: None for internal, free-mail and
    bare-suffix domains. Raises GongkitError for a malformed address."""

def account_from_parties(
    parties: Parties, *, internal_domains: Optional[Sequence[str]] = None
) -> Optional[str]:
    """The account name from a call's participants, or None."""

def call_date(value: Union[str, int, float], *, utc_offset_minutes: Optional[int] = None) -> str:
    """The call's date, `YYYY-MM-DD`, from Unix seconds (milliseconds from 10^11) or ISO 8601."""

def format_transcript(
    transcript: Transcript,
    *,
    format: FormatName = "plain",
    timestamps: bool = False,
    merge: bool = False,
    parties: Optional[Parties] = None,
    call_id: Optional[str] = None,
) -> str:
    """Formats a transcript: a whole response, one `callTranscripts` element, a
    monologue list, or any of them as JSON text."""

def normalize_call(
    extensive: Extensive,
    transcript: Optional[Transcript] = None,
    *,
    format: FormatName = "plain",
    timestamps: bool = False,
    merge: bool = False,
    names: bool = True,
    internal_domains: Optional[Sequence[str]] = None,
    utc_offset_minutes: Optional[int] = None,
    call_id: Optional[str] = None,
) -> NormalizedCall:
    """One call, normalized, with its transcript formatted when one is given."""

def call_document(
    extensive: Extensive,
    transcript: Optional[Transcript] = None,
    *,
    format: FormatName = "plain",
    timestamps: bool = False,
    merge: bool = False,
    names: bool = True,
    internal_domains: Optional[Sequence[str]] = None,
    utc_offset_minutes: Optional[int] = None,
    call_id: Optional[str] = None,
) -> str:
    """The call as one plain-text document for a language model."""

def chunk_transcript(
    transcript: Transcript,
    *,
    max_chars: int,
    format: FormatName = "plain",
    timestamps: bool = False,
    merge: bool = False,
    parties: Optional[Parties] = None,
    call_id: Optional[str] = None,
) -> List[Chunk]:
    """A transcript cut into chunks of at most `max_chars` characters."""

def chunk_document(
    extensive: Extensive,
    transcript: Optional[Transcript] = None,
    *,
    max_chars: int,
    format: FormatName = "plain",
    timestamps: bool = False,
    merge: bool = False,
    names: bool = True,
    internal_domains: Optional[Sequence[str]] = None,
    utc_offset_minutes: Optional[int] = None,
    call_id: Optional[str] = None,
) -> List[Chunk]:
    """The call document cut into chunks of at most `max_chars` characters."""

def extensive_request(
    *,
    call_ids: Optional[Sequence[str]] = None,
    from_date_time: Optional[str] = None,
    to_date_time: Optional[str] = None,
    workspace_id: Optional[str] = None,
    cursor: Optional[str] = None,
    preset: Optional[Literal["callView", "metadata"]] = None,
) -> ExtensiveRequest:
    """The body of `POST /v2/calls/extensive`. Without a preset it asks for the call view
    (parties, content, speakers: what normalize_call reads); "metadata" asks for metadata
    only. Raises GongkitError above 100 call ids."""

def transcript_request(
    *,
    call_ids: Optional[Sequence[str]] = None,
    from_date_time: Optional[str] = None,
    to_date_time: Optional[str] = None,
    workspace_id: Optional[str] = None,
    cursor: Optional[str] = None,
    preset: None = None,
) -> TranscriptRequest:
    """The body of `POST /v2/calls/transcript`. `preset` is refused (GongkitError):
    only extensive requests take one."""

def batch_call_ids(ids: Union[JsonText, Sequence[str]]) -> List[List[str]]:
    """Call ids in batches of at most 100, repeats dropped."""

def formats() -> List[FormatInfo]:
    """Every transcript format, in order (the default, `plain`, first)."""
