//! The "Change or withdraw my application" page: the form's own fields
//! after a reference, a withdrawal form, both working without scripts.

use scraper::{Html, Selector};
use site_gen::report::{CHANGE_PAGE_BUDGET, FIRST_PAGE_BUDGET};

mod support;

use support::{built, page};

fn names(html: &Html, css: &str) -> Vec<String> {
    let mut names: Vec<String> = html
        .select(&Selector::parse(css).expect("selector"))
        .filter_map(|e| e.value().attr("name").map(str::to_owned))
        .collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn the_change_page_asks_for_the_reference_then_every_field_of_the_form_and_posts_without_scripts() {
    let (_dir, out, _) = built();
    for lang in ["en", "ms"] {
        let form = page(&out, &format!("{lang}/index.html"));
        let change = page(&out, &format!("{lang}/change/index.html"));
        let mut expected = names(&form, "form#application [name]");
        expected.push("reference".into());
        expected.sort();
        assert_eq!(names(&change, "form#application [name]"), expected, "{lang}: the form's fields and the reference");
        let select = |css: &str| change.select(&Selector::parse(css).expect("selector")).count();
        assert_eq!(
            select(&format!("form#application[method=post][action='/api/v1/applications/change?lang={lang}']")),
            1
        );
        assert_eq!(
            select(&format!("form#withdraw[method=post][action='/api/v1/applications/withdraw?lang={lang}']")),
            1
        );
        assert_eq!(names(&change, "form#withdraw [name]"), ["id_number", "lang", "reference"]);
        for id in ["reference", "withdraw-reference", "withdraw-id_number", "centre", "id_number"] {
            assert_eq!(select(&format!("label[for='{id}']")), 1, "{lang}: #{id} has a label");
        }
        // Nothing stored is ever in the page: every field starts empty.
        assert_eq!(select("input[type=text][value], input[type=tel][value], input[type=date][value]"), 0);
        assert_eq!(
            form.select(&Selector::parse(&format!("#success a[href='/{lang}/change/']")).expect("s")).count(),
            1,
            "{lang}: the success panel links to the change page"
        );
    }
}

#[test]
fn the_change_page_fits_its_budget_and_leaves_the_first_page_within_its_own() {
    let (_dir, _out, report) = built();
    for lang in ["en", "ms"] {
        let change = report.change_page_gzipped(lang);
        assert!(change > report.first_page_gzipped(lang), "{lang}: measured with the form's script and its own");
        assert!(change <= CHANGE_PAGE_BUDGET, "{lang}: {change} bytes gzipped is over the budget");
        assert!(
            report.first_page_gzipped(lang) <= FIRST_PAGE_BUDGET,
            "{lang}: the change page's script is not on the form"
        );
    }
    assert!(report.to_string().contains("change page (en: page + css + js):"));
}
