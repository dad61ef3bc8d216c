//! The general assembly of the source document: every member organisation of a
//! community, one vote each, in sessions held at least yearly and electronically;
//! it amends the rules. The secretariat convenes a session; a policy version or
//! a change of required approvals bound to an item takes effect only once the
//! item passes.

mod binding;
mod closing;
mod convene;
mod model;
pub mod rules;
pub mod session;
mod vote;

pub use binding::{activation_allowed, close_sessions_binding};
pub use closing::close_if_due;
pub use convene::{AgendaItem, Convening, convene};
pub use model::{Choice, ItemKind, Outcome, Rules, Tally};
pub use vote::cast;
