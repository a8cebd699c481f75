//! The tie-break lottery among applicants born on the same day.
//!
//! Each applicant's number is HMAC-SHA256, keyed with the run's seed (its
//! UTF-8 bytes), of their reference (its UTF-8 bytes); the number is the
//! first 8 bytes of the MAC read as a big-endian unsigned integer, and lower
//! numbers go first. It depends only on the seed and the reference, not on
//! the order rows are read, so anyone with the published seed can recompute
//! it in any language, e.g. in Python:
//!
//! ```text
//! int.from_bytes(hmac.new(seed.encode(), reference.encode(), "sha256").digest()[:8], "big")
//! ```

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The lottery of one run.
#[derive(Clone)]
pub struct Lottery {
    keyed: Hmac<Sha256>,
}

impl std::fmt::Debug for Lottery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Lottery")
    }
}

impl Lottery {
    /// The lottery for `seed`.
    pub fn new(seed: &str) -> Lottery {
        // HMAC accepts keys of any length.
        let keyed = Hmac::<Sha256>::new_from_slice(seed.as_bytes()).expect("HMAC takes keys of any length");
        Lottery { keyed }
    }

    /// The applicant's number: lower goes first among people born the same day.
    pub fn number(&self, reference: &str) -> u64 {
        let mut mac = self.keyed.clone();
        mac.update(reference.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first)
    }
}

/// A fresh random seed (128 bits, hex) when the operator gives none.
pub fn random_seed() -> String {
    use rand::RngExt;
    let mut rng = rand::rng();
    hex::encode(rng.random::<[u8; 16]>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_match_the_published_recipe() {
        // Computed independently: python3 -c 'import hmac; print(int.from_bytes(hmac.new(b"2028", b"ABCDE-FGHJK", "sha256").digest()[:8], "big"))'
        assert_eq!(Lottery::new("2028").number("ABCDE-FGHJK"), EXPECTED);
    }

    const EXPECTED: u64 = 10_760_082_401_174_366_167;

    #[test]
    fn numbers_depend_on_seed_and_reference_only() {
        let a = Lottery::new("seed-a");
        assert_eq!(a.number("X"), Lottery::new("seed-a").number("X"));
        assert_ne!(a.number("X"), a.number("Y"));
        assert_ne!(a.number("X"), Lottery::new("seed-b").number("X"));
    }

    #[test]
    fn random_seeds_are_long_and_distinct() {
        let (a, b) = (random_seed(), random_seed());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }
}
