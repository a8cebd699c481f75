//! The "I cannot come" page: a plain form that gives back an appointment,
//! with the choice to rejoin the waiting list, linked from the result page
//! and explained on "how it works", in both languages.

use scraper::{Html, Selector};

mod support;

use support::{built, catalogue, page};

fn count(html: &Html, css: &str) -> usize {
    html.select(&Selector::parse(css).expect("selector")).count()
}

#[test]
fn the_decline_page_posts_without_scripts_and_the_result_page_leads_to_it() {
    let (_dir, out, _) = built();
    let hours = catalogue().campaign().decline_until_hours().to_string();
    for (lang, title, rejoin) in [
        ("en", "I cannot come", "Put me back on the waiting list"),
        ("ms", "Saya tidak dapat hadir", "Masukkan saya semula ke dalam senarai menunggu"),
    ] {
        let decline = page(&out, &format!("{lang}/decline/index.html"));
        let form = format!("form#decline[method=post][action='/api/v1/applications/decline?lang={lang}']");
        assert_eq!(count(&decline, &form), 1, "{lang}: posts to intake's fixed decline address");
        let mut names: Vec<&str> = decline
            .select(&Selector::parse("form#decline [name]").expect("selector"))
            .filter_map(|e| e.value().attr("name"))
            .collect();
        names.sort_unstable();
        assert_eq!(names, ["id_number", "lang", "reference", "rejoin"], "{lang}");
        assert_eq!(count(&decline, "script"), 0, "{lang}: works the same with and without scripts");
        assert_eq!(
            count(&decline, "input#rejoin[type=checkbox]:not([checked])"),
            1,
            "{lang}: rejoining is asked, not assumed"
        );
        let text = decline.root_element().text().collect::<String>();
        assert!(text.contains(title) && text.contains(rejoin), "{lang}");
        assert!(text.contains(&format!("{hours} ")), "{lang}: the deadline in hours from campaign.toml");
        let lang_of =
            decline.select(&Selector::parse("html").expect("selector")).next().and_then(|h| h.value().attr("lang"));
        assert_eq!(lang_of, Some(lang));

        let result = page(&out, &format!("{lang}/result/index.html"));
        assert_eq!(count(&result, &format!("a[href='/{lang}/decline/']")), 1, "{lang}: the result page leads to it");
        let how = page(&out, &format!("{lang}/how-it-works.html")).root_element().text().collect::<String>();
        assert!(how.contains(title) && how.contains(&format!("{hours} ")), "{lang}: how it works explains declining");
    }
}
