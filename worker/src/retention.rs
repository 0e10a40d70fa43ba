//! `LIBRARY_RETENTION_DAYS`: the library keeps the calls of the last so
//! many days. Each alarm step of the sync first takes the removed range out
//! of the covered one (so a read of it goes to Gong, never to a library
//! that is half emptied), then removes up to [`PER_STEP`] of the oldest
//! calls through the same removal as a call Gong no longer lists (a change
//! per call, so the export carries each removal). Work per step is bounded
//! by [`PER_STEP`], whatever the library holds.

use crate::error::Result;
use crate::settings::{read_vars, LIBRARY_RETENTION_DAYS};

/// The most calls one step removes (one D1 batch per 50, as the sync's own
/// removals).
pub const PER_STEP: usize = 200;

const DAY_MS: i64 = 86_400_000;

/// The start of what the library keeps at `now_ms`: calls that started
/// before it go. `None` when `days` is 0 (keep every call).
pub fn cutoff(now_ms: i64, days: u64) -> Option<i64> {
    let days = i64::try_from(days).ok().filter(|d| *d > 0)?;
    Some(now_ms.saturating_sub(days.saturating_mul(DAY_MS)))
}

/// The retention in days, as the settings give it.
///
/// # Errors
///
/// 503 `not_configured` naming `LIBRARY_RETENTION_DAYS` when it does not
/// parse.
pub fn days(var: impl Fn(&str) -> Option<String>) -> Result<u64> {
    read_vars(var, |r| r.number(&LIBRARY_RETENTION_DAYS))
}

/// One retention step on `library` at `now_ms`: the coverage trimmed and up
/// to [`PER_STEP`] calls removed. Returns how many were removed; a full
/// batch means more may wait (the sync keeps its alarm going).
pub async fn apply(library: &crate::library::Libraries, now_ms: i64, days: u64) -> Result<usize> {
    let Some(before) = cutoff(now_ms, days) else {
        return Ok(0);
    };
    library.trim_coverage(before).await?;
    let ids = library.older_than(before, PER_STEP).await?;
    library.remove(&ids, now_ms).await
}

/// The step the sync's alarm runs: [`apply`] with the deployment's
/// setting; whether a full batch was removed (more to do). A failure is
/// logged and retried at the next alarm: it never stops the sync.
#[cfg(target_arch = "wasm32")]
pub async fn step(env: &worker::Env, now_ms: i64) -> bool {
    let Some(library) = crate::library::Libraries::open(env) else {
        return false;
    };
    let outcome = match days(|n| env.var(n).ok().map(|v| v.to_string())) {
        Ok(0) => return false,
        Ok(days) => apply(&library, now_ms, days).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(n) => n == PER_STEP,
        Err(e) => {
            worker::console_log!("{}", serde_json::json!({"retention": e.to_string()}));
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cutoff_is_so_many_days_before_now_and_zero_keeps_all() {
        assert_eq!(cutoff(100 * DAY_MS, 0), None);
        assert_eq!(cutoff(100 * DAY_MS, 30), Some(70 * DAY_MS));
        assert_eq!(cutoff(5, 36_500), Some(5 - 36_500 * DAY_MS));
    }

    #[test]
    fn a_bad_value_is_refused_naming_the_setting() {
        let e = days(|n| (n == "LIBRARY_RETENTION_DAYS").then(|| "a year".to_owned())).unwrap_err();
        assert!(e.to_string().contains("LIBRARY_RETENTION_DAYS"), "{e}");
        assert_eq!(days(|_| None).unwrap(), 0);
        assert_eq!(
            days(|n| (n == "LIBRARY_RETENTION_DAYS").then(|| "365".to_owned())).unwrap(),
            365
        );
    }
}
