//! The lottery commitment: the SHA-256 of the allocation's seed, published
//! in `campaign.toml` before anyone applies, so the seed cannot be chosen
//! later to favour someone.

use std::fmt;

/// How a commitment is written: this prefix, then 64 lowercase hex digits.
pub const COMMITMENT_PREFIX: &str = "sha256:";

/// A published commitment to the lottery seed: the SHA-256 digest of the
/// seed's UTF-8 bytes. This crate only checks its shape; the allocator
/// hashes seeds and compares.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LotteryCommitment {
    hex: String,
}

/// Why a text is not a commitment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{text:?} is not a lottery commitment: write \"sha256:\" and the 64 lowercase hex digits that `allocator commit-seed` printed"
)]
pub struct NotACommitment {
    /// What was given.
    pub text: String,
}

impl LotteryCommitment {
    /// Parses `sha256:<64 lowercase hex digits>`.
    pub fn parse(text: &str) -> Result<LotteryCommitment, NotACommitment> {
        text.strip_prefix(COMMITMENT_PREFIX)
            .filter(|hex| hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .map(|hex| LotteryCommitment { hex: hex.to_owned() })
            .ok_or_else(|| NotACommitment { text: text.to_owned() })
    }

    /// The digest's 64 lowercase hex digits, as `sha256sum` prints them.
    pub fn hex(&self) -> &str {
        &self.hex
    }
}

impl fmt::Display for LotteryCommitment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{COMMITMENT_PREFIX}{}", self.hex)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn a_well_formed_commitment_round_trips() {
        let text = format!("sha256:{DIGEST}");
        let commitment = LotteryCommitment::parse(&text).expect("well formed");
        assert_eq!(commitment.hex(), DIGEST);
        assert_eq!(commitment.to_string(), text);
    }

    #[test]
    fn other_shapes_are_refused() {
        for text in [
            DIGEST.to_owned(),
            format!("sha256:{}", DIGEST.to_uppercase()),
            format!("sha256:{}", &DIGEST[1..]),
            format!("sha256:{DIGEST}0"),
            format!("sha512:{DIGEST}"),
            format!(" sha256:{DIGEST}"),
            format!("sha256:{}g", &DIGEST[1..]),
        ] {
            assert!(LotteryCommitment::parse(&text).is_err(), "{text:?} accepted");
        }
    }
}
