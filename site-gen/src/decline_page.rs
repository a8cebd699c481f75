//! The "I cannot come" page: give back an appointment with the reference
//! and identity number, and choose whether to rejoin the waiting list. A
//! plain form with no script, posting to intake's fixed decline address
//! (which takes the reference from the body), so it works the same in every
//! browser; intake answers with a page in the person's language.

use askama::Template;
use campaign::Lang;

use crate::pages::{Chrome, in_chrome};

/// The page.
#[derive(Template)]
#[template(path = "site/decline.html")]
pub(crate) struct DeclinePage<'a> {
    pub(crate) chrome: Chrome<'a>,
    pub(crate) intake_url: &'a str,
    /// The lead, with the campaign's decline deadline in hours.
    pub(crate) lead: String,
}

in_chrome!(DeclinePage);

/// Where the page is, relative to the site root.
pub fn path(lang: Lang) -> String {
    format!("{}/decline/index.html", lang.code())
}
