//! From reference and birth date to a bucket, a record tag and a key.
//!
//! One slow PBKDF2-HMAC-SHA256 turns the two into a master secret; three
//! cheap HMACs of it give the bucket, the tag that picks the record out of
//! the bucket, and the AES-256-GCM key. So a guess costs an attacker one
//! slow derivation, the same as the applicant's browser pays once.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use time::Date;

/// Bytes of the tag in front of each record.
pub const TAG_BYTES: usize = 8;

/// What an applicant knows: their reference and birth date, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    reference: String,
    birth_date: Date,
}

/// Why typed text is not a reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a reference is 10 letters and digits, like ABCDE-23456")]
pub struct NotAReference;

impl Secret {
    /// The secret for a reference as people type it: any case, with or
    /// without the hyphen and spaces. Refused unless it is ten symbols of
    /// the reference alphabet.
    pub fn new(reference: &str, birth_date: Date) -> Result<Secret, NotAReference> {
        Ok(Secret { reference: normalise_reference(reference).ok_or(NotAReference)?, birth_date })
    }

    /// The reference, written `XXXXX-XXXXX`.
    pub fn reference(&self) -> &str {
        &self.reference
    }

    /// The text the key derivation starts from: `XXXXX-XXXXX|YYYY-MM-DD`.
    fn password(&self) -> String {
        format!("{}|{}", self.reference, campaign::dates::format_date(self.birth_date))
    }
}

/// `abcde 23456`, `ABCDE23456` → `ABCDE-23456`; `None` unless ten symbols
/// of [`campaign::reference::ALPHABET`] remain once spaces and hyphens go.
pub fn normalise_reference(typed: &str) -> Option<String> {
    let symbols: Vec<u8> =
        typed.bytes().filter(|b| !b.is_ascii_whitespace() && *b != b'-').map(|b| b.to_ascii_uppercase()).collect();
    if symbols.len() != 10 || !symbols.iter().all(|b| campaign::reference::ALPHABET.contains(b)) {
        return None;
    }
    let text = String::from_utf8(symbols).ok()?;
    Some(format!("{}-{}", &text[..5], &text[5..]))
}

/// Where a record lives and how to open it.
#[derive(Clone, PartialEq, Eq)]
pub struct Locator {
    /// Index of the bucket file, below the manifest's bucket count.
    pub bucket: u32,
    /// The record's tag in the bucket.
    pub tag: [u8; TAG_BYTES],
    /// The AES-256-GCM key.
    pub key: [u8; 32],
}

impl std::fmt::Debug for Locator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Locator").field("bucket", &self.bucket).finish_non_exhaustive()
    }
}

impl Locator {
    /// Derives the locator of `secret` under `salt`, `iterations` and `buckets` (a power of two).
    pub fn derive(secret: &Secret, salt: &[u8], iterations: u32, buckets: u32) -> Locator {
        let mut master = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<Sha256>(secret.password().as_bytes(), salt, iterations, &mut master);
        let locate = label(&master, b"locate");
        let bucket = u32::from_be_bytes([locate[0], locate[1], locate[2], locate[3]]) % buckets.max(1);
        let mut tag = [0u8; TAG_BYTES];
        tag.copy_from_slice(&locate[4..4 + TAG_BYTES]);
        Locator { bucket, tag, key: label(&master, b"key") }
    }
}

fn label(master: &[u8; 32], what: &[u8]) -> [u8; 32] {
    // HMAC takes a key of any length: this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(master).expect("HMAC takes any key length");
    mac.update(what);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn references_are_read_as_people_type_them() {
        assert_eq!(normalise_reference("abcde-23456").as_deref(), Some("ABCDE-23456"));
        assert_eq!(normalise_reference(" ABCDE 23456 ").as_deref(), Some("ABCDE-23456"));
        assert_eq!(normalise_reference("ABCDE23456").as_deref(), Some("ABCDE-23456"));
        for wrong in ["", "ABCDE-2345", "ABCDE-234567", "ABCDE-2345O", "ABCDE-2345I", "ABCDÉ-23456"] {
            assert_eq!(normalise_reference(wrong), None, "{wrong:?}");
        }
    }

    #[test]
    fn another_birth_date_or_salt_gives_another_key() {
        let secret = Secret::new("ABCDE-23456", date!(1960 - 03 - 15)).expect("valid");
        let other_day = Secret::new("ABCDE-23456", date!(1960 - 03 - 16)).expect("valid");
        let base = Locator::derive(&secret, b"salt", 10, 8);
        assert_eq!(
            base,
            Locator::derive(&Secret::new("abcde23456", date!(1960 - 03 - 15)).expect("valid"), b"salt", 10, 8)
        );
        assert_ne!(base.key, Locator::derive(&other_day, b"salt", 10, 8).key);
        assert_ne!(base.key, Locator::derive(&secret, b"pepper", 10, 8).key);
        assert_ne!(base.key, Locator::derive(&secret, b"salt", 11, 8).key);
        assert!(base.bucket < 8);
    }
}
