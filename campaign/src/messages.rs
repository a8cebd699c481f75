//! The message catalogues: every text the public reads, in each [`Lang`].
//!
//! The catalogues live in `templates/messages/<lang>.toml` so translators edit
//! text, not Rust. They are compiled into the binaries (no file to lose at run
//! time) and a test proves both languages define exactly the same keys.
//! Placeholders are written `{name}` and filled by [`Messages::render`].

use std::collections::BTreeMap;
use std::sync::OnceLock;

use time::Date;

use crate::lang::Lang;

const EN: &str = include_str!("../../templates/messages/en.toml");
const MS: &str = include_str!("../../templates/messages/ms.toml");

/// One language's catalogue: dotted keys (`error.phone.shape`) to text.
#[derive(Debug)]
pub struct Messages {
    lang: Lang,
    entries: BTreeMap<String, String>,
}

impl Messages {
    /// The catalogue for `lang`, parsed once per process.
    pub fn of(lang: Lang) -> &'static Messages {
        static CATALOGUES: OnceLock<[Messages; 2]> = OnceLock::new();
        let all = CATALOGUES.get_or_init(|| {
            [
                Messages::parse(Lang::En, EN).expect("templates/messages/en.toml is valid TOML"),
                Messages::parse(Lang::Ms, MS).expect("templates/messages/ms.toml is valid TOML"),
            ]
        });
        match lang {
            Lang::En => &all[0],
            Lang::Ms => &all[1],
        }
    }

    /// Parses a catalogue, flattening nested tables into dotted keys.
    pub fn parse(lang: Lang, source: &str) -> Result<Messages, String> {
        let table: toml::Table = source.parse().map_err(|e: toml::de::Error| e.to_string())?;
        let mut entries = BTreeMap::new();
        flatten("", &table, &mut entries)?;
        Ok(Messages { lang, entries })
    }

    /// The language of this catalogue.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The text for `key`. A missing key shows the key itself rather than
    /// failing a request; the catalogue tests keep that from ever shipping.
    pub fn text<'a>(&'a self, key: &'a str) -> &'a str {
        self.entries.get(key).map(String::as_str).unwrap_or(key)
    }

    /// The text for `key` with each `{name}` replaced by its value from `args`.
    pub fn render(&self, key: &str, args: &[(&str, &str)]) -> String {
        fill(self.text(key), args)
    }

    /// Every key, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// Every entry whose key starts with `prefix`, with the prefix removed.
    pub fn section<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.entries
            .range(prefix.to_owned()..)
            .take_while(move |(k, _)| k.starts_with(prefix))
            .map(move |(k, v)| (&k[prefix.len()..], v.as_str()))
    }

    /// A date as people read it, e.g. `Mon 10 Jan 2028` / `Isn 10 Jan 2028`.
    pub fn date(&self, date: Date) -> String {
        let weekday = date.weekday().number_days_from_monday() + 1;
        format!(
            "{} {} {} {}",
            self.text(&format!("calendar.weekday_short.{weekday}")),
            date.day(),
            self.text(&format!("calendar.month_short.{}", u8::from(date.month()))),
            date.year()
        )
    }

    /// A date with its weekday spelled out, e.g. `Monday, 10 January 2028`.
    pub fn long_date(&self, date: Date) -> String {
        let weekday = date.weekday().number_days_from_monday() + 1;
        format!(
            "{}, {} {} {}",
            self.text(&format!("calendar.weekday.{weekday}")),
            date.day(),
            self.text(&format!("calendar.month.{}", u8::from(date.month()))),
            date.year()
        )
    }
}

impl Messages {
    /// An instant as written in the campaign file's own offset (Malaysian
    /// time), e.g. `Friday, 31 December 2027, 23:59`.
    pub fn date_time(&self, at: time::OffsetDateTime) -> String {
        format!("{}, {}", self.long_date(at.date()), crate::dates::format_time(at.time()))
    }
}

/// Replaces each `{name}` in `template` with its value; unknown names stay as written.
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match args.iter().find(|(n, _)| *n == name) {
                    Some((_, value)) => out.push_str(value),
                    None => out.push_str(&rest[open..open + close + 2]),
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut BTreeMap<String, String>) -> Result<(), String> {
    for (key, value) in table {
        let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        match value {
            toml::Value::String(text) => {
                out.insert(path, text.clone());
            }
            toml::Value::Table(inner) => flatten(&path, inner, out)?,
            other => return Err(format!("{path}: expected text, found {}", other.type_str())),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use time::macros::date;

    #[test]
    fn both_catalogues_define_the_same_keys() {
        let en: BTreeSet<_> = Messages::of(Lang::En).keys().collect();
        let ms: BTreeSet<_> = Messages::of(Lang::Ms).keys().collect();
        let only_en: Vec<_> = en.difference(&ms).collect();
        let only_ms: Vec<_> = ms.difference(&en).collect();
        assert!(only_en.is_empty() && only_ms.is_empty(), "only in en: {only_en:?}; only in ms: {only_ms:?}");
    }

    #[test]
    fn placeholders_agree_between_languages() {
        let placeholders = |text: &str| -> BTreeSet<String> {
            text.split('{').skip(1).filter_map(|s| s.split_once('}')).map(|(n, _)| n.to_owned()).collect()
        };
        let ms = Messages::of(Lang::Ms);
        for key in Messages::of(Lang::En).keys() {
            assert_eq!(
                placeholders(Messages::of(Lang::En).text(key)),
                placeholders(ms.text(key)),
                "placeholders differ for {key}"
            );
        }
    }

    #[test]
    fn no_message_is_empty() {
        for lang in Lang::ALL {
            let m = Messages::of(lang);
            for key in m.keys() {
                assert!(!m.text(key).trim().is_empty(), "{lang}: {key} is empty");
            }
        }
    }

    #[test]
    fn fill_replaces_known_placeholders_only() {
        assert_eq!(fill("at least {min} on {date}", &[("min", "18"), ("date", "10 Jan")]), "at least 18 on 10 Jan");
        assert_eq!(fill("{unknown} {", &[]), "{unknown} {");
    }

    #[test]
    fn dates_read_naturally_in_each_language() {
        let d = date!(2028 - 01 - 10);
        assert_eq!(Messages::of(Lang::En).date(d), "Mon 10 Jan 2028");
        assert_eq!(Messages::of(Lang::Ms).date(d), "Isn 10 Jan 2028");
        assert_eq!(Messages::of(Lang::Ms).long_date(date!(2028 - 08 - 31)), "Khamis, 31 Ogos 2028");
    }
}
