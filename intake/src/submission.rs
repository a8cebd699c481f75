//! Reading a submitted body (form or JSON) into a [`RawApplication`].
//!
//! Only the shape of the body is checked here: which fields exist and
//! their types. What the values mean is the campaign parser's business.

use campaign::RawApplication;
use serde_json::Value;

/// How the application arrived, which is also how to answer it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `application/x-www-form-urlencoded`: the static form without JavaScript; answered with HTML.
    Form,
    /// `application/json`: the JavaScript path; answered with JSON.
    Json,
}

impl Format {
    /// The format named by a `Content-Type` value, ignoring parameters such as charset.
    pub fn from_content_type(value: &str) -> Option<Format> {
        let essence = value.split(';').next().unwrap_or("").trim();
        if essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            Some(Format::Form)
        } else if essence.eq_ignore_ascii_case("application/json") {
            Some(Format::Json)
        } else {
            None
        }
    }
}

/// A body that is not a well-formed form or JSON object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Malformed {
    /// Not JSON at all, or not UTF-8.
    #[error("the body is not valid JSON: {0}")]
    Json(String),
    /// JSON, but not an object.
    #[error("the body must be a JSON object of application fields")]
    NotAnObject,
    /// A field of the wrong JSON type.
    #[error("field {field} must be {expected}")]
    FieldType {
        /// The field.
        field: String,
        /// The type it must have.
        expected: &'static str,
    },
}

/// Reads a form body. A checkbox counts as ticked when present, whatever its
/// value, as browsers send it; `accept_other_dates` absent therefore means no.
pub fn parse_form(body: &[u8], weeks: u8) -> RawApplication {
    let mut raw = RawApplication { weeks: vec![String::new(); usize::from(weeks)], ..RawApplication::default() };
    let mut accept_other_dates = false;
    for (key, value) in form_urlencoded::parse(body) {
        match key.as_ref() {
            "accept_other_dates" => accept_other_dates = true,
            "consent" => raw.consent = true,
            other => {
                if let Some(slot) = text_field(&mut raw, other, weeks) {
                    *slot = value.into_owned();
                }
            }
        }
    }
    raw.accept_other_dates = Some(accept_other_dates);
    // The form asks every applicant for their date of birth.
    raw.birth_date_required = true;
    raw
}

/// Reads a JSON object. Text fields must be strings (or null, meaning empty),
/// the two flags booleans. Unknown fields are ignored so an older client keeps working.
pub fn parse_json(body: &[u8], weeks: u8) -> Result<RawApplication, Malformed> {
    let value: Value = serde_json::from_slice(body).map_err(|e| Malformed::Json(e.to_string()))?;
    let Value::Object(fields) = value else { return Err(Malformed::NotAnObject) };
    let mut raw = RawApplication { weeks: vec![String::new(); usize::from(weeks)], ..RawApplication::default() };
    for (key, value) in fields {
        match key.as_str() {
            "accept_other_dates" | "consent" => {
                let flag = match value {
                    Value::Bool(b) => Some(b),
                    Value::Null => None,
                    _ => return Err(Malformed::FieldType { field: key, expected: "true or false" }),
                };
                if key == "consent" {
                    raw.consent = flag.unwrap_or(false);
                } else {
                    raw.accept_other_dates = flag;
                }
            }
            other => {
                let Some(slot) = text_field(&mut raw, other, weeks) else { continue };
                *slot = match value {
                    Value::String(s) => s,
                    Value::Null => String::new(),
                    _ => return Err(Malformed::FieldType { field: key, expected: "a string" }),
                };
            }
        }
    }
    Ok(raw)
}

/// What a withdrawal or a decline sends: the identity number that proves
/// who asks, optionally the language to answer in, (at the plain form's
/// fixed address) the reference, and for a decline whether to rejoin the
/// waiting list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawIdentity {
    /// As typed.
    pub id_number: String,
    /// `en` or `ms`, or empty.
    pub lang: String,
    /// As typed; empty when the address names the application.
    pub reference: String,
    /// A decline's `rejoin`: a form's checkbox (present means yes, as
    /// browsers send it) or a JSON boolean.
    pub rejoin: bool,
}

/// The `reference` field of a change sent to the fixed address (a plain
/// form cannot put it in the path); empty when absent.
pub fn reference_field(body: &[u8], format: Format) -> Result<String, Malformed> {
    match format {
        Format::Form => Ok(form_urlencoded::parse(body)
            .find(|(key, _)| key == "reference")
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default()),
        Format::Json => {
            let value: Value = serde_json::from_slice(body).map_err(|e| Malformed::Json(e.to_string()))?;
            let Value::Object(mut fields) = value else { return Err(Malformed::NotAnObject) };
            match fields.remove("reference") {
                None | Some(Value::Null) => Ok(String::new()),
                Some(Value::String(reference)) => Ok(reference),
                Some(_) => Err(Malformed::FieldType { field: "reference".into(), expected: "a string" }),
            }
        }
    }
}

/// Reads a withdrawal's or a decline's body, form or JSON; other fields are ignored.
pub fn parse_identity(body: &[u8], format: Format) -> Result<RawIdentity, Malformed> {
    let mut raw = RawIdentity::default();
    match format {
        Format::Form => {
            for (key, value) in form_urlencoded::parse(body) {
                match key.as_ref() {
                    "id_number" => raw.id_number = value.into_owned(),
                    "lang" => raw.lang = value.into_owned(),
                    "reference" => raw.reference = value.into_owned(),
                    "rejoin" => raw.rejoin = !matches!(value.as_ref(), "" | "no" | "false" | "0"),
                    _ => {}
                }
            }
        }
        Format::Json => {
            let value: Value = serde_json::from_slice(body).map_err(|e| Malformed::Json(e.to_string()))?;
            let Value::Object(fields) = value else { return Err(Malformed::NotAnObject) };
            for (key, value) in fields {
                if key == "rejoin" {
                    raw.rejoin = match value {
                        Value::Bool(b) => b,
                        Value::Null => false,
                        _ => return Err(Malformed::FieldType { field: key, expected: "true or false" }),
                    };
                    continue;
                }
                let slot = match key.as_str() {
                    "id_number" => &mut raw.id_number,
                    "lang" => &mut raw.lang,
                    "reference" => &mut raw.reference,
                    _ => continue,
                };
                *slot = match value {
                    Value::String(s) => s,
                    Value::Null => String::new(),
                    _ => return Err(Malformed::FieldType { field: key, expected: "a string" }),
                };
            }
        }
    }
    Ok(raw)
}

/// The text field called `name`, if the application has one.
fn text_field<'a>(raw: &'a mut RawApplication, name: &str, weeks: u8) -> Option<&'a mut String> {
    Some(match name {
        "id_type" => &mut raw.id_type,
        "id_number" => &mut raw.id_number,
        "full_name" => &mut raw.full_name,
        "birth_date" => &mut raw.birth_date,
        "phone" => &mut raw.phone,
        "email" => &mut raw.email,
        "lang" => &mut raw.lang,
        "centre" => &mut raw.centre,
        other => {
            let week: u8 = other.strip_prefix("week")?.parse().ok()?;
            if week == 0 || week > weeks {
                return None;
            }
            &mut raw.weeks[usize::from(week - 1)]
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_are_recognised_with_parameters() {
        assert_eq!(Format::from_content_type("application/x-www-form-urlencoded"), Some(Format::Form));
        assert_eq!(Format::from_content_type("Application/JSON; charset=utf-8"), Some(Format::Json));
        assert_eq!(Format::from_content_type("text/plain"), None);
        assert_eq!(Format::from_content_type("multipart/form-data; boundary=x"), None);
    }

    #[test]
    fn forms_decode_and_checkboxes_count_when_present() {
        let raw = parse_form(b"full_name=Tan+Ah+Kow&week2=any&week9=x&consent=on&centre=SGR-0001", 3);
        assert_eq!(raw.full_name, "Tan Ah Kow");
        assert_eq!(raw.weeks, ["", "any", ""]);
        assert!(raw.consent);
        assert_eq!(raw.accept_other_dates, Some(false), "an unticked box is simply absent");
        assert_eq!(parse_form(b"accept_other_dates=", 3).accept_other_dates, Some(true));
    }

    #[test]
    fn json_fields_must_have_their_types() {
        let raw = parse_json(br#"{"full_name":"Siti","week1":"any","consent":true,"extra":1,"email":null}"#, 3)
            .expect("well-formed");
        assert_eq!(raw.full_name, "Siti");
        assert!(raw.consent);
        assert_eq!(raw.accept_other_dates, None, "absent: the default applies");
        assert_eq!(
            parse_json(br#"{"consent":"yes"}"#, 3),
            Err(Malformed::FieldType { field: "consent".into(), expected: "true or false" })
        );
        assert_eq!(
            parse_json(br#"{"phone":60123456789}"#, 3),
            Err(Malformed::FieldType { field: "phone".into(), expected: "a string" })
        );
        assert_eq!(parse_json(b"[1,2]", 3), Err(Malformed::NotAnObject));
        assert!(matches!(parse_json(b"{", 3), Err(Malformed::Json(_))));
        assert!(matches!(parse_json(&[0xff, 0xfe], 3), Err(Malformed::Json(_))));
    }

    #[test]
    fn the_fixed_address_reads_the_reference_from_the_body() {
        assert_eq!(reference_field(b"centre=X&reference=abcde+23456", Format::Form), Ok("abcde 23456".into()));
        assert_eq!(reference_field(b"centre=X", Format::Form), Ok(String::new()));
        assert_eq!(reference_field(br#"{"reference":"ABCDE-23456"}"#, Format::Json), Ok("ABCDE-23456".into()));
        assert_eq!(
            reference_field(br#"{"reference":7}"#, Format::Json),
            Err(Malformed::FieldType { field: "reference".into(), expected: "a string" })
        );
        let withdrawal = parse_identity(b"reference=K7M4Q-9XH2P&id_number=1&lang=ms", Format::Form).expect("form");
        assert_eq!(withdrawal.reference, "K7M4Q-9XH2P");
    }
}
