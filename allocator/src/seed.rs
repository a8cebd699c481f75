//! Commit-then-reveal for the lottery seed.
//!
//! `allocator commit-seed` draws a seed before registration opens, keeps it
//! in a file and prints its commitment, `sha256:` and the SHA-256 (hex) of
//! the seed's UTF-8 bytes, to publish in `campaign.toml`. When the campaign
//! carries a commitment, `allocator run` accepts only the seed that hashes
//! to it, so the seed cannot be picked once the applications are known.
//!
//! The seed file holds the seed on one line: its text, less one trailing
//! line ending, is the seed. That is what `$(cat FILE)` gives the shell, so
//! anyone can check a published seed with
//! `printf %s "$(cat lottery-seed.txt)" | sha256sum`, or in Python
//! `hashlib.sha256(seed.encode()).hexdigest()`.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use campaign::LotteryCommitment;
use sha2::{Digest, Sha256};

/// Random bytes in a drawn seed: far too many to try every seed against a
/// published commitment.
const SEED_BYTES: usize = 32;

/// Why a seed cannot be used, or a seed file not read or written.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The campaign committed to a seed, and none was given.
    #[error(
        "campaign.toml commits to the lottery seed ({commitment}): give the committed seed with --seed-file FILE (the file `allocator commit-seed` wrote) or --seed; a seed drawn now could not be checked against it"
    )]
    Missing {
        /// The campaign's commitment.
        commitment: LotteryCommitment,
    },
    /// The seed given does not hash to the campaign's commitment.
    #[error(
        "the seed does not match the lottery commitment in campaign.toml: its SHA-256 is {given}, the campaign committed to {committed}. Give the seed that was committed (the file `allocator commit-seed` wrote); nothing was read or stored"
    )]
    Mismatch {
        /// The commitment of the seed given.
        given: LotteryCommitment,
        /// The campaign's commitment.
        committed: LotteryCommitment,
    },
    /// The seed file cannot be read.
    #[error("cannot read the seed file {}: {source}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The seed file does not hold one seed on one line.
    #[error("the seed file {} {problem}: it must hold the seed on one line, as `allocator commit-seed` writes it", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: &'static str,
    },
    /// The seed file is there already.
    #[error(
        "{} already exists: a committed seed is never overwritten. If its commitment was published, keep it; otherwise choose another --out",
        path.display()
    )]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// The seed file cannot be written.
    #[error("cannot write the seed file {}: {source}", path.display())]
    Unwritable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The operating system gave no random bytes.
    #[error("the operating system's random source failed: {0}")]
    Random(getrandom::Error),
}

/// The commitment to `seed`: SHA-256 of its UTF-8 bytes.
pub fn commitment_of(seed: &str) -> LotteryCommitment {
    let text = format!("{}{}", campaign::lottery_commitment::COMMITMENT_PREFIX, hex::encode(Sha256::digest(seed)));
    LotteryCommitment::parse(&text).expect("a SHA-256 digest in hex is a commitment")
}

/// What a run's seed was checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedCheck {
    /// The seed hashes to the commitment published in the campaign.
    Matches(LotteryCommitment),
    /// The campaign published no commitment: the seed was not fixed in advance.
    NotCommitted,
}

impl SeedCheck {
    /// The commitment checked against, if any.
    pub fn commitment(&self) -> Option<&LotteryCommitment> {
        match self {
            SeedCheck::Matches(c) => Some(c),
            SeedCheck::NotCommitted => None,
        }
    }
}

/// Checks `seed` against the campaign's commitment.
pub fn check_seed(committed: Option<&LotteryCommitment>, seed: &str) -> Result<SeedCheck, SeedError> {
    let Some(committed) = committed else { return Ok(SeedCheck::NotCommitted) };
    let given = commitment_of(seed);
    if &given == committed {
        Ok(SeedCheck::Matches(given))
    } else {
        Err(SeedError::Mismatch { given, committed: committed.clone() })
    }
}

/// The seed for a run: the one given (on the command line or in a file), or
/// one drawn now when the campaign committed to none.
pub fn choose_seed(
    given: Option<String>,
    file: Option<&Path>,
    committed: Option<&LotteryCommitment>,
) -> Result<String, SeedError> {
    match (given, file, committed) {
        (Some(seed), _, _) => Ok(seed),
        (None, Some(path), _) => read_seed_file(path),
        (None, None, Some(commitment)) => Err(SeedError::Missing { commitment: commitment.clone() }),
        (None, None, None) => Ok(crate::lottery::random_seed()),
    }
}

/// The seed in `path`: its text less one trailing line ending.
pub fn read_seed_file(path: &Path) -> Result<String, SeedError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| SeedError::Unreadable { path: path.to_owned(), source })?;
    let seed = text.strip_suffix('\n').map_or(text.as_str(), |s| s.strip_suffix('\r').unwrap_or(s));
    let malformed = |problem| Err(SeedError::Malformed { path: path.to_owned(), problem });
    if seed.is_empty() {
        return malformed("is empty");
    }
    if seed.contains(['\n', '\r']) {
        return malformed("has more than one line");
    }
    Ok(seed.to_owned())
}

/// Draws a seed from the operating system's random source and writes it to
/// `path`, created readable by its owner only and never over an existing
/// file; returns its commitment. The seed is written whole or not at all: it
/// goes to a private temporary file beside `path` that is then linked in
/// place, which fails if `path` exists.
pub fn commit_new_seed(path: &Path) -> Result<LotteryCommitment, SeedError> {
    let unwritable = |source| SeedError::Unwritable { path: path.to_owned(), source };
    if path.exists() {
        return Err(SeedError::Exists { path: path.to_owned() });
    }
    let mut bytes = [0u8; SEED_BYTES];
    getrandom::fill(&mut bytes).map_err(SeedError::Random)?;
    let seed = hex::encode(bytes);
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    // tempfile creates the file with mode 0600 on Unix.
    let mut file = tempfile::Builder::new().prefix(".lottery-seed").tempfile_in(folder).map_err(unwritable)?;
    file.write_all(format!("{seed}\n").as_bytes()).map_err(unwritable)?;
    file.as_file().sync_all().map_err(unwritable)?;
    file.persist_noclobber(path).map_err(|e| {
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            SeedError::Exists { path: path.to_owned() }
        } else {
            unwritable(e.error)
        }
    })?;
    Ok(commitment_of(&seed))
}

/// What the report says of a stored run's seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedAudit {
    /// The seed the run used.
    pub seed: String,
    /// `sha256:` and the SHA-256 of the seed, recomputed now.
    pub seed_sha256: LotteryCommitment,
    /// The commitment stored with the run, if the campaign had one.
    pub commitment: Option<String>,
}

impl SeedAudit {
    /// Recomputes the seed's hash of a stored run.
    pub fn of(run: &store::RunRecord) -> SeedAudit {
        SeedAudit {
            seed: run.seed.clone(),
            seed_sha256: commitment_of(&run.seed),
            commitment: run.lottery_commitment.clone(),
        }
    }

    /// Whether the seed hashes to the commitment; `None` when there was none.
    pub fn matches(&self) -> Option<bool> {
        self.commitment.as_ref().map(|c| *c == self.seed_sha256.to_string())
    }

    /// The stored commitment, or "none".
    pub fn commitment_text(&self) -> &str {
        self.commitment.as_deref().unwrap_or("none")
    }

    /// One sentence for people.
    pub fn verdict(&self) -> &'static str {
        match self.matches() {
            Some(true) => "the seed matches the commitment published before registration opened",
            Some(false) => "THE SEED DOES NOT MATCH the stored commitment",
            None => "the seed was not committed in advance (campaign.toml had no lottery_commitment)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_commitment_is_sha256_of_the_seed_text() {
        // Computed independently: printf %s 2028 | sha256sum
        assert_eq!(
            commitment_of("2028").to_string(),
            "sha256:6ae9e4d22c4670b9140fc378214b3274fb3f64d16058717f974515000680b24c"
        );
    }

    #[test]
    fn a_seed_file_loses_one_line_ending_and_nothing_else() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).expect("write");
            path
        };
        assert_eq!(read_seed_file(&file("lf", "abc\n")).expect("read"), "abc");
        assert_eq!(read_seed_file(&file("crlf", "abc\r\n")).expect("read"), "abc");
        assert_eq!(read_seed_file(&file("bare", " a b ")).expect("read"), " a b ");
        for (name, text) in [("empty", ""), ("newline", "\n"), ("two", "abc\n\n"), ("lines", "a\nb\n")] {
            assert!(matches!(read_seed_file(&file(name, text)), Err(SeedError::Malformed { .. })), "{name} accepted");
        }
    }

    #[test]
    fn only_the_committed_seed_passes() {
        let committed = commitment_of("the seed");
        assert_eq!(check_seed(Some(&committed), "the seed").expect("matches"), SeedCheck::Matches(committed.clone()));
        let refused = check_seed(Some(&committed), "the seed ").expect_err("another seed");
        assert!(refused.to_string().contains("does not match the lottery commitment"), "{refused}");
        assert_eq!(check_seed(None, "anything").expect("no commitment"), SeedCheck::NotCommitted);
    }

    #[test]
    fn a_committed_campaign_needs_a_seed_and_an_uncommitted_one_draws_one() {
        let committed = commitment_of("s");
        let refused = choose_seed(None, None, Some(&committed)).expect_err("no seed");
        assert!(matches!(refused, SeedError::Missing { .. }), "{refused}");
        assert!(refused.to_string().contains("--seed-file"), "{refused}");
        assert_eq!(choose_seed(Some("s".into()), None, Some(&committed)).expect("given"), "s");
        assert_eq!(choose_seed(None, None, None).expect("drawn").len(), 32);
    }

    #[test]
    fn a_new_seed_is_private_and_never_overwrites() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("seed.txt");
        let commitment = commit_new_seed(&path).expect("written");
        let seed = read_seed_file(&path).expect("readable");
        assert_eq!(seed.len(), 2 * SEED_BYTES);
        assert_eq!(commitment, commitment_of(&seed));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("metadata").permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "owner-only");
        }
        let again = commit_new_seed(&path).expect_err("exists");
        assert!(matches!(again, SeedError::Exists { .. }), "{again}");
        assert_eq!(read_seed_file(&path).expect("kept"), seed, "the first seed is kept");
        let left: Vec<_> = std::fs::read_dir(dir.path()).expect("list").collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
    }
}
