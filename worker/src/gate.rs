//! The Gong gate: every Gong request, on demand or by the sync, takes a
//! permit first. Gong allows 3 requests a second and 10,000 a day for the
//! whole company (shared with its other integrations), so the gate keeps
//! every isolate of this Worker within a smaller share: at most 3 requests
//! in any second (with a margin for network jitter), a daily budget of
//! which the sync may spend only part (so answers on demand keep a reserve),
//! and a pause for everyone when Gong says 429.
//!
//! The policy here is pure and tested natively; one SQLite-backed Durable
//! Object per Gong tenant (`GongGate` in `lib.rs`) holds a [`Gate`] and
//! answers permits, so the limits hold across isolates and machines.

use serde::{Deserialize, Serialize};

use crate::error::Result;

/// At most this many Gong requests start in any one second.
pub const PER_SECOND: usize = 3;
/// Extra spacing on top of the one-second window: between its permit and
/// Gong, a request can be held up (a busy isolate, the network), and an
/// early request that arrives late must not share Gong's second with the
/// fourth. 250 ms held on a loaded 2-core test machine where 100 ms did not.
pub const MARGIN_MS: u64 = 250;
const DAY_MS: u64 = 86_400_000;

/// Who asks: answers on demand, or the sync.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    /// A caller's request (`GET /v1/calls/{id}`, an MCP tool, …).
    Demand,
    /// The call library's sync.
    Sync,
}

/// The gate's settings (`GONG_DAILY_BUDGET`, `SYNC_DAILY_BUDGET`,
/// `GONG_DAY_RESET_UTC`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Gong requests a day, all purposes together (default 8000).
    pub daily_budget: u64,
    /// Of those, at most this many for the sync (default 5000).
    pub sync_budget: u64,
    /// Minutes after 00:00 UTC when the day resets (default 0).
    pub reset_minutes: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            daily_budget: 8000,
            sync_budget: 5000,
            reset_minutes: 0,
        }
    }
}

impl Settings {
    /// Reads the settings through `var`; a setting that does not parse is
    /// refused with its name (so a typo does not silently lift a limit).
    ///
    /// # Errors
    ///
    /// 503 `not_configured` naming the setting.
    pub fn read(var: impl Fn(&str) -> Option<String>) -> Result<Settings> {
        crate::settings::read_vars(var, |r| Settings::from_reader(r))
    }

    /// The settings from the table of settings ([`crate::settings`]); what
    /// does not parse stays in the reader's errors.
    pub fn from_reader<V, S>(r: &mut crate::settings::Reader<V, S>) -> Settings
    where
        V: Fn(&str) -> Option<String>,
        S: Fn(&str) -> Option<String>,
    {
        use crate::settings as s;
        Settings {
            daily_budget: r.number(&s::GONG_DAILY_BUDGET),
            sync_budget: r.number(&s::SYNC_DAILY_BUDGET),
            reset_minutes: r.number(&s::GONG_DAY_RESET_UTC),
        }
    }

    /// The day `now_ms` falls in (days since the epoch, shifted by the reset).
    pub fn day(&self, now_ms: u64) -> u64 {
        now_ms.saturating_sub(self.reset_minutes * 60_000) / DAY_MS
    }

    /// When the day of `now_ms` ends (ms since the epoch).
    pub fn day_ends(&self, now_ms: u64) -> u64 {
        (self.day(now_ms) + 1) * DAY_MS + self.reset_minutes * 60_000
    }
}

/// The gate's state: what it persists between permits.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gate {
    /// The day the counts are for.
    pub day: u64,
    /// Requests granted today on demand.
    pub demand: u64,
    /// Requests granted today to the sync.
    pub sync: u64,
    /// The start times of the last [`PER_SECOND`] grants.
    pub recent: Vec<u64>,
    /// No request starts before this (after Gong's 429).
    pub paused_until: u64,
}

/// The gate's answer to a permit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Decision {
    /// Granted: start the request after waiting this long.
    Go {
        /// Milliseconds to wait first.
        wait_ms: u64,
    },
    /// Refused: the budget is spent until the day resets.
    Exhausted {
        /// Seconds until the reset.
        retry_after: u64,
        /// Which budget: `"day"` or `"sync"`.
        budget: String,
    },
}

/// Today's use, as `GET /v1/quota` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    /// Gong requests today, by purpose.
    pub used: Used,
    /// What is left today: for answers on demand (all of the day's budget
    /// that is left) and for the sync (within its own budget).
    pub left: Used,
    /// The budgets.
    pub daily_budget: u64,
    /// The sync's share.
    pub sync_budget: u64,
    /// When the day resets (ISO 8601, UTC).
    pub resets_at: String,
    /// Seconds until then.
    pub resets_in_seconds: u64,
    /// When requests may start again after a 429 (ISO 8601), if later than now.
    pub paused_until: Option<String>,
}

/// Counts by purpose.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Used {
    /// On demand.
    pub demand: u64,
    /// By the sync.
    pub sync: u64,
}

impl Gate {
    fn roll(&mut self, now_ms: u64, settings: &Settings) {
        let today = settings.day(now_ms);
        if today != self.day {
            self.day = today;
            self.demand = 0;
            self.sync = 0;
        }
    }

    /// A permit for one Gong request at `now_ms`.
    pub fn permit(&mut self, now_ms: u64, purpose: Purpose, settings: &Settings) -> Decision {
        self.roll(now_ms, settings);
        let total = self.demand + self.sync;
        let exhausted = |budget: &str| Decision::Exhausted {
            retry_after: settings
                .day_ends(now_ms)
                .saturating_sub(now_ms)
                .div_ceil(1000),
            budget: budget.to_owned(),
        };
        if total >= settings.daily_budget {
            return exhausted("day");
        }
        if purpose == Purpose::Sync && self.sync >= settings.sync_budget {
            return exhausted("sync");
        }
        let mut slot = now_ms.max(self.paused_until);
        if self.recent.len() >= PER_SECOND {
            let oldest = self.recent[self.recent.len() - PER_SECOND];
            slot = slot.max(oldest + 1000 + MARGIN_MS);
        }
        self.recent.push(slot);
        if self.recent.len() > PER_SECOND {
            self.recent.remove(0);
        }
        match purpose {
            Purpose::Demand => self.demand += 1,
            Purpose::Sync => self.sync += 1,
        }
        Decision::Go {
            wait_ms: slot - now_ms,
        }
    }

    /// Gong answered 429: nobody starts a request for `seconds`.
    pub fn pause(&mut self, now_ms: u64, seconds: u64) {
        self.paused_until = self
            .paused_until
            .max(now_ms.saturating_add(seconds.saturating_mul(1000)));
    }

    /// Today's use.
    pub fn usage(&mut self, now_ms: u64, settings: &Settings) -> Usage {
        self.roll(now_ms, settings);
        let total = self.demand + self.sync;
        let ends = settings.day_ends(now_ms);
        let left_day = settings.daily_budget.saturating_sub(total);
        Usage {
            used: Used {
                demand: self.demand,
                sync: self.sync,
            },
            left: Used {
                demand: left_day,
                sync: left_day.min(settings.sync_budget.saturating_sub(self.sync)),
            },
            daily_budget: settings.daily_budget,
            sync_budget: settings.sync_budget,
            resets_at: iso(ends),
            resets_in_seconds: ends.saturating_sub(now_ms).div_ceil(1000),
            paused_until: (self.paused_until > now_ms).then(|| iso(self.paused_until)),
        }
    }
}

fn iso(ms: u64) -> String {
    chrono::DateTime::from_timestamp_millis(ms as i64)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: u64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

    fn go(d: Decision) -> u64 {
        match d {
            Decision::Go { wait_ms } => wait_ms,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn no_second_holds_more_than_three_starts() {
        let s = Settings::default();
        let mut g = Gate::default();
        let starts: Vec<u64> = (0..30)
            .map(|_| T0 + go(g.permit(T0, Purpose::Demand, &s)))
            .collect();
        for (i, a) in starts.iter().enumerate() {
            let in_window = starts[i..]
                .iter()
                .filter(|b| **b < a + 1000 + MARGIN_MS)
                .count();
            assert!(in_window <= 3, "{in_window} starts within a second of {a}");
        }
        assert_eq!(&starts[..4], &[T0, T0, T0, T0 + 1000 + MARGIN_MS]);
        // Spread over time, nobody waits.
        let mut g = Gate::default();
        for i in 0..10 {
            assert_eq!(go(g.permit(T0 + i * 450, Purpose::Sync, &s)), 0);
        }
    }

    #[test]
    fn budgets_keep_a_reserve_for_answers_on_demand() {
        let s = Settings {
            daily_budget: 10,
            sync_budget: 4,
            reset_minutes: 0,
        };
        let mut g = Gate::default();
        let mut now = T0;
        for _ in 0..4 {
            go(g.permit(now, Purpose::Sync, &s));
            now += 2000;
        }
        match g.permit(now, Purpose::Sync, &s) {
            Decision::Exhausted {
                budget,
                retry_after,
            } => {
                assert_eq!(budget, "sync");
                assert_eq!(retry_after, 86_400 - 8);
            }
            other => panic!("{other:?}"),
        }
        for _ in 0..6 {
            go(g.permit(now, Purpose::Demand, &s));
            now += 2000;
        }
        assert!(matches!(
            g.permit(now, Purpose::Demand, &s),
            Decision::Exhausted { .. }
        ));
        let u = g.usage(now, &s);
        assert_eq!(
            (u.used.demand, u.used.sync, u.left.demand, u.left.sync),
            (6, 4, 0, 0)
        );
        // The next day starts afresh.
        assert_eq!(go(g.permit(T0 + DAY_MS, Purpose::Demand, &s)), 0);
        assert_eq!(g.usage(T0 + DAY_MS, &s).used.demand, 1);
    }

    #[test]
    fn the_day_resets_at_the_set_time() {
        let s = Settings {
            reset_minutes: 7 * 60 + 30,
            ..Settings::default()
        };
        assert_eq!(s.day(T0 + 7 * 3_600_000), s.day(T0 - 1));
        assert_ne!(s.day(T0 + 8 * 3_600_000), s.day(T0));
        assert_eq!(s.day_ends(T0), T0 + 7 * 3_600_000 + 30 * 60_000);
        let u = Gate::default().usage(T0, &s);
        assert_eq!(u.resets_at, "2026-01-01T07:30:00Z");
    }

    #[test]
    fn a_429_pauses_everyone() {
        let s = Settings::default();
        let mut g = Gate::default();
        g.pause(T0, 5);
        assert_eq!(go(g.permit(T0 + 1000, Purpose::Demand, &s)), 4000);
        g.pause(T0, u64::MAX);
        assert!(go(g.permit(T0, Purpose::Demand, &s)) > 0);
    }

    #[test]
    fn settings_are_read_and_checked() {
        let read = |pairs: &'static [(&'static str, &'static str)]| {
            Settings::read(|n| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == n)
                    .map(|(_, v)| (*v).to_owned())
            })
        };
        assert_eq!(read(&[]).unwrap(), Settings::default());
        let s = read(&[("GONG_DAILY_BUDGET", "50"), ("GONG_DAY_RESET_UTC", "07:30")]).unwrap();
        assert_eq!((s.daily_budget, s.reset_minutes), (50, 450));
        assert!(read(&[("GONG_DAILY_BUDGET", "lots")])
            .unwrap_err()
            .to_string()
            .contains("GONG_DAILY_BUDGET"));
        assert!(read(&[("GONG_DAY_RESET_UTC", "25:00")]).is_err());
        assert!(read(&[("GONG_DAY_RESET_UTC", "7")]).is_err());
    }
}

/// The Worker's side: a permit from the tenant's gate before each Gong
/// request, a pause after a 429, today's usage.
#[cfg(target_arch = "wasm32")]
pub mod remote {
    use super::{Decision, Gate, Purpose, Settings, Usage};
    use crate::error::{Error, Result};
    use serde::de::DeserializeOwned;
    use worker::{Method, Request, RequestInit, Response, Stub};

    /// The gate's binding in wrangler.toml.
    pub const BINDING: &str = "GONG_GATE";

    /// A handle on one tenant's gate.
    pub struct Client {
        stub: Stub,
    }

    impl Client {
        /// The gate of the tenant `name` (a digest of Gong's host and key).
        pub fn new(env: &worker::Env, name: &str) -> Result<Client> {
            Ok(Client {
                stub: object(env, BINDING, name)?,
            })
        }

        async fn ask<T: DeserializeOwned>(&self, path: &str, body: Option<String>) -> Result<T> {
            call_object(&self.stub, path, body).await
        }

        /// A permit for one request.
        pub async fn permit(&self, purpose: Purpose) -> Result<Decision> {
            let body = serde_json::json!({ "purpose": purpose }).to_string();
            self.ask("/permit", Some(body)).await
        }

        /// Gong said 429: everyone waits `seconds`.
        pub async fn pause(&self, seconds: u64) -> Result<()> {
            let body = serde_json::json!({ "seconds": seconds }).to_string();
            self.ask::<serde_json::Value>("/pause", Some(body))
                .await
                .map(drop)
        }

        /// Today's use.
        pub async fn usage(&self) -> Result<Usage> {
            self.ask("/usage", None).await
        }
    }

    /// The Durable Object `name` of the namespace bound as `binding`.
    pub fn object(env: &worker::Env, binding: &str, name: &str) -> Result<Stub> {
        let unbound = |_| {
            Error::NotConfigured(format!(
                "the Durable Object binding {binding} is missing: see [[durable_objects.bindings]] in wrangler.toml"
            ))
        };
        let namespace = env.durable_object(binding).map_err(unbound)?;
        namespace
            .id_from_name(name)
            .and_then(|id| id.get_stub())
            .map_err(unbound)
    }

    /// One JSON request to a Durable Object of this Worker.
    pub async fn call_object<T: DeserializeOwned>(
        stub: &Stub,
        path: &str,
        body: Option<String>,
    ) -> Result<T> {
        let mut init = RequestInit::new();
        init.with_method(if body.is_some() {
            Method::Post
        } else {
            Method::Get
        });
        if let Some(body) = body {
            init.with_body(Some(body.into()));
        }
        let unavailable = |e: worker::Error| {
            Error::Internal(format!("a Durable Object did not answer {path}: {e}"))
        };
        let request =
            Request::new_with_init(&format!("https://object{path}"), &init).map_err(unavailable)?;
        let response = stub
            .fetch_with_request(request)
            .await
            .map_err(unavailable)?;
        let status = response.status_code();
        let text = crate::cache::body_text(response)
            .await
            .map_err(unavailable)?;
        if status != 200 {
            return Err(Error::Internal(format!(
                "a Durable Object answered {status} to {path}: {text}"
            )));
        }
        serde_json::from_str(&text).map_err(Error::internal)
    }

    #[derive(serde::Deserialize)]
    struct PermitAsk {
        purpose: Purpose,
    }

    #[derive(serde::Deserialize)]
    struct PauseAsk {
        seconds: u64,
    }

    #[derive(serde::Deserialize)]
    struct Row {
        state: String,
    }

    /// A Durable Object's state: one JSON row in its own SQLite, read and
    /// written with the synchronous API (no `await` between the two, so
    /// requests to the object cannot interleave a read-modify-write).
    pub fn load_state<T: Default + DeserializeOwned>(
        sql: &worker::SqlStorage,
    ) -> worker::Result<T> {
        sql.exec(
            "CREATE TABLE IF NOT EXISTS state (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL)",
            None,
        )?;
        let rows: Vec<Row> = sql
            .exec("SELECT state FROM state WHERE id = 1", None)?
            .to_array()?;
        Ok(rows
            .first()
            .and_then(|r| serde_json::from_str(&r.state).ok())
            .unwrap_or_default())
    }

    /// Writes what [`load_state`] reads.
    pub fn save_state<T: serde::Serialize>(
        sql: &worker::SqlStorage,
        state: &T,
    ) -> worker::Result<()> {
        sql.exec(
            "INSERT INTO state (id, state) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state",
            vec![worker::SqlStorageValue::String(serde_json::to_string(state)?)],
        )?;
        Ok(())
    }

    /// The Durable Object's side: one request to the gate. The state is
    /// read, changed and written with the object's synchronous SQLite API,
    /// with no `await` in between, so concurrent permits can never both
    /// read the same state (the object runs one piece of code at a time,
    /// but would interleave requests at an `await`).
    pub async fn serve(
        state: &worker::State,
        env: &worker::Env,
        mut req: Request,
    ) -> worker::Result<Response> {
        let settings = Settings::read(|name| env.var(name).ok().map(|v| v.to_string()));
        let settings = match settings {
            Ok(s) => s,
            Err(e) => return Response::error(e.to_string(), 503),
        };
        let path = req.path();
        let ask = if req.method() == Method::Post {
            req.text().await?
        } else {
            String::new()
        };
        let sql = state.storage().sql();
        let mut gate: Gate = load_state(&sql)?;
        let now = worker::Date::now().as_millis();
        let body = match path.as_str() {
            "/permit" => {
                let ask: PermitAsk = serde_json::from_str(&ask)?;
                serde_json::to_string(&gate.permit(now, ask.purpose, &settings))?
            }
            "/pause" => {
                let ask: PauseAsk = serde_json::from_str(&ask)?;
                gate.pause(now, ask.seconds);
                "{}".to_owned()
            }
            "/usage" => serde_json::to_string(&gate.usage(now, &settings))?,
            _ => return Response::error("no such gate route", 404),
        };
        save_state(&sql, &gate)?;
        Response::ok(body)
    }
}
