//! Writes: upstream's `commitBundle` steps (upsert the bundle with `$set`, replace its patch
//! documents; deletes remove patches both ways, then the bundle), plus the revision record, in
//! one session transaction where the deployment has them. Where it does not (a standalone
//! server), the same steps run without a session, as upstream falls back (SPEC §7.5).

use std::sync::atomic::Ordering;

use mongodb::bson::doc;
use mongodb::error::{Error as MongoError, TRANSIENT_TRANSACTION_ERROR, UNKNOWN_TRANSACTION_COMMIT_RESULT};
use mongodb::ClientSession;

use super::convert::{bundle_to_doc, patch_docs};
use super::database::Opened;
use super::errors::{is_transaction_unsupported, map_err, Redactor};
use crate::core::bundle::Bundle;
use crate::db::shared::{revision_token, REVISION_KEY};
use crate::error::Result;

/// One change of a commit.
pub enum Change<'a> {
    Upsert(&'a Bundle),
    Delete(&'a str),
}

/// Awaits a driver action inside the session when there is one.
macro_rules! run {
    ($action:expr, $session:expr) => {
        match $session.as_deref_mut() {
            Some(s) => $action.session(s).await,
            None => $action.await,
        }
    };
}

async fn apply(o: &Opened, change: &Change<'_>, mut session: Option<&mut ClientSession>) -> Result<(), MongoError> {
    let bundles = o.bundles();
    let patches = o.patches();
    match change {
        Change::Upsert(b) => {
            run!(bundles.update_one(doc! { "id": &b.id }, doc! { "$set": bundle_to_doc(b) }).upsert(true), session)?;
            run!(patches.delete_many(doc! { "bundle_id": &b.id }), session)?;
            let rows = patch_docs(b);
            if !rows.is_empty() {
                run!(patches.insert_many(rows), session)?;
            }
        }
        Change::Delete(id) => {
            run!(patches.delete_many(doc! { "bundle_id": *id }), session)?;
            run!(patches.delete_many(doc! { "base_bundle_id": *id }), session)?;
            run!(bundles.delete_many(doc! { "id": *id }), session)?;
        }
    }
    let token = revision_token();
    run!(o.settings().update_one(doc! { "key": REVISION_KEY }, doc! { "$set": { "value": token } }).upsert(true), session)?;
    Ok(())
}

/// Runs the change in a transaction, starting it again (at most twice) when the server marks
/// the failure transient, as the drivers' `withTransaction` does.
async fn in_transaction(o: &Opened, change: &Change<'_>) -> Result<(), MongoError> {
    let mut session = o.client.start_session().await?;
    let mut attempt = 0;
    loop {
        session.start_transaction().await?;
        let outcome = apply(o, change, Some(&mut session)).await;
        let outcome = match outcome {
            Ok(()) => commit(&mut session).await,
            Err(e) => {
                // The server may have aborted it already; the abort's own error adds nothing.
                let _ = session.abort_transaction().await;
                Err(e)
            }
        };
        match outcome {
            Err(e) if attempt < 2 && e.contains_label(TRANSIENT_TRANSACTION_ERROR) => attempt += 1,
            other => return other,
        }
    }
}

/// Commits, retrying once when the outcome of the commit is unknown (the driver makes the retry
/// idempotent).
async fn commit(session: &mut ClientSession) -> Result<(), MongoError> {
    match session.commit_transaction().await {
        Err(e) if e.contains_label(UNKNOWN_TRANSACTION_COMMIT_RESULT) => session.commit_transaction().await,
        other => other,
    }
}

/// Applies `change` in a transaction, or without one where the deployment has none.
/// Once the deployment has refused a transaction, later writes skip the attempt.
pub async fn commit_change(o: &Opened, change: Change<'_>, r: &Redactor) -> Result<()> {
    if o.no_transactions.load(Ordering::Acquire) {
        return apply(o, &change, None).await.map_err(|e| map_err(e, r));
    }
    match in_transaction(o, &change).await {
        Ok(()) => Ok(()),
        Err(e) if is_transaction_unsupported(&e) => {
            o.no_transactions.store(true, Ordering::Release);
            apply(o, &change, None).await.map_err(|e| map_err(e, r))
        }
        Err(e) => Err(map_err(e, r)),
    }
}
