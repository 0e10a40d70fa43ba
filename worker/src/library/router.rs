//! The library over its periods (`LIBRARY_PERIODS`, [`crate::periods`]):
//! one [`Library`] a period's D1 database, and the main `GONGKIT_DB`,
//! which keeps what is not a call's (coverage, `erased`). Every writer and
//! reader of the Worker holds a [`Libraries`]; its methods are named as
//! [`Library`]'s and route each to the period(s) it concerns: a write to
//! the period of the call's `started`, a read by id to the periods newest
//! first, a range to the periods it overlaps, merged as one database
//! answers. Without `LIBRARY_PERIODS` there is one period, `GONGKIT_DB`,
//! and every method is that database's own.

use std::collections::HashMap;

use futures::future::{join_all, try_join_all};

use super::{
    AccountRow, Change, Coverage, Filters, Found, Library, PersonRow, Record, Stored, Turn,
    Visibility, Window, BINDING, RANK_BOUND,
};
use crate::error::{Error, Result};
use crate::periods::Periods;

/// The most accounts read from a period at a time while listing
/// accounts over several periods (when a newer period already listed
/// most of them).
pub const ACCOUNTS_CHUNK: usize = 1000;

/// The library, routed over its periods (a handle: clones share the
/// bindings).
#[derive(Clone)]
pub struct Libraries {
    periods: Periods,
    /// One library a period, in the periods' order (oldest first).
    each: Vec<Library>,
    /// `GONGKIT_DB`: coverage and erasures.
    main: Library,
    /// `LIBRARY_PERIODS` could not be used: every method refuses with it.
    refused: Option<Error>,
}

impl Libraries {
    /// The library when `GONGKIT_DB` is bound, over the periods that
    /// `LIBRARY_PERIODS` names. A value that does not parse, or names a
    /// binding that is not bound, gives a library whose every method
    /// answers 503 `not_configured` naming the setting and the pair.
    pub fn open(env: &worker::Env) -> Option<Libraries> {
        let main = Library::open(env)?;
        let text = env
            .var(crate::settings::LIBRARY_PERIODS.name)
            .map(|v| v.to_string())
            .unwrap_or_default();
        let blobs = || crate::blobs::Blobs::open(env);
        Some(Libraries::over(main, &text, |binding| {
            env.d1(binding).ok().map(|db| Library::new(db, blobs()))
        }))
    }

    /// The library over `main` and the periods `text` names, each
    /// binding's database from `bind`.
    fn over(main: Library, text: &str, bind: impl Fn(&str) -> Option<Library>) -> Libraries {
        let refuse = |why: String| Libraries {
            periods: Periods::single(BINDING),
            each: vec![main.clone()],
            main: main.clone(),
            refused: Some(Error::NotConfigured(why)),
        };
        let periods = match Periods::parse(text, BINDING) {
            Ok(p) => p,
            Err(why) => return refuse(why),
        };
        let mut each = Vec::with_capacity(periods.all().len());
        for p in periods.all() {
            if p.binding == BINDING {
                each.push(main.clone());
                continue;
            }
            match bind(&p.binding) {
                Some(lib) => each.push(lib),
                None => {
                    let day = chrono::DateTime::from_timestamp_millis(p.from_ms)
                        .map(|d| d.format("%Y-%m-%d").to_string())
                        .unwrap_or_default();
                    return refuse(format!(
                        "LIBRARY_PERIODS: \"{day}={}\": {} is not a bound D1 database: \
                         declare it as a [[d1_databases]] of wrangler.toml",
                        p.binding, p.binding
                    ));
                }
            }
        }
        Libraries {
            periods,
            each,
            main,
            refused: None,
        }
    }

    /// The periods' libraries, or why there are none to use.
    fn ready(&self) -> Result<&[Library]> {
        match &self.refused {
            Some(e) => Err(e.clone()),
            None => Ok(&self.each),
        }
    }

    /// The main database (coverage, erasures).
    fn main(&self) -> Result<&Library> {
        self.ready().map(|_| &self.main)
    }

    /// Whether the library is one database (no fan-out, no merge).
    fn single(&self) -> bool {
        self.each.len() == 1
    }

    /// The period indices a range overlaps, newest first.
    fn newest_first(&self, from_ms: Option<i64>, to_ms: Option<i64>) -> Vec<usize> {
        let mut at = self.periods.overlapping(from_ms, to_ms);
        at.reverse();
        at
    }

    /// Up to `limit` rows from the periods `order` names, one after the
    /// other, each asked only for what is still missing: how a listing or a
    /// removal walks the periods in date order (a period's rows all come
    /// before the next one's).
    async fn in_turn<'a, T, F, Fut>(
        &'a self,
        order: Vec<usize>,
        limit: usize,
        ask: F,
    ) -> Result<Vec<T>>
    where
        F: Fn(&'a Library, usize) -> Fut,
        Fut: std::future::Future<Output = Result<Vec<T>>>,
    {
        let each = self.ready()?;
        let mut out = Vec::new();
        for i in order {
            if out.len() >= limit {
                break;
            }
            out.extend(ask(&each[i], limit - out.len()).await?);
        }
        Ok(out)
    }

    /// How many periods there are.
    pub fn period_count(&self) -> usize {
        self.each.len()
    }

    /// The most calls one request may read (an export page): the main
    /// database's bound, since every period shares its R2 bucket.
    pub fn calls_per_request(&self) -> usize {
        self.main.calls_per_request()
    }

    // ---- one call by id ----

    /// One call, from the newest period that has it.
    pub async fn get(&self, id: &str) -> Result<Option<Stored>> {
        for lib in self.ready()?.iter().rev() {
            if let Some(row) = lib.get(id).await? {
                return Ok(Some(row));
            }
        }
        Ok(None)
    }

    /// These calls as stored, from every period (concurrently).
    pub async fn get_many(&self, ids: &[String]) -> Result<Vec<Stored>> {
        let each = self.ready()?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let got = try_join_all(each.iter().map(|l| l.get_many(ids))).await?;
        Ok(got.into_iter().flatten().collect())
    }

    /// The stored digests of these calls, from every period.
    pub async fn digests(&self, ids: &[String]) -> Result<HashMap<String, String>> {
        let each = self.ready()?;
        let got = try_join_all(each.iter().map(|l| l.digests(ids))).await?;
        Ok(got.into_iter().flatten().collect())
    }

    // ---- counts ----

    /// How many calls the library holds, over every period.
    pub async fn count(&self) -> Result<i64> {
        let got = try_join_all(self.ready()?.iter().map(Library::count)).await?;
        Ok(got.into_iter().sum())
    }

    /// How many calls wait for [`Library::reindex`], over every period.
    pub async fn unindexed(&self) -> Result<i64> {
        let got = try_join_all(self.ready()?.iter().map(Library::unindexed)).await?;
        Ok(got.into_iter().sum())
    }

    /// [`Library::reindex`] in each period in turn, up to `limit` calls in all.
    pub async fn reindex(&self, internal_domains: &[String], limit: usize) -> Result<usize> {
        let mut done = 0;
        for lib in self.ready()? {
            if done >= limit {
                break;
            }
            done += lib.reindex(internal_domains, limit - done).await?;
        }
        Ok(done)
    }

    // ---- writes ----

    /// Writes the records that are new or changed, each to the period of
    /// its `started`; a call that moved to another period (its start
    /// changed) leaves the one it was in. Erased calls are refused by the
    /// main database's list. Returns how many were written.
    pub async fn upsert(&self, records: &[Record], now_ms: i64) -> Result<usize> {
        let each = self.ready()?;
        if self.single() || records.is_empty() {
            return each[0].upsert(records, now_ms).await;
        }
        let ids: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
        let erased = self.main.erased_among(&ids).await?;
        let mut by_period: Vec<Vec<Record>> = vec![Vec::new(); each.len()];
        for r in records.iter().filter(|r| !erased.contains(&r.id)) {
            by_period[self.periods.index_of(r.started)].push(r.clone());
        }
        // Where each call is now: one that moved leaves its old period.
        let present = try_join_all(each.iter().map(|l| l.digests(&ids))).await?;
        let mut moved: Vec<Vec<String>> = vec![Vec::new(); each.len()];
        for (i, rows) in by_period.iter().enumerate() {
            for r in rows {
                for (j, there) in present.iter().enumerate() {
                    if j != i && there.contains_key(&r.id) {
                        moved[j].push(r.id.clone());
                    }
                }
            }
        }
        try_join_all(
            each.iter()
                .zip(&moved)
                .filter(|(_, ids)| !ids.is_empty())
                .map(|(l, ids)| l.remove(ids, now_ms)),
        )
        .await?;
        let written = try_join_all(
            each.iter()
                .zip(&by_period)
                .filter(|(_, rs)| !rs.is_empty())
                .map(|(l, rs)| l.upsert(rs, now_ms)),
        )
        .await?;
        let mut domains: Vec<&str> = records.iter().filter_map(|r| r.domain.as_deref()).collect();
        domains.sort_unstable();
        domains.dedup();
        self.merge_accounts(&domains).await?;
        Ok(written.into_iter().sum())
    }

    /// The account merge across periods (migration 0004's triggers do it
    /// within one database): each domain's calls without CRM context, in
    /// every period, take the account of the domain's newest CRM call,
    /// whichever period holds it (the newest period that has one).
    async fn merge_accounts(&self, domains: &[&str]) -> Result<()> {
        let each = self.ready()?;
        if domains.is_empty() {
            return Ok(());
        }
        // Each period's choice (one batch a period), newest period first.
        let found = try_join_all(each.iter().rev().map(|l| l.domain_crms(domains))).await?;
        let accounts: Vec<(&str, Option<(&str, &str)>)> = domains
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let crm = found.iter().find_map(|period| period.get(i)?.as_ref());
                (*d, crm.map(|(n, k)| (n.as_str(), k.as_str())))
            })
            .collect();
        try_join_all(each.iter().map(|l| l.resolve_domains(&accounts))).await?;
        Ok(())
    }

    /// Removes calls from whichever periods hold them; returns how many
    /// were there.
    pub async fn remove(&self, ids: &[String], now_ms: i64) -> Result<usize> {
        let each = self.ready()?;
        if ids.is_empty() {
            return Ok(0);
        }
        if self.single() {
            return each[0].remove(ids, now_ms).await;
        }
        // A CRM call removed: its domain's calls in the other periods take
        // the next CRM name (or their own), as the triggers do within one.
        let crm = try_join_all(each.iter().map(|l| l.crm_domains_of(ids))).await?;
        let got = try_join_all(each.iter().map(|l| l.remove(ids, now_ms))).await?;
        let mut domains: Vec<&str> = crm.iter().flatten().map(String::as_str).collect();
        domains.sort_unstable();
        domains.dedup();
        self.merge_accounts(&domains).await?;
        Ok(got.into_iter().sum())
    }

    /// Which of these calls are erased (kept in the main database).
    pub async fn erased_among(&self, ids: &[String]) -> Result<Vec<String>> {
        self.main()?.erased_among(ids).await
    }

    /// Whether call `id` is erased.
    pub async fn is_erased(&self, id: &str) -> Result<bool> {
        self.main()?.is_erased(id).await
    }

    /// Erases call `id` for good in every period (each removes it if it
    /// holds it, scrubs its changes' emails and remembers the id, so no
    /// period stores it again); whether any held it.
    pub async fn erase(&self, id: &str, now_ms: i64, tag: impl Fn(&str) -> String) -> Result<bool> {
        let mut held = false;
        for lib in self.ready()? {
            held |= lib.erase(id, now_ms, &tag).await?;
        }
        Ok(held)
    }

    /// Lifts an erasure in every period; whether it was erased.
    pub async fn restore(&self, id: &str) -> Result<bool> {
        let mut was = false;
        for lib in self.ready()? {
            was |= lib.restore(id).await?;
        }
        Ok(was)
    }

    // ---- coverage (main database) ----

    /// Takes everything before `from_ms` out of the covered range.
    pub async fn trim_coverage(&self, from_ms: i64) -> Result<()> {
        self.main()?.trim_coverage(from_ms).await
    }

    /// The range the sync has read completely, if any.
    pub async fn coverage(&self) -> Result<Option<Coverage>> {
        self.main()?.coverage().await
    }

    /// Adds `[from_ms, to_ms)` to the covered range.
    pub async fn cover(&self, from_ms: i64, to_ms: i64) -> Result<Coverage> {
        self.main()?.cover(from_ms, to_ms).await
    }

    // ---- the sync's end of job ----

    /// Notes ids a job saw Gong listed, in every period (each period's
    /// anti-join reads its own table).
    pub async fn note_listed(&self, ids: &[String]) -> Result<()> {
        try_join_all(self.ready()?.iter().map(|l| l.note_listed(ids))).await?;
        Ok(())
    }

    /// Forgets what the last job saw listed, in every period.
    pub async fn clear_listed(&self) -> Result<()> {
        try_join_all(self.ready()?.iter().map(Library::clear_listed)).await?;
        Ok(())
    }

    /// The next window of the end of a job ([`Library::unlisted`]), in the
    /// period of the position: when that period's part of the range is
    /// done, the next window starts at the next period's first call.
    pub async fn unlisted(
        &self,
        from_ms: i64,
        to_ms: i64,
        after: Option<(i64, &str)>,
        window: usize,
        limit: usize,
    ) -> Result<Window> {
        let each = self.ready()?;
        let at = match after {
            Some((t, _)) => self.periods.index_of(t),
            None => self.periods.index_of(from_ms),
        };
        let mut w = each[at]
            .unlisted(from_ms, to_ms, after, window, limit)
            .await?;
        if w.next.is_none() {
            let next = self.periods.all().get(at + 1).map(|p| p.from_ms);
            if let Some(start) = next.filter(|s| *s < to_ms) {
                // After (start, ""): every call of that period (ids are never empty).
                w.next = Some((start, String::new()));
            }
        }
        Ok(w)
    }

    /// Where a reconcile slice that ends at `before_ms` and holds `take`
    /// calls starts ([`Library::slice_start`]); over periods it stops at
    /// the start of the period `before_ms` is in (the next slice goes on
    /// from there).
    pub async fn slice_start(
        &self,
        from_ms: i64,
        before_ms: i64,
        take: u64,
    ) -> Result<Option<i64>> {
        let each = self.ready()?;
        let at = self.periods.index_of(before_ms.saturating_sub(1));
        let start = each[at].slice_start(from_ms, before_ms, take).await?;
        let period_start = self.periods.all()[at].from_ms;
        Ok(match start {
            None if at > 0 && period_start > from_ms => Some(period_start),
            other => other,
        })
    }

    /// The ids of the oldest calls that started before `before_ms`, oldest
    /// period first, at most `limit`.
    pub async fn older_than(&self, before_ms: i64, limit: usize) -> Result<Vec<String>> {
        let order = self.periods.overlapping(None, Some(before_ms));
        self.in_turn(order, limit, |lib, n| lib.older_than(before_ms, n))
            .await
    }

    // ---- listings ----

    /// Calls that started in `[from_ms, to_ms)`, oldest first, after
    /// `(started, id)`: the periods in date order from the position's,
    /// each continuing where the last ran out.
    pub async fn list(
        &self,
        from_ms: i64,
        to_ms: i64,
        after: Option<(i64, &str)>,
        limit: usize,
        who: Visibility<'_>,
    ) -> Result<Vec<Stored>> {
        let start = after.map_or(from_ms, |(t, _)| t.max(from_ms));
        let order = self.periods.overlapping(Some(start), Some(to_ms));
        self.in_turn(order, limit, |lib, n| {
            lib.list(from_ms, to_ms, after, n, who)
        })
        .await
    }

    /// Calls the filters allow, newest first, before `(started, id)`: the
    /// periods newest first.
    pub async fn calls_newest_first(
        &self,
        filters: &Filters,
        who: Visibility<'_>,
        before: Option<(i64, &str)>,
        limit: usize,
    ) -> Result<Vec<Stored>> {
        let order = self.newest_first(filters.from_ms, before_to(filters, before));
        self.in_turn(order, limit, |lib, n| {
            lib.calls_newest_first(filters, who, before, n)
        })
        .await
    }

    /// Calls of the accounts whose folded name holds `contains`, newest
    /// first, before `(started, id)`: the periods newest first.
    pub async fn account_calls(
        &self,
        contains: &str,
        filters: &Filters,
        who: Visibility<'_>,
        before: Option<(i64, &str)>,
        limit: usize,
    ) -> Result<Vec<Stored>> {
        let order = self.newest_first(filters.from_ms, before_to(filters, before));
        self.in_turn(order, limit, |lib, n| {
            lib.account_calls(contains, filters, who, before, n)
        })
        .await
    }

    // ---- search ----

    /// A search over the periods the filters overlap: the newest first,
    /// the older ones (concurrently) only while it counted fewer than
    /// [`RANK_BOUND`] matches; merged by score, then id
    /// ([`crate::periods::merge_search`]).
    pub async fn search(
        &self,
        fts: &str,
        filters: &Filters,
        who: Visibility<'_>,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<Found>> {
        let each = self.ready()?;
        if self.single() {
            return each[0].search(fts, filters, who, limit, offset).await;
        }
        let at = self.newest_first(filters.from_ms, filters.to_ms);
        let Some((&newest, older)) = at.split_first() else {
            return Ok(Vec::new());
        };
        let want = offset + limit;
        let first = each[newest].search(fts, filters, who, want, 0).await?;
        let mut pages = vec![first];
        let counted = pages[0].first().map_or(0, |f| f.total);
        if usize::try_from(counted).unwrap_or(usize::MAX) < RANK_BOUND {
            pages.extend(
                try_join_all(
                    older
                        .iter()
                        .map(|&i| each[i].search(fts, filters, who, want, 0)),
                )
                .await?,
            );
        }
        Ok(crate::periods::merge_search(
            pages, offset, limit, RANK_BOUND,
        ))
    }

    /// How many calls a search matches, over the periods, up to `cap`.
    pub async fn search_count(
        &self,
        fts: &str,
        filters: &Filters,
        who: Visibility<'_>,
        cap: usize,
    ) -> Result<i64> {
        let each = self.ready()?;
        let at = self.periods.overlapping(filters.from_ms, filters.to_ms);
        let got = try_join_all(
            at.iter()
                .map(|&i| each[i].search_count(fts, filters, who, cap)),
        )
        .await?;
        Ok(got
            .into_iter()
            .sum::<i64>()
            .min(i64::try_from(cap).unwrap_or(i64::MAX)))
    }

    /// The quoted turns of these calls, from whichever periods hold them.
    pub async fn turns(
        &self,
        ids: &[String],
        patterns: &[String],
        side: Option<&str>,
        per_call: usize,
    ) -> Result<Vec<Turn>> {
        let each = self.ready()?;
        let got = try_join_all(each.iter().map(|l| l.turns(ids, patterns, side, per_call))).await?;
        Ok(got.into_iter().flatten().collect())
    }

    // ---- accounts ----

    /// Accounts with calls in the range, the most recently met first,
    /// after `(last, key)`, at most `limit`.
    ///
    /// Over several periods an account's last call is in the newest period
    /// that has it (a period holds the calls of its dates), so the merged
    /// order is each period's own order, newest period first, leaving out
    /// in an older period the accounts a newer one listed: each period is
    /// read by the same keyset, a page at a time, and the page's accounts
    /// are counted in the other periods in range ([`Library::account_totals`]):
    /// one a newer period has is left out, the older ones' calls are added.
    /// A page costs its own rows, not every account of the periods.
    pub async fn accounts(
        &self,
        filters: &Filters,
        contains: Option<&str>,
        who: Visibility<'_>,
        after: Option<(i64, &str)>,
        limit: usize,
    ) -> Result<Vec<AccountRow>> {
        let each = self.ready()?;
        if self.single() {
            return each[0].accounts(filters, contains, who, after, limit).await;
        }
        let at = self.newest_first(filters.from_ms, filters.to_ms);
        let mut out: Vec<AccountRow> = Vec::with_capacity(limit);
        let mut cursor: Option<(i64, String)> = after.map(|(l, k)| (l, k.to_owned()));
        for (pos, &i) in at.iter().enumerate() {
            // Where most of a period's accounts were listed by a newer one,
            // read more of it at a time.
            let mut chunk = limit.max(1);
            while out.len() < limit {
                let rows = each[i]
                    .accounts(
                        filters,
                        contains,
                        who,
                        cursor.as_ref().map(|(l, k)| (*l, k.as_str())),
                        chunk,
                    )
                    .await?;
                let Some(end) = rows.last() else { break };
                cursor = Some((end.last, end.key.clone()));
                let exhausted = rows.len() < chunk;
                let keys: Vec<String> = rows.iter().map(|r| r.key.clone()).collect();
                let totals = try_join_all(
                    at.iter()
                        .filter(|&&j| j != i)
                        .map(|&j| each[j].account_totals(&keys, filters, who)),
                )
                .await?;
                // `at` is newest first: the first `pos` are newer than `i`.
                let (newer, older) = totals.split_at(pos);
                let page = crate::periods::period_accounts(rows, newer, older, limit - out.len());
                let kept = page.len();
                out.extend(page);
                if exhausted {
                    break;
                }
                if kept * 2 < chunk {
                    chunk = (chunk * 2).min(ACCOUNTS_CHUNK);
                }
            }
            if out.len() == limit {
                break;
            }
        }
        Ok(out)
    }

    /// The people of these accounts' calls, from every period in range,
    /// each person once, at most `per_account` an account.
    pub async fn account_people(
        &self,
        keys: &[String],
        filters: &Filters,
        who: Visibility<'_>,
        per_account: usize,
    ) -> Result<Vec<PersonRow>> {
        let each = self.ready()?;
        if self.single() {
            return each[0]
                .account_people(keys, filters, who, per_account)
                .await;
        }
        let at = self.newest_first(filters.from_ms, filters.to_ms);
        let pages = try_join_all(
            at.iter()
                .map(|&i| each[i].account_people(keys, filters, who, per_account)),
        )
        .await?;
        let mut out: Vec<PersonRow> = Vec::new();
        for p in pages.into_iter().flatten() {
            let same = |q: &PersonRow| q.key == p.key && q.email == p.email && q.name == p.name;
            let of_account = out.iter().filter(|q| q.key == p.key).count();
            if of_account < per_account && !out.iter().any(same) {
                out.push(p);
            }
        }
        // One database's order: by account, then name.
        out.sort_by(|a, b| (&a.key, &a.name).cmp(&(&b.key, &b.name)));
        Ok(out)
    }

    /// The names of the accounts closest to `q`, over the newest period's
    /// accounts and the older ones' ([`Library::nearest_accounts`]).
    pub async fn nearest_accounts(
        &self,
        q: &str,
        who: Visibility<'_>,
        limit: usize,
    ) -> Result<Vec<String>> {
        let each = self.ready()?;
        let got = join_all(each.iter().rev().map(|l| l.nearest_accounts(q, who, limit))).await;
        let mut out: Vec<String> = Vec::new();
        for name in got
            .into_iter()
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .flatten()
        {
            if !out.contains(&name) {
                out.push(name);
            }
        }
        out.truncate(limit);
        Ok(out)
    }

    // ---- the export ----

    /// Of these `(period, id)` pairs, which ids another period holds now:
    /// a call that moved to another period (its start changed) leaves a
    /// removal in the log of the one it left, which is not a removal.
    pub async fn held_elsewhere(&self, removed: &[(usize, String)]) -> Result<Vec<bool>> {
        let each = self.ready()?;
        if self.single() || removed.is_empty() {
            return Ok(vec![false; removed.len()]);
        }
        let ids: Vec<String> = removed.iter().map(|(_, id)| id.clone()).collect();
        let held = try_join_all(each.iter().map(|l| l.digests(&ids))).await?;
        Ok(removed
            .iter()
            .map(|(at, id)| {
                held.iter()
                    .enumerate()
                    .any(|(j, h)| j != *at && h.contains_key(id))
            })
            .collect())
    }

    /// The changes after `after` (one change log position a period, oldest
    /// period first), each period's log in turn, at most `limit`; each
    /// with the index of its period.
    pub async fn changes(
        &self,
        after: &[i64],
        limit: usize,
        who: Visibility<'_>,
        tag: Option<&str>,
    ) -> Result<Vec<(usize, Change)>> {
        let each = self.ready()?;
        let mut out = Vec::new();
        for (i, lib) in each.iter().enumerate() {
            if out.len() >= limit {
                break;
            }
            let from = after.get(i).copied().unwrap_or(0);
            let got = lib.changes(from, limit - out.len(), who, tag).await?;
            out.extend(got.into_iter().map(|c| (i, c)));
        }
        Ok(out)
    }
}

/// The end of a newest-first walk: the filters' `to`, or just after the
/// position it continues before, whichever is earlier.
fn before_to(filters: &Filters, before: Option<(i64, &str)>) -> Option<i64> {
    before.map_or(filters.to_ms, |(t, _)| {
        Some(filters.to_ms.map_or(t + 1, |to| to.min(t + 1)))
    })
}
