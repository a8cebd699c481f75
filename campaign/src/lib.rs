//! The campaign model shared by `site-gen`, `intake` and `allocator`.
//!
//! Everything here is pure: no HTTP, no SQL, no HTML, and no wall clock.
//! Callers pass the current instant in wherever it matters, so the same
//! rules give the same answer in a test, in intake and in the allocator.
//!
//! - [`catalogue`]: loading and checking the campaign files in `data/`.
//! - [`calendar`]: the campaign's weeks, days, time windows and registration window.
//! - [`centre`]: vaccination centres and their capacity.
//! - [`choice_met`]: which of an applicant's choices an appointment met.
//! - [`application`]: turning a submitted form into a valid [`application::Application`].
//! - [`lottery_commitment`]: the published commitment to the allocation's lottery seed.
//! - [`messages`]: every user-facing text, in English and Bahasa Melayu.
//! - [`reference`]: the reference an applicant is given for a stored application.

pub mod application;
pub mod calendar;
pub mod catalogue;
pub mod centre;
pub mod choice_met;
pub mod dates;
pub mod lang;
pub mod lottery_commitment;
pub mod messages;
pub mod reference;

pub use application::{Application, FieldError, FieldErrors, RawApplication};
pub use calendar::{Campaign, CampaignWeek, Helpline, RegistrationStatus, TimeWindow};
pub use catalogue::{Catalogue, LoadError};
pub use centre::{Centre, CentreId, State};
pub use choice_met::ChoiceMet;
pub use lang::Lang;
pub use lottery_commitment::LotteryCommitment;
pub use messages::Messages;
