//! Synthetic applications for benchmarks and rehearsals: realistic, valid,
//! reproducible from a seed, and written through the same storage code as
//! real ones.

use campaign::application::DayPick;
use campaign::{Application, Catalogue, RawApplication};
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use store::{ApplicationRow, InsertOutcome, Store};
use time::{Date, Duration};

use campaign::reference;

/// Share of adults by age band (Malaysia's adult population, rounded):
/// (lowest age, highest age, weight).
const AGE_BANDS: [(i64, i64, u32); 6] =
    [(18, 29, 27), (30, 39, 24), (40, 49, 18), (50, 59, 15), (60, 69, 10), (70, 95, 6)];

const GIVEN: [&str; 24] = [
    "Ahmad", "Siti", "Muhammad", "Nur", "Aisyah", "Hafiz", "Tan", "Lim", "Wong", "Lee", "Chong", "Ng", "Muthu",
    "Priya", "Rajan", "Kavitha", "Suresh", "Lakshmi", "Jessica", "Daniel", "Aminah", "Farid", "Mei Ling", "Wei Jie",
];
const FAMILY: [&str; 20] = [
    "bin Abdullah",
    "binti Ismail",
    "bin Hassan",
    "binti Yusof",
    "Ah Kow",
    "Siew Lan",
    "Kok Wai",
    "a/l Subramaniam",
    "a/p Krishnan",
    "a/l Rajan",
    "anak Jugah",
    "binti Osman",
    "bin Ali @ Abu",
    "Mei Hua",
    "Chee Keong",
    "a/p Muniandy",
    "bin Omar",
    "binti Zakaria",
    "Teck Soon",
    "anak Nyipa",
];

/// Draws realistic raw applications, as people would fill in the form, one
/// after another from a seeded random stream.
pub struct Generator<'a> {
    catalogue: &'a Catalogue,
    rng: StdRng,
    centre_weights: WeightedIndex<u32>,
    band_weights: WeightedIndex<u32>,
}

impl<'a> Generator<'a> {
    /// A generator over `catalogue`'s centres, reproducible from `seed`.
    pub fn new(catalogue: &'a Catalogue, seed: u64) -> Generator<'a> {
        Generator {
            catalogue,
            rng: StdRng::seed_from_u64(seed),
            centre_weights: WeightedIndex::new(catalogue.centres().iter().map(|c| c.daily_capacity))
                .expect("a loaded catalogue has centres with positive capacity"),
            band_weights: WeightedIndex::new(AGE_BANDS.iter().map(|b| b.2)).expect("positive weights"),
        }
    }

    /// The next application, as submitted; `index` makes its identity
    /// number unique (MyKad below a million, passports beyond).
    pub fn raw(&mut self, index: usize) -> RawApplication {
        let (catalogue, rng) = (self.catalogue, &mut self.rng);
        let campaign = catalogue.campaign();
        let on = campaign.age_reference_date();
        let centre = &catalogue.centres()[self.centre_weights.sample(rng)];
        let (low, high, _) = AGE_BANDS[self.band_weights.sample(rng)];
        // Exactly `age` years old on the reference date: a birthday within
        // the year before it.
        let age = rng.random_range(low..=high);
        let year = on.year() - i32::try_from(age).unwrap_or(18);
        let anniversary = on
            .replace_year(year)
            .unwrap_or_else(|_| on.replace_day(28).and_then(|d| d.replace_year(year)).unwrap_or(on));
        let birth = anniversary - Duration::days(rng.random_range(0..365));
        let passport = rng.random_ratio(1, 20) || index >= 1_000_000;
        let id_number = if passport { format!("S{index:08}") } else { mykad(birth, index) };
        let weeks = campaign
            .weeks()
            .map(|week| {
                let open: Vec<Date> = catalogue.open_days(centre, week).collect();
                if open.is_empty() || rng.random_ratio(1, 4) {
                    return "any".to_owned();
                }
                // People crowd weekends and the start of each week.
                let weights = open.iter().enumerate().map(|(n, d)| {
                    let weekend = matches!(d.weekday(), time::Weekday::Saturday | time::Weekday::Sunday);
                    (if weekend { 3.0 } else { 1.0 }) / (1.0 + n as f64 * 0.15)
                });
                let pick = WeightedIndex::new(weights).map(|w| open[w.sample(rng)]).unwrap_or(open[0]);
                campaign::dates::format_date(pick)
            })
            .collect();
        RawApplication {
            id_type: if passport { "passport" } else { "mykad" }.into(),
            id_number,
            full_name: format!(
                "{} {}",
                GIVEN[rng.random_range(0..GIVEN.len())],
                FAMILY[rng.random_range(0..FAMILY.len())]
            ),
            birth_date: campaign::dates::format_date(birth),
            birth_date_required: true,
            phone: format!("01{}{:07}", rng.random_range(2..10), rng.random_range(0..10_000_000)),
            email: if rng.random_ratio(3, 10) { format!("pemohon{index}@example.my") } else { String::new() },
            lang: if rng.random_ratio(3, 5) { "ms" } else { "en" }.into(),
            centre: centre.id.to_string(),
            weeks,
            accept_other_dates: Some(rng.random_ratio(17, 20)),
            consent: true,
        }
    }
}

/// Generates `count` valid applications from `seed`, in order, as stored rows
/// with a submission time spread over the registration window.
pub fn applications(catalogue: &Catalogue, count: usize, seed: u64) -> impl Iterator<Item = ApplicationRow> + '_ {
    let mut generator = Generator::new(catalogue, seed);
    let campaign = catalogue.campaign();
    let (opens, closes) = (campaign.registration_opens(), campaign.registration_closes());
    let window = (closes - opens).whole_seconds().max(1);
    (0..count).filter_map(move |i| {
        let raw = generator.raw(i);
        let submitted = opens + Duration::seconds(generator.rng.random_range(0..window));
        let reference = reference::generate_with(&mut generator.rng);
        // Every generated application is valid by construction; skip rather
        // than stop if a future campaign rule rejects one.
        let app = Application::parse(&raw, catalogue).ok()?;
        debug_assert!(app.choices.iter().all(|c| matches!(c.pick, DayPick::AnyDay | DayPick::Date(_))));
        Some(ApplicationRow::new(&app, reference, submitted))
    })
}

/// A MyKad number for `birth`: its last six digits are `index`, so numbers
/// are unique for indexes below a million (passports are used beyond).
fn mykad(birth: Date, index: usize) -> String {
    format!("{:02}{:02}{:02}{:06}", birth.year() % 100, u8::from(birth.month()), birth.day(), index % 1_000_000)
}

/// What a synth run stored.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SynthReport {
    /// New applications stored.
    pub inserted: u64,
    /// Generated applications whose identity was already stored (a re-run).
    pub already_stored: u64,
}

/// Writes `count` synthetic applications into `store` in batches of `batch`.
pub async fn run(
    store: &Store,
    catalogue: &Catalogue,
    count: usize,
    seed: u64,
    batch: usize,
) -> anyhow::Result<SynthReport> {
    let mut report = SynthReport::default();
    let mut rows = Vec::with_capacity(batch);
    let mut generated = applications(catalogue, count, seed);
    loop {
        rows.clear();
        rows.extend(generated.by_ref().take(batch));
        if rows.is_empty() {
            return Ok(report);
        }
        for outcome in store.insert_batch(&rows).await? {
            match outcome {
                InsertOutcome::Inserted => report.inserted += 1,
                _ => report.already_stored += 1,
            }
        }
    }
}
