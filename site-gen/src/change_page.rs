//! The "Change or withdraw my application" page: the application form's
//! own fields (one shared template), after the reference; then a short
//! form to withdraw. Nothing stored is ever shown: the person types every
//! answer again. Without scripts both forms post to intake's fixed
//! addresses, which take the reference from the body.

use askama::Template;
use campaign::{Lang, Messages};
use serde_json::{Value, json};

use crate::pages::{FormPage, wraps};

/// The page: the form's view model, with the change page's script.
#[derive(Template)]
#[template(path = "site/change.html")]
pub(crate) struct ChangePage<'a> {
    pub(crate) form: FormPage<'a>,
    pub(crate) change_script: &'a str,
}

wraps!(ChangePage, form: FormPage);

/// Where the page is, relative to the site root.
pub fn path(lang: Lang) -> String {
    format!("{}/change/index.html", lang.code())
}

/// The form's rules, adapted to a change: the reference is checked too,
/// the draft kept apart from a new application's, and an accepted change
/// (intake's 200) is told as a change.
pub fn rules(mut form_rules: Value, lang: Lang) -> Value {
    let m = Messages::of(lang);
    let alphabet = String::from_utf8_lossy(campaign::reference::ALPHABET).into_owned();
    form_rules["messages"]["reference_shape"] = m.text("change.reference_error").into();
    form_rules["already"] = json!({ "title": m.text("change.saved_title"), "lead": m.text("change.saved_lead") });
    form_rules["change"] = json!({
        "reference_alphabet": alphabet,
        "reference_error": m.text("change.reference_error"),
        "id_number_error": m.text("change.id_number_error"),
        "withdrawing": m.text("change.withdrawing"),
        "withdraw_failed": m.text("change.withdraw_failed"),
        "withdrawn_title": m.text("intake.withdrawn_title"),
        "withdrawn_lead": m.text("intake.withdrawn_lead"),
        "reference_label": m.text("intake.reference_label"),
    });
    form_rules
}
