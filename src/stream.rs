//! Formatting a transcript straight from its JSON text.
//!
//! The typed path parses every monologue into structs and then formats
//! them; for a two-hour call that is thousands of small vectors built only
//! to be read once. Here serde hands each monologue to the [`Writer`] as soon
//! as it is read, into one reused buffer. This reader is only a fast path:
//! when it fails for any reason, the caller parses the input with the typed
//! models instead, which either succeed (and format the same way) or give
//! the error with its JSON path. So the two can never disagree on what is
//! accepted.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::model::{Id, Records, Sentence, Text};
use crate::transcript::{Layout, TranscriptOptions, Writer};
use crate::{Error, Result};

/// `Err(())` when the reader could not read the input (the caller falls
/// back to the typed parser); `Ok(Err(..))` for a readable transcript that
/// does not hold the call asked for.
pub(crate) fn render(
    json: &str,
    options: &TranscriptOptions<'_>,
    layout: bool,
) -> Result<Result<(String, Layout)>, ()> {
    let mut de = serde_json::Deserializer::from_str(json);
    let seed = Root {
        options,
        layout,
        size_hint: json.len() * 3 / 4,
    };
    let result = seed.deserialize(&mut de).map_err(drop)?;
    de.end().map_err(drop)?;
    Ok(result)
}

struct Root<'a, 'o> {
    options: &'a TranscriptOptions<'o>,
    layout: bool,
    size_hint: usize,
}

type Rendered = Result<(String, Layout)>;

impl<'de> DeserializeSeed<'de> for Root<'_, '_> {
    type Value = Rendered;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Rendered, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Root<'_, '_> {
    type Value = Rendered;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a transcript")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Rendered, A::Error> {
        let mut writer = Writer::new(self.options, self.layout, self.size_hint);
        Monologues(&mut writer).visit_seq(seq)?;
        Ok(Ok(writer.finish()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Rendered, A::Error> {
        let call_id = self.options.call_id;
        // From `callTranscripts`: the element asked for, else the first.
        let mut selected: Option<(String, Layout)> = None;
        let mut is_response = false;
        // From a single call transcript.
        let mut own_id: Option<Id<'de>> = None;
        let mut own: Option<(String, Layout)> = None;
        let mut is_call = false;
        while let Some(key) = map.next_key::<Text<'de>>()? {
            match key.as_str() {
                "callTranscripts" => {
                    is_response = true;
                    selected = map.next_value_seed(Elements {
                        root: &self,
                        found: None,
                    })?;
                }
                "requestId" => {
                    map.next_value::<Option<Text<'de>>>()?;
                }
                "records" => {
                    map.next_value::<Option<Records<'de>>>()?;
                }
                "callId" => {
                    is_call = true;
                    own_id = map.next_value()?;
                }
                "transcript" => {
                    is_call = true;
                    let mut writer = Writer::new(self.options, self.layout, self.size_hint);
                    map.next_value_seed(Nullable(Monologues(&mut writer)))?;
                    own = Some(writer.finish());
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(match (is_response, is_call) {
            (true, _) => {
                selected.ok_or_else(|| Error::TranscriptNotFound(call_id.map(str::to_owned)))
            }
            (false, true) => match (call_id, own_id.as_deref()) {
                (Some(want), Some(have)) if want != have => Err(Error::TranscriptMismatch {
                    call: want.to_owned(),
                    transcript: have.to_owned(),
                }),
                _ => Ok(own.unwrap_or_else(|| Writer::new(self.options, self.layout, 0).finish())),
            },
            (false, false) => return Err(de::Error::custom("not a transcript")),
        })
    }
}

/// The `callTranscripts` array (or null): formats each element, keeps the
/// one asked for.
struct Elements<'r, 'a, 'o> {
    root: &'r Root<'a, 'o>,
    found: Option<(String, Layout)>,
}

impl<'de> DeserializeSeed<'de> for Elements<'_, '_, '_> {
    type Value = Option<(String, Layout)>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for Elements<'_, '_, '_> {
    type Value = Option<(String, Layout)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of call transcripts")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Self::Value, A::Error> {
        let want = self.root.options.call_id;
        while let Some((id, rendered)) = seq.next_element_seed(Element { root: self.root })? {
            let matches = match want {
                Some(want) => id.as_deref() == Some(want),
                None => true,
            };
            if matches && self.found.is_none() {
                self.found = Some(rendered);
            }
        }
        Ok(self.found)
    }
}

/// One element of `callTranscripts`: its id and its formatted transcript.
struct Element<'r, 'a, 'o> {
    root: &'r Root<'a, 'o>,
}

impl<'de> DeserializeSeed<'de> for Element<'_, '_, '_> {
    type Value = (Option<Id<'de>>, (String, Layout));

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Element<'_, '_, '_> {
    type Value = (Option<Id<'de>>, (String, Layout));

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a call transcript")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let root = self.root;
        let mut writer = Writer::new(root.options, root.layout, root.size_hint);
        let (mut id, mut seen_id, mut seen_transcript) = (None, false, false);
        while let Some(key) = map.next_key::<Text<'de>>()? {
            match key.as_str() {
                "callId" => {
                    if std::mem::replace(&mut seen_id, true) {
                        return Err(de::Error::duplicate_field("callId"));
                    }
                    id = map.next_value()?;
                }
                "transcript" => {
                    if std::mem::replace(&mut seen_transcript, true) {
                        return Err(de::Error::duplicate_field("transcript"));
                    }
                    map.next_value_seed(Nullable(Monologues(&mut writer)))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok((id, writer.finish()))
    }
}

/// A value that may be `null`, read with the inner seed otherwise.
struct Nullable<S>(S);

impl<'de, S: DeserializeSeed<'de, Value = ()>> DeserializeSeed<'de> for Nullable<S> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de, S: DeserializeSeed<'de, Value = ()>> Visitor<'de> for Nullable<S> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        self.0.deserialize(deserializer)
    }
}

/// An array of monologues, each handed to the writer as soon as it is read.
struct Monologues<'w, 'o, 'p>(&'w mut Writer<'o, 'p>);

impl<'de> DeserializeSeed<'de> for Monologues<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Monologues<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of monologues")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        // One buffer for the sentences of every monologue.
        let mut sentences: Vec<Sentence<'de>> = Vec::with_capacity(16);
        while let Some(()) = seq.next_element_seed(MonologueSeed {
            writer: &mut *self.0,
            sentences: &mut sentences,
        })? {}
        Ok(())
    }
}

struct MonologueSeed<'b, 'o, 'p, 'de> {
    writer: &'b mut Writer<'o, 'p>,
    sentences: &'b mut Vec<Sentence<'de>>,
}

impl<'de> DeserializeSeed<'de> for MonologueSeed<'_, '_, '_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for MonologueSeed<'_, '_, '_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a monologue")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut speaker: Option<Option<Id<'de>>> = None;
        let mut topic: Option<Option<Text<'de>>> = None;
        let mut seen_sentences = false;
        self.sentences.clear();
        while let Some(key) = map.next_key::<Text<'de>>()? {
            match key.as_str() {
                "speakerId" => {
                    if speaker.is_some() {
                        return Err(de::Error::duplicate_field("speakerId"));
                    }
                    speaker = Some(map.next_value()?);
                }
                "topic" => {
                    if topic.is_some() {
                        return Err(de::Error::duplicate_field("topic"));
                    }
                    topic = Some(map.next_value()?);
                }
                "sentences" => {
                    if std::mem::replace(&mut seen_sentences, true) {
                        return Err(de::Error::duplicate_field("sentences"));
                    }
                    map.next_value_seed(Nullable(SentencesSeed(&mut *self.sentences)))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        self.writer.monologue(
            speaker.flatten().as_deref(),
            topic.flatten().as_deref(),
            self.sentences,
        );
        Ok(())
    }
}

struct SentencesSeed<'b, 'de>(&'b mut Vec<Sentence<'de>>);

impl<'de> DeserializeSeed<'de> for SentencesSeed<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for SentencesSeed<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of sentences")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(sentence) = seq.next_element()? {
            self.0.push(sentence);
        }
        Ok(())
    }
}
