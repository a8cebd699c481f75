//! The client-side rules: every limit and message the browser's checks use,
//! taken from the campaign crate so they are never typed twice.

use campaign::application::FullName;
use campaign::calendar::MAXIMUM_AGE;
use campaign::dates::format_date;
use campaign::{Catalogue, Lang, Messages};
use serde_json::{Map, Value, json};

/// How long a draft kept in the browser outlives its last edit: long enough
/// to survive a reload or a busy spell, short enough that a shared device does
/// not keep someone's identity number for the next person.
pub const DRAFT_HOURS: u32 = 2;

/// The rules for the form in `lang`, as JSON.
pub fn rules(catalogue: &Catalogue, lang: Lang) -> Value {
    let campaign = catalogue.campaign();
    let m = Messages::of(lang);
    let section = |prefix: &str| -> Value {
        Value::Object(
            m.section(prefix).map(|(k, v)| (k.to_owned(), Value::String(v.to_owned()))).collect::<Map<_, _>>(),
        )
    };
    let calendar = |part: &str, count: u8| -> Value {
        (1..=count).map(|i| Value::String(m.text(&format!("calendar.{part}.{i}")).to_owned())).collect()
    };
    let weeks: Vec<Value> = campaign
        .weeks()
        .map(|w| json!({ "number": w.number(), "days": campaign.days_of(w).map(format_date).collect::<Vec<_>>() }))
        .collect();
    json!({
        "campaign": campaign.name(),
        "lang": lang.code(),
        "first_day": format_date(campaign.first_day()),
        "weeks": weeks,
        "minimum_age": campaign.minimum_age(),
        "maximum_age": MAXIMUM_AGE,
        "age_reference_date": format_date(campaign.age_reference_date()),
        "name_max": FullName::MAX_CHARS,
        "name_punctuation": FullName::PUNCTUATION,
        "email_max": campaign::application::Email::MAX_LEN,
        "messages": section("error."),
        "ui": section("site."),
        "draft_hours": DRAFT_HOURS,
        "already": { "title": m.text("intake.already_title"), "lead": m.text("intake.already_lead") },
        "calendar": { "weekday_short": calendar("weekday_short", 7), "month_short": calendar("month_short", 12) },
    })
}

/// JSON that is safe inside an HTML `<script>` element (no `</script>`, no `<!--`).
pub fn for_script_element(value: &Value) -> String {
    value.to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}
