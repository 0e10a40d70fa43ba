//! Erasure that lasts (a data-privacy request): a call erased is removed
//! from the library and the cache and remembered, so nothing serves or
//! stores it again (404 `call_not_found` for everyone; the sync and answers
//! from Gong skip it), until an admin restores it.

use serde_json::{json, Value};

use super::Service;
use crate::args::CallId;
use crate::error::Result;

impl Service {
    /// `DELETE /v1/calls/{id}`: the call leaves the library and the cache
    /// and is remembered as erased ([`crate::library::Library::erase`]);
    /// `inLibrary` says whether the library held it (an id it never held
    /// is blocked all the same). Gong is not asked.
    pub async fn delete_call(&self, id: &CallId) -> Result<Value> {
        self.user.require_admin("erasing a call")?;
        let (_, signer) = self.client()?;
        let library = self.require_library("erasing a call for good")?;
        let in_library = library
            .erase(id.as_str(), self.now_ms as i64, |email| {
                signer.pseudonym(crate::library::ERASURE_TAG, email)
            })
            .await?;
        let answers = ["extensive", "transcript", "fetched", "missing"];
        for part in answers.into_iter().chain(super::answers::RENDERED_PARTS) {
            self.store
                .delete(&signer.cache_key(id.as_str(), part))
                .await;
        }
        Ok(json!({"id": id.as_str(), "deleted": true, "inLibrary": in_library}))
    }

    /// `POST /v1/calls/{id}/restore`: lifts an erasure (admins only); the
    /// next read or sync over its range brings the call back from Gong.
    pub async fn restore_call(&self, id: &CallId) -> Result<Value> {
        self.user.require_admin("restoring an erased call")?;
        let library = self.require_library("restoring an erased call")?;
        let was_erased = library.restore(id.as_str()).await?;
        Ok(json!({"id": id.as_str(), "restored": was_erased}))
    }

    /// Refuses call `id` when it is erased: `call_not_found`, as for a call
    /// that does not exist (before any cache or Gong request).
    pub(super) async fn refuse_erased(&self, id: &CallId) -> Result<()> {
        match &self.library {
            Some(library) if library.is_erased(id.as_str()).await? => Err(self.not_found(id)),
            _ => Ok(()),
        }
    }
}
