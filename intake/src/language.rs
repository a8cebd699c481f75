//! Which language (and format) to answer in before the body says: the
//! form's address (`?lang=ms`), else the browser's preference.

use axum::http::{HeaderMap, Uri, header};
use campaign::Lang;

use crate::submission::Format;

/// The language a request asks for by its address or its `Accept-Language`.
pub fn requested_language(uri: &Uri, headers: &HeaderMap) -> Option<Lang> {
    let from_query = uri.query().and_then(|query| {
        form_urlencoded::parse(query.as_bytes()).find(|(key, _)| key == "lang").and_then(|(_, code)| code.parse().ok())
    });
    from_query.or_else(|| headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok().and_then(preferred))
}

/// The language and format a request asks for, before its body is read:
/// the form's address names its language (`?lang=ms`), else the browser's
/// preference; the format is the content type's. A refusal sent before the
/// body is read (busy, too large) can only go by these.
pub fn requested(uri: &Uri, headers: &HeaderMap) -> (Lang, Option<Format>) {
    let lang = requested_language(uri, headers).unwrap_or_default();
    let format = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).and_then(Format::from_content_type);
    (lang, format)
}

/// The supported language the browser prefers most, by quality (`q=`):
/// `en;q=0.1, ms` is Malay. A tag with `q=0` is one the reader refuses.
fn preferred(accept_language: &str) -> Option<Lang> {
    accept_language::parse_with_quality(accept_language).into_iter().filter(|(_, quality)| *quality > 0.0).find_map(
        |(tag, _)| match tag.split('-').next()?.to_ascii_lowercase().as_str() {
            "en" => Some(Lang::En),
            "ms" | "zsm" => Some(Lang::Ms),
            _ => None,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_preferred_supported_language_wins() {
        assert_eq!(preferred("ms-MY,en;q=0.8"), Some(Lang::Ms));
        assert_eq!(preferred("en;q=0.1, ms"), Some(Lang::Ms), "quality decides, not order");
        assert_eq!(preferred("zh-CN, en-GB;q=0.7"), Some(Lang::En));
        assert_eq!(preferred("ms;q=0, en;q=0.5"), Some(Lang::En), "q=0 refuses Malay");
        assert_eq!(preferred("ta-IN"), None);
        assert_eq!(preferred(""), None);
    }

    #[test]
    fn the_address_names_the_language_first() {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_LANGUAGE, "en".parse().expect("header"));
        let uri: Uri = "/api/v1/applications?x=1&lang=ms".parse().expect("uri");
        assert_eq!(requested_language(&uri, &headers), Some(Lang::Ms));
        let encoded: Uri = "/api/v1/applications?lang=%6Ds".parse().expect("uri");
        assert_eq!(requested_language(&encoded, &HeaderMap::new()), Some(Lang::Ms));
        let plain: Uri = "/api/v1/applications".parse().expect("uri");
        assert_eq!(requested_language(&plain, &headers), Some(Lang::En));
    }
}
