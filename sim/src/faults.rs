//! Injected faults: what `POST /__sim/faults` queues and which of them a
//! Gong request takes.

use serde_json::Value;

use crate::Endpoint;

pub const KINDS: [&str; 9] = [
    "429",
    "500",
    "401",
    "delay",
    "cut",
    "malformed",
    "truncated",
    "expired-cursor",
    "echo-auth",
];

#[derive(Clone, Debug)]
pub struct Fault {
    pub kind: String,
    pub remaining: u64,
    pub probability: Option<f64>,
    pub retry_after: u64,
    pub ms: u64,
    pub path: Option<String>,
}

/// The queued faults and the seeded dice that decide probabilistic ones.
pub struct Faults {
    queued: Vec<Fault>,
    rng: u64,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            queued: Vec::new(),
            rng: 0x9E37_79B9_7F4A_7C15,
        }
    }
}

/// Reads `{"faults": [{"kind", "count"?, "probability"?, "retryAfter"?, "ms"?, "path"?}]}`.
pub fn parse(body: &Value) -> Result<Vec<Fault>, String> {
    let Some(list) = body.get("faults").and_then(Value::as_array) else {
        return Err("faults: expected {\"faults\": [...]}".into());
    };
    let mut added = Vec::new();
    for (i, f) in list.iter().enumerate() {
        let kind = f["kind"].as_str().unwrap_or_default().to_owned();
        if !KINDS.contains(&kind.as_str()) {
            return Err(format!("unknown fault kind {kind:?} at faults[{i}]"));
        }
        let probability = match f.get("probability") {
            None | Some(Value::Null) => None,
            Some(p) => match p.as_f64() {
                Some(p) if (0.0..=1.0).contains(&p) => Some(p),
                _ => return Err(format!("faults[{i}].probability must be between 0 and 1")),
            },
        };
        let path = match f.get("path") {
            None | Some(Value::Null) => None,
            Some(Value::String(p)) if Endpoint::from_name(p).is_some() => Some(p.clone()),
            Some(p) => {
                return Err(format!(
                    "faults[{i}].path must be \"extensive\" or \"transcript\", not {p}"
                ))
            }
        };
        let whole = |key: &str, default: u64| match f.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => v
                .as_u64()
                .ok_or_else(|| format!("faults[{i}].{key} must be a whole number")),
        };
        added.push(Fault {
            kind,
            remaining: whole("count", if probability.is_some() { u64::MAX } else { 1 })?,
            probability,
            retry_after: whole("retryAfter", 1)?,
            ms: whole("ms", 0)?,
            path,
        });
    }
    Ok(added)
}

impl Faults {
    pub fn add(&mut self, faults: Vec<Fault>) {
        self.queued.extend(faults);
    }

    pub fn clear(&mut self) {
        self.queued.clear();
    }

    /// The faults that apply to this request, in order (a delay can come
    /// with one other fault).
    pub fn take(&mut self, endpoint: Endpoint) -> Vec<Fault> {
        let mut taken: Vec<Fault> = Vec::new();
        let mut rng = self.rng;
        for f in self.queued.iter_mut() {
            if f.remaining == 0 || f.path.as_deref().is_some_and(|p| p != endpoint.name()) {
                continue;
            }
            if taken.iter().any(|t| t.kind != "delay") && f.kind != "delay" {
                continue;
            }
            if let Some(p) = f.probability {
                // xorshift: deterministic per run, enough for fault rates.
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                if (rng % 10_000) as f64 >= p * 10_000.0 {
                    continue;
                }
            }
            f.remaining -= 1;
            taken.push(f.clone());
        }
        self.rng = rng;
        self.queued.retain(|f| f.remaining > 0);
        taken
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn counts_paths_and_bad_input() {
        let mut faults = Faults::default();
        faults.add(
            parse(&json!({"faults": [{"kind": "500", "count": 2, "path": "transcript"}, {"kind": "delay", "ms": 5}]}))
                .unwrap(),
        );
        let kinds = |v: Vec<Fault>| v.into_iter().map(|f| f.kind).collect::<Vec<_>>();
        assert_eq!(kinds(faults.take(Endpoint::Extensive)), ["delay"]);
        assert_eq!(kinds(faults.take(Endpoint::Transcript)), ["500"]);
        assert_eq!(kinds(faults.take(Endpoint::Transcript)), ["500"]);
        assert!(faults.take(Endpoint::Transcript).is_empty());
        for bad in [
            json!({}),
            json!({"faults": [{"kind": "boom"}]}),
            json!({"faults": [{"kind": "500", "count": -1}]}),
            json!({"faults": [{"kind": "500", "probability": 2}]}),
            json!({"faults": [{"kind": "500", "path": "users"}]}),
        ] {
            assert!(parse(&bad).is_err(), "{bad}");
        }
    }
}
