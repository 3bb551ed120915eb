//! Streaming reader for the bench CSV files (`paper,reviewer,score`, no
//! header) and the conflicts file (`paper,reviewer,-1`).
//!
//! The scores file is the hot path (65 M lines for instance `d`), so it is
//! parsed by hand: large reads, `memchr` for line ends, ids interned once and
//! recognised on later lines by comparing bytes with the previous paper and
//! with the reviewer that followed the previous one (true for files written
//! in blocks, as `gen_instance.py` does; any order still works through a hash
//! map). Every malformed line is reported with its 1-based line number.
//!
//! The library never opens files: the caller passes a function that opens
//! the scores (called once per streamed pass) and a reader of the conflicts.

use super::{BenchSolution, Names, PairSet, PairSource, ReadError};
use memchr::{memchr, memchr_iter};
use rustc_hash::FxHashMap;
use std::io::{self, BufRead, Read, Write};

#[derive(Debug, Default)]
struct Interner {
    names: Vec<Box<[u8]>>,
    map: FxHashMap<Box<[u8]>, u32>,
    scored: Vec<bool>,
}

impl Interner {
    fn get_or_insert(&mut self, b: &[u8]) -> Option<u32> {
        if let Some(&i) = self.map.get(b) {
            return Some(i);
        }
        std::str::from_utf8(b).ok()?;
        let i = self.names.len() as u32;
        self.names.push(b.into());
        self.map.insert(b.into(), i);
        self.scored.push(false);
        Some(i)
    }
    fn strings(&self) -> Vec<String> {
        self.names.iter().map(|b| String::from_utf8_lossy(b).into_owned()).collect()
    }
}

/// Scores in a CSV file, re-opened for every pass by `open`.
pub struct CsvScores<F> {
    open: F,
    papers: Interner,
    reviewers: Interner,
    passes: u32,
    rounded: bool,
}

fn trim(b: &[u8]) -> &[u8] {
    let mut s = 0;
    let mut e = b.len();
    while s < e && (b[s] == b' ' || b[s] == b'\t') {
        s += 1;
    }
    while e > s && (b[e - 1] == b' ' || b[e - 1] == b'\t' || b[e - 1] == b'\r') {
        e -= 1;
    }
    &b[s..e]
}

/// Parses a decimal number (`-0.5`, `0.1234`, `1`, `.25`) into millionths.
/// Returns the value and whether digits beyond the sixth decimal were rounded.
pub fn parse_micro(b: &[u8]) -> Option<(i64, bool)> {
    let (neg, b) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    let mut i = 0;
    let mut int: i64 = 0;
    let mut digits = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        int = int.checked_mul(10)?.checked_add((b[i] - b'0') as i64)?;
        i += 1;
        digits += 1;
    }
    let mut frac: i64 = 0;
    let mut nf = 0;
    let mut rounded = false;
    let mut round_up = false;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            if nf < 6 {
                frac = frac * 10 + (b[i] - b'0') as i64;
                nf += 1;
            } else {
                if nf == 6 && !rounded {
                    round_up = b[i] >= b'5';
                }
                if b[i] != b'0' {
                    rounded = true;
                }
                nf = 7;
            }
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 || i != b.len() {
        return None;
    }
    let nf6 = nf.min(6);
    let mut v = int.checked_mul(1_000_000)?.checked_add(frac * 10i64.pow(6 - nf6 as u32))?;
    if round_up {
        v += 1;
    }
    Some((if neg { -v } else { v }, rounded))
}

impl<F, R> CsvScores<F>
where
    F: FnMut() -> io::Result<R>,
    R: Read,
{
    /// A source whose scores are read from whatever `open` returns.
    pub fn new(open: F) -> Self {
        CsvScores { open, papers: Interner::default(), reviewers: Interner::default(), passes: 0, rounded: false }
    }

    /// True if some score had more than six decimals (rounded to six; the
    /// optimum is then exact for the rounded scores).
    pub fn scores_were_rounded(&self) -> bool {
        self.rounded
    }

    /// Reads `paper,reviewer,-1` lines into a conflict set. Call before the
    /// first solve so that ids are shared with the scores.
    pub fn read_conflicts<B: BufRead>(&mut self, mut input: B) -> Result<PairSet, ReadError> {
        let file = "constraints";
        let mut set = PairSet::default();
        let mut line_buf = Vec::new();
        let mut line = 0u64;
        loop {
            line_buf.clear();
            let n = input.read_until(b'\n', &mut line_buf).map_err(|e| ReadError::Io {
                file,
                line,
                message: e.to_string(),
            })?;
            if n == 0 {
                break;
            }
            line += 1;
            let l = trim(&line_buf);
            let l = if l.last() == Some(&b'\n') { trim(&l[..l.len() - 1]) } else { l };
            if l.is_empty() {
                continue;
            }
            let bad = |m: &str| ReadError::Malformed { file, line, message: m.to_string() };
            let f: Vec<&[u8]> = l.split(|&c| c == b',').map(trim).collect();
            if f.len() != 3 {
                return Err(bad(&format!("expected 3 fields paper,reviewer,-1, found {}", f.len())));
            }
            if f[0].is_empty() || f[1].is_empty() {
                return Err(bad("empty paper or reviewer id"));
            }
            match f[2] {
                b"-1" => {
                    let p = self.papers.get_or_insert(f[0]).ok_or_else(|| bad("paper id is not UTF-8"))?;
                    let r = self.reviewers.get_or_insert(f[1]).ok_or_else(|| bad("reviewer id is not UTF-8"))?;
                    set.insert(p, r);
                }
                b"0" => {}
                other if line == 1 && !other.iter().any(|c| c.is_ascii_digit()) => {} // header
                other => {
                    return Err(bad(&format!(
                        "constraint value {:?} is not supported (only -1, a conflict)",
                        String::from_utf8_lossy(other)
                    )));
                }
            }
        }
        Ok(set)
    }
}

/// Per-line parser state shared across buffer refills.
struct LineParser<'a> {
    papers: &'a mut Interner,
    reviewers: &'a mut Interner,
    first_pass: bool,
    last_p: u32,
    last_r: u32,
    line: u64,
    rounded: bool,
}

impl LineParser<'_> {
    #[inline]
    fn id(interner: &mut Interner, b: &[u8], hint: u32, first_pass: bool) -> Result<u32, &'static str> {
        let hint = hint as usize;
        if hint < interner.names.len() && *interner.names[hint] == *b {
            return Ok(hint as u32);
        }
        if let Some(&i) = interner.map.get(b) {
            return Ok(i);
        }
        if !first_pass {
            return Err("id not seen in the first pass (did the file change?)");
        }
        interner.get_or_insert(b).ok_or("id is not valid UTF-8")
    }

    #[inline]
    fn line(&mut self, raw: &[u8], visit: &mut dyn FnMut(u32, u32, i64, u64)) -> Result<(), ReadError> {
        self.line += 1;
        let line = self.line;
        let bad = |m: String| ReadError::Malformed { file: "scores", line, message: m };
        let l = raw.strip_suffix(b"\r").unwrap_or(raw);
        let Some(c1) = memchr(b',', l) else {
            if trim(l).is_empty() {
                return Ok(());
            }
            return Err(bad("expected paper,reviewer,score".into()));
        };
        let rest = &l[c1 + 1..];
        let Some(c2) = memchr(b',', rest) else {
            return Err(bad("expected paper,reviewer,score (2 commas)".into()));
        };
        let (p, r, s) = (trim(&l[..c1]), trim(&rest[..c2]), trim(&rest[c2 + 1..]));
        if memchr(b',', s).is_some() {
            return Err(bad("too many fields: expected paper,reviewer,score".into()));
        }
        if p.is_empty() || r.is_empty() {
            return Err(bad("empty paper or reviewer id".into()));
        }
        let score = match parse_micro(s) {
            Some((v, rd)) => {
                self.rounded |= rd;
                v
            }
            None if line == 1 && s.eq_ignore_ascii_case(b"score") => return Ok(()),
            None => return Err(bad(format!("score {:?} is not a decimal number", String::from_utf8_lossy(s)))),
        };
        let pi = Self::id(self.papers, p, self.last_p, self.first_pass)
            .map_err(|m| bad(format!("paper {:?}: {m}", String::from_utf8_lossy(p))))?;
        let ri = Self::id(self.reviewers, r, self.last_r.wrapping_add(1), self.first_pass)
            .map_err(|m| bad(format!("reviewer {:?}: {m}", String::from_utf8_lossy(r))))?;
        if self.first_pass {
            self.papers.scored[pi as usize] = true;
            self.reviewers.scored[ri as usize] = true;
        }
        self.last_p = pi;
        self.last_r = ri;
        visit(pi, ri, score, line);
        Ok(())
    }
}

impl<F, R> PairSource for CsvScores<F>
where
    F: FnMut() -> io::Result<R>,
    R: Read,
{
    fn stream(&mut self, visit: &mut dyn FnMut(u32, u32, i64, u64)) -> Result<(), ReadError> {
        let file = "scores";
        let mut rd = (self.open)().map_err(|e| ReadError::Io { file, line: 0, message: e.to_string() })?;
        let mut lp = LineParser {
            papers: &mut self.papers,
            reviewers: &mut self.reviewers,
            first_pass: self.passes == 0,
            last_p: u32::MAX,
            last_r: u32::MAX,
            line: 0,
            rounded: false,
        };
        let mut buf = vec![0u8; 1 << 20];
        let (mut start, mut end) = (0usize, 0usize);
        loop {
            if start > 0 {
                buf.copy_within(start..end, 0);
                end -= start;
                start = 0;
            }
            if end == buf.len() {
                buf.resize(buf.len() * 2, 0);
            }
            let n = loop {
                match rd.read(&mut buf[end..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(ReadError::Io { file, line: lp.line, message: e.to_string() }),
                }
            };
            end += n;
            let chunk = &buf[start..end];
            let mut pos = 0;
            for nl in memchr_iter(b'\n', chunk) {
                lp.line(&chunk[pos..nl], visit)?;
                pos = nl + 1;
            }
            start += pos;
            if n == 0 {
                if start < end {
                    lp.line(&buf[start..end], visit)?;
                }
                break;
            }
        }
        self.rounded |= lp.rounded;
        self.passes += 1;
        Ok(())
    }

    fn names(&self) -> Names {
        Names {
            papers: self.papers.strings(),
            reviewers: self.reviewers.strings(),
            paper_scored: self.papers.scored.clone(),
            reviewer_scored: self.reviewers.scored.clone(),
        }
    }

    fn counts(&self) -> (usize, usize) {
        (self.papers.names.len(), self.reviewers.names.len())
    }
}

/// Writes the assignment as CSV with header `paper,reviewer`.
pub fn write_assignment<W: Write>(mut w: W, sol: &BenchSolution) -> io::Result<()> {
    writeln!(w, "paper,reviewer")?;
    for (p, r) in sol.pairs() {
        writeln!(w, "{p},{r}")?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reviews::bench::ConflictSet;

    #[test]
    fn parses_decimals() {
        assert_eq!(parse_micro(b"0.1234"), Some((123_400, false)));
        assert_eq!(parse_micro(b"-1.5"), Some((-1_500_000, false)));
        assert_eq!(parse_micro(b".25"), Some((250_000, false)));
        assert_eq!(parse_micro(b"3"), Some((3_000_000, false)));
        assert_eq!(parse_micro(b"0.12345678"), Some((123_457, true)));
        assert_eq!(parse_micro(b"0.1234560"), Some((123_456, false)));
        assert_eq!(parse_micro(b""), None);
        assert_eq!(parse_micro(b"."), None);
        assert_eq!(parse_micro(b"1e5"), None);
        assert_eq!(parse_micro(b"abc"), None);
    }

    fn source(text: &'static str) -> CsvScores<impl FnMut() -> io::Result<&'static [u8]>> {
        CsvScores::new(move || Ok(text.as_bytes()))
    }

    #[test]
    fn reads_pairs_and_conflicts() {
        let mut s = source("p1,r1,0.5\np1,r2,0.25\r\np2,r1,1\n\np2,r3,0.0001");
        let c = s.read_conflicts(&b"p2,r2,-1\n"[..]).unwrap();
        let mut seen = Vec::new();
        s.stream(&mut |p, r, v, l| seen.push((p, r, v, l))).unwrap();
        // The conflicts file was read first: p2 and r2 got index 0.
        assert_eq!(seen, vec![(1, 1, 500_000, 1), (1, 0, 250_000, 2), (0, 1, 1_000_000, 3), (0, 2, 100, 5)]);
        assert!(c.contains(0, 0));
        assert!(!c.contains(1, 0));
        assert_eq!(s.names().papers, vec!["p2", "p1"]);
        let n = s.names();
        assert_eq!(n.reviewers, vec!["r2", "r1", "r3"]);
        assert_eq!(n.reviewer_scored, vec![true, true, true]);
        // A second pass gives the same pairs.
        let mut again = Vec::new();
        s.stream(&mut |p, r, v, l| again.push((p, r, v, l))).unwrap();
        assert_eq!(seen, again);
    }

    #[test]
    fn malformed_lines_name_the_line() {
        let mut s = source("p1,r1,0.5\np1;r2;0.3\n");
        let e = s.stream(&mut |_, _, _, _| {}).unwrap_err();
        assert_eq!(e.to_string(), "scores line 2: expected paper,reviewer,score");
        let mut s = source("p1,r1,0.5\np1,r2,x\n");
        let e = s.stream(&mut |_, _, _, _| {}).unwrap_err();
        assert_eq!(e.to_string(), "scores line 2: score \"x\" is not a decimal number");
        let mut s = source("p1,r1,0.5,7\n");
        assert!(s.stream(&mut |_, _, _, _| {}).unwrap_err().to_string().starts_with("scores line 1: too many"));
        let mut s = source("");
        let e = s.read_conflicts(&b"p1,r1,-1\np1,r2,1\n"[..]).unwrap_err();
        assert!(e.to_string().starts_with("constraints line 2:"), "{e}");
    }

    #[test]
    fn header_line_is_skipped() {
        let mut s = source("paper,reviewer,score\np1,r1,0.5\n");
        let mut n = 0;
        s.stream(&mut |_, _, _, _| n += 1).unwrap();
        assert_eq!(n, 1);
    }

    #[test]
    fn long_lines_across_buffer_boundaries() {
        // 200k lines force several buffer refills.
        let mut text = String::new();
        for p in 0..200 {
            for r in 0..1000 {
                text.push_str(&format!("p{p},r{r},0.{:04}\n", (p * 7 + r * 13) % 10000));
            }
        }
        let text: &'static str = Box::leak(text.into_boxed_str());
        let mut s = source(text);
        let mut sum = 0i64;
        let mut n = 0;
        s.stream(&mut |_, _, v, _| {
            sum += v;
            n += 1
        })
        .unwrap();
        assert_eq!(n, 200_000);
        let expect: i64 = (0..200).flat_map(|p| (0..1000).map(move |r| ((p * 7 + r * 13) % 10000) as i64 * 100)).sum();
        assert_eq!(sum, expect);
    }
}
