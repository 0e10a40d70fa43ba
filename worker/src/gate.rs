//! The Gong gate: every Gong request, on demand or by the sync, takes a
//! permit first. Gong allows 3 requests a second and 10,000 a day for the
//! whole company (shared with its other integrations), so the gate keeps
//! every isolate of this Worker within a smaller share: at most 3 requests
//! in any second (with a margin for network jitter), a daily budget of
//! which the sync may spend only part (so answers on demand keep a reserve),
//! a daily budget per user for answers on demand (`USER_DAILY_GONG_BUDGET`),
//! and a pause for everyone when Gong says 429 (with one probe a minute
//! through a long pause: a half-open circuit breaker).
//!
//! A permit is booked only when the caller will use it: the ask carries the
//! caller's longest acceptable wait, and a slot later than that is refused
//! without booking it or counting it against any budget, so `GET /v1/quota`
//! counts only requests sent. A user other than an admin holds at most
//! [`USER_AHEAD`] slots that have not started yet, so one person's burst
//! cannot push everyone else's requests back by more than about a second.
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
/// A pause longer than this lets one probe request through every this
/// long; the probe's success lifts the pause.
pub const PROBE_EVERY_MS: u64 = 60_000;
/// Slots not yet started that one user (not an admin) may hold: one
/// second's worth, so others wait at most about a second more for them.
pub const USER_AHEAD: usize = PER_SECOND;

/// Who asks: answers on demand, or the sync.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    /// A caller's request (`GET /v1/calls/{id}`, an MCP tool, …).
    Demand,
    /// The call library's sync.
    Sync,
}

/// Who asks for a permit, and how long they will wait for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ask {
    /// On demand or the sync.
    pub purpose: Purpose,
    /// Whose request it is: `email:<address>` or `token:<name>` (the
    /// user's label), `sync` for the sync.
    #[serde(default)]
    pub user: String,
    /// Admins are limited only by the day's budget.
    #[serde(default)]
    pub admin: bool,
    /// The longest wait the caller accepts; a later slot is refused.
    pub max_wait_ms: u64,
}

impl Ask {
    /// The sync's ask (it waits up to `max_wait_ms`).
    pub fn sync(max_wait_ms: u64) -> Ask {
        Ask {
            purpose: Purpose::Sync,
            user: "sync".into(),
            admin: true,
            max_wait_ms,
        }
    }
}

/// The gate's settings (`GONG_DAILY_BUDGET`, `SYNC_DAILY_BUDGET`,
/// `USER_DAILY_GONG_BUDGET`, `GONG_DAY_RESET_UTC`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Gong requests a day, all purposes together (default 8000).
    pub daily_budget: u64,
    /// Of those, at most this many for the sync (default 5000).
    pub sync_budget: u64,
    /// Requests on demand per user (not an admin) a day; 0: no limit
    /// (default 500).
    pub user_budget: u64,
    /// Minutes after 00:00 UTC when the day resets (default 0).
    pub reset_minutes: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            daily_budget: 8000,
            sync_budget: 5000,
            user_budget: 500,
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
            user_budget: r.number(&s::USER_DAILY_GONG_BUDGET),
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
    /// No request starts before this (after Gong's 429), but a probe.
    pub paused_until: u64,
    /// During a long pause, the next probe may start at this time.
    #[serde(default)]
    pub next_probe: u64,
    /// Requests granted today on demand, by user.
    #[serde(default)]
    pub users: std::collections::BTreeMap<String, u64>,
    /// Slots granted to users (not admins) that start later: (user, start).
    #[serde(default)]
    pub ahead: Vec<(String, u64)>,
}

/// The gate's answer to a permit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Decision {
    /// Granted: start the request after waiting this long.
    Go {
        /// Milliseconds to wait first.
        wait_ms: u64,
        /// The probe through a long pause: report its success
        /// ([`Gate::resume`]).
        #[serde(default)]
        probe: bool,
    },
    /// Refused, nothing booked: no slot within the caller's wait (the rate,
    /// a pause, or the user's slots ahead).
    Busy {
        /// Seconds until asking again may succeed.
        retry_after: u64,
    },
    /// Refused: the budget is spent until the day resets.
    Exhausted {
        /// Seconds until the reset.
        retry_after: u64,
        /// Which budget: `"day"`, `"sync"` or `"user"`.
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
    /// The caller's own use on demand today.
    pub you: Option<UserUsage>,
    /// Everyone's use on demand today, by user (shown to admins only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<std::collections::BTreeMap<String, u64>>,
}

/// One user's use on demand today.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserUsage {
    /// The user: `email:<address>` or `token:<name>`.
    pub user: String,
    /// Gong requests made on demand for this user today.
    pub used: u64,
    /// The user's daily budget (`USER_DAILY_GONG_BUDGET`); none for an
    /// admin or when there is no per-user limit.
    pub budget: Option<u64>,
    /// What is left of it today.
    pub left: Option<u64>,
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
            self.users.clear();
        }
        self.ahead.retain(|(_, slot)| *slot > now_ms);
    }

    /// The earliest start the rate allows at or after `from`.
    fn slot(&self, from: u64) -> u64 {
        if self.recent.len() >= PER_SECOND {
            let oldest = self.recent[self.recent.len() - PER_SECOND];
            from.max(oldest + 1000 + MARGIN_MS)
        } else {
            from
        }
    }

    /// A permit for one Gong request at `now_ms`. Nothing is booked or
    /// counted unless the answer is [`Decision::Go`].
    pub fn permit(&mut self, now_ms: u64, ask: &Ask, settings: &Settings) -> Decision {
        self.roll(now_ms, settings);
        let total = self.demand + self.sync;
        let exhausted = |budget: &str| Decision::Exhausted {
            retry_after: settings
                .day_ends(now_ms)
                .saturating_sub(now_ms)
                .div_ceil(1000),
            budget: budget.to_owned(),
        };
        let busy = |at: u64| Decision::Busy {
            retry_after: at.saturating_sub(now_ms).div_ceil(1000).max(1),
        };
        if total >= settings.daily_budget {
            return exhausted("day");
        }
        if ask.purpose == Purpose::Sync && self.sync >= settings.sync_budget {
            return exhausted("sync");
        }
        let limited = ask.purpose == Purpose::Demand && !ask.admin;
        let used = self.users.get(&ask.user).copied().unwrap_or(0);
        if limited && settings.user_budget > 0 && used >= settings.user_budget {
            return exhausted("user");
        }
        // After a 429: nobody starts before the pause ends, but through a
        // long pause one probe a minute goes (half-open).
        let mut probe = false;
        let mut from = now_ms;
        if self.paused_until > now_ms {
            let long = self.paused_until - now_ms > PROBE_EVERY_MS;
            if long && now_ms >= self.next_probe {
                probe = true;
            } else if long {
                return busy(self.next_probe.min(self.paused_until));
            } else {
                from = self.paused_until;
            }
        }
        let slot = self.slot(from);
        if slot - now_ms > ask.max_wait_ms {
            return busy(slot);
        }
        if limited && slot > now_ms {
            let mine: Vec<u64> = self
                .ahead
                .iter()
                .filter(|(who, _)| *who == ask.user)
                .map(|(_, at)| *at)
                .collect();
            if mine.len() >= USER_AHEAD {
                return busy(mine.into_iter().min().unwrap_or(slot));
            }
            self.ahead.push((ask.user.clone(), slot));
        }
        if probe {
            self.next_probe = now_ms + PROBE_EVERY_MS;
        }
        self.recent.push(slot);
        if self.recent.len() > PER_SECOND {
            self.recent.remove(0);
        }
        match ask.purpose {
            Purpose::Demand => {
                self.demand += 1;
                *self.users.entry(ask.user.clone()).or_default() += 1;
            }
            Purpose::Sync => self.sync += 1,
        }
        Decision::Go {
            wait_ms: slot - now_ms,
            probe,
        }
    }

    /// Gong said 429: nobody starts a request for `seconds` (at most a
    /// day), but a pause longer than [`PROBE_EVERY_MS`] lets one probe
    /// through each minute.
    pub fn pause(&mut self, now_ms: u64, seconds: u64) {
        let seconds = seconds.min(DAY_MS / 1000);
        self.paused_until = self
            .paused_until
            .max(now_ms.saturating_add(seconds.saturating_mul(1000)));
        if self.next_probe <= now_ms {
            self.next_probe = now_ms + PROBE_EVERY_MS;
        }
    }

    /// A probe through a pause succeeded: Gong answers again, the pause is over.
    pub fn resume(&mut self) {
        self.paused_until = 0;
        self.next_probe = 0;
    }

    /// Today's use, with `who`'s own (and everyone's when `who` is an admin).
    pub fn usage(&mut self, now_ms: u64, settings: &Settings, who: Option<&Ask>) -> Usage {
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
            you: who.map(|w| {
                let used = self.users.get(&w.user).copied().unwrap_or(0);
                let budget = (!w.admin && settings.user_budget > 0).then_some(settings.user_budget);
                UserUsage {
                    user: w.user.clone(),
                    used,
                    budget,
                    left: budget.map(|b| b.saturating_sub(used)),
                }
            }),
            users: who.filter(|w| w.admin).map(|_| self.users.clone()),
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
            Decision::Go { wait_ms, .. } => wait_ms,
            other => panic!("{other:?}"),
        }
    }

    /// An admin's ask on demand, or the sync's, waiting up to a minute.
    fn ask(purpose: Purpose) -> Ask {
        Ask {
            purpose,
            user: "token:admin".into(),
            admin: true,
            max_wait_ms: 60_000,
        }
    }

    fn person(user: &str, max_wait_ms: u64) -> Ask {
        Ask {
            purpose: Purpose::Demand,
            user: user.into(),
            admin: false,
            max_wait_ms,
        }
    }

    #[test]
    fn no_second_holds_more_than_three_starts() {
        let s = Settings::default();
        let mut g = Gate::default();
        let starts: Vec<u64> = (0..30)
            .map(|_| T0 + go(g.permit(T0, &ask(Purpose::Demand), &s)))
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
            assert_eq!(go(g.permit(T0 + i * 450, &ask(Purpose::Sync), &s)), 0);
        }
    }

    #[test]
    fn budgets_keep_a_reserve_for_answers_on_demand() {
        let s = Settings {
            daily_budget: 10,
            sync_budget: 4,
            user_budget: 0,
            reset_minutes: 0,
        };
        let mut g = Gate::default();
        let mut now = T0;
        for _ in 0..4 {
            go(g.permit(now, &ask(Purpose::Sync), &s));
            now += 2000;
        }
        match g.permit(now, &ask(Purpose::Sync), &s) {
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
            go(g.permit(now, &ask(Purpose::Demand), &s));
            now += 2000;
        }
        assert!(matches!(
            g.permit(now, &ask(Purpose::Demand), &s),
            Decision::Exhausted { .. }
        ));
        let u = g.usage(now, &s, None);
        assert_eq!(
            (u.used.demand, u.used.sync, u.left.demand, u.left.sync),
            (6, 4, 0, 0)
        );
        // The next day starts afresh.
        assert_eq!(go(g.permit(T0 + DAY_MS, &ask(Purpose::Demand), &s)), 0);
        assert_eq!(g.usage(T0 + DAY_MS, &s, None).used.demand, 1);
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
        let u = Gate::default().usage(T0, &s, None);
        assert_eq!(u.resets_at, "2026-01-01T07:30:00Z");
    }

    #[test]
    fn a_429_pauses_everyone() {
        let s = Settings::default();
        let mut g = Gate::default();
        g.pause(T0, 5);
        assert_eq!(go(g.permit(T0 + 1000, &ask(Purpose::Demand), &s)), 4000);
        // A caller who waits less is refused, and nothing is booked.
        let before = g.clone();
        assert_eq!(
            g.permit(T0 + 1000, &person("email:a@x.com", 1000), &s),
            Decision::Busy { retry_after: 4 }
        );
        assert_eq!(g, before);
    }

    #[test]
    fn a_long_pause_lets_one_probe_through_a_minute_and_its_success_lifts_it() {
        let s = Settings::default();
        let mut g = Gate::default();
        // An absurd Retry-After is a day at most.
        g.pause(T0, u64::MAX);
        assert_eq!(g.paused_until, T0 + DAY_MS);
        let admin = ask(Purpose::Demand);
        assert_eq!(
            g.permit(T0 + 1000, &admin, &s),
            Decision::Busy { retry_after: 59 }
        );
        assert_eq!(g.usage(T0 + 1000, &s, None).used.demand, 0);
        // A minute on: one probe goes at once, the next waits another minute.
        assert_eq!(
            g.permit(T0 + 60_000, &admin, &s),
            Decision::Go {
                wait_ms: 0,
                probe: true
            }
        );
        assert_eq!(
            g.permit(T0 + 60_500, &ask(Purpose::Sync), &s),
            Decision::Busy { retry_after: 60 }
        );
        // The probe failed with another 429: the next probe a minute later.
        g.pause(T0 + 61_000, 86_400);
        assert!(matches!(
            g.permit(T0 + 119_000, &admin, &s),
            Decision::Busy { .. }
        ));
        assert!(matches!(
            g.permit(T0 + 120_000, &admin, &s),
            Decision::Go { probe: true, .. }
        ));
        // It succeeded: everyone goes again.
        g.resume();
        for user in ["email:a@x.com", "email:b@x.com"] {
            assert_eq!(
                g.permit(T0 + 122_000, &person(user, 10_000), &s),
                Decision::Go {
                    wait_ms: 0,
                    probe: false
                }
            );
        }
        // A short pause (a minute or less) has no probe: everyone waits it out.
        let mut g = Gate::default();
        g.pause(T0, 60);
        assert_eq!(go(g.permit(T0, &admin, &s)), 60_000);
    }

    #[test]
    fn a_permit_beyond_the_callers_wait_books_nothing() {
        // The reproduction: a participant fires 60 requests (120
        // permits) each willing to wait 10 s; only what is granted counts.
        let s = Settings::default();
        let mut g = Gate::default();
        let mut granted = 0;
        for _ in 0..120 {
            if let Decision::Go { .. } = g.permit(T0, &person("email:p@x.com", 10_000), &s) {
                granted += 1;
            }
        }
        assert_eq!(granted, PER_SECOND + USER_AHEAD);
        let u = g.usage(T0, &s, Some(&person("email:p@x.com", 0)));
        assert_eq!(u.used.demand, granted as u64);
        assert_eq!(u.you.as_ref().map(|y| y.used), Some(granted as u64));
        assert!(u.users.is_none(), "everyone's use is for admins");
        // The admin's request comes right after the participant's slots:
        // within two windows of the rate.
        let wait = go(g.permit(T0, &ask(Purpose::Demand), &s));
        assert!(wait <= 2 * (1000 + MARGIN_MS), "the admin waits {wait} ms");
        // An admin may queue further (up to their wait), and is counted.
        let mut g = Gate::default();
        let admin = Ask {
            max_wait_ms: 10_000,
            ..ask(Purpose::Demand)
        };
        let mut granted = 0;
        while let Decision::Go { .. } = g.permit(T0, &admin, &s) {
            granted += 1;
        }
        // Slots at 0, 1.25 s, … 10 s: nine windows of three.
        assert_eq!(granted, 27);
        let usage = g.usage(T0, &s, Some(&admin));
        assert_eq!(usage.used.demand, 27);
        assert_eq!(usage.users.map(|u| u["token:admin"]), Some(27));
    }

    #[test]
    fn a_user_budget_limits_people_not_admins() {
        let s = Settings {
            user_budget: 3,
            ..Settings::default()
        };
        let mut g = Gate::default();
        let mut now = T0;
        for _ in 0..3 {
            go(g.permit(now, &person("token:bot", 10_000), &s));
            now += 2000;
        }
        match g.permit(now, &person("token:bot", 10_000), &s) {
            Decision::Exhausted {
                budget,
                retry_after,
            } => {
                assert_eq!(budget, "user");
                assert_eq!(retry_after, 86_400 - 6);
            }
            other => panic!("{other:?}"),
        }
        // Someone else, and an admin, still go.
        go(g.permit(now, &person("email:b@x.com", 10_000), &s));
        for _ in 0..5 {
            now += 2000;
            go(g.permit(now, &ask(Purpose::Demand), &s));
        }
        let you = g.usage(now, &s, Some(&person("token:bot", 0))).you;
        assert_eq!(
            you,
            Some(UserUsage {
                user: "token:bot".into(),
                used: 3,
                budget: Some(3),
                left: Some(0)
            })
        );
        // 0: no per-user limit.
        let s = Settings {
            user_budget: 0,
            ..s
        };
        go(g.permit(now + 5000, &person("token:bot", 10_000), &s));
        // The next day starts afresh.
        let s = Settings {
            user_budget: 3,
            ..s
        };
        go(g.permit(T0 + DAY_MS, &person("token:bot", 10_000), &s));
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
    use super::{Ask, Decision, Gate, Settings, Usage};
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

        /// A permit for one request, refused (and not booked) when it
        /// cannot start within the ask's wait.
        pub async fn permit(&self, ask: &Ask) -> Result<Decision> {
            let body = serde_json::to_string(ask).map_err(Error::internal)?;
            self.ask("/permit", Some(body)).await
        }

        /// A probe through a pause succeeded: the pause is lifted.
        pub async fn resume(&self) -> Result<()> {
            self.ask::<serde_json::Value>("/resume", Some("{}".into()))
                .await
                .map(drop)
        }

        /// Gong said 429: everyone waits `seconds`.
        pub async fn pause(&self, seconds: u64) -> Result<()> {
            let body = serde_json::json!({ "seconds": seconds }).to_string();
            self.ask::<serde_json::Value>("/pause", Some(body))
                .await
                .map(drop)
        }

        /// Today's use, with `who`'s own (everyone's for an admin).
        pub async fn usage(&self, who: Option<&Ask>) -> Result<Usage> {
            let body = serde_json::json!({ "who": who }).to_string();
            self.ask("/usage", Some(body)).await
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
    struct UsageAsk {
        who: Option<Ask>,
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
                let ask: Ask = serde_json::from_str(&ask)?;
                serde_json::to_string(&gate.permit(now, &ask, &settings))?
            }
            "/resume" => {
                gate.resume();
                "{}".to_owned()
            }
            "/pause" => {
                let ask: PauseAsk = serde_json::from_str(&ask)?;
                gate.pause(now, ask.seconds);
                "{}".to_owned()
            }
            "/usage" => {
                let ask: UsageAsk = serde_json::from_str(&ask)?;
                serde_json::to_string(&gate.usage(now, &settings, ask.who.as_ref()))?
            }
            _ => return Response::error("no such gate route", 404),
        };
        save_state(&sql, &gate)?;
        Response::ok(body)
    }
}
