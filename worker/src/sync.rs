//! The sync: keeps the call library in step with Gong. Its state lives in
//! a SQLite-backed Durable Object (`GongSync` in `lib.rs`), one per tenant,
//! whose alarm advances a job one page at a time: one `/v2/calls/extensive`
//! page of up to 100 calls and one `/v2/calls/transcript` request for their
//! transcripts (up to 100 ids), so each step stays far within an
//! invocation's subrequest and CPU limits, and a failure anywhere resumes
//! at the page where it stopped. Writes are idempotent upserts that skip
//! unchanged calls.
//!
//! Jobs: a backfill of a range (`POST /v1/sync`), an incremental run (the
//! Cron Trigger) that re-reads `SYNC_OVERLAP_HOURS` before its checkpoint,
//! since Gong lists calls late, and a weekly reconcile that lists the
//! library's range without transcripts. Every job removes the library's
//! calls in its range that Gong no longer lists (deleted, or now private).
//!
//! A Gong that answers inconsistently ends the job with its `lastError`
//! instead of paging on: the listing's rule ([`crate::list::check_page`]: an
//! empty page with a cursor, a cursor seen before in the job) and a page
//! cap per job (what the range's `totalRecords` needs, with a margin, and
//! never more than [`MAX_PAGES_PER_JOB`]). The job's state is saved before
//! each step's work, so a step killed by the runtime counts as a failure
//! when the alarm comes again; [`MAX_STEP_ATTEMPTS`] failures of one step
//! end the job, and a Cron run re-arms a job's alarm that is missing.

use serde::{Deserialize, Serialize};

use crate::error::Result;

/// The end of a job removes at most this many unlisted calls a step.
pub const UNLISTED_PER_STEP: usize = 500;
/// The end of a job examines at most this many of the range's calls a step
/// (an anti-join over a window of `calls_started`), so no step's work grows
/// with the range.
pub const UNLISTED_WINDOW: usize = 5_000;
/// No job reads more Gong pages than this (100 calls a page: a million
/// calls), whatever Gong says its range holds.
pub const MAX_PAGES_PER_JOB: u64 = 10_000;
/// A job whose current step fails this many times in a row ends with its
/// `lastError` (a spent budget or Gong's rate limit does not count: it is
/// waited out).
pub const MAX_STEP_ATTEMPTS: u32 = 10;

/// The most pages a job may read, from Gong's `totalRecords` for its range
/// and the first page's length: what the range holds, plus a tenth and two
/// pages for calls Gong lists while the job runs.
pub fn page_cap(total_records: Option<u64>, first_page: usize) -> u64 {
    match (total_records, first_page as u64) {
        (Some(total), len) if len > 0 => {
            let pages = total.div_ceil(len);
            (pages + pages / 10 + 2).min(MAX_PAGES_PER_JOB)
        }
        _ => MAX_PAGES_PER_JOB,
    }
}

/// Each Cron run between re-reads reads from its checkpoint less this (an
/// hour), for the calls Gong lists within the hour after they start.
pub const SHORT_OVERLAP_MS: i64 = 3_600_000;
/// While a Gong webhook came within this long, the Cron Trigger starts only
/// the re-reads: the webhooks bring the new calls.
pub const WEBHOOKS_QUIET_MS: i64 = 86_400_000;
/// The most webhook calls whose transcripts one request asks for.
pub const WEBHOOK_BATCH: usize = 100;
/// A reconcile slice starts at most this often (a day): the sweep over the
/// library is spread so that no day pays for a week's listing at once.
pub const RECONCILE_EVERY_MS: i64 = 86_400_000;

/// How many of the library's calls one day's reconcile slice lists: a
/// `reconcile_days`th of the library (a sweep a week), at most
/// `SYNC_RECONCILE_PAGES` pages of 100, so the reconcile's cost a day stays
/// bounded whatever the library holds (a bigger library is swept more
/// slowly instead).
pub fn reconcile_slice_calls(library_calls: u64, settings: &Settings) -> u64 {
    let days = u64::try_from(settings.reconcile_days.max(1)).unwrap_or(1);
    let cap = u64::try_from(settings.reconcile_pages.max(0))
        .unwrap_or(0)
        .saturating_mul(100);
    library_calls.div_ceil(days).min(cap).max(1)
}

/// What a job does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Read a range, with transcripts.
    Backfill,
    /// Read from the checkpoint (less the overlap) to now.
    Incremental,
    /// List the library's range without transcripts; remove what is gone.
    Reconcile,
}

/// A job under way.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    /// What it does.
    pub kind: Kind,
    /// Range start, ms (inclusive).
    pub from_ms: i64,
    /// Range end, ms (exclusive).
    pub to_ms: i64,
    /// Gong's cursor for the next page; none for the first.
    pub cursor: Option<String>,
    /// Pages read.
    pub pages: u64,
    /// Calls written (new or changed).
    pub written: u64,
    /// Calls removed.
    pub removed: u64,
    /// Gong requests made.
    pub requests: u64,
    /// When it started.
    pub started_ms: i64,
    /// Failed tries of the current step, for the backoff.
    pub attempts: u32,
    /// The most pages this job may read ([`page_cap`], set by its first page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_pages: Option<u64>,
    /// A step's work is under way (saved before it starts): found set at
    /// the next alarm, the step was killed before it finished.
    #[serde(default)]
    pub stepping: bool,
    /// The whole range was listed: the steps now remove the library's calls
    /// Gong did not list, a batch at a time.
    #[serde(default)]
    pub listed_all: bool,
    /// Where the next batch of those starts: after this `(started, id)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unlisted_after: Option<(i64, String)>,
}

/// A finished run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    /// What it did.
    pub kind: Kind,
    /// Its range (ISO 8601).
    pub from: String,
    /// End of the range (exclusive).
    pub to: String,
    /// When it started and ended (ISO 8601).
    pub started: String,
    /// When it ended.
    pub ended: String,
    /// `ok`, or `failed` (see the state's `lastError`).
    pub result: String,
    /// Pages read, calls written and removed, Gong requests.
    pub pages: u64,
    /// Calls written (new or changed).
    pub written: u64,
    /// Calls removed.
    pub removed: u64,
    /// Gong requests made.
    pub requests: u64,
}

/// The last error, with when it happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LastError {
    /// When (ISO 8601).
    pub at: String,
    /// The error's code.
    pub code: String,
    /// What went wrong.
    pub message: String,
    /// When the step is tried again (ISO 8601).
    pub retry_at: Option<String>,
}

/// The sync's state, kept in its Durable Object.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct State {
    /// The job under way, if any.
    pub job: Option<Job>,
    /// Jobs asked for while one ran, in order.
    #[serde(default)]
    pub queue: Vec<Job>,
    /// The last finished run.
    pub last: Option<Run>,
    /// Incremental runs start here (less the overlap): the end of the last
    /// completed run, ms.
    pub checkpoint_ms: Option<i64>,
    /// The last error (cleared by the next successful run).
    pub last_error: Option<LastError>,
    /// When the last reconcile slice started (it finished), ms.
    pub last_reconcile_ms: Option<i64>,
    /// Where the reconcile's sweep stands: the next slice ends here (ms,
    /// exclusive) and the sweep walks from the newest calls to the oldest;
    /// none, or at the start of the covered range: a sweep starts again at
    /// its end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconcile_before_ms: Option<i64>,
    /// When a Cron run last read the whole `SYNC_OVERLAP_HOURS`, ms.
    #[serde(default)]
    pub last_reread_ms: Option<i64>,
    /// When the last Gong webhook arrived, ms.
    #[serde(default)]
    pub last_webhook_ms: Option<i64>,
    /// When the transcripts of webhook calls were last fetched, ms.
    #[serde(default)]
    pub last_batch_ms: Option<i64>,
}

/// The sync's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// `SYNC_OVERLAP_HOURS` (default 72).
    pub overlap_hours: i64,
    /// Days between reconciles (7).
    pub reconcile_days: i64,
    /// `SYNC_REREAD_MINUTES` (default 360): how often a Cron run reads
    /// the whole overlap again; 0: every run.
    pub reread_minutes: i64,
    /// `WEBHOOK_BATCH_SECONDS` (default 600): how long a call from a
    /// webhook waits for others before their transcripts are fetched.
    pub batch_seconds: i64,
    /// `INITIAL_SYNC_DAYS` (default 90): what the first scheduled run
    /// backfills when the library holds nothing yet; 0 leaves it empty.
    pub initial_days: i64,
    /// `SYNC_RECONCILE_PAGES` (default 60): the most listing pages a day's
    /// reconcile slice reads ([`reconcile_slice_calls`]); 0: no reconcile.
    pub reconcile_pages: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            overlap_hours: 72,
            reconcile_days: 7,
            reread_minutes: 360,
            batch_seconds: 600,
            initial_days: 90,
            reconcile_pages: 60,
        }
    }
}

impl Settings {
    /// Reads the settings through `var`.
    ///
    /// # Errors
    ///
    /// 503 `not_configured` naming a setting that does not parse.
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
        let hours = r.number(&crate::settings::SYNC_OVERLAP_HOURS);
        let reread = r.number(&crate::settings::SYNC_REREAD_MINUTES);
        let batch = r.number(&crate::settings::WEBHOOK_BATCH_SECONDS);
        let days = r.number(&crate::settings::INITIAL_SYNC_DAYS);
        let pages = r.number(&crate::settings::SYNC_RECONCILE_PAGES);
        Settings {
            overlap_hours: i64::try_from(hours).unwrap_or(i64::MAX),
            reread_minutes: i64::try_from(reread).unwrap_or(i64::MAX),
            batch_seconds: i64::try_from(batch).unwrap_or(i64::MAX),
            initial_days: i64::try_from(days).unwrap_or(i64::MAX),
            reconcile_pages: i64::try_from(pages).unwrap_or(i64::MAX),
            ..Settings::default()
        }
    }
}

impl State {
    /// Starts (or queues) a job.
    pub fn start(&mut self, kind: Kind, from_ms: i64, to_ms: i64, now_ms: i64) -> &Job {
        let job = Job {
            kind,
            from_ms,
            to_ms,
            cursor: None,
            pages: 0,
            written: 0,
            removed: 0,
            requests: 0,
            started_ms: now_ms,
            attempts: 0,
            max_pages: None,
            stepping: false,
            listed_all: false,
            unlisted_after: None,
        };
        if self.job.is_some() {
            self.queue.push(job);
            self.queue
                .last()
                .unwrap_or_else(|| unreachable!("just pushed"))
        } else {
            self.job.insert(job)
        }
    }

    /// Whether a reconcile slice is due at `now_ms` (a day after the last,
    /// or at once when none ran yet; never while a job runs): where it ends,
    /// the sweep's position in the `covered` range. The caller finds where
    /// it starts ([`reconcile_slice_calls`] calls before it, from the
    /// library) and passes both to [`State::scheduled`].
    pub fn reconcile_due(
        &self,
        now_ms: i64,
        covered: Option<(i64, i64)>,
        settings: &Settings,
    ) -> Option<i64> {
        if self.job.is_some() || settings.reconcile_pages <= 0 {
            return None;
        }
        let (from, to) = covered?;
        if self
            .last_reconcile_ms
            .is_some_and(|t| now_ms - t < RECONCILE_EVERY_MS)
        {
            return None;
        }
        Some(match self.reconcile_before_ms {
            Some(end) if end > from && end <= to => end,
            _ => to,
        })
    }

    /// What the Cron Trigger starts at `now_ms`: the first backfill (the
    /// last `initial_days`) while the library covers nothing and no run has
    /// finished, so a freshly deployed Worker fills itself; then the day's
    /// reconcile `slice` when [`State::reconcile_due`] gave one, else an
    /// incremental run from the checkpoint less the overlap; nothing while
    /// a job runs.
    pub fn scheduled(
        &mut self,
        now_ms: i64,
        covered: Option<(i64, i64)>,
        slice: Option<(i64, i64)>,
        settings: &Settings,
    ) -> Option<Kind> {
        if self.job.is_some() {
            return None;
        }
        if covered.is_none() && self.checkpoint_ms.is_none() && settings.initial_days > 0 {
            let from = now_ms.saturating_sub(settings.initial_days.saturating_mul(86_400_000));
            self.start(Kind::Backfill, from, now_ms, now_ms);
            return Some(Kind::Backfill);
        }
        if let Some((from, to)) = slice.filter(|(from, to)| from < to) {
            self.start(Kind::Reconcile, from, to, now_ms);
            return Some(Kind::Reconcile);
        }
        // The tiers: every SYNC_REREAD_MINUTES the whole overlap (a call
        // Gong lists late, anywhere in it); between those, from the
        // checkpoint less an hour, or nothing while webhooks arrive.
        let reread_due = self
            .last_reread_ms
            .is_none_or(|t| now_ms - t >= settings.reread_minutes.saturating_mul(60_000));
        let back = if reread_due {
            self.last_reread_ms = Some(now_ms);
            settings.overlap_hours * 3_600_000
        } else if self
            .last_webhook_ms
            .is_some_and(|t| now_ms - t < WEBHOOKS_QUIET_MS)
        {
            return None;
        } else {
            SHORT_OVERLAP_MS
        };
        let from = self.checkpoint_ms.unwrap_or(now_ms) - back;
        self.start(Kind::Incremental, from, now_ms, now_ms);
        Some(Kind::Incremental)
    }

    /// The job finished: remember it, move the checkpoint, start the next.
    pub fn finish(&mut self, now_ms: i64) -> Option<Run> {
        let job = self.job.as_ref()?;
        if job.kind == Kind::Reconcile {
            // The sweep goes on below this slice the next day (a day after
            // this one started, so the Cron slot stays the same).
            self.last_reconcile_ms = Some(job.started_ms);
            self.reconcile_before_ms = Some(job.from_ms);
        } else {
            self.checkpoint_ms = Some(self.checkpoint_ms.unwrap_or(i64::MIN).max(job.to_ms));
            // What a job just listed needs no reconcile the same day.
            self.last_reconcile_ms.get_or_insert(now_ms);
        }
        self.last_error = None;
        self.end(now_ms, "ok")
    }

    /// The job cannot go on (Gong loops, or its step keeps failing): it
    /// ends with `lastError` saying why, without moving the checkpoint or
    /// the covered range, and the next job starts.
    pub fn halt(&mut self, now_ms: i64, code: &str, message: &str) -> Option<Run> {
        self.last_error = Some(LastError {
            at: iso(now_ms),
            code: code.to_owned(),
            message: format!("the job was stopped: {message}"),
            retry_at: None,
        });
        self.end(now_ms, "failed")
    }

    fn end(&mut self, now_ms: i64, result: &str) -> Option<Run> {
        let job = self.job.take()?;
        let run = Run {
            kind: job.kind,
            from: iso(job.from_ms),
            to: iso(job.to_ms),
            started: iso(job.started_ms),
            ended: iso(now_ms),
            result: result.into(),
            pages: job.pages,
            written: job.written,
            removed: job.removed,
            requests: job.requests,
        };
        self.last = Some(run.clone());
        if !self.queue.is_empty() {
            let mut next = self.queue.remove(0);
            next.started_ms = now_ms;
            self.job = Some(next);
        }
        Some(run)
    }

    /// A step failed: when to try it again (the page is read again), or
    /// `None` when this was its [`MAX_STEP_ATTEMPTS`]th failure and the job
    /// ended ([`State::halt`]).
    pub fn failed(
        &mut self,
        now_ms: i64,
        code: &str,
        message: &str,
        retry_after_s: Option<u64>,
    ) -> Option<i64> {
        // Waiting for a budget or Gong's rate limit is not the step failing.
        let counts = !matches!(
            code,
            "gong_quota_exhausted" | "gong_rate_limited" | "user_quota_exhausted"
        );
        let attempts = self.job.as_mut().map_or(1, |j| {
            j.attempts += u32::from(counts);
            j.attempts.max(1)
        });
        if counts && attempts >= MAX_STEP_ATTEMPTS {
            self.halt(
                now_ms,
                code,
                &format!(
                    "the same step failed {attempts} times in a row; the last time: {message}"
                ),
            );
            return None;
        }
        let backoff_s = retry_after_s.unwrap_or_else(|| (1u64 << attempts.min(9)).min(300));
        let at = now_ms + (backoff_s as i64) * 1000;
        self.last_error = Some(LastError {
            at: iso(now_ms),
            code: code.to_owned(),
            message: message.to_owned(),
            retry_at: Some(iso(at)),
        });
        Some(at)
    }
}

/// Milliseconds as ISO 8601 (UTC).
pub fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// Reads an ISO 8601 instant as ms.
pub fn ms(iso: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(iso)
        .ok()
        .map(|t| t.timestamp_millis())
}

#[cfg(target_arch = "wasm32")]
pub use remote::{serve, step, Client};

#[cfg(target_arch = "wasm32")]
mod remote {
    use std::collections::HashMap;

    use serde::Deserialize;
    use serde_json::value::RawValue;
    use worker::{Method, Request, Response, SqlStorageValue};

    use super::{iso, Kind, Settings, State, UNLISTED_PER_STEP, UNLISTED_WINDOW};
    use crate::config::Config;
    use crate::error::{Error, Result};
    use crate::gate::{self, Purpose};
    use crate::gong::{Answer, Gong};
    use crate::library::{digest, has_transcript, Libraries, Record};

    /// The sync's binding in wrangler.toml.
    pub const BINDING: &str = "GONG_SYNC";

    thread_local! {
        /// The ms this alarm spent waiting on Gong (its permits included),
        /// so a step's log tells its own work from Gong's time.
        static GONG_MS: std::cell::Cell<i64> = const { std::cell::Cell::new(0) };
    }

    /// `gong.post`, its time added to [`GONG_MS`].
    async fn post(gong: &Gong, path: &str, body: &str) -> Result<Answer> {
        let t = worker::Date::now().as_millis() as i64;
        let answer = gong.post(path, body).await;
        let spent = worker::Date::now().as_millis() as i64 - t;
        GONG_MS.with(|g| g.set(g.get() + spent));
        answer
    }

    /// A handle on one tenant's sync.
    pub struct Client {
        stub: worker::Stub,
    }

    impl Client {
        /// The sync of the tenant `name`.
        pub fn new(env: &worker::Env, name: &str) -> Result<Client> {
            Ok(Client {
                stub: gate::remote::object(env, BINDING, name)?,
            })
        }

        /// Starts a backfill of `[from_ms, to_ms)` (queued behind a job under way).
        pub async fn backfill(&self, from_ms: i64, to_ms: i64) -> Result<State> {
            let body =
                serde_json::json!({"kind": Kind::Backfill, "fromMs": from_ms, "toMs": to_ms});
            gate::remote::call_object(&self.stub, "/start", Some(body.to_string())).await
        }

        /// What the Cron Trigger starts.
        pub async fn scheduled(&self) -> Result<State> {
            gate::remote::call_object(&self.stub, "/start", Some("{}".into())).await
        }

        /// The sync's state.
        pub async fn status(&self) -> Result<State> {
            gate::remote::call_object(&self.stub, "/status", None).await
        }
    }

    /// The sync's state and the cursors its job has followed (the ids it
    /// saw listed are in the library's database: `sync_listed`).
    fn load(sql: &worker::SqlStorage) -> worker::Result<State> {
        sql.exec(
            "CREATE TABLE IF NOT EXISTS cursors (cursor TEXT PRIMARY KEY)",
            None,
        )?;
        sql.exec(
            "CREATE TABLE IF NOT EXISTS webhook_calls (id TEXT PRIMARY KEY, at INTEGER NOT NULL)",
            None,
        )?;
        gate::remote::load_state(sql)
    }

    fn save(sql: &worker::SqlStorage, state: &State) -> worker::Result<()> {
        gate::remote::save_state(sql, state)
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct StartAsk {
        kind: Option<Kind>,
        from_ms: Option<i64>,
        to_ms: Option<i64>,
    }

    /// The Durable Object's requests: `POST /start` (a backfill with a
    /// range, or what the Cron Trigger starts), `GET /status`.
    pub async fn serve(
        state: &worker::State,
        env: &worker::Env,
        mut req: Request,
    ) -> worker::Result<Response> {
        let sql = state.storage().sql();
        let mut s = load(&sql)?;
        let now = worker::Date::now().as_millis() as i64;
        match (req.method(), req.path().as_str()) {
            (Method::Post, "/start") => {
                let ask: StartAsk = serde_json::from_str(&req.text().await?)?;
                let was_idle = s.job.is_none();
                match (ask.kind, ask.from_ms, ask.to_ms) {
                    (Some(Kind::Backfill), Some(from), Some(to)) => {
                        s.start(Kind::Backfill, from, to, now);
                    }
                    _ => {
                        let settings =
                            match Settings::read(|n| env.var(n).ok().map(|v| v.to_string())) {
                                Ok(settings) => settings,
                                Err(e) => return Response::error(e.to_string(), 503),
                            };
                        let lib = Libraries::open(env);
                        let covered = match &lib {
                            Some(lib) => lib
                                .coverage()
                                .await
                                .ok()
                                .flatten()
                                .map(|c| (c.from_ms, c.to_ms)),
                            None => None,
                        };
                        let slice = match (&lib, s.reconcile_due(now, covered, &settings)) {
                            (Some(lib), Some(end)) => reconcile_slice(lib, covered, end, &settings)
                                .await
                                .map_err(|e| worker::Error::RustError(e.to_string()))?,
                            _ => None,
                        };
                        s.scheduled(now, covered, slice, &settings);
                    }
                }
                if was_idle && s.job.is_some() {
                    sql.exec("DELETE FROM cursors", None)?;
                    // An i64 is an offset from now, in ms.
                    state.storage().set_alarm(0i64).await?;
                } else if s.job.is_some() && state.storage().get_alarm().await?.is_none() {
                    // A job with no alarm (the runtime gave up retrying a
                    // killed step) would block every later run: go on.
                    state.storage().set_alarm(0i64).await?;
                }
                save(&sql, &s)?;
                Response::from_json(&s)
            }
            (Method::Post, "/webhook") => {
                let settings = match Settings::read(|n| env.var(n).ok().map(|v| v.to_string())) {
                    Ok(settings) => settings,
                    Err(e) => return Response::error(e.to_string(), 503),
                };
                let text = req.text().await?;
                let (answer, queued) = match webhook(&sql, env, &text, now).await {
                    Ok(done) => done,
                    Err(e) => return Response::error(e.to_string(), e.status()),
                };
                s.last_webhook_ms = Some(now);
                save(&sql, &s)?;
                if queued {
                    if let Some(due) = batch_due(&sql, &s, &settings)? {
                        let armed = state.storage().get_alarm().await?;
                        if armed.is_none_or(|at| at > due) {
                            state.storage().set_alarm((due - now).max(0)).await?;
                        }
                    }
                }
                Response::from_json(&answer)
            }
            (Method::Get, "/status") => Response::from_json(&s),
            _ => Response::error("no such sync route", 404),
        }
    }

    /// The alarm: one step of the job under way, then the next alarm.
    pub async fn step(state: &worker::State, env: &worker::Env) -> worker::Result<Response> {
        let sql = state.storage().sql();
        let mut s = load(&sql)?;
        let now = worker::Date::now().as_millis() as i64;
        // Calls written before the search index (or with an older one) are
        // indexed a batch a step, with or without a job, until none is left.
        let reindexed = reindex(env).await;
        // The transcripts of calls webhooks brought, a batch when due.
        let batch_next = batch(&sql, env, &mut s, now).await;
        if s.job.is_none() {
            save(&sql, &s)?;
            let retained = crate::retention::step(env, now).await;
            let next = [(reindexed || retained).then_some(now), batch_next]
                .into_iter()
                .flatten()
                .min();
            if let Some(at) = next {
                state.storage().set_alarm((at - now).max(0)).await?;
            }
            return Response::ok("idle");
        }
        let next = match interrupted(&mut s, now) {
            // The last step was killed: it is tried again after its backoff.
            Some(Some(at)) => Some(at),
            Some(None) => ended(&sql, &s, now)?,
            None => {
                // Saved before the work: if this step is killed, the next
                // alarm knows.
                if let Some(job) = s.job.as_mut() {
                    job.stepping = true;
                }
                save(&sql, &s)?;
                GONG_MS.with(|g| g.set(0));
                let t0 = worker::Date::now().as_millis() as i64;
                let removing = s.job.as_ref().is_some_and(|j| j.listed_all);
                let progress = advance(&mut s, &sql, env, now).await;
                if let Some(job) = s.job.as_mut() {
                    job.stepping = false;
                    // One line a step: its time, Gong's share, and what it
                    // did (bench/backfill.mjs reads these).
                    let ms = worker::Date::now().as_millis() as i64 - t0;
                    let step = serde_json::json!({
                        "kind": job.kind, "page": job.pages, "removing": removing,
                        "ms": ms, "gongMs": GONG_MS.with(|g| g.get()),
                    });
                    worker::console_log!("{}", serde_json::json!({ "syncStep": step }));
                }
                match progress {
                    Ok(Progress::Done) => {
                        if let Some(run) = s.finish(now) {
                            worker::console_log!("{}", serde_json::json!({"sync": run}));
                        }
                        ended(&sql, &s, now)?
                    }
                    Ok(Progress::More) => Some(now),
                    Ok(Progress::Halt(e)) => {
                        if let Some(run) = s.halt(now, e.code(), &e.to_string()) {
                            worker::console_log!(
                                "{}",
                                serde_json::json!({"sync": run, "syncError": e.code()})
                            );
                        }
                        ended(&sql, &s, now)?
                    }
                    Err(e) => {
                        let retry = e.retry_after();
                        match s.failed(now, e.code(), &e.to_string(), retry) {
                            Some(at) => {
                                worker::console_log!(
                                    "{}",
                                    serde_json::json!({"syncError": e.code(), "retryAt": iso(at)})
                                );
                                Some(at)
                            }
                            None => {
                                worker::console_log!(
                                    "{}",
                                    serde_json::json!({"syncError": e.code(), "ended": true})
                                );
                                ended(&sql, &s, now)?
                            }
                        }
                    }
                }
            }
        };
        save(&sql, &s)?;
        // After the step's work, so a range the step just covered is
        // trimmed in the same alarm (crate::retention).
        let retained = crate::retention::step(env, now).await;
        // Calls still waiting for the index (or retention) keep the alarm going.
        let next = next.or((reindexed || retained).then_some(now));
        let next = [next, batch_next].into_iter().flatten().min();
        if let Some(at) = next {
            // An i64 is an offset from now, in ms.
            state.storage().set_alarm((at - now).max(0)).await?;
        }
        Response::ok("stepped")
    }

    /// The step before this alarm was stopped before it finished (the
    /// runtime's CPU or time limit): a failure of that step. `None`: it
    /// was not; `Some(None)`: the job ended.
    fn interrupted(s: &mut State, now: i64) -> Option<Option<i64>> {
        let job = s.job.as_mut().filter(|j| j.stepping)?;
        job.stepping = false;
        Some(s.failed(
            now,
            "step_interrupted",
            "the step was stopped before it finished (the runtime's CPU or time limit); it is tried again",
            None,
        ))
    }

    /// The day's reconcile slice ending at `end`: back from it over
    /// [`super::reconcile_slice_calls`] of the library's calls (through
    /// `calls_started`), to the start of the covered range at most.
    async fn reconcile_slice(
        library: &Libraries,
        covered: Option<(i64, i64)>,
        end: i64,
        settings: &Settings,
    ) -> Result<Option<(i64, i64)>> {
        let Some((from, _)) = covered else {
            return Ok(None);
        };
        let calls = u64::try_from(library.count().await?).unwrap_or(0);
        let take = super::reconcile_slice_calls(calls, settings);
        let start = library.slice_start(from, end, take).await?;
        Ok(Some((start.unwrap_or(from), end)))
    }

    /// A job ended: its tables are emptied for the next, which starts now.
    fn ended(sql: &worker::SqlStorage, s: &State, now: i64) -> worker::Result<Option<i64>> {
        sql.exec("DELETE FROM cursors", None)?;
        Ok(s.job.as_ref().map(|_| now))
    }

    /// After a step.
    enum Progress {
        /// More pages to read.
        More,
        /// The range was read.
        Done,
        /// Gong answered so that the job cannot go on (a loop).
        Halt(Error),
    }

    /// Calls the sync indexes again per step (no Gong request: D1 work only).
    const REINDEX_PER_STEP: usize = 25;

    /// One batch of [`Library::reindex`]; whether there was anything to do.
    async fn reindex(env: &worker::Env) -> bool {
        let Some(library) = Libraries::open(env) else {
            return false;
        };
        let config = Config::read(
            |n| env.var(n).ok().map(|v| v.to_string()),
            |n| env.secret(n).ok().map(|v| v.to_string()),
        );
        match library
            .reindex(&config.internal_domains, REINDEX_PER_STEP)
            .await
        {
            Ok(n) => n > 0,
            Err(e) => {
                worker::console_log!("{}", serde_json::json!({"reindex": e.to_string()}));
                false
            }
        }
    }

    #[derive(Deserialize)]
    struct Page<'a> {
        #[serde(borrow, default)]
        calls: Vec<&'a RawValue>,
        #[serde(default)]
        records: Option<Records>,
    }

    #[derive(Deserialize)]
    struct TranscriptPage<'a> {
        #[serde(borrow, default, rename = "callTranscripts")]
        call_transcripts: Vec<&'a RawValue>,
        #[serde(default)]
        records: Option<Records>,
    }

    #[derive(Deserialize)]
    struct Records {
        cursor: Option<String>,
        #[serde(default, rename = "totalRecords")]
        total_records: Option<u64>,
    }

    #[derive(Deserialize)]
    struct Head {
        #[serde(rename = "metaData")]
        meta_data: Option<Meta>,
    }

    #[derive(Deserialize)]
    struct Meta {
        id: Option<serde_json::Value>,
        #[serde(rename = "isPrivate")]
        is_private: Option<bool>,
    }

    #[derive(Deserialize)]
    struct TranscriptHead {
        #[serde(rename = "callId")]
        call_id: Option<serde_json::Value>,
    }

    fn id_of(v: &Option<serde_json::Value>) -> Option<String> {
        match v {
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            _ => None,
        }
    }

    fn gong(env: &worker::Env, config: &Config) -> Result<Gong> {
        let (base, key, secret) = config.gong_credentials()?;
        let gate = gate::remote::Client::new(env, &crate::sign::tenant(base, key))?;
        Ok(Gong::new(base, key, secret).with_gate(std::rc::Rc::new(gate), Purpose::Sync))
    }

    /// Reads one page of the job.
    async fn advance(
        s: &mut State,
        sql: &worker::SqlStorage,
        env: &worker::Env,
        now: i64,
    ) -> Result<Progress> {
        let config = Config::read(
            |n| env.var(n).ok().map(|v| v.to_string()),
            |n| env.secret(n).ok().map(|v| v.to_string()),
        );
        let library = Libraries::open(env).ok_or_else(|| {
            Error::NotConfigured(format!(
                "the D1 binding {} is missing: see [[d1_databases]] in wrangler.toml",
                crate::library::BINDING
            ))
        })?;
        let job = s
            .job
            .as_mut()
            .ok_or_else(|| Error::Internal("no job".into()))?;
        if job.listed_all {
            return remove_unlisted(job, &library, now).await;
        }
        if job.pages == 0 && job.cursor.is_none() {
            // A new job: what an earlier one saw listed is not this one's.
            library.clear_listed().await?;
        }
        let gong = gong(env, &config)?;
        let request = gongkit::RequestOptions {
            from_date_time: Some(iso(job.from_ms)),
            to_date_time: Some(iso(job.to_ms)),
            cursor: job.cursor.clone(),
            preset: Some(gongkit::Preset::CallView),
            ..gongkit::RequestOptions::default()
        }
        .extensive()
        .map_err(|e| Error::InvalidQuery(e.to_string()))?;
        let body = serde_json::to_string(&request).map_err(Error::internal)?;
        let text = match post(&gong, "/v2/calls/extensive", &body).await? {
            Answer::Body(text) => text,
            Answer::NoCalls => String::new(),
        };
        let page: Page = if text.is_empty() {
            Page {
                calls: Vec::new(),
                records: None,
            }
        } else {
            serde_json::from_str(&text)
                .map_err(|e| Error::GongBadResponse(format!("a listing page: {e}")))?
        };
        // The listing's rule, across the job's alarms: no empty page with a
        // cursor, no cursor twice, no more pages than the range holds.
        let page_no = job.pages + 1;
        let next = page.records.as_ref().and_then(|r| r.cursor.as_deref());
        let repeated = match next {
            Some(c) => {
                #[derive(Deserialize)]
                struct Count {
                    n: u64,
                }
                let rows: Vec<Count> = sql
                    .exec(
                        "SELECT COUNT(*) AS n FROM cursors WHERE cursor = ?",
                        vec![SqlStorageValue::String(c.to_owned())],
                    )
                    .and_then(|c| c.to_array())
                    .map_err(|e| Error::Internal(e.to_string()))?;
                rows.first().is_some_and(|r| r.n > 0)
            }
            None => false,
        };
        job.requests += u64::from(gong.requests());
        if let Err(e) = crate::list::check_page(page_no as usize, page.calls.len(), next, repeated)
        {
            return Ok(Progress::Halt(e));
        }
        let cap = *job.max_pages.get_or_insert_with(|| {
            super::page_cap(
                page.records.as_ref().and_then(|r| r.total_records),
                page.calls.len(),
            )
        });
        if next.is_some() && page_no >= cap {
            return Ok(Progress::Halt(Error::GongBadResponse(format!(
                "Gong's listing of {} to {} goes on past {cap} pages, more than the range holds",
                iso(job.from_ms),
                iso(job.to_ms)
            ))));
        }
        if let Some(c) = next {
            sql.exec(
                "INSERT OR IGNORE INTO cursors (cursor) VALUES (?)",
                vec![SqlStorageValue::String(c.to_owned())],
            )
            .map_err(|e| Error::Internal(e.to_string()))?;
        }
        let listed_requests = gong.requests();
        // Each call's own JSON, its id, and whether it may be kept.
        let mut kept: Vec<(String, &RawValue)> = Vec::new();
        let mut gone: Vec<String> = Vec::new();
        for raw in &page.calls {
            let head: Head = serde_json::from_str(raw.get())
                .map_err(|e| Error::GongBadResponse(format!("a call of a listing page: {e}")))?;
            let meta = head.meta_data.as_ref();
            let Some(id) = meta.and_then(|m| id_of(&m.id)) else {
                continue;
            };
            if meta.and_then(|m| m.is_private) == Some(true) && !config.include_private_calls {
                gone.push(id);
            } else {
                kept.push((id, raw));
            }
        }
        let listed: Vec<String> = kept.iter().map(|(id, _)| id.clone()).collect();
        library.note_listed(&listed).await?;
        if !kept.is_empty() {
            // A reconcile lists what the tiers no longer re-read: a call
            // changed since (its digest differs) is written too, with the
            // transcript the library has.
            let records = changed_records(&gong, &library, &kept, &config).await?;
            job.written += library.upsert(&records, now).await? as u64;
        }
        job.requests += u64::from(gong.requests() - listed_requests);
        job.removed += library.remove(&gone, now).await? as u64;
        job.pages += 1;
        job.attempts = 0;
        job.cursor = page.records.and_then(|r| r.cursor);
        if job.cursor.is_some() {
            return Ok(Progress::More);
        }
        // The whole range was listed: the next steps remove what the
        // library has in it that Gong did not list.
        job.listed_all = true;
        Ok(Progress::More)
    }

    /// One step of the end of a job: of the next [`UNLISTED_WINDOW`] of
    /// the library's calls in the range, up to [`UNLISTED_PER_STEP`] that
    /// Gong did not list (one anti-join in the database) are gone from
    /// Gong. A step's work is bounded by the window, not by the range.
    async fn remove_unlisted(
        job: &mut super::Job,
        library: &Libraries,
        now: i64,
    ) -> Result<Progress> {
        let after = job.unlisted_after.as_ref().map(|(t, id)| (*t, id.as_str()));
        let window = library
            .unlisted(
                job.from_ms,
                job.to_ms,
                after,
                UNLISTED_WINDOW,
                UNLISTED_PER_STEP,
            )
            .await?;
        let ids: Vec<String> = window.gone.iter().map(|c| c.id.clone()).collect();
        job.removed += library.remove(&ids, now).await? as u64;
        job.attempts = 0;
        if let Some(next) = window.next {
            job.unlisted_after = Some(next);
            return Ok(Progress::More);
        }
        library.cover(job.from_ms, job.to_ms).await?;
        library.clear_listed().await?;
        Ok(Progress::Done)
    }

    /// The records of a listing page's calls that are new or changed. A
    /// call whose JSON matches the library's digest is left alone (an
    /// unchanged page costs its listing only); a changed call keeps the
    /// transcript the library has (Gong does not change a transcript once
    /// processed); only calls new to the library or still without a
    /// transcript are asked for theirs, in one request.
    async fn changed_records(
        gong: &Gong,
        library: &Libraries,
        kept: &[(String, &RawValue)],
        config: &Config,
    ) -> Result<Vec<Record>> {
        let ids: Vec<String> = kept.iter().map(|(id, _)| id.clone()).collect();
        let known = library.digests(&ids).await?;
        let (mut fetch, mut reuse) = (Vec::new(), Vec::new());
        for (id, raw) in kept {
            match known.get(id) {
                Some(d) if *d == digest(raw.get(), true) => {}
                Some(d) if has_transcript(d) => reuse.push((id.clone(), *raw)),
                _ => fetch.push((id.clone(), *raw)),
            }
        }
        let mut records = Vec::with_capacity(fetch.len() + reuse.len());
        if !fetch.is_empty() {
            let ids: Vec<String> = fetch.iter().map(|(id, _)| id.clone()).collect();
            let got = transcripts(gong, &ids).await?;
            for (id, raw) in &fetch {
                let tr = got.get(id).map(String::as_str);
                records.push(Record::from_raw(raw.get(), tr, &config.internal_domains)?);
            }
        }
        if !reuse.is_empty() {
            let ids: Vec<String> = reuse.iter().map(|(id, _)| id.clone()).collect();
            let stored: HashMap<String, Option<String>> = library
                .get_many(&ids)
                .await?
                .into_iter()
                .map(|c| (c.id, c.transcript))
                .collect();
            for (id, raw) in &reuse {
                let tr = stored.get(id).and_then(|t| t.as_deref());
                records.push(Record::from_raw(raw.get(), tr, &config.internal_domains)?);
            }
        }
        Ok(records)
    }

    fn library(env: &worker::Env) -> Result<Libraries> {
        Libraries::open(env).ok_or_else(|| {
            Error::NotConfigured(format!(
                "the D1 binding {} is missing: see [[d1_databases]] in wrangler.toml",
                crate::library::BINDING
            ))
        })
    }

    fn config(env: &worker::Env) -> Config {
        Config::read(
            |n| env.var(n).ok().map(|v| v.to_string()),
            |n| env.secret(n).ok().map(|v| v.to_string()),
        )
    }

    /// A call a verified Gong webhook brought (`worker/js/webhook.mjs`):
    /// stored at once from the call data given, its transcript queued for
    /// the next batch. A private call is not stored (and leaves the
    /// library), a call the library has unchanged costs nothing. The
    /// answer, and whether a transcript was queued.
    async fn webhook(
        sql: &worker::SqlStorage,
        env: &worker::Env,
        text: &str,
        now: i64,
    ) -> Result<(serde_json::Value, bool)> {
        let config = config(env);
        let library = library(env)?;
        let head: Head =
            serde_json::from_str(text).map_err(|e| Error::InvalidBody(format!("callData: {e}")))?;
        let meta = head.meta_data.as_ref();
        let id = meta
            .and_then(|m| id_of(&m.id))
            .ok_or_else(|| Error::InvalidBody("callData.metaData.id is missing".into()))?;
        if meta.and_then(|m| m.is_private) == Some(true) && !config.include_private_calls {
            library.remove(std::slice::from_ref(&id), now).await?;
            let answer = serde_json::json!({"id": id, "stored": false, "reason": "private"});
            return Ok((answer, false));
        }
        let known = library.digests(std::slice::from_ref(&id)).await?;
        let stored = known.get(&id);
        if stored.is_some_and(|d| *d == digest(text, true)) {
            let answer = serde_json::json!({"id": id, "stored": false, "reason": "unchanged"});
            return Ok((answer, false));
        }
        let transcript = match stored {
            Some(d) if has_transcript(d) => library.get(&id).await?.and_then(|c| c.transcript),
            _ => None,
        };
        let queued = transcript.is_none();
        let record = Record::from_raw(text, transcript.as_deref(), &config.internal_domains)?;
        library.upsert(&[record], now).await?;
        if queued {
            sql.exec(
                "INSERT OR IGNORE INTO webhook_calls (id, at) VALUES (?, ?)",
                vec![
                    SqlStorageValue::String(id.clone()),
                    SqlStorageValue::Integer(now),
                ],
            )
            .map_err(|e| Error::Internal(e.to_string()))?;
        }
        let transcript = if queued { "queued" } else { "kept" };
        let answer = serde_json::json!({"id": id, "stored": true, "transcript": transcript});
        Ok((answer, queued))
    }

    /// When the next batch of webhook transcripts is due: the oldest
    /// queued call waits `WEBHOOK_BATCH_SECONDS` for others, and batches
    /// are that far apart. `None`: nothing waits.
    fn batch_due(
        sql: &worker::SqlStorage,
        s: &State,
        settings: &Settings,
    ) -> worker::Result<Option<i64>> {
        #[derive(Deserialize)]
        struct Oldest {
            at: Option<i64>,
        }
        let rows: Vec<Oldest> = sql
            .exec("SELECT MIN(at) AS at FROM webhook_calls", None)?
            .to_array()?;
        let Some(oldest) = rows.first().and_then(|r| r.at) else {
            return Ok(None);
        };
        let wait = settings.batch_seconds.saturating_mul(1000);
        let after_last = s.last_batch_ms.map_or(i64::MIN, |t| t.saturating_add(wait));
        Ok(Some(oldest.saturating_add(wait).max(after_last)))
    }

    /// One batch when due: the transcripts of up to [`super::WEBHOOK_BATCH`]
    /// queued webhook calls in one request. When the next is due.
    async fn batch(
        sql: &worker::SqlStorage,
        env: &worker::Env,
        s: &mut State,
        now: i64,
    ) -> Option<i64> {
        let settings = Settings::read(|n| env.var(n).ok().map(|v| v.to_string())).ok()?;
        let due = match batch_due(sql, s, &settings) {
            Ok(Some(due)) => due,
            Ok(None) => return None,
            Err(e) => {
                worker::console_log!("{}", serde_json::json!({"webhookBatch": e.to_string()}));
                return None;
            }
        };
        if due > now {
            return Some(due);
        }
        match fetch_batch(sql, env, now).await {
            Ok(()) => {
                s.last_batch_ms = Some(now);
                batch_due(sql, s, &settings).ok().flatten()
            }
            Err(e) => {
                let wait = e.retry_after().map_or(60, |s| s.max(1)) as i64 * 1000;
                worker::console_log!(
                    "{}",
                    serde_json::json!({"webhookBatch": e.code(), "retryAt": iso(now + wait)})
                );
                Some(now + wait)
            }
        }
    }

    async fn fetch_batch(sql: &worker::SqlStorage, env: &worker::Env, now: i64) -> Result<()> {
        #[derive(Deserialize)]
        struct Id {
            id: String,
        }
        let rows: Vec<Id> = sql
            .exec(
                "SELECT id FROM webhook_calls ORDER BY at, id LIMIT ?",
                vec![SqlStorageValue::Integer(super::WEBHOOK_BATCH as i64)],
            )
            .and_then(|c| c.to_array())
            .map_err(|e| Error::Internal(e.to_string()))?;
        let ids: Vec<String> = rows.into_iter().map(|r| r.id).collect();
        let config = config(env);
        let library = library(env)?;
        // A Cron run may have fetched some already.
        let known = library.digests(&ids).await?;
        let need: Vec<String> = ids
            .iter()
            .filter(|id| known.get(*id).is_some_and(|d| !has_transcript(d)))
            .cloned()
            .collect();
        if !need.is_empty() {
            let gong = gong(env, &config)?;
            let got = transcripts(&gong, &need).await?;
            let mut records = Vec::with_capacity(need.len());
            for c in library.get_many(&need).await? {
                if let Some(tr) = got.get(&c.id) {
                    records.push(Record::from_raw(
                        &c.extensive,
                        Some(tr),
                        &config.internal_domains,
                    )?);
                }
            }
            library.upsert(&records, now).await?;
        }
        for id in ids {
            sql.exec(
                "DELETE FROM webhook_calls WHERE id = ?",
                vec![SqlStorageValue::String(id)],
            )
            .map_err(|e| Error::Internal(e.to_string()))?;
        }
        Ok(())
    }

    /// The transcripts of these calls (≤ 100 ids: one request, following
    /// Gong's cursor if it pages), by call id, each as Gong sent it.
    async fn transcripts(gong: &Gong, ids: &[String]) -> Result<HashMap<String, String>> {
        let mut out = HashMap::new();
        for batch in gongkit::batch_call_ids(ids).map_err(Error::from_input)? {
            let mut cursor: Option<String> = None;
            for _ in 0..10 {
                let mut request = gongkit::RequestOptions {
                    call_ids: Some(batch.clone()),
                    ..gongkit::RequestOptions::default()
                }
                .transcript()
                .map_err(Error::from_input)?;
                if let Some(c) = &cursor {
                    request = request.cursor(c.clone());
                }
                let body = serde_json::to_string(&request).map_err(Error::internal)?;
                let text = match post(gong, "/v2/calls/transcript", &body).await? {
                    Answer::Body(text) => text,
                    Answer::NoCalls => break,
                };
                let page: TranscriptPage = serde_json::from_str(&text)
                    .map_err(|e| Error::GongBadResponse(format!("a transcript page: {e}")))?;
                for raw in page.call_transcripts {
                    let head: TranscriptHead = serde_json::from_str(raw.get())
                        .map_err(|e| Error::GongBadResponse(format!("a call transcript: {e}")))?;
                    if let Some(id) = id_of(&head.call_id) {
                        out.insert(id, raw.get().to_owned());
                    }
                }
                cursor = page.records.and_then(|r| r.cursor);
                if cursor.is_none() {
                    break;
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;
    const HOUR: i64 = 3_600_000;

    #[test]
    fn incremental_runs_reread_the_overlap_and_move_the_checkpoint() {
        let settings = Settings {
            initial_days: 0,
            ..Settings::default()
        };
        let mut s = State::default();
        assert_eq!(
            s.scheduled(100 * DAY, None, None, &settings),
            Some(Kind::Incremental)
        );
        let job = s.job.clone().unwrap();
        assert_eq!((job.from_ms, job.to_ms), (100 * DAY - 3 * DAY, 100 * DAY));
        // Nothing new starts while it runs.
        assert_eq!(s.scheduled(100 * DAY + 1, None, None, &settings), None);
        let run = s.finish(100 * DAY + 5).unwrap();
        assert_eq!(run.result, "ok");
        assert_eq!(s.checkpoint_ms, Some(100 * DAY));
        s.scheduled(101 * DAY, None, None, &settings);
        assert_eq!(s.job.as_ref().unwrap().from_ms, 100 * DAY - 3 * DAY);
    }

    #[test]
    fn cron_runs_read_the_last_hour_and_the_whole_overlap_every_reread() {
        const MIN: i64 = 60_000;
        let settings = Settings {
            initial_days: 0,
            ..Settings::default()
        };
        let mut s = State::default();
        let t0 = 100 * DAY;
        // The first run reads the whole overlap.
        s.scheduled(t0, None, None, &settings);
        assert_eq!(s.job.as_ref().unwrap().from_ms, t0 - 72 * HOUR);
        s.finish(t0 + 1);
        // Every 15 minutes: from the checkpoint less an hour.
        let mut at = t0;
        while at + 15 * MIN < t0 + 360 * MIN {
            at += 15 * MIN;
            assert_eq!(
                s.scheduled(at, None, None, &settings),
                Some(Kind::Incremental)
            );
            let job = s.job.clone().unwrap();
            assert_eq!(
                job.from_ms,
                s.checkpoint_ms.unwrap() - SHORT_OVERLAP_MS,
                "at {at}"
            );
            s.finish(at + 1);
        }
        // SYNC_REREAD_MINUTES (360) after the last re-read: the whole overlap again.
        s.scheduled(t0 + 360 * MIN, None, None, &settings);
        assert_eq!(s.job.as_ref().unwrap().from_ms, at - 72 * HOUR);
        s.finish(t0 + 360 * MIN + 1);
        // While webhooks arrive, only the re-reads run.
        s.last_webhook_ms = Some(t0 + 370 * MIN);
        assert_eq!(s.scheduled(t0 + 375 * MIN, None, None, &settings), None);
        assert_eq!(
            s.scheduled(t0 + 720 * MIN, None, None, &settings),
            Some(Kind::Incremental)
        );
        assert_eq!(s.job.as_ref().unwrap().from_ms, t0 + 360 * MIN - 72 * HOUR);
        s.finish(t0 + 720 * MIN + 1);
        // A day without webhooks: the hourly runs again.
        s.scheduled(t0 + 370 * MIN + WEBHOOKS_QUIET_MS, None, None, &settings);
        // (a re-read is due by then too)
        s.finish(t0 + 370 * MIN + WEBHOOKS_QUIET_MS + 1);
        s.scheduled(t0 + 385 * MIN + WEBHOOKS_QUIET_MS, None, None, &settings);
        assert_eq!(
            s.job.as_ref().unwrap().from_ms,
            s.checkpoint_ms.unwrap() - SHORT_OVERLAP_MS
        );
        // SYNC_REREAD_MINUTES=0: every run reads the whole overlap.
        let every = Settings {
            reread_minutes: 0,
            ..settings
        };
        let mut s = State::default();
        for i in 0..3 {
            s.scheduled(t0 + i * 15 * MIN, None, None, &every);
            assert_eq!(
                s.job.as_ref().unwrap().from_ms,
                s.checkpoint_ms.unwrap_or(t0) - 72 * HOUR
            );
            s.finish(t0 + i * 15 * MIN + 1);
        }
    }

    #[test]
    fn the_first_run_over_an_empty_library_backfills_the_initial_days() {
        let settings = Settings::default();
        let mut s = State::default();
        assert_eq!(
            s.scheduled(100 * DAY, None, None, &settings),
            Some(Kind::Backfill)
        );
        let job = s.job.clone().unwrap();
        assert_eq!((job.from_ms, job.to_ms), (10 * DAY, 100 * DAY));
        s.finish(100 * DAY + 5);
        assert_eq!(s.checkpoint_ms, Some(100 * DAY));
        // Later runs are incremental, even if the backfill found nothing.
        assert_eq!(
            s.scheduled(101 * DAY, None, None, &settings),
            Some(Kind::Incremental)
        );
        // A library filled by hand is not backfilled again.
        let mut s = State::default();
        assert_eq!(
            s.scheduled(100 * DAY, Some((DAY, 2 * DAY)), None, &settings),
            Some(Kind::Incremental)
        );
    }

    /// What the scheduler starts at `now`, with the reconcile slice found
    /// as the Durable Object finds it: `started` are the library's calls'
    /// start times (the slice takes [`reconcile_slice_calls`] of them back
    /// from where the sweep stands).
    fn cron(
        s: &mut State,
        now: i64,
        covered: (i64, i64),
        started: &[i64],
        settings: &Settings,
    ) -> Option<Kind> {
        let slice = s.reconcile_due(now, Some(covered), settings).map(|end| {
            let take = reconcile_slice_calls(started.len() as u64, settings) as usize;
            let mut before: Vec<i64> = started
                .iter()
                .copied()
                .filter(|t| *t >= covered.0 && *t < end)
                .collect();
            before.sort_unstable_by(|a, b| b.cmp(a));
            (before.get(take - 1).copied().unwrap_or(covered.0), end)
        });
        s.scheduled(now, Some(covered), slice, settings)
    }

    #[test]
    fn the_reconcile_lists_a_slice_a_day_and_sweeps_the_library_in_a_week() {
        let settings = Settings::default();
        // 700 calls, one every 3 hours from day 10: 100 a slice.
        let started: Vec<i64> = (0..700).map(|i| 10 * DAY + i * 3 * HOUR).collect();
        let covered = (10 * DAY, 10 * DAY + 700 * 3 * HOUR);
        let mut s = State::default();
        // The run that filled the library: no reconcile the same day.
        s.start(Kind::Backfill, covered.0, covered.1, 100 * DAY);
        s.finish(100 * DAY);
        assert_eq!(s.last_reconcile_ms, Some(100 * DAY));
        assert_eq!(
            cron(&mut s, 100 * DAY + HOUR, covered, &started, &settings),
            Some(Kind::Incremental)
        );
        s.finish(100 * DAY + HOUR);
        // A day later, the newest seventh; the next day the seventh below it.
        let mut listed: Vec<(i64, i64)> = Vec::new();
        for day in 1..=7 {
            let now = 100 * DAY + day * DAY + HOUR;
            assert_eq!(
                cron(&mut s, now, covered, &started, &settings),
                Some(Kind::Reconcile),
                "day {day}"
            );
            let job = s.job.clone().unwrap();
            listed.push((job.from_ms, job.to_ms));
            // Nothing else starts that day once it is done.
            s.finish(now + 1);
            assert_eq!(
                s.reconcile_due(now + 2 * HOUR, Some(covered), &settings),
                None
            );
        }
        assert_eq!(
            listed[0].1, covered.1,
            "the sweep starts at the newest calls"
        );
        for w in listed.windows(2) {
            assert_eq!(w[1].1, w[0].0, "each slice ends where the last began");
        }
        assert_eq!(listed[6].0, covered.0, "a week reaches the oldest call");
        // Every call is in exactly one slice, 100 a slice.
        for (from, to) in &listed {
            let n = started.iter().filter(|t| *t >= from && *t < to).count();
            assert_eq!(n, 100, "{from}..{to}");
        }
        // The eighth day starts the next sweep at the newest calls again.
        cron(&mut s, 108 * DAY + HOUR, covered, &started, &settings);
        assert_eq!(s.job.as_ref().unwrap().to_ms, covered.1);
        assert_eq!(
            s.checkpoint_ms,
            Some(covered.1.max(100 * DAY + HOUR)),
            "a reconcile does not move the checkpoint"
        );
    }

    #[test]
    fn a_library_past_the_daily_pages_is_swept_more_slowly_at_the_same_cost() {
        let settings = Settings {
            reconcile_pages: 2,
            ..Settings::default()
        };
        // A seventh of 7,000 is 1,000; two pages are 200 calls a day.
        assert_eq!(reconcile_slice_calls(7_000, &settings), 200);
        assert_eq!(reconcile_slice_calls(700, &settings), 100);
        assert_eq!(reconcile_slice_calls(0, &settings), 1);
        assert_eq!(
            reconcile_slice_calls(700_000, &Settings::default()),
            6_000,
            "60 pages a day by default"
        );
        // 0 pages: no reconcile.
        let off = Settings {
            reconcile_pages: 0,
            ..Settings::default()
        };
        assert_eq!(
            State::default().reconcile_due(DAY, Some((0, DAY)), &off),
            None
        );
        // A sweep position outside the covered range (the range changed)
        // starts a sweep at its end.
        let s = State {
            reconcile_before_ms: Some(50 * DAY),
            ..State::default()
        };
        assert_eq!(
            s.reconcile_due(60 * DAY, Some((0, 40 * DAY)), &settings),
            Some(40 * DAY)
        );
    }

    #[test]
    fn failures_back_off_and_jobs_queue() {
        let mut s = State::default();
        s.start(Kind::Backfill, 0, DAY, 0);
        assert_eq!(s.failed(0, "gong_unavailable", "x", None), Some(2000));
        assert_eq!(s.failed(0, "gong_unavailable", "x", None), Some(4000));
        // Waiting for the budget is not the step failing.
        for _ in 0..20 {
            assert_eq!(
                s.failed(0, "gong_quota_exhausted", "x", Some(3600)),
                Some(3_600_000)
            );
        }
        for _ in 0..6 {
            s.failed(0, "gong_unavailable", "x", None);
        }
        assert_eq!(s.failed(0, "gong_unavailable", "x", None), Some(300_000));
        assert_eq!(s.last_error.as_ref().unwrap().code, "gong_unavailable");
        s.start(Kind::Backfill, DAY, 2 * DAY, 5);
        assert_eq!(s.queue.len(), 1);
        s.finish(10);
        assert_eq!(
            s.job.as_ref().unwrap().from_ms,
            DAY,
            "the queued job runs next"
        );
        assert!(s.last_error.is_none());
    }

    #[test]
    fn a_step_that_keeps_failing_ends_its_job_and_the_next_starts() {
        let mut s = State::default();
        let settings = Settings {
            initial_days: 0,
            ..Settings::default()
        };
        s.scheduled(100 * DAY, None, None, &settings);
        s.start(Kind::Backfill, 0, DAY, 0);
        for i in 1..MAX_STEP_ATTEMPTS {
            assert!(
                s.failed(DAY, "step_interrupted", "killed", None).is_some(),
                "failure {i}"
            );
        }
        assert_eq!(s.failed(DAY, "step_interrupted", "killed", None), None);
        let last = s.last.clone().unwrap();
        assert_eq!(
            (last.kind, last.result.as_str()),
            (Kind::Incremental, "failed")
        );
        let e = s.last_error.clone().unwrap();
        assert_eq!(e.code, "step_interrupted");
        assert!(
            e.message.contains("failed 10 times") && e.message.contains("killed"),
            "{}",
            e.message
        );
        assert_eq!(e.retry_at, None);
        assert_eq!(
            s.checkpoint_ms, None,
            "a failed run does not move the checkpoint"
        );
        assert_eq!(
            s.job.as_ref().unwrap().kind,
            Kind::Backfill,
            "the queued job runs"
        );
        // A loop in Gong's listing ends the job at once.
        let run = s
            .halt(
                DAY,
                "gong_bad_response",
                "page 2 of the listing repeats an earlier page's cursor",
            )
            .unwrap();
        assert_eq!(run.result, "failed");
        assert!(s.job.is_none());
        assert!(s.last_error.as_ref().unwrap().message.contains("repeats"));
        // And the next Cron run starts a job again (over a library still
        // empty, with INITIAL_SYNC_DAYS, the first backfill again).
        assert_eq!(
            s.scheduled(101 * DAY, None, None, &settings),
            Some(Kind::Incremental)
        );
        assert_eq!(
            State::default().scheduled(101 * DAY, None, None, &Settings::default()),
            Some(Kind::Backfill)
        );
    }

    #[test]
    fn a_job_reads_no_more_pages_than_its_range_holds() {
        assert_eq!(page_cap(Some(2500), 100), 25 + 2 + 2);
        assert_eq!(page_cap(Some(50), 100), 3);
        assert_eq!(page_cap(None, 100), MAX_PAGES_PER_JOB);
        assert_eq!(page_cap(Some(10), 0), MAX_PAGES_PER_JOB);
        assert_eq!(page_cap(Some(u64::MAX), 100), MAX_PAGES_PER_JOB);
    }
}
