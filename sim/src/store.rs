//! The calls the simulator holds: kept by id and in start order, each with
//! its raw extensive JSON and its transcript, and when Gong finishes
//! processing it (before that it is in no answer at all).

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::generate::{self, Transcript};

#[derive(Clone, Debug)]
pub struct Call {
    pub id: String,
    /// Start (else scheduled) time, Unix seconds: date filters and order.
    pub time: i64,
    /// The call as `/v2/calls/extensive` returns it, serialized once.
    pub extensive: String,
    transcript: Transcript,
    pub title: Option<String>,
    pub private: bool,
    workspace: Option<String>,
    primary_user: Option<String>,
    /// When processing ends, wall-clock ms; `None`: processed.
    /// `f64::INFINITY`: only `POST /__sim/calls/process` ends it.
    pub available_at: Option<f64>,
}

impl Call {
    /// A call from its extensive entry; its id is `metaData.id`.
    pub fn new(
        extensive: Value,
        transcript: Transcript,
        available_at: Option<f64>,
    ) -> Result<Call, String> {
        let meta = &extensive["metaData"];
        let id = match &meta["id"] {
            Value::String(s) if !s.is_empty() => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return Err("extensive.metaData.id must be a string".into()),
        };
        let text = |key: &str| meta[key].as_str().map(str::to_owned);
        Ok(Call {
            time: call_time(meta),
            title: text("title"),
            private: meta["isPrivate"] == Value::Bool(true),
            workspace: text("workspaceId"),
            primary_user: text("primaryUserId"),
            extensive: extensive.to_string(),
            transcript,
            available_at,
            id,
        })
    }

    /// A call from a JSON transcript entry (`callTranscripts[]`); a missing
    /// one is an empty transcript.
    pub fn raw_transcript(id: &str, entry: &Value) -> Transcript {
        Transcript::Raw(match entry {
            Value::Null => json!({"callId": id, "transcript": []}).to_string(),
            other => other.to_string(),
        })
    }

    /// The entry of `/v2/calls/transcript`'s `callTranscripts` for this call.
    pub fn transcript_json(&self) -> Cow<'_, str> {
        match &self.transcript {
            Transcript::Raw(s) => Cow::Borrowed(s),
            Transcript::Generated(plan) => Cow::Owned(generate::transcript(&self.id, plan)),
        }
    }

    pub fn visible(&self, now: f64) -> bool {
        self.available_at.is_none_or(|t| t <= now)
    }

    /// This call with `metaData` fields changed (a null removes one) and
    /// perhaps a new transcript entry.
    pub fn edited(
        &self,
        meta: &Map<String, Value>,
        transcript: Option<&Value>,
    ) -> Result<Call, String> {
        let mut extensive: Value =
            serde_json::from_str(&self.extensive).map_err(|e| format!("stored call: {e}"))?;
        if !extensive["metaData"].is_object() {
            extensive["metaData"] = json!({});
        }
        let fields = extensive["metaData"]
            .as_object_mut()
            .ok_or("stored call has no metaData")?;
        for (key, value) in meta {
            if key == "id" && value.as_str() != Some(self.id.as_str()) {
                return Err("metaData.id cannot change (add a new call instead)".into());
            }
            if matches!(key.as_str(), "started" | "scheduled")
                && !value.is_null()
                && call_time(&json!({ "started": value })) == 0
                && !matches!(value, Value::Number(n) if n.as_i64() == Some(0))
            {
                return Err(format!(
                    "metaData.{key} {value} is not a date Gong would send"
                ));
            }
            match value {
                Value::Null => fields.remove(key),
                v => fields.insert(key.clone(), v.clone()),
            };
        }
        let transcript = match transcript {
            Some(entry) => Call::raw_transcript(&self.id, entry),
            None => self.transcript.clone(),
        };
        Call::new(extensive, transcript, self.available_at)
    }
}

/// The call's start (else scheduled) time in Unix seconds; 0 without one.
pub fn call_time(meta: &Value) -> i64 {
    for key in ["started", "scheduled"] {
        let text = match &meta[key] {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => continue,
        };
        if let Ok(t) = gongkit::parse_call_time(&text) {
            return t.utc().timestamp();
        }
    }
    0
}

/// Which calls a Gong filter asks for.
#[derive(Debug, Default)]
pub struct Selection {
    pub call_ids: Option<Vec<String>>,
    /// Unix seconds, inclusive.
    pub from: Option<i64>,
    /// Unix seconds, exclusive.
    pub to: Option<i64>,
    pub workspace: Option<String>,
    pub primary_users: Option<Vec<String>>,
}

#[derive(Default)]
pub struct Store {
    by_id: HashMap<String, Arc<Call>>,
    order: BTreeSet<(i64, String)>,
}

impl Store {
    /// Adds a call, or replaces the one with its id; true if it replaced.
    pub fn insert(&mut self, call: Call) -> bool {
        let replaced = self.remove(&call.id).is_some();
        self.order.insert((call.time, call.id.clone()));
        self.by_id.insert(call.id.clone(), Arc::new(call));
        replaced
    }

    pub fn remove(&mut self, id: &str) -> Option<Arc<Call>> {
        let old = self.by_id.remove(id)?;
        self.order.remove(&(old.time, old.id.clone()));
        Some(old)
    }

    pub fn get(&self, id: &str) -> Option<&Arc<Call>> {
        self.by_id.get(id)
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Every call, processed or not, in start order.
    pub fn all(&self) -> impl Iterator<Item = &Arc<Call>> {
        self.order.iter().filter_map(|(_, id)| self.by_id.get(id))
    }

    /// The processed calls the selection matches, in start order (then id).
    pub fn select(&self, s: &Selection, now: f64) -> Vec<Arc<Call>> {
        let keep = |c: &Call| {
            c.visible(now)
                && s.from.is_none_or(|t| c.time >= t)
                && s.to.is_none_or(|t| c.time < t)
                && s.workspace
                    .as_deref()
                    .is_none_or(|w| c.workspace.as_deref().is_none_or(|cw| cw == w))
                && s.primary_users
                    .as_ref()
                    .is_none_or(|users| c.primary_user.as_ref().is_some_and(|u| users.contains(u)))
        };
        match &s.call_ids {
            Some(ids) => {
                let mut found: Vec<Arc<Call>> = ids
                    .iter()
                    .filter_map(|id| self.by_id.get(id))
                    .filter(|c| keep(c))
                    .cloned()
                    .collect();
                found.sort_by(|a, b| (a.time, &a.id).cmp(&(b.time, &b.id)));
                found
            }
            None => {
                let from = (s.from.unwrap_or(i64::MIN), String::new());
                let range = match s.to {
                    Some(to) if to <= from.0 => return Vec::new(),
                    Some(to) => self.order.range(from..(to, String::new())),
                    None => self.order.range(from..),
                };
                range
                    .filter_map(|(_, id)| self.by_id.get(id))
                    .filter(|c| keep(c))
                    .cloned()
                    .collect()
            }
        }
    }

    /// Ends processing of these calls (all pending ones without ids) now;
    /// the ids that were pending.
    pub fn process(&mut self, ids: Option<&[String]>, now: f64) -> Result<Vec<String>, String> {
        let pending: Vec<String> = match ids {
            Some(ids) => {
                if let Some(unknown) = ids.iter().find(|id| !self.by_id.contains_key(*id)) {
                    return Err(format!("no call {unknown:?}"));
                }
                ids.iter()
                    .filter(|id| self.by_id.get(*id).is_some_and(|c| !c.visible(now)))
                    .cloned()
                    .collect()
            }
            None => self
                .all()
                .filter(|c| !c.visible(now))
                .map(|c| c.id.clone())
                .collect(),
        };
        for id in &pending {
            if let Some(call) = self.by_id.get_mut(id) {
                Arc::make_mut(call).available_at = None;
            }
        }
        Ok(pending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(id: &str, started: i64) -> Call {
        let extensive =
            json!({"metaData": {"id": id, "title": "t", "started": started, "workspaceId": "w1"}});
        Call::new(extensive, Call::raw_transcript(id, &Value::Null), None).unwrap()
    }

    fn ids(calls: &[Arc<Call>]) -> Vec<&str> {
        calls.iter().map(|c| c.id.as_str()).collect()
    }

    #[test]
    fn selects_by_ids_and_range_in_start_order() {
        let mut s = Store::default();
        for (id, t) in [("3", 300), ("1", 100), ("2", 200), ("2b", 200)] {
            s.insert(call(id, t));
        }
        let all = Selection::default();
        assert_eq!(ids(&s.select(&all, 0.0)), ["1", "2", "2b", "3"]);
        let range = Selection {
            from: Some(200),
            to: Some(300),
            ..Selection::default()
        };
        assert_eq!(ids(&s.select(&range, 0.0)), ["2", "2b"]);
        let by_id = Selection {
            call_ids: Some(vec!["3".into(), "nope".into(), "1".into()]),
            ..Selection::default()
        };
        assert_eq!(ids(&s.select(&by_id, 0.0)), ["1", "3"]);
        let both = Selection {
            to: Some(200),
            ..by_id
        };
        assert_eq!(ids(&s.select(&both, 0.0)), ["1"]);
        let other = Selection {
            workspace: Some("w2".into()),
            ..Selection::default()
        };
        assert!(s.select(&other, 0.0).is_empty());
    }

    #[test]
    fn late_calls_appear_when_processed() {
        let mut s = Store::default();
        s.insert(call("1", 100));
        let mut late = call("2", 200);
        late.available_at = Some(5_000.0);
        s.insert(late);
        let mut held = call("3", 300);
        held.available_at = Some(f64::INFINITY);
        s.insert(held);
        let by_id = Selection {
            call_ids: Some(vec!["2".into(), "3".into()]),
            ..Selection::default()
        };
        assert!(s.select(&by_id, 4_999.0).is_empty());
        assert_eq!(ids(&s.select(&Selection::default(), 4_999.0)), ["1"]);
        assert_eq!(ids(&s.select(&Selection::default(), 5_000.0)), ["1", "2"]);
        assert!(s.process(Some(&["9".into()]), 0.0).is_err());
        assert_eq!(s.process(None, 6_000.0).unwrap(), ["3"]);
        assert_eq!(
            ids(&s.select(&Selection::default(), 6_000.0)),
            ["1", "2", "3"]
        );
    }

    #[test]
    fn edits_deletions_and_replacements() {
        let mut s = Store::default();
        s.insert(call("1", 100));
        s.insert(call("2", 200));
        let patch = json!({"title": "Renamed — Zoë", "isPrivate": true, "started": "1970-01-01T00:05:00Z", "workspaceId": null});
        let edited = s
            .get("1")
            .unwrap()
            .edited(patch.as_object().unwrap(), None)
            .unwrap();
        assert!(edited.private);
        assert_eq!(edited.title.as_deref(), Some("Renamed — Zoë"));
        assert!(edited.extensive.contains("\"isPrivate\":true"));
        assert!(!edited.extensive.contains("workspaceId"));
        assert!(s.insert(edited));
        // Its new start moved it after call 2.
        assert_eq!(ids(&s.select(&Selection::default(), 0.0)), ["2", "1"]);
        assert!(s.remove("2").is_some());
        assert!(s.remove("2").is_none());
        assert_eq!(s.len(), 1);
        let one = s.get("1").unwrap();
        for bad in [json!({"id": "9"}), json!({"started": "yesterday"})] {
            assert!(one.edited(bad.as_object().unwrap(), None).is_err(), "{bad}");
        }
        let t = json!({"callId": "1", "transcript": [{"speakerId": null, "sentences": []}]});
        let edited = one.edited(&Map::new(), Some(&t)).unwrap();
        assert_eq!(edited.transcript_json(), t.to_string());
    }
}
