//! Counting an SMS in GSM 03.38 septets: one 160-septet segment is one
//! message on every phone; anything longer is split (and billed) in parts,
//! and one character outside GSM-7 turns the whole text into UCS-2 (70).

/// The GSM 03.38 basic character set (one septet each).
const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/// The extension table (an escape plus the character: two septets each).
const EXTENDED: &str = "^{}\\[~]|€\u{c}";

/// One SMS segment, in septets.
pub const SEGMENT: usize = 160;

/// Septets needed for `text`, or `None` if it is not GSM-7 encodable.
pub fn septets(text: &str) -> Option<usize> {
    text.chars().try_fold(0, |n, c| {
        if BASIC.contains(c) {
            Some(n + 1)
        } else if EXTENDED.contains(c) {
            Some(n + 2)
        } else {
            None
        }
    })
}

/// `text` made GSM-7: letters with accents outside the set lose them where
/// a plain letter exists; anything else becomes `?`.
pub fn to_gsm7(text: &str) -> String {
    text.chars().map(|c| if septets(c.encode_utf8(&mut [0; 4])).is_some() { c } else { plain(c) }).collect()
}

fn plain(c: char) -> char {
    match c {
        'á' | 'â' | 'ã' | 'ā' => 'a',
        'Á' | 'Â' | 'Ã' | 'À' | 'Ā' => 'A',
        'ê' | 'ë' | 'ē' => 'e',
        'È' | 'Ê' | 'Ë' | 'Ē' => 'E',
        'í' | 'î' | 'ï' | 'ī' => 'i',
        'Í' | 'Ì' | 'Î' | 'Ï' | 'Ī' => 'I',
        'ó' | 'ô' | 'õ' | 'ō' => 'o',
        'Ó' | 'Ò' | 'Ô' | 'Õ' | 'Ō' => 'O',
        'ú' | 'û' | 'ū' => 'u',
        'Ú' | 'Ù' | 'Û' | 'Ū' => 'U',
        'ç' => 'c',
        '‘' | '’' | '`' => '\'',
        '“' | '”' => '"',
        '–' | '—' => '-',
        '…' => '.',
        _ => '?',
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn septets_count_basic_extended_and_refuse_the_rest() {
        assert_eq!(septets("Hello @ 09:00"), Some(13));
        assert_eq!(septets("[x]"), Some(5));
        assert_eq!(septets("€"), Some(2));
        assert_eq!(septets("陈"), None);
        assert_eq!(septets("“quoted”"), None);
    }

    #[test]
    fn text_is_made_encodable() {
        assert_eq!(to_gsm7("Café “Ōmar” — 陈"), "Café \"Omar\" - ?");
        assert!(septets(&to_gsm7("Klinik Kesihatan Bandar Baharu (Kulim) — Jalan Ţest")).is_some());
    }
}
