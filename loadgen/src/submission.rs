//! One application as the site's script sends it, serialised once, so
//! repeats and retries send the same bytes without paying for them again.

use campaign::RawApplication;
use serde_json::json;

/// A JSON body ready to post, and whose it is.
pub struct Submission {
    /// The identity document number, to match answers with the database.
    pub id_number: String,
    /// The body.
    pub json: bytes::Bytes,
}

impl Submission {
    /// The JSON body the site's script would send for `raw`.
    pub fn new(raw: &RawApplication, campaign: &campaign::Campaign) -> anyhow::Result<Submission> {
        let mut body = json!({
            "id_type": raw.id_type, "id_number": raw.id_number, "full_name": raw.full_name,
            "birth_date": raw.birth_date, "phone": raw.phone, "email": raw.email, "lang": raw.lang,
            "centre": raw.centre, "accept_other_dates": raw.accept_other_dates, "consent": raw.consent,
        });
        for (week, pick) in campaign.weeks().zip(&raw.weeks) {
            body[week.field_name()] = json!(pick);
        }
        Ok(Submission { id_number: raw.id_number.clone(), json: serde_json::to_vec(&body)?.into() })
    }
}
