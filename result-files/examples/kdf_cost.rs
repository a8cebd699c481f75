//! How long one key derivation takes on this machine, at the iteration
//! counts given (default: the publication's): what `allocator publish`
//! pays per applicant and a guesser pays per guess. Run it with
//! `cargo run --release -p result-files --example kdf_cost [ITERATIONS...]`.

use std::time::Instant;

use result_files::{Locator, Secret};
use time::macros::date;

fn main() {
    let counts: Vec<u32> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let counts = if counts.is_empty() { vec![result_files::write::DEFAULT_ITERATIONS] } else { counts };
    let secret = Secret::new("ABCDE-23456", date!(1960 - 03 - 15)).expect("a valid reference");
    for iterations in counts {
        let rounds = 5;
        let started = Instant::now();
        for _ in 0..rounds {
            std::hint::black_box(Locator::derive(&secret, b"sixteen byte sal", iterations, 1024));
        }
        let each = started.elapsed().as_secs_f64() / f64::from(rounds);
        println!(
            "{iterations} iterations: {:.1} ms per derivation, {:.2} M iterations/s on one core",
            each * 1e3,
            f64::from(iterations) / each / 1e6
        );
    }
}
