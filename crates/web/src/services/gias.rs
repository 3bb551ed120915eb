//! Importing a GIAS extract: read and check every row (upward-gias), compare
//! with the schools held, then apply everything in one transaction with its
//! audit records. A refused file changes nothing.

use serde::{Deserialize, Serialize};
use std::path::Path;
use upward_domain::school::SchoolData;
use upward_gias::Update;
use upward_gias::{ImportError, Progress};
use upward_storage::audit::{self, Change};
use upward_storage::{Db, StoreError, Who, schools};

/// What an import changed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub file_name: String,
    pub summary: String,
    pub rows: u64,
    pub columns: usize,
    pub added: usize,
    pub changed: usize,
    pub closed: usize,
    pub unchanged: usize,
    pub not_in_file: usize,
    /// The first few of each, for people to check: (URN, name, detail).
    pub added_sample: Vec<(i64, String)>,
    pub changed_sample: Vec<(i64, String, String)>,
    pub closed_sample: Vec<(i64, String)>,
    pub warnings: Vec<String>,
    pub warnings_total: usize,
}

/// Why an import did not happen.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Refusal {
    /// One sentence saying what is wrong (naming the file).
    pub message: String,
    /// Each problem: file, row, line, field and value.
    pub problems: Vec<String>,
    pub total: usize,
}

#[derive(Debug)]
pub enum ImportFailure {
    Refused(Refusal),
    Storage(StoreError),
}

impl From<StoreError> for ImportFailure {
    fn from(e: StoreError) -> Self {
        ImportFailure::Storage(e)
    }
}

impl std::fmt::Display for ImportFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportFailure::Refused(r) => {
                writeln!(f, "{}", r.message)?;
                for p in &r.problems {
                    writeln!(f, "  {p}")?;
                }
                if r.total > r.problems.len() {
                    writeln!(f, "  … and {} more", r.total - r.problems.len())?;
                }
                write!(f, "Nothing was imported.")
            }
            ImportFailure::Storage(e) => write!(f, "{e}"),
        }
    }
}

fn refusal(e: ImportError) -> Refusal {
    match e {
        ImportError::Invalid { file, problems, total } => Refusal {
            message: format!(
                "{file} was not imported: {} {} to put right first.",
                upward_gias::thousands(total as u64),
                if total == 1 { "problem" } else { "problems" }
            ),
            problems: problems.iter().map(|p| p.to_string()).collect(),
            total,
        },
        other => Refusal { message: other.to_string(), problems: vec![], total: 1 },
    }
}

/// Stages reported to a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Reading(Progress),
    Comparing,
    Saving,
}

/// Import the file at `path` (shown to people as `file_name`).
pub async fn import(
    db: &Db,
    who: &Who,
    path: &Path,
    file_name: &str,
    progress: impl Fn(Stage) + Send + Sync + 'static,
) -> Result<Report, ImportFailure> {
    let progress = std::sync::Arc::new(progress);
    let p2 = progress.clone();
    let path = path.to_path_buf();
    let name = file_name.to_string();
    let extract = tokio::task::spawn_blocking(move || {
        let file = std::fs::File::open(&path).map_err(|e| Refusal {
            message: format!("{name} could not be opened: {e}"),
            problems: vec![],
            total: 1,
        })?;
        let size = file.metadata().ok().map(|m| m.len());
        let reader = std::io::BufReader::with_capacity(1 << 16, file);
        upward_gias::read_extract(reader, &name, size, &mut |p| p2(Stage::Reading(p))).map_err(refusal)
    })
    .await
    .map_err(|e| ImportFailure::Storage(StoreError::Config(format!("the import stopped: {e}"))))?
    .map_err(ImportFailure::Refused)?;

    progress(Stage::Comparing);
    let mut extract = extract;
    let existing = schools::all_records(db).await?;
    let changes = extract.changes(&existing);
    // `changes` has its own copies of the records to store: let go of the
    // schools held and of the file's records before saving.
    let closed_sample: Vec<(i64, String)> = changes
        .closed
        .iter()
        .take(100)
        .map(|urn| {
            let name =
                existing.binary_search_by_key(urn, |s| s.urn).map(|i| existing[i].name.clone()).unwrap_or_default();
            (*urn, name)
        })
        .collect();
    drop(existing);
    drop(std::mem::take(&mut extract.schools));

    progress(Stage::Saving);
    let report = Report {
        file_name: file_name.to_string(),
        summary: changes.summary(),
        rows: extract.rows,
        columns: extract.layout.columns,
        added: changes.added.len(),
        changed: changes.updated.len(),
        closed: changes.closed.len(),
        unchanged: changes.unchanged,
        not_in_file: changes.not_in_file,
        added_sample: changes.added.iter().take(100).map(|s| (s.urn, s.name.clone())).collect(),
        changed_sample: changes
            .updated
            .iter()
            .filter(|u| !u.closes)
            .take(100)
            .map(|u| {
                let detail = u
                    .changes
                    .iter()
                    .map(|c| {
                        format!(
                            "{}: {} → {}",
                            c.field.name(),
                            c.old.as_deref().unwrap_or("blank"),
                            c.new.as_deref().unwrap_or("blank")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                (u.urn, u.record.name.clone(), detail)
            })
            .collect(),
        closed_sample,
        warnings: extract.warnings.iter().map(|w| w.to_string()).collect(),
        warnings_total: extract.warnings_total,
    };
    let records: Vec<&upward_domain::school::SchoolData> =
        changes.added.iter().chain(changes.updated.iter().map(|u| &u.record)).collect();
    let mut tx = db.begin().await?;
    schools::upsert_records(&mut tx, who, &records, Vec::new()).await?;
    // One audit record per added or changed school, then one for the import,
    // in the same transaction; made a batch at a time rather than all held
    // at once.
    for batch in changes.added.chunks(AUDIT_BATCH) {
        audit::record_many(&mut tx, who, batch.iter().map(|s| added(s, file_name)).collect::<Vec<_>>()).await?;
    }
    for batch in changes.updated.chunks(AUDIT_BATCH) {
        audit::record_many(&mut tx, who, batch.iter().map(|u| updated(u, file_name)).collect::<Vec<_>>()).await?;
    }
    let import = Change::new("import.gias", "import", file_name, format!("Imported {file_name}: {}", report.summary))
        .after(serde_json::json!({"rows": report.rows, "added": report.added, "changed": report.changed, "closed": report.closed, "unchanged": report.unchanged}));
    audit::record_many(&mut tx, who, [import]).await?;
    tx.commit().await?;
    Ok(report)
}

/// Audit records are made and written this many at a time.
const AUDIT_BATCH: usize = 2000;

fn added(s: &SchoolData, file_name: &str) -> Change<'static> {
    Change::new("school.added", "school", s.urn, format!("Added {} (URN {}) from {file_name}", s.name, s.urn))
        .after(serde_json::json!({"urn": s.urn, "name": s.name, "status": s.status.code(), "phase": s.phase.code(), "postcode": s.postcode}))
}

fn updated(u: &Update, file_name: &str) -> Change<'static> {
    let mut before = serde_json::Map::new();
    let mut after = serde_json::Map::new();
    for c in &u.changes {
        before.insert(c.field.name().to_string(), serde_json::json!(c.old));
        after.insert(c.field.name().to_string(), serde_json::json!(c.new));
    }
    let fields: Vec<&str> = u.changes.iter().map(|c| c.field.name()).collect();
    let (action, summary) = if u.closes {
        ("school.closed", format!("{} (URN {}) closed, per {file_name}", u.record.name, u.urn))
    } else {
        ("school.updated", format!("{} (URN {}) updated from {file_name}: {}", u.record.name, u.urn, fields.join(", ")))
    };
    Change::new(action, "school", u.urn, summary)
        .before(serde_json::Value::Object(before))
        .after(serde_json::Value::Object(after))
}
