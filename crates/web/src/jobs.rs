//! The background worker: claims jobs from the database queue and runs them.
//! Several instances can run it at once; each job is claimed by one.

use crate::AppState;
use std::time::Duration;
use upward_domain::workflow::EmailStatus;
use upward_storage::{jobs, outbox};

pub async fn run_worker(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut sweep_at = std::time::Instant::now();
    loop {
        if *stop.borrow() {
            return;
        }
        let worked = match run_one(&state).await {
            Ok(w) => w,
            Err(e) => {
                tracing::warn!(error = %e, "job worker");
                false
            }
        };
        if sweep_at.elapsed() > Duration::from_secs(600) {
            let _ = upward_storage::auth::sweep(&state.db).await;
            sweep_at = std::time::Instant::now();
        }
        if !worked {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                _ = stop.changed() => {}
            }
        }
    }
}

/// Run the next due job, if any. Returns whether one was run.
pub async fn run_one(state: &AppState) -> Result<bool, upward_storage::StoreError> {
    let Some(job) = jobs::claim(&state.db, 300).await? else { return Ok(false) };
    let result = match job.kind.as_str() {
        "send_email" => send_email(state, &job.payload).await,
        other => Err(format!("unknown job kind {other}")),
    };
    match result {
        Ok(()) => jobs::complete(&state.db, job.id).await?,
        Err(e) => {
            tracing::warn!(job = job.id, kind = %job.kind, error = %e, "job failed");
            jobs::fail(&state.db, &job, &e).await?;
        }
    }
    Ok(true)
}

/// Run every due job now (tests and the command line).
pub async fn drain(state: &AppState) -> Result<usize, upward_storage::StoreError> {
    let mut n = 0;
    while run_one(state).await? {
        n += 1;
    }
    Ok(n)
}

async fn send_email(state: &AppState, payload: &str) -> Result<(), String> {
    let v: serde_json::Value = serde_json::from_str(payload).map_err(|e| e.to_string())?;
    let id = v["outbox_id"].as_i64().ok_or("payload without outbox_id")?;
    let Some(m) = outbox::get(&state.db, id).await.map_err(|e| e.to_string())? else {
        return Ok(());
    };
    if m.status != EmailStatus::Queued {
        return Ok(());
    }
    // (Only messages without a secret are queued: see mail::with_secret_link.)
    match state.mail.deliver(&m.to_address, &m.subject, &m.body_text).await {
        Ok(status) => outbox::mark(&state.db, id, status, None).await.map_err(|e| e.to_string()),
        Err(e) => {
            let _ = outbox::mark(&state.db, id, EmailStatus::Queued, Some(&e)).await;
            Err(e)
        }
    }
}
