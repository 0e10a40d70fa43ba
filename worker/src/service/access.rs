//! Who may see what: the one access rule as the capabilities apply it
//! (a call the user may not see is `call_not_found`, worded as a missing
//! one, and is left out of listings), and the library's filter for it.

use gongkit::{AnyExtensive, CallData};
use serde_json::Value;

use super::Service;
use crate::args::CallId;
use crate::error::{Error, Result};
use crate::library::Visibility;

impl Service {
    /// Whether the user may see this normalized call (its `participants`'
    /// emails). The one access rule: a call it refuses is `call_not_found`
    /// and is left out of every listing.
    pub fn may_see(&self, call: &Value) -> bool {
        self.user.may_see_call(call)
    }

    /// `call_not_found` for `id`, said the same way whether the call does
    /// not exist, is erased, or is not the caller's: the answer's source
    /// (`X-Gongkit-Source`, `X-Gongkit-Cache`) is forgotten, since where
    /// the refusal came from (the library holding someone else's call,
    /// Gong or the cache answering for a missing one) would tell them apart.
    pub(crate) fn not_found(&self, id: &CallId) -> Error {
        self.source.set(None);
        Error::CallNotFound(id.to_string())
    }

    /// `DELETE /v1/users/{email}/grants`: whether the caller may revoke
    /// this person's sign-in grants (an admin), and the email as grants
    /// are kept (trimmed, lower-cased). The JS entry revokes them.
    ///
    /// # Errors
    ///
    /// 403 `forbidden` for anyone but an admin; 400 `invalid_query` for
    /// something that is not an email.
    pub fn allow_grant_revocation(&self, email: &str) -> Result<Value> {
        self.user
            .require_admin("revoking a person's sign-in grants")?;
        let email = email.trim().to_lowercase();
        let valid = email.len() <= 254
            && email
                .split_once('@')
                .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
            && !email.contains(|c: char| c.is_whitespace() || c == '/' || c == ':');
        if !valid {
            return Err(Error::InvalidQuery(format!(
                "{email:?} in the path is not an email address; send DELETE /v1/users/ann@example.com/grants"
            )));
        }
        Ok(serde_json::json!({"email": email}))
    }

    /// Which of the library's calls this request may see.
    pub(crate) fn visibility(&self) -> Visibility<'_> {
        Visibility {
            private: self.config.include_private_calls,
            participant: self.user.participant_email(),
        }
    }

    /// The call in an extensive answer, if it is there and may be served.
    pub(super) fn select<'e>(
        &self,
        parsed: &'e AnyExtensive<'e>,
        id: &CallId,
    ) -> Result<&'e CallData<'e>> {
        let call = match parsed.select(Some(id.as_str())) {
            Ok(call) => call,
            Err(gongkit::Error::CallNotFound(_)) => return Err(self.not_found(id)),
            Err(e) => return Err(Error::from_gong(e)),
        };
        let private = call
            .meta_data
            .as_ref()
            .and_then(|m| m.is_private)
            .unwrap_or(false);
        if private && !self.config.include_private_calls {
            // Said exactly as for a call that does not exist.
            return Err(self.not_found(id));
        }
        let emails = call
            .parties
            .iter()
            .filter_map(|p| p.email_address.as_deref());
        if !self.user.may_see(emails) {
            // Not this user's call: said exactly as for one that does not exist.
            return Err(self.not_found(id));
        }
        Ok(call)
    }
}
