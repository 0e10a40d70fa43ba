//! Accounts across the call library (`GET /v1/accounts`,
//! `GET /v1/accounts/{name}/calls`, MCP `list_accounts` and
//! `get_account_calls`). An account is the name gongkit derives for a
//! call (the CRM's, else the company of the participants' email domain);
//! names are compared folded, so `acme corporation` and `ACME Corporation`
//! are one account.

use serde_json::{json, Value};

use crate::args::{page_size, AccountCallsArgs, AccountsArgs, ACCOUNTS_LIMIT, ACCOUNT_CALLS_LIMIT};
use crate::error::{Error, Result};
use crate::library::Filters;
use crate::list::Paged;
use crate::search::{digest, range};
use crate::service::{Service, Source};
use crate::sync::iso;
use gongkit::words::fold;
use gongkit::words::nonempty;

/// The people listed per account at most.
pub const PEOPLE_PER_ACCOUNT: usize = 25;

/// A page of an account's calls.
#[derive(Debug)]
pub struct AccountCalls {
    /// The account's name as its newest call in the page gives it.
    pub account: String,
    /// The normalized calls (without transcripts), newest first.
    pub calls: Vec<Value>,
    /// The cursor for older calls, if any.
    pub cursor: Option<String>,
}

impl Service {
    /// `GET /v1/accounts`, MCP `list_accounts`: the accounts with calls
    /// in the range, the most recently met first, each with its number of
    /// calls, first and last call and the people met on its side.
    ///
    /// # Errors
    ///
    /// 400 `invalid_query` or `invalid_cursor`; 503 without the library.
    pub async fn accounts(&self, args: &AccountsArgs) -> Result<Value> {
        let library = self.require_library("list_accounts")?;
        let (from_ms, to_ms) = range(args.from.as_deref(), args.to.as_deref())?;
        let filters = Filters {
            from_ms,
            to_ms,
            ..Filters::default()
        };
        let contains = match &args.q {
            Some(q) => Some(nonempty(fold(q), "q").map_err(Error::from_input)?),
            None => None,
        };
        let key = digest(&[
            contains.as_deref().unwrap_or_default(),
            &format!("{from_ms:?}{to_ms:?}"),
        ]);
        let signer = self.signer()?;
        // The cursor is the page's last account (its last call and key):
        // the next page starts after it in the summary's order, whatever
        // was written since.
        let (after, kept) = match &args.cursor {
            Some(c) => {
                let p = signer.open_keyed::<Paged<(i64, String)>>(
                    "accounts",
                    &key,
                    c,
                    "listing of accounts",
                )?;
                (Some(p.at), Some(p.limit))
            }
            None => (None, None),
        };
        let limit = page_size(args.limit, kept, ACCOUNTS_LIMIT);
        let who = self.visibility();
        let mut rows = library
            .accounts(
                &filters,
                contains.as_deref(),
                who,
                after.as_ref().map(|(last, key)| (*last, key.as_str())),
                limit + 1,
            )
            .await?;
        self.note(Source::Library);
        let more = rows.len() > limit;
        rows.truncate(limit);
        let keys: Vec<String> = rows.iter().map(|r| r.key.clone()).collect();
        let people = library
            .account_people(&keys, &filters, who, PEOPLE_PER_ACCOUNT)
            .await?;
        let accounts: Vec<Value> = rows
            .iter()
            .map(|r| {
                json!({
                    "name": r.name,
                    "calls": r.calls,
                    "firstCall": iso(r.first),
                    "lastCall": iso(r.last),
                    "people": people.iter().filter(|p| p.key == r.key)
                        .map(|p| json!({"name": p.name, "email": p.email}))
                        .collect::<Vec<_>>(),
                })
            })
            .collect();
        let cursor = match (more, rows.last()) {
            (true, Some(last)) => Some(signer.seal_keyed(
                "accounts",
                &key,
                &Paged {
                    at: (last.last, last.key.clone()),
                    limit,
                },
            )?),
            _ => None,
        };
        Ok(json!({"count": accounts.len(), "accounts": accounts, "cursor": cursor}))
    }

    /// `GET /v1/accounts/{name}/calls`, MCP `get_account_calls`: the calls
    /// of the accounts whose folded name holds `name` (the whole name, or a
    /// part of it, as `find_calls_by_account` and search match), in the
    /// range, newest first.
    ///
    /// # Errors
    ///
    /// 400 `invalid_query` or `invalid_cursor`; 503 without the library.
    pub async fn account_calls(&self, args: &AccountCallsArgs) -> Result<AccountCalls> {
        let library = self.require_library("get_account_calls")?;
        let account = nonempty(fold(&args.account), "account").map_err(Error::from_input)?;
        let (from_ms, to_ms) = range(args.from.as_deref(), args.to.as_deref())?;
        let filters = Filters {
            from_ms,
            to_ms,
            ..Filters::default()
        };
        let key = digest(&[&account, &format!("{from_ms:?}{to_ms:?}")]);
        let signer = self.signer()?;
        let (before, kept) = match &args.cursor {
            Some(c) => {
                let p = signer.open_keyed::<Paged<(i64, String)>>(
                    "account-calls",
                    &key,
                    c,
                    "account or range",
                )?;
                (Some(p.at), Some(p.limit))
            }
            None => (None, None),
        };
        let limit = page_size(args.limit, kept, ACCOUNT_CALLS_LIMIT);
        // One account matcher everywhere: the folded name, whole or a part.
        let rows = library
            .account_calls(
                &account,
                &filters,
                self.visibility(),
                before.as_ref().map(|(s, i)| (*s, i.as_str())),
                limit + 1,
            )
            .await?;
        self.note(Source::Library);
        let more = rows.len() > limit;
        let page = &rows[..rows.len().min(limit)];
        let calls = self.summaries(page, args.utc_offset_minutes)?;
        self.returned_all(&calls);
        let cursor = match (more, page.last()) {
            (true, Some(last)) => {
                let at = (last.started, last.id.clone());
                Some(signer.seal_keyed("account-calls", &key, &Paged { at, limit })?)
            }
            _ => None,
        };
        let name = calls
            .first()
            .and_then(|c| c["account"]["name"].as_str())
            .unwrap_or(args.account.trim())
            .to_owned();
        Ok(AccountCalls {
            account: name,
            calls,
            cursor,
        })
    }

    /// The library's account names nearest to `name` that the user may
    /// see (at most 5, best first), for a "did you mean" when a name
    /// matched nothing; without the library, none.
    ///
    /// # Errors
    ///
    /// What reading the library's accounts can fail with.
    pub async fn nearest_accounts(&self, name: &str) -> Result<Vec<String>> {
        match self.library() {
            Some(library) => library.nearest_accounts(name, self.visibility(), 5).await,
            None => Ok(Vec::new()),
        }
    }
}
