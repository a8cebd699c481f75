//! The two languages the public can use.

use std::fmt;
use std::str::FromStr;

/// A language every user-facing text exists in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Bahasa Melayu.
    Ms,
}

impl Lang {
    /// Every supported language, in the order they are offered.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ms];

    /// The code used in URLs, forms and storage (`en`, `ms`); also the HTML `lang`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ms => "ms",
        }
    }
}

/// A language code that is neither `en` nor `ms`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language {0:?}: use \"en\" or \"ms\"")]
pub struct UnknownLang(pub String);

impl FromStr for Lang {
    type Err = UnknownLang;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "en" => Ok(Lang::En),
            "ms" => Ok(Lang::Ms),
            _ => Err(UnknownLang(s.to_owned())),
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for lang in Lang::ALL {
            assert_eq!(lang.code().parse::<Lang>(), Ok(lang));
        }
        assert_eq!(" MS ".parse::<Lang>(), Ok(Lang::Ms));
        assert!("fr".parse::<Lang>().is_err());
    }
}
