//! The address of the "Check my result" page that each SMS carries, with
//! the reference in the fragment: a browser never sends the fragment, so
//! no CDN log holds anyone's reference.

use std::fmt;
use std::str::FromStr;

use campaign::Lang;

use crate::gsm7;

/// The site's address, checked to leave room in one SMS segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteUrl(String);

/// The longest site address an SMS has room for beside the longest
/// message (a test proves it for every centre of the sample).
pub const MAX_SITE_URL: usize = 40;

/// Why a `--site-url` is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SiteUrlError {
    /// Not `https://` or `http://`.
    #[error("it must start with https:// (or http:// for a local run)")]
    Scheme,
    /// Too long for an SMS.
    #[error("it is {0} characters; an SMS has room for {MAX_SITE_URL}")]
    TooLong(usize),
    /// A character an SMS cannot carry plainly, or one that would end the address.
    #[error("it holds {0:?}, which an SMS address cannot carry")]
    Character(char),
}

impl FromStr for SiteUrl {
    type Err = SiteUrlError;

    fn from_str(text: &str) -> Result<SiteUrl, SiteUrlError> {
        let url = text.trim().trim_end_matches('/');
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(SiteUrlError::Scheme);
        }
        if let Some(c) = url.chars().find(|c| matches!(c, '#' | '?' | ' ') || gsm7::septets(&c.to_string()) != Some(1))
        {
            return Err(SiteUrlError::Character(c));
        }
        let length = url.chars().count();
        if length > MAX_SITE_URL {
            return Err(SiteUrlError::TooLong(length));
        }
        Ok(SiteUrl(url.to_owned()))
    }
}

impl SiteUrl {
    /// `https://site/en/result/#ref=ABCDE-23456`.
    pub fn result_link(&self, lang: Lang, reference: &str) -> String {
        format!("{}/{}/result/#ref={reference}", self.0, lang.code())
    }
}

impl fmt::Display for SiteUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_url_is_checked_and_the_reference_goes_in_the_fragment() {
        let site: SiteUrl = "https://daftar.example.my/".parse().expect("valid");
        assert_eq!(site.result_link(Lang::Ms, "ABCDE-23456"), "https://daftar.example.my/ms/result/#ref=ABCDE-23456");
        assert_eq!("daftar.example.my".parse::<SiteUrl>(), Err(SiteUrlError::Scheme));
        assert_eq!("https://x.my/a?b".parse::<SiteUrl>(), Err(SiteUrlError::Character('?')));
        assert_eq!("https://x.my/~a".parse::<SiteUrl>(), Err(SiteUrlError::Character('~')));
        let long = format!("https://{}.my", "a".repeat(40));
        assert_eq!(long.parse::<SiteUrl>(), Err(SiteUrlError::TooLong(long.len())));
    }
}
