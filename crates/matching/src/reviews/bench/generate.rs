//! In-memory generation of the bench instances (`gen_instance.py`).
//!
//! Every value is a pure function of `(seed, paper, reviewer)` through
//! splitmix64, so an instance of any size can be streamed again and again
//! without files and without a dense matrix:
//!
//! ```text
//! k     = p * n_reviewers + r
//! h1    = sm(k XOR sm(seed))
//! score = (h1 >> 11) % 10000 / 10000
//! h2    = sm(h1 XOR 0xD1B54A32D192ED03)
//! conflict iff (h2 >> 11) % 1_000_000 < conflict_ppm
//! ```

use super::{ConflictSet, Names, PairSource, ReadError};

/// The splitmix64 finaliser used by `gen_instance.py`.
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A synthetic instance, identical to `gen_instance.py OUTDIR P R`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generated {
    /// Number of papers (reviews).
    pub n_papers: u32,
    /// Number of reviewers.
    pub n_reviewers: u32,
    /// Seed (default 20240501).
    pub seed: u64,
    /// Conflicts per million pairs (default 20000 = 2%).
    pub conflict_ppm: u64,
}

impl Generated {
    /// The defaults of `gen_instance.py`.
    pub fn new(n_papers: u32, n_reviewers: u32) -> Self {
        Generated { n_papers, n_reviewers, seed: 20_240_501, conflict_ppm: 20_000 }
    }

    /// Instance `a`..`d` of the bench README.
    pub fn named(name: &str) -> Option<Self> {
        Some(match name {
            "a" => Self::new(500, 1300),
            "b" => Self::new(1000, 2600),
            "c" => Self::new(2000, 5200),
            "d" => Self::new(5000, 13000),
            _ => return None,
        })
    }

    #[inline]
    fn h1(&self, p: u32, r: u32) -> u64 {
        let k = (p as u64).wrapping_mul(self.n_reviewers as u64).wrapping_add(r as u64);
        splitmix64(k ^ splitmix64(self.seed))
    }

    /// Score of a pair in ten-thousandths (`0..=9999`).
    pub fn score_e4(&self, p: u32, r: u32) -> u32 {
        ((self.h1(p, r) >> 11) % 10_000) as u32
    }

    /// Whether the pair is a conflict.
    pub fn is_conflict(&self, p: u32, r: u32) -> bool {
        let h2 = splitmix64(self.h1(p, r) ^ 0xD1B5_4A32_D192_ED03);
        (h2 >> 11) % 1_000_000 < self.conflict_ppm
    }

    /// The `scores.csv` text of paper `p` exactly as the Python writes it
    /// (used to check the two generators agree).
    pub fn scores_csv_block(&self, p: u32) -> String {
        let mut s = String::new();
        for r in 0..self.n_reviewers {
            s.push_str(&format!("p{:05},r{:06},0.{:04}\n", p, r, self.score_e4(p, r)));
        }
        s
    }
}

impl ConflictSet for Generated {
    fn contains(&self, p: u32, r: u32) -> bool {
        self.is_conflict(p, r)
    }
}

impl PairSource for Generated {
    fn stream(&mut self, visit: &mut dyn FnMut(u32, u32, i64, u64)) -> Result<(), ReadError> {
        let s = splitmix64(self.seed);
        let nr = self.n_reviewers as u64;
        let mut line = 0u64;
        for p in 0..self.n_papers {
            let base = p as u64 * nr;
            for r in 0..self.n_reviewers {
                line += 1;
                let h1 = splitmix64((base + r as u64) ^ s);
                let e4 = ((h1 >> 11) % 10_000) as i64;
                visit(p, r, e4 * 100, line);
            }
        }
        Ok(())
    }

    fn names(&self) -> Names {
        Names {
            papers: (0..self.n_papers).map(|p| format!("p{p:05}")).collect(),
            reviewers: (0..self.n_reviewers).map(|r| format!("r{r:06}")).collect(),
            paper_scored: vec![true; self.n_papers as usize],
            reviewer_scored: vec![true; self.n_reviewers as usize],
        }
    }

    fn counts(&self) -> (usize, usize) {
        (self.n_papers as usize, self.n_reviewers as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_reference_values() {
        // Reference values of the standard splitmix64 finaliser.
        assert_eq!(splitmix64(0), 0xE220_A839_7B1D_CDAF);
        assert_eq!(splitmix64(1), 0x910A_2DEC_8902_5CC1);
    }
}
