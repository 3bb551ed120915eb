//! E-mail: composing it, and the transport that delivers it.
//!
//! Most messages are recorded in the outbox in the caller's transaction and
//! delivered later by the job worker ([`to_person`]). An account e-mail that
//! carries a live secret link (a password reset, an invitation) is different
//! ([`with_secret_link`]): the outbox keeps a copy whose link is withheld,
//! and the live message is handed straight to the transport by the process
//! that made the link, right after its transaction commits. The live link
//! is never stored, queued or logged; only the recipient's copy has it.

use crate::AppState;
use std::sync::{Arc, Mutex};
use upward_domain::workflow::EmailStatus;
use upward_storage::outbox::{self, NewEmail};
use upward_storage::{Db, StoreError, Tx, people};

/// Topics that always go (the person cannot switch them off).
pub const ACCOUNT: &str = "account";

/// What the outbox's copy of an account e-mail says in place of its link.
pub const WITHHELD: &str = "[link withheld: only the recipient's copy contains it]";

/// A delivered message (what the test catcher holds).
#[derive(Clone, PartialEq, Eq)]
pub struct Delivered {
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl std::fmt::Debug for Delivered {
    // The body may hold a live link: never in a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivered").field("to", &self.to).field("subject", &self.subject).finish_non_exhaustive()
    }
}

/// Messages "delivered" in tests: the tests read the real links here.
#[derive(Clone, Default)]
pub struct Catcher(Arc<Mutex<Vec<Delivered>>>);

impl Catcher {
    /// Every message delivered so far, oldest first.
    pub fn all(&self) -> Vec<Delivered> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The newest message to an address.
    pub fn latest_to(&self, address: &str) -> Option<Delivered> {
        self.all().into_iter().rev().find(|m| m.to.eq_ignore_ascii_case(address))
    }
}

/// How e-mail leaves Upward.
#[derive(Clone)]
pub enum Transport {
    /// By SMTP (`smtps://user:password@host:465`, `smtp://host:25`).
    Smtp { url: String, from: String },
    /// Nowhere: the outbox's copy is all there is (no SMTP configured, as
    /// in the demo). Account e-mails' links are then lost by design.
    RecordOnly,
    /// Into memory, for tests.
    Catcher(Catcher),
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Transport::Smtp { url, .. } => write!(f, "Smtp({})", upward_storage::db::redact(url)),
            Transport::RecordOnly => f.write_str("RecordOnly"),
            Transport::Catcher(_) => f.write_str("Catcher"),
        }
    }
}

impl Transport {
    /// SMTP when configured, otherwise record only.
    pub fn from_config(c: &crate::config::Config) -> Transport {
        match &c.smtp_url {
            Some(url) => Transport::Smtp { url: url.clone(), from: c.mail_from.clone() },
            None => Transport::RecordOnly,
        }
    }

    /// Does a delivered message reach anyone? (Not when recording only.)
    pub fn reaches_people(&self) -> bool {
        !matches!(self, Transport::RecordOnly)
    }

    /// Deliver a message. Returns the outbox status it reached: 'sent' (by
    /// SMTP) or 'recorded' (nowhere else to go; the test catcher counts as
    /// this too), or what went wrong.
    pub async fn deliver(&self, to: &str, subject: &str, body: &str) -> Result<EmailStatus, String> {
        match self {
            Transport::Smtp { url, from } => smtp(url, from, to, subject, body).await.map(|()| EmailStatus::Sent),
            Transport::RecordOnly => Ok(EmailStatus::Recorded),
            Transport::Catcher(c) => {
                c.0.lock().unwrap_or_else(|e| e.into_inner()).push(Delivered {
                    to: to.to_string(),
                    subject: subject.to_string(),
                    body: body.to_string(),
                });
                Ok(EmailStatus::Recorded)
            }
        }
    }
}

async fn smtp(url: &str, from: &str, to: &str, subject: &str, body: &str) -> Result<(), String> {
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
    let msg = Message::builder()
        .from(from.parse().map_err(|e| format!("sender address: {e}"))?)
        .to(to.parse().map_err(|e| format!("recipient address: {e}"))?)
        .subject(subject)
        .body(body.to_string())
        .map_err(|e| e.to_string())?;
    let transport =
        AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| format!("SMTP address: {e}"))?.build();
    transport.send(msg).await.map(|_| ()).map_err(|e| format!("SMTP: {e}"))
}

/// Record a message to a person, respecting their notification settings;
/// the job worker delivers it. Never for a message with a secret in it
/// (see [`with_secret_link`]).
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

/// An account e-mail with a live link, recorded (link withheld) and waiting
/// for its transaction to commit; then [`SecretMail::deliver`] sends it.
/// Dropped without delivering (the transaction failed), nothing is sent.
pub struct SecretMail {
    outbox_id: i64,
    to: String,
    subject: String,
    body: String,
}

impl std::fmt::Debug for SecretMail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretMail").field("outbox_id", &self.outbox_id).field("to", &self.to).finish_non_exhaustive()
    }
}

/// Record an account e-mail whose body `compose(link)` carries `link`: the
/// outbox keeps `compose(WITHHELD)`; the live body goes out only through
/// [`SecretMail::deliver`], after the caller commits `tx`.
pub async fn with_secret_link(
    tx: &mut Tx,
    person_id: i64,
    address: &str,
    subject: &str,
    link: &str,
    compose: impl Fn(&str) -> String,
) -> Result<SecretMail, StoreError> {
    let kept = compose(WITHHELD);
    let outbox_id = outbox::record(
        tx,
        &NewEmail { to_address: address, to_person_id: Some(person_id), topic: ACCOUNT, subject, body_text: &kept },
    )
    .await?;
    Ok(SecretMail { outbox_id, to: address.to_string(), subject: subject.to_string(), body: compose(link) })
}

impl SecretMail {
    /// Hand the live message to the transport (after the commit) and note
    /// the outcome on the outbox's copy. Returns whether it went.
    pub async fn deliver(self, state: &AppState) -> bool {
        let (status, error) = match state.mail.deliver(&self.to, &self.subject, &self.body).await {
            Ok(status) => (status, None),
            Err(e) => (EmailStatus::Failed, Some(e)),
        };
        if let Some(e) = &error {
            tracing::warn!(outbox = self.outbox_id, error = %e, "an account e-mail could not be delivered");
        }
        if let Err(e) = outbox::mark(&state.db, self.outbox_id, status, error.as_deref()).await {
            tracing::warn!(outbox = self.outbox_id, error = %e, "could not note an account e-mail's delivery");
        }
        error.is_none()
    }

    /// Deliver in the background: the response does not wait for the SMTP
    /// server (so its timing does not tell whether an account exists).
    pub fn deliver_soon(self, state: &AppState) {
        let state = state.clone();
        tokio::spawn(async move {
            self.deliver(&state).await;
        });
    }
}

/// The sign-off of every message.
pub fn signature(link: &str) -> String {
    format!("\n\n— Upward\n{link}\n\nYou can choose which e-mails you get on your account page.")
}
