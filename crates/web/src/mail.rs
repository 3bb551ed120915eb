//! Composing e-mail. Every message is recorded in the outbox in the caller's
//! transaction; the job worker delivers it.

use upward_storage::outbox::{self, NewEmail};
use upward_storage::{Db, StoreError, Tx, people};

/// Topics that always go (the person cannot switch them off).
pub const ACCOUNT: &str = "account";

/// Record a message to a person, respecting their notification settings.
pub async fn to_person(
    db: &Db,
    tx: &mut Tx,
    person_id: i64,
    address: &str,
    topic: &str,
    subject: &str,
    body: &str,
) -> Result<i64, StoreError> {
    let wanted = topic == ACCOUNT || people::wants_email(db, person_id, topic).await?;
    outbox::enqueue(
        tx,
        &NewEmail { to_address: address, to_person_id: Some(person_id), topic, subject, body_text: body },
        !wanted,
    )
    .await
}

/// The sign-off of every message.
pub fn signature(link: &str) -> String {
    format!("\n\n— Upward\n{link}\n\nYou can choose which e-mails you get on your account page.")
}
