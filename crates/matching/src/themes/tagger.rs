//! Free text → tags: normalisation, the English Snowball stemmer, synonyms and
//! multi-word phrases, longest match first.
//!
//! Text and keywords go through the same [`normalise`]: lower case, every
//! run of characters other than letters and digits is a word break
//! (`post-16` → `post 16`, `well-being` → `well being`, apostrophes vanish),
//! and each word is [`stem`]med. A keyword matches where its words appear
//! consecutively in the text. At each position the longest matching phrase
//! wins and its words are used up, so `super curricular` (enrichment) does
//! not also count as `curricular` (curriculum), and `leadership
//! opportunities` (for students) not as `leadership` (of staff). Several tags
//! may share one phrase.

use std::collections::HashMap;

use super::Taxonomy;

/// One tag found in a text, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct TagMatch {
    /// Index of the tag in the taxonomy.
    pub tag: usize,
    /// The keyword of the taxonomy that matched.
    pub keyword: String,
    /// The words of the text that matched it, as written.
    pub matched: String,
}

/// The English Snowball stemmer (Porter 2), on text and keywords alike:
/// `leaders`/`leader`, `tutoring`/`tutor`, `disadvantaged`/`disadvantage`,
/// `studies`/`study` and `recruiting`/`recruitment` agree.
pub fn stem(word: &str) -> String {
    static STEMMER: std::sync::OnceLock<rust_stemmers::Stemmer> = std::sync::OnceLock::new();
    let stemmer = STEMMER.get_or_init(|| rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English));
    stemmer.stem(&word.to_lowercase()).into_owned()
}

/// Splits `text` into stemmed words, with the byte span of each in `text`.
pub fn normalise(text: &str) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut word = String::new();
    let flush = |start: &mut Option<usize>, end: usize, word: &mut String, out: &mut Vec<(String, usize, usize)>| {
        if let Some(s) = start.take() {
            if !word.is_empty() {
                out.push((stem(word), s, end));
            }
            word.clear();
        }
    };
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() {
            if start.is_none() {
                start = Some(i);
            }
            word.extend(c.to_lowercase());
        } else if c == '\'' || c == '\u{2019}' {
            // apostrophes join: "boys'" → "boys", "school's" → "schools"
        } else {
            flush(&mut start, i, &mut word, &mut out);
        }
    }
    flush(&mut start, text.len(), &mut word, &mut out);
    out
}

/// Maps free text to tags of a taxonomy.
#[derive(Debug, Clone)]
pub struct Tagger {
    /// first stemmed word → phrases starting with it: (words, tag, keyword)
    index: HashMap<String, Vec<(Vec<String>, usize, String)>>,
}

impl Tagger {
    /// Prepares the keywords of `taxonomy`.
    pub fn new(taxonomy: &Taxonomy) -> Self {
        let mut index: HashMap<String, Vec<(Vec<String>, usize, String)>> = HashMap::new();
        for (t, tag) in taxonomy.tags().iter().enumerate() {
            for kw in &tag.keywords {
                let words: Vec<String> = normalise(kw).into_iter().map(|w| w.0).collect();
                if let Some(first) = words.first() {
                    index.entry(first.clone()).or_default().push((words, t, kw.clone()));
                }
            }
        }
        for v in index.values_mut() {
            v.sort_by_key(|p| std::cmp::Reverse(p.0.len()));
        }
        Tagger { index }
    }

    /// The tags of `text`, each with the keyword and words that matched; a
    /// tag appears once (its first match).
    pub fn tag(&self, text: &str) -> Vec<TagMatch> {
        let words = normalise(text);
        let mut out: Vec<TagMatch> = Vec::new();
        let mut i = 0;
        while i < words.len() {
            let mut best_len = 0;
            if let Some(cands) = self.index.get(&words[i].0) {
                for (phrase, tag, kw) in cands {
                    let l = phrase.len();
                    if l < best_len {
                        break;
                    }
                    if i + l <= words.len() && phrase.iter().zip(&words[i..i + l]).all(|(p, w)| *p == w.0) {
                        best_len = l;
                        if !out.iter().any(|m| m.tag == *tag) {
                            out.push(TagMatch {
                                tag: *tag,
                                keyword: kw.clone(),
                                matched: text[words[i].1..words[i + l - 1].2].to_string(),
                            });
                        }
                    }
                }
            }
            i += best_len.max(1);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stemming_makes_forms_agree() {
        assert_eq!(stem("leaders"), stem("leader"));
        assert_eq!(stem("tutoring"), stem("tutor"));
        assert_eq!(stem("disadvantaged"), stem("disadvantage"));
        assert_eq!(stem("studies"), stem("study"));
        assert_eq!(stem("progress"), "progress");
        assert_eq!(stem("boys"), "boy");
        assert_eq!(stem("Recruiting"), stem("recruitment"));
        assert_eq!(stem("recruited"), stem("recruit"));
    }

    #[test]
    fn recruiting_is_recruitment() {
        let tax = Taxonomy::default();
        let t = Tagger::new(&tax);
        let ids: Vec<String> = t
            .tag("Recruiting specialist teachers")
            .iter()
            .map(|m| tax.tag(m.tag).map(|x| x.id.clone()).unwrap_or_default())
            .collect();
        assert!(ids.contains(&"recruitment_retention".to_string()), "{ids:?}");
        assert_eq!(t.tag("Recruiting specialist teachers")[0].matched, "Recruiting");
    }

    #[test]
    fn normalise_breaks_on_punctuation_and_keeps_spans() {
        let w = normalise("Post-16 well-being, boys' progress");
        let words: Vec<&str> = w.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(words, ["post", "16", "well", stem("being").as_str(), "boy", "progress"]);
        assert_eq!(&"Post-16 well-being, boys' progress"[w[0].1..w[1].2], "Post-16");
    }

    #[test]
    fn longest_phrase_wins() {
        let tax = Taxonomy::default();
        let t = Tagger::new(&tax);
        let ids = |s: &str| -> Vec<String> {
            t.tag(s).iter().map(|m| tax.tag(m.tag).map(|x| x.id.clone()).unwrap_or_default()).collect()
        };
        let super_curr = ids("Super curricular and leadership opportunities at post-16");
        assert!(super_curr.contains(&"enrichment".to_string()));
        assert!(super_curr.contains(&"sixth_form".to_string()));
        assert!(!super_curr.contains(&"curriculum".to_string()));
        assert!(!super_curr.contains(&"leadership".to_string()));
        assert!(ids("Sixth form progress and retention of students").contains(&"sixth_form".to_string()));
        assert!(!ids("Sixth form progress and retention of students").contains(&"recruitment_retention".to_string()));
        assert!(ids("Developing middle leaders").contains(&"middle_leadership".to_string()));
        assert!(ids("").is_empty());
        assert!(ids("!!! ---").is_empty());
    }
}
