//! The published result files: `results/manifest.json` and one bucket file
//! per share of the applicants, each record sealed with a key that only the
//! applicant's reference and birth date derive. `allocator publish` writes
//! them; the "Check my result" page and intake's no-script fallback read
//! them the same way. The format is described in `data/README.md`.

pub mod derive;
pub mod lookup;
pub mod manifest;
pub mod record;
pub mod write;

pub use derive::{Locator, Secret};
pub use lookup::{LookupError, lookup};
pub use manifest::Manifest;
pub use record::{ResultRecord, Status};
pub use write::{PublishOptions, Published, publish};
