//! Application references: short, random, and easy to read aloud.
//!
//! The caller brings the randomness (intake the thread's generator, the
//! synthetic data a seeded one), so this stays as pure as the rest.

use rand::RngExt;

/// Digits and capitals without the look-alikes 0/O and 1/I: 32 symbols, 5 bits each.
pub const ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// Ten symbols: 50 bits, about 10^15 references, so a collision is rare even
/// at millions of applications and is retried when it happens (the database
/// decides uniqueness).
const LENGTH: usize = 10;

/// A reference drawn from `rng`, written `XXXXX-XXXXX`.
pub fn generate_with(rng: &mut impl rand::Rng) -> String {
    let mut out = String::with_capacity(LENGTH + 1);
    for i in 0..LENGTH {
        if i == LENGTH / 2 {
            out.push('-');
        }
        out.push(char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]));
    }
    out
}

/// Reads a reference as a person types it: case, spaces and the dash are
/// forgiven; `None` unless it is ten symbols of the alphabet.
pub fn parse(text: &str) -> Option<String> {
    let symbols: Vec<u8> = text.bytes().filter(|b| !matches!(b, b' ' | b'-')).map(|b| b.to_ascii_uppercase()).collect();
    if symbols.len() != LENGTH || !symbols.iter().all(|b| ALPHABET.contains(b)) {
        return None;
    }
    let mut out = String::with_capacity(LENGTH + 1);
    for (i, b) in symbols.into_iter().enumerate() {
        if i == LENGTH / 2 {
            out.push('-');
        }
        out.push(char::from(b));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_reference_reads_back_in_its_written_form() {
        let written = generate();
        assert_eq!(parse(&written).as_deref(), Some(written.as_str()));
        assert_eq!(parse(" k7m4q 9xh2p ").as_deref(), Some("K7M4Q-9XH2P"));
        for bad in ["", "K7M4Q-9XH2", "K7M4Q-9XH2PP", "K7M4Q-9XH2O", "K7M4Q/9XH2P", "../../etc"] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    fn generate() -> String {
        generate_with(&mut rand::rng())
    }

    #[test]
    fn references_are_unambiguous_and_shaped() {
        for _ in 0..1000 {
            let r = generate();
            assert_eq!(r.len(), 11);
            assert_eq!(&r[5..6], "-");
            assert!(r.chars().filter(|c| *c != '-').all(|c| ALPHABET.contains(&(c as u8))), "{r}");
            assert!(!r.contains(['0', 'O', '1', 'I']), "{r}");
        }
    }

    #[test]
    fn references_are_random() {
        let many: std::collections::HashSet<String> = (0..10_000).map(|_| generate()).collect();
        assert_eq!(many.len(), 10_000);
    }
}
