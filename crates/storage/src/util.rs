use crate::error::StoreError;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

/// One page of a list, with the total number of matching rows.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

impl<T> Page<T> {
    pub fn pages(&self) -> i64 {
        if self.per_page <= 0 { 1 } else { ((self.total + self.per_page - 1) / self.per_page).max(1) }
    }
    pub fn first_index(&self) -> i64 {
        if self.total == 0 { 0 } else { (self.page - 1) * self.per_page + 1 }
    }
    pub fn last_index(&self) -> i64 {
        ((self.page - 1) * self.per_page + self.items.len() as i64).max(0)
    }
    /// A page past the last one was asked for (there are results, but none
    /// on this page): say so rather than "Showing 24,951–24,950".
    pub fn beyond_end(&self) -> bool {
        self.total > 0 && self.page > self.pages()
    }
}

/// Clamp a requested page and page size to sensible bounds.
pub fn paging(page: Option<i64>, per_page: Option<i64>, default_per: i64) -> (i64, i64) {
    let per = per_page.unwrap_or(default_per).clamp(1, 500);
    let page = page.unwrap_or(1).max(1);
    (page, per)
}

pub(crate) fn get_i64(r: &AnyRow, c: &str) -> Result<i64, StoreError> {
    Ok(r.try_get::<i64, _>(c)?)
}
pub(crate) fn get_oi64(r: &AnyRow, c: &str) -> Result<Option<i64>, StoreError> {
    Ok(r.try_get::<Option<i64>, _>(c)?)
}
pub(crate) fn get_of64(r: &AnyRow, c: &str) -> Result<Option<f64>, StoreError> {
    Ok(r.try_get::<Option<f64>, _>(c)?)
}
pub(crate) fn get_str(r: &AnyRow, c: &str) -> Result<String, StoreError> {
    Ok(r.try_get::<String, _>(c)?)
}
pub(crate) fn get_ostr(r: &AnyRow, c: &str) -> Result<Option<String>, StoreError> {
    Ok(r.try_get::<Option<String>, _>(c)?)
}
/// A workflow state kept as text; a value the code does not know is an
/// error (the CHECK constraint keeps them out).
pub(crate) fn get_state<S: upward_domain::workflow::State>(r: &AnyRow, c: &str) -> Result<S, StoreError> {
    let v = get_str(r, c)?;
    S::parse(&v).ok_or_else(|| StoreError::Corrupt(format!("{c} = '{v}' is not a state of a {}", S::THING)))
}

pub(crate) fn get_kind(r: &AnyRow, c: &str) -> Result<upward_domain::reviews::ReviewKind, StoreError> {
    let v = get_str(r, c)?;
    upward_domain::reviews::ReviewKind::parse(&v)
        .ok_or_else(|| StoreError::Corrupt(format!("{c} = '{v}' is not a kind of review")))
}

pub(crate) fn get_bool(r: &AnyRow, c: &str) -> Result<bool, StoreError> {
    Ok(r.try_get::<i64, _>(c)? != 0)
}

/// Lower-case text for the `search_text` columns and for the words searched
/// for, folded the same way on both sides: accents of the common
/// Windows-1252 letters folded ("Ecole" finds "École"), apostrophes dropped
/// and other punctuation made a space ("st marys" finds "St Mary's",
/// "st. mary's" too), runs of spaces made one.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        let c = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'a',
            'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' => 'o',
            'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
            'ŵ' | 'Ŵ' => 'w',
            'ŷ' | 'ÿ' | 'Ŷ' | 'Ÿ' => 'y',
            'ç' | 'Ç' => 'c',
            'ñ' | 'Ñ' => 'n',
            '\'' | '’' | '‘' | '`' | '´' => continue,
            // The separator between the parts of a search text stays.
            '|' => '|',
            c if c.is_alphanumeric() => c,
            // '@' and '.' inside an e-mail address are punctuation too: the
            // address is kept whole beside the folded text where needed.
            _ => ' ',
        };
        if c == ' ' {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.extend(c.to_lowercase());
    }
    out
}

/// The words of a search, folded as the stored text is (blank words and
/// words that were only punctuation dropped), at most `max`.
pub fn search_words(q: &str, max: usize) -> Vec<String> {
    q.split_whitespace().map(fold).filter(|w| !w.is_empty()).take(max).collect()
}

/// Escape `%`, `_` and `\` for a LIKE pattern (used with `ESCAPE '\'`).
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_apostrophes_punctuation_and_accents() {
        assert_eq!(fold("St Mary's C.E. (VA) Primary"), "st marys c e va primary");
        assert_eq!(fold("ST MARY’S"), "st marys");
        assert_eq!(fold("École  Saint-Jean"), "ecole saint jean");
        assert_eq!(fold("Stoke-on-Trent | ST4 1AB"), "stoke on trent | st4 1ab");
        assert_eq!(search_words("st marys", 8), vec!["st", "marys"]);
        assert_eq!(search_words("st. mary's - ", 8), vec!["st", "marys"]);
        assert_eq!(search_words("co-op", 8), vec!["co op"]);
        // Both sides folded alike: every word of the query is in the text.
        let text = fold("St Mary's Catholic Primary School | London");
        for q in ["st marys", "St. Mary's", "ST MARYS", "marys catholic"] {
            assert!(search_words(q, 8).iter().all(|w| text.contains(w.as_str())), "{q}");
        }
    }
}
