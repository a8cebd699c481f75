//! The applicant's name and how to reach them.

use std::fmt;

use super::problem::Problem;

/// A person's full name as on their identity document, in any script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullName(String);

impl FullName {
    /// The most characters a name may have (MyKad prints up to about 80; passports fewer).
    pub const MAX_CHARS: usize = 150;

    /// Punctuation that real Malaysian names use: `Ahmad bin Ali @ Abu`,
    /// `Muthu a/l Rajan`, `Nur 'Ain`, `Tan Ah-Kow`, `Mohd. Hafiz`.
    pub const PUNCTUATION: &'static str = "@/'-.,()";

    /// Trims, folds runs of white space into one space, and checks the characters.
    ///
    /// Letters of any script (with their combining marks) are welcome;
    /// control characters, digits and ASCII symbols outside
    /// [`FullName::PUNCTUATION`] are not, since they only get into a name by
    /// mistake (a phone number in the wrong box, a stray keystroke). Nor are
    /// invisible ones: they make two names that print alike differ, or turn
    /// the text around it backwards on a staff list.
    pub fn parse(text: &str) -> Result<FullName, Problem> {
        if let Some(found) = text.chars().find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
            return Err(Problem::NameInvisible { found });
        }
        let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if folded.is_empty() {
            return Err(Problem::NameMissing);
        }
        let chars: Vec<char> = folded.chars().collect();
        for (i, &c) in chars.iter().enumerate() {
            if Self::invisible(c) && !Self::joins_letters(&chars, i) {
                return Err(Problem::NameInvisible { found: c });
            }
            if !Self::invisible(c) && !Self::allowed(c) {
                return Err(Problem::NameCharacter { found: c });
            }
        }
        if chars.len() > Self::MAX_CHARS {
            return Err(Problem::NameTooLong { max: Self::MAX_CHARS });
        }
        if !folded.chars().any(char::is_alphabetic) {
            return Err(Problem::NameNoLetter);
        }
        Ok(FullName(folded))
    }

    fn allowed(c: char) -> bool {
        if c.is_ascii() {
            c.is_ascii_alphabetic() || c == ' ' || Self::PUNCTUATION.contains(c)
        } else {
            !c.is_control() && !c.is_numeric()
        }
    }

    /// Format (bidirectional marks and overrides, zero-width spaces, the
    /// byte-order mark), private-use and surrogate characters, and U+FFFD,
    /// which stands where text was lost to a wrong encoding.
    fn invisible(c: char) -> bool {
        use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
        c == '\u{FFFD}'
            || matches!(
                c.general_category(),
                GeneralCategory::Format | GeneralCategory::PrivateUse | GeneralCategory::Surrogate
            )
    }

    /// Whether `chars[i]` is a zero-width joiner or non-joiner between two
    /// letters (or a letter's marks), where scripts such as Tamil and Jawi
    /// use it to choose a letter's shape.
    fn joins_letters(chars: &[char], i: usize) -> bool {
        use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};
        let letter = |c: Option<&char>| {
            c.is_some_and(|c| c.is_alphabetic() || c.general_category_group() == GeneralCategoryGroup::Mark)
        };
        matches!(chars[i], '\u{200C}' | '\u{200D}') && i > 0 && letter(chars.get(i - 1)) && letter(chars.get(i + 1))
    }

    /// The name as stored and printed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FullName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Malaysian mobile number, held in E.164 form (`+60123456789`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MobilePhone(String);

impl MobilePhone {
    /// Accepts the common spellings: `012-345 6789`, `+60 12-345 6789`,
    /// `60123456789`, `(012) 3456789`. Mobile numbers are `01x` followed by
    /// 7 or 8 digits.
    pub fn parse(text: &str) -> Result<MobilePhone, Problem> {
        let compact: String = text.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')')).collect();
        if compact.is_empty() {
            return Err(Problem::PhoneMissing);
        }
        let national = match compact.strip_prefix('+') {
            Some(rest) => rest.strip_prefix("60").map(|r| format!("0{r}")).ok_or(Problem::PhoneShape)?,
            None if compact.starts_with("60") => format!("0{}", &compact[2..]),
            None => compact,
        };
        let digits_ok = national.bytes().all(|b| b.is_ascii_digit());
        let shape_ok = national.starts_with("01") && (10..=11).contains(&national.len());
        if !(digits_ok && shape_ok) {
            return Err(Problem::PhoneShape);
        }
        Ok(MobilePhone(format!("+60{}", &national[1..])))
    }

    /// E.164, for SMS gateways: `+60123456789`.
    pub fn e164(&self) -> &str {
        &self.0
    }

    /// As Malaysians write it: `012-345 6789` or `011-2345 6789`.
    pub fn national(&self) -> String {
        let local = format!("0{}", &self.0[3..]);
        let (prefix, rest) = local.split_at(3);
        let (a, b) = rest.split_at(rest.len() - 4);
        format!("{prefix}-{a} {b}")
    }
}

/// An email address in the form mail servers accept (RFC 5321's dot-atom
/// local part at a host name), so the gateway can deliver to it. Quoted local
/// parts, address literals and non-ASCII addresses are left out: nobody types
/// them into a vaccination form, and each is a way to smuggle odd text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// The longest address SMTP allows.
    pub const MAX_LEN: usize = 254;

    /// Characters RFC 5322 allows in a local part besides letters, digits and dots.
    pub const LOCAL_SYMBOLS: &'static str = "!#$%&'*+/=?^_`{|}~-";

    /// `None` for an empty field: email is optional.
    pub fn parse_optional(text: &str) -> Result<Option<Email>, Problem> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let ok = text.len() <= Self::MAX_LEN
            && match text.split_once('@') {
                Some((local, domain)) => Self::local_part_ok(local) && Self::domain_ok(domain),
                None => false,
            };
        if ok { Ok(Some(Email(text.to_owned()))) } else { Err(Problem::EmailShape) }
    }

    /// Dot-separated runs of letters, digits and [`Email::LOCAL_SYMBOLS`].
    fn local_part_ok(local: &str) -> bool {
        local.len() <= 64
            && local.split('.').all(|atom| {
                !atom.is_empty()
                    && atom.bytes().all(|b| b.is_ascii_alphanumeric() || Self::LOCAL_SYMBOLS.contains(b as char))
            })
    }

    /// A host name of two or more labels whose last one is not a number.
    fn domain_ok(domain: &str) -> bool {
        let labels: Vec<&str> = domain.split('.').collect();
        let label_ok = |label: &&str| {
            (1..=63).contains(&label.len())
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        };
        labels.len() >= 2
            && labels.iter().all(label_ok)
            && labels.last().is_some_and(|tld| !tld.bytes().all(|b| b.is_ascii_digit()))
    }

    /// The address as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malaysian_names_are_accepted_as_written() {
        for name in [
            "Ahmad bin Ali @ Abu",
            "Muthu a/l Rajan",
            "Siti Nur'Ain binti Mohd. Hafiz",
            "Tan Ah-Kow",
            "陈大文",
            "முத்து ராஜன்",
            "Nguyễn Văn An",
            "محمد",
        ] {
            assert_eq!(FullName::parse(name).map(|n| n.0), Ok(name.to_owned()), "{name}");
        }
    }

    #[test]
    fn names_refuse_invisible_and_direction_changing_characters() {
        for found in ['\u{202E}', '\u{200B}', '\u{200E}', '\u{FEFF}', '\u{FFFD}', '\u{2066}', '\u{AD}', '\u{E000}'] {
            for name in
                [format!("Ali{found}"), format!("{found}Ali"), format!("A{found}li"), format!("Ali {found} Abu")]
            {
                assert_eq!(FullName::parse(&name), Err(Problem::NameInvisible { found }), "{name:?}");
            }
        }
        // A joiner is welcome between letters only.
        for joiner in ['\u{200C}', '\u{200D}'] {
            assert_eq!(FullName::parse(&format!("Ali{joiner}")), Err(Problem::NameInvisible { found: joiner }));
            assert_eq!(FullName::parse(&format!("Ali {joiner}Abu")), Err(Problem::NameInvisible { found: joiner }));
        }
    }

    #[test]
    fn names_with_the_joiners_their_script_needs_pass() {
        // Tamil க்‌ஷ (k, virama, ZWNJ, ssa) and a Jawi name with a ZWNJ inside a word.
        for name in ["லக்\u{200C}ஷ்மி", "مُحمّد\u{200C}علي", "Ali\u{200D}Abu"] {
            assert_eq!(FullName::parse(name).map(|n| n.0), Ok(name.to_owned()), "{name:?}");
        }
    }

    #[test]
    fn names_are_trimmed_and_white_space_folded() {
        assert_eq!(FullName::parse("  Lim   Mei\u{a0}Ling \n").map(|n| n.0), Ok("Lim Mei Ling".to_owned()));
    }

    #[test]
    fn names_reject_what_does_not_belong() {
        assert_eq!(FullName::parse("   "), Err(Problem::NameMissing));
        assert_eq!(FullName::parse("Ali\u{7}"), Err(Problem::NameInvisible { found: '\u{7}' }));
        assert_eq!(FullName::parse("Ali 0123456789"), Err(Problem::NameCharacter { found: '0' }));
        assert_eq!(FullName::parse("=HYPERLINK(\"x\")"), Err(Problem::NameCharacter { found: '=' }));
        assert_eq!(FullName::parse("<script>"), Err(Problem::NameCharacter { found: '<' }));
        assert_eq!(FullName::parse("@ / -"), Err(Problem::NameNoLetter));
        assert_eq!(FullName::parse(&"a".repeat(151)), Err(Problem::NameTooLong { max: 150 }));
        assert!(FullName::parse(&"陈".repeat(150)).is_ok(), "the limit counts characters, not bytes");
    }

    #[test]
    fn phones_normalise_to_e164() {
        for spelling in
            ["012-345 6789", "+60 12 345 6789", "60123456789", "(012) 3456789", "+60-12-3456789", "012.345.6789"]
        {
            assert_eq!(MobilePhone::parse(spelling).map(|p| p.0), Ok("+60123456789".to_owned()), "{spelling}");
        }
        assert_eq!(MobilePhone::parse("011-2345 6789").map(|p| p.0), Ok("+601123456789".to_owned()));
    }

    #[test]
    fn phones_print_the_local_way() {
        assert_eq!(MobilePhone::parse("+60123456789").map(|p| p.national()), Ok("012-345 6789".to_owned()));
        assert_eq!(MobilePhone::parse("01123456789").map(|p| p.national()), Ok("011-2345 6789".to_owned()));
    }

    #[test]
    fn phones_that_are_not_malaysian_mobiles_are_rejected() {
        assert_eq!(MobilePhone::parse(" "), Err(Problem::PhoneMissing));
        for bad in [
            "03-1234 5678",
            "+65 9123 4567",
            "012345678",
            "0123456789012",
            "012-345 678x",
            "+6O123456789",
            "++60123456789",
        ] {
            assert_eq!(MobilePhone::parse(bad), Err(Problem::PhoneShape), "{bad}");
        }
    }

    #[test]
    fn email_addresses_people_really_have_pass() {
        for good in
            ["siti@example.my", "ali.abu+vaksin@mail.example.com.my", "o'neil@example.ie", "a_b-c@xn--p1ai.example"]
        {
            assert_eq!(Email::parse_optional(good).map(|e| e.map(|e| e.0)), Ok(Some(good.to_owned())), "{good}");
        }
    }

    #[test]
    fn email_is_optional_and_checked_for_shape() {
        assert_eq!(Email::parse_optional("  "), Ok(None));
        assert_eq!(
            Email::parse_optional(" siti@example.my ").map(|e| e.map(|e| e.0)),
            Ok(Some("siti@example.my".to_owned()))
        );
        for bad in [
            "siti",
            "siti@",
            "@example.my",
            "siti@example",
            "siti@@example.my",
            "siti @example.my",
            "a@b..my",
            "a@-b.my",
            "@example.my",
            ".siti@example.my",
            "siti.@example.my",
            "si..ti@example.my",
            "siti@example.my.",
            "siti@exa_mple.my",
            "siti@1.2.3.4",
            "siti@[1.2.3.4]",
            "\"siti\"@example.my",
            "=HYPERLINK(\"http://x.my\")@example.my",
            "=cmd|' /C calc'!A0@example.my",
            "sítí@example.my",
            "siti@example.my\u{202e}",
        ] {
            assert_eq!(Email::parse_optional(bad), Err(Problem::EmailShape), "{bad}");
        }
    }
}
