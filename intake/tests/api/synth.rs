//! Synthetic applications are valid, reproducible and realistic.

use std::collections::BTreeSet;

use campaign::{Application, dates::age_on};
use store::testing::Backend;

use crate::helpers::data_dir;
use crate::on_both_backends;

on_both_backends!(synthetic_applications_are_valid_reproducible_and_stored_once);

async fn synthetic_applications_are_valid_reproducible_and_stored_once(backend: Backend) {
    let Some(db) = store::testing::fresh(backend).await else { return };
    let catalogue = intake::load_catalogue(&data_dir()).expect("sample data");
    let report = intake::synth::run(&db.store, &catalogue, 3000, 42, 700).await.expect("synth");
    assert_eq!((report.inserted, report.already_stored), (3000, 0));

    let stored = db.store.all_applications().await.expect("read");
    assert_eq!(stored.len(), 3000);
    let on = catalogue.campaign().age_reference_date();
    let mut ages = [0usize; 2];
    for row in &stored {
        let app = Application::parse(&row.to_raw(), &catalogue).expect("every synthetic application is valid");
        let age = age_on(app.birth_date, on);
        ages[usize::from(age >= 60)] += 1;
    }
    let elderly = ages[1] as f64 / 3000.0;
    assert!((0.10..0.22).contains(&elderly), "about 16% are 60 or older: {elderly}");
    let centres: BTreeSet<_> = stored.iter().map(|r| r.centre_id.as_str()).collect();
    assert!(centres.len() > 300, "spread over many centres: {}", centres.len());

    // The same seed gives the same applications: a re-run stores nothing new.
    let again = intake::synth::run(&db.store, &catalogue, 3000, 42, 1000).await.expect("synth");
    assert_eq!((again.inserted, again.already_stored), (0, 3000));
    let first: Vec<_> = intake::synth::applications(&catalogue, 50, 9).collect();
    let second: Vec<_> = intake::synth::applications(&catalogue, 50, 9).collect();
    assert_eq!(first, second);
}
