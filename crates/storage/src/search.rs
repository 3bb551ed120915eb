//! The `search_text` columns of schools and people: when the way text is
//! folded for searching changes, every stored text is made again at start
//! (once; the version done is kept in `settings`).

use crate::db::Db;
use crate::error::StoreError;
use crate::sql::Sql;
use crate::util::{get_i64, get_oi64, get_ostr, get_str};

/// Bump when [`crate::util::fold`] or a search text's parts change.
pub const FOLD_VERSION: &str = "2";
const KEY: &str = "search_text_fold";

/// Remake every stored search text if it was made by an older fold.
/// Returns whether anything was done.
pub async fn refresh_if_stale(db: &Db) -> Result<bool, StoreError> {
    let done = db.fetch_optional(&Sql::new("SELECT value FROM settings WHERE key = ?").bind(KEY)).await?;
    if let Some(r) = done
        && get_str(&r, "value")? == FOLD_VERSION
    {
        return Ok(false);
    }
    let schools = db
        .fetch_all(&Sql::new(
            "SELECT s.id, s.urn, s.name, s.town, s.locality, s.la_name, t.name AS trust_name, s.county, s.postcode \
             FROM schools s LEFT JOIN trusts t ON t.id = s.trust_id ORDER BY s.id",
        ))
        .await?;
    let mut school_texts = Vec::with_capacity(schools.len());
    for r in &schools {
        let places = [
            get_ostr(r, "town")?,
            get_ostr(r, "locality")?,
            get_ostr(r, "la_name")?,
            get_ostr(r, "trust_name")?,
            get_ostr(r, "county")?,
        ];
        let [a, b, c, d, e] = &places;
        school_texts.push((
            get_i64(r, "id")?,
            crate::schools::search_text_of(
                &get_str(r, "name")?,
                get_i64(r, "urn")?,
                [a, b, c, d, e],
                get_ostr(r, "postcode")?.as_deref(),
            ),
        ));
    }
    let people = db.fetch_all(&Sql::new("SELECT id, full_name, email, job_title FROM people ORDER BY id")).await?;
    let mut people_texts = Vec::with_capacity(people.len());
    for r in &people {
        people_texts.push((
            get_i64(r, "id")?,
            crate::people::search_text_of(
                &get_str(r, "full_name")?,
                &get_str(r, "email")?,
                get_ostr(r, "job_title")?.as_deref(),
            ),
        ));
    }
    let mut tx = db.begin().await?;
    let backend = crate::db::backend_of(&tx);
    for (table, texts) in [("schools", &school_texts), ("people", &people_texts)] {
        for chunk in texts.chunks(400) {
            // VALUES columns are column1, column2 on both databases.
            let mut s = Sql::new("UPDATE ");
            s.push(table);
            s.push(" SET search_text = v.column2 FROM (VALUES ");
            for (i, (id, text)) in chunk.iter().enumerate() {
                s.push(if i == 0 { "(?, ?)" } else { ", (?, ?)" });
                s.arg(*id).arg(text.as_str());
            }
            s.push(&format!(") AS v WHERE {table}.id = v.column1"));
            s.query_on(backend).execute(&mut *tx).await?;
        }
    }
    Sql::new("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind(KEY)
        .bind(FOLD_VERSION)
        .query()
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    let _ = get_oi64;
    Ok(true)
}
