//! The theme taxonomy and the free-text theme tagger.
//!
//! Areas of Excellence and systemic challenges are free text ("Sixth form
//! progress and retention of students"). The matching engine compares them
//! through one shared, editable [`Taxonomy`]: a list of tags, each with an
//! id, a plain-English label, a weight (how much a match on this tag counts:
//! broad tags such as "teaching and learning" count half) and keywords
//! (synonyms and multi-word phrases). The taxonomy is data: the default one
//! is embedded from `data/themes.csv` and the central team can supply their
//! own in the same CSV layout (`id,label,weight,keywords`, keywords separated
//! by `;`).
//!
//! The [`Tagger`] maps a text to tags explainably: every [`TagMatch`] names
//! the keyword and the words of the text it matched.

mod tagger;

pub use tagger::{TagMatch, Tagger, normalise, stem};

use std::io::BufRead;

use crate::groups::ParseError;

/// The default taxonomy, as shipped.
pub const DEFAULT_TAXONOMY_CSV: &str = include_str!("../../data/themes.csv");

/// One tag of the taxonomy.
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    /// Stable id, e.g. `sixth_form`.
    pub id: String,
    /// Plain-English label used in explanations, e.g. `sixth form / post-16`.
    pub label: String,
    /// How much a match on this tag counts (1 = normal).
    pub weight: f64,
    /// Keywords and phrases, as written in the taxonomy.
    pub keywords: Vec<String>,
}

/// An ordered list of tags; a tag's index is its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Taxonomy {
    tags: Vec<Tag>,
}

impl Default for Taxonomy {
    fn default() -> Self {
        // The embedded file is tested; fall back to an empty taxonomy rather
        // than panicking should it ever be broken.
        Taxonomy::parse(DEFAULT_TAXONOMY_CSV.as_bytes(), "data/themes.csv").unwrap_or(Taxonomy { tags: Vec::new() })
    }
}

impl Taxonomy {
    /// Builds a taxonomy from tags (ids must be unique and non-empty).
    pub fn new(tags: Vec<Tag>) -> Result<Self, String> {
        let mut seen = std::collections::HashSet::new();
        for t in &tags {
            if t.id.trim().is_empty() {
                return Err("a tag has an empty id".into());
            }
            if !seen.insert(t.id.clone()) {
                return Err(format!("tag `{}` appears twice", t.id));
            }
        }
        Ok(Taxonomy { tags })
    }

    /// Reads the CSV layout `id,label,weight,keywords` (header required;
    /// `weight` may be empty for 1; keywords separated by `;`).
    pub fn parse(reader: impl BufRead, source: &str) -> Result<Self, ParseError> {
        let mut rdr = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(reader);
        let headers = rdr.headers().map_err(|e| ParseError::new(source, 1, "header", e.to_string()))?.clone();
        let col = |name: &str| -> Result<usize, ParseError> {
            headers
                .iter()
                .position(|h| h.eq_ignore_ascii_case(name))
                .ok_or_else(|| ParseError::new(source, 1, name, "missing column"))
        };
        let (ci, cl, ck) = (col("id")?, col("label")?, col("keywords")?);
        let cw = headers.iter().position(|h| h.eq_ignore_ascii_case("weight"));
        let mut tags: Vec<Tag> = Vec::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                ParseError::new(source, line, "record", e.to_string())
            })?;
            let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
            let get = |c: usize| rec.get(c).unwrap_or("").to_string();
            let id = get(ci);
            if id.is_empty() {
                return Err(ParseError::new(source, line, "id", "empty"));
            }
            if tags.iter().any(|t| t.id == id) {
                return Err(ParseError::new(source, line, "id", format!("`{id}` appears twice")));
            }
            let weight = match cw.map(get) {
                None => 1.0,
                Some(s) if s.is_empty() => 1.0,
                Some(s) => s.parse::<f64>().ok().filter(|w| w.is_finite() && *w >= 0.0).ok_or_else(|| {
                    ParseError::new(source, line, "weight", format!("`{s}` is not a non-negative number"))
                })?,
            };
            let keywords: Vec<String> =
                get(ck).split(';').map(|k| k.trim().to_string()).filter(|k| !k.is_empty()).collect();
            let label = get(cl);
            tags.push(Tag { label: if label.is_empty() { id.clone() } else { label }, id, weight, keywords });
        }
        Ok(Taxonomy { tags })
    }

    /// All tags in order.
    pub fn tags(&self) -> &[Tag] {
        &self.tags
    }

    /// Number of tags.
    pub fn len(&self) -> usize {
        self.tags.len()
    }

    /// True when there is no tag.
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
    }

    /// The tag at `index`.
    pub fn tag(&self, index: usize) -> Option<&Tag> {
        self.tags.get(index)
    }

    /// The index of the tag with id `id`.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.tags.iter().position(|t| t.id == id)
    }
}

/// A set of tag indices (a bitset of any width).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct TagSet {
    words: Vec<u64>,
}

impl TagSet {
    /// An empty set.
    pub fn new() -> Self {
        TagSet::default()
    }

    /// Adds tag `t`.
    pub fn insert(&mut self, t: usize) {
        let w = t / 64;
        if self.words.len() <= w {
            self.words.resize(w + 1, 0);
        }
        self.words[w] |= 1 << (t % 64);
    }

    /// True when `t` is in the set.
    pub fn contains(&self, t: usize) -> bool {
        self.words.get(t / 64).is_some_and(|w| w & (1 << (t % 64)) != 0)
    }

    /// True when the set is empty.
    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|w| *w == 0)
    }

    /// Tags in both sets, in increasing order.
    pub fn intersection(&self, other: &TagSet) -> Vec<usize> {
        let mut out = Vec::new();
        for (k, (a, b)) in self.words.iter().zip(&other.words).enumerate() {
            let mut x = a & b;
            while x != 0 {
                out.push(k * 64 + x.trailing_zeros() as usize);
                x &= x - 1;
            }
        }
        out
    }

    /// Iterates over the tags in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(k, &w)| {
            let mut x = w;
            std::iter::from_fn(move || {
                if x == 0 {
                    None
                } else {
                    let t = x.trailing_zeros() as usize;
                    x &= x - 1;
                    Some(k * 64 + t)
                }
            })
        })
    }

    /// Sum of `weights[t]` over tags in both sets.
    #[inline]
    pub fn weighted_overlap(&self, other: &TagSet, weights: &[f64]) -> f64 {
        let mut s = 0.0;
        for (k, (a, b)) in self.words.iter().zip(&other.words).enumerate() {
            let mut x = a & b;
            while x != 0 {
                s += weights.get(k * 64 + x.trailing_zeros() as usize).copied().unwrap_or(1.0);
                x &= x - 1;
            }
        }
        s
    }
}
