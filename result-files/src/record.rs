//! One applicant's result, and how it is sealed into a fixed-size record.
//!
//! A record is `tag (8) | nonce (12) | AES-256-GCM(plaintext (160)) + 16`
//! with the tag as associated data. The plaintext is the result as JSON,
//! padded with spaces to a fixed length, so every record, real or dummy,
//! has the same size.

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use serde::{Deserialize, Serialize};

use crate::derive::{Locator, TAG_BYTES};

/// Bytes of the padded plaintext.
pub const PLAINTEXT_BYTES: usize = 160;
const NONCE_BYTES: usize = 12;
const GCM_TAG_BYTES: usize = 16;
/// Bytes of one sealed record.
pub const RECORD_BYTES: usize = TAG_BYTES + NONCE_BYTES + PLAINTEXT_BYTES + GCM_TAG_BYTES;

/// Allocated or on the waiting list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// An appointment: `date` and `window` are set.
    Allocated,
    /// No appointment: `position` is set.
    Waitlisted,
}

/// What the result page shows of one applicant; nothing that names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultRecord {
    /// Allocated or waitlisted.
    pub status: Status,
    /// The centre's code; the page looks its name and address up.
    pub centre: String,
    /// The day, `YYYY-MM-DD`, when allocated.
    pub date: Option<String>,
    /// The time window, `HH:MM-HH:MM`, when allocated.
    pub window: Option<String>,
    /// Which choice was met: `week1`... `other`, `none`.
    pub choice: String,
    /// Place on the centre's waiting list, when waitlisted.
    pub position: Option<u64>,
}

/// Why a result cannot be sealed.
#[derive(Debug, thiserror::Error)]
#[error("the result of {centre} is {bytes} bytes as JSON, more than a record holds ({PLAINTEXT_BYTES})")]
pub struct TooLong {
    centre: String,
    bytes: usize,
}

impl ResultRecord {
    /// An appointment at `centre` on `date` (`YYYY-MM-DD`) in `window`
    /// (`HH:MM-HH:MM`), meeting `choice` (`week1`... `other`).
    pub fn allocated(centre: &str, date: &str, window: &str, choice: &str) -> ResultRecord {
        ResultRecord {
            status: Status::Allocated,
            centre: centre.to_owned(),
            date: Some(date.to_owned()),
            window: Some(window.to_owned()),
            choice: choice.to_owned(),
            position: None,
        }
    }

    /// Place `position` on `centre`'s waiting list.
    pub fn waitlisted(centre: &str, position: u64) -> ResultRecord {
        ResultRecord {
            status: Status::Waitlisted,
            centre: centre.to_owned(),
            date: None,
            window: None,
            choice: "none".to_owned(),
            position: Some(position),
        }
    }

    /// The sealed record for `locator`, with a fresh random nonce.
    pub fn seal(&self, locator: &Locator) -> Result<[u8; RECORD_BYTES], TooLong> {
        let json = serde_json::to_vec(self).unwrap_or_default();
        if json.len() > PLAINTEXT_BYTES {
            return Err(TooLong { centre: self.centre.clone(), bytes: json.len() });
        }
        let mut plaintext = [b' '; PLAINTEXT_BYTES];
        plaintext[..json.len()].copy_from_slice(&json);
        let mut nonce = [0u8; NONCE_BYTES];
        getrandom::fill(&mut nonce).expect("the system's random source");
        let cipher = Aes256Gcm::new(&locator.key.into());
        let sealed = cipher
            .encrypt(&Nonce::from(nonce), Payload { msg: &plaintext, aad: &locator.tag })
            .expect("AES-GCM seals a short message");
        let mut record = [0u8; RECORD_BYTES];
        record[..TAG_BYTES].copy_from_slice(&locator.tag);
        record[TAG_BYTES..TAG_BYTES + NONCE_BYTES].copy_from_slice(&nonce);
        record[TAG_BYTES + NONCE_BYTES..].copy_from_slice(&sealed);
        Ok(record)
    }

    /// The result in `record` if `locator` opens it: its tag matches and it
    /// decrypts and authenticates under the key.
    pub fn open(record: &[u8], locator: &Locator) -> Option<ResultRecord> {
        if record.len() != RECORD_BYTES || record[..TAG_BYTES] != locator.tag {
            return None;
        }
        let nonce: [u8; NONCE_BYTES] = record[TAG_BYTES..TAG_BYTES + NONCE_BYTES].try_into().ok()?;
        let cipher = Aes256Gcm::new(&locator.key.into());
        let plaintext = cipher
            .decrypt(&Nonce::from(nonce), Payload { msg: &record[TAG_BYTES + NONCE_BYTES..], aad: &locator.tag })
            .ok()?;
        serde_json::from_slice(&plaintext).ok()
    }

    /// A record no key opens: random bytes, indistinguishable from a sealed one.
    pub fn dummy() -> [u8; RECORD_BYTES] {
        let mut record = [0u8; RECORD_BYTES];
        getrandom::fill(&mut record).expect("the system's random source");
        record
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::derive::Secret;

    fn allocated() -> ResultRecord {
        ResultRecord::allocated("SGR-0001", "2028-01-10", "09:00-10:00", "week1")
    }

    #[test]
    fn a_record_opens_with_its_secret_only() {
        let secret = Secret::new("ABCDE-23456", date!(1960 - 03 - 15)).expect("valid");
        let locator = Locator::derive(&secret, b"salt", 10, 4);
        let record = allocated().seal(&locator).expect("fits");
        assert_eq!(ResultRecord::open(&record, &locator), Some(allocated()));
        let wrong = Locator::derive(&Secret::new("ABCDE-23456", date!(1960 - 03 - 16)).expect("valid"), b"salt", 10, 4);
        assert_eq!(ResultRecord::open(&record, &wrong), None);
        let mut forged = locator.clone();
        forged.key[0] ^= 1;
        assert_eq!(ResultRecord::open(&record, &forged), None, "same tag, another key");
        let mut tampered = record;
        tampered[RECORD_BYTES - 20] ^= 1;
        assert_eq!(ResultRecord::open(&tampered, &locator), None, "authenticated");
        assert_eq!(ResultRecord::open(&ResultRecord::dummy(), &locator), None);
    }

    #[test]
    fn the_longest_result_fits_a_record() {
        let longest = ResultRecord {
            status: Status::Waitlisted,
            centre: "WPKL-99999".into(),
            date: Some("2028-12-31".into()),
            window: Some("23:00-23:59".into()),
            choice: "week52".into(),
            position: Some(u64::from(u32::MAX)),
        };
        assert!(serde_json::to_vec(&longest).expect("json").len() <= PLAINTEXT_BYTES);
    }
}
