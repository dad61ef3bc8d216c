//! Requests for information, from the source document: the steering committee
//! requests cooperation such as information provision, and members have a duty
//! to provide it. A request names its recipients (members, or a class such as
//! task-force class 1), maybe a case, and a due date; each recipient answers with
//! a report, which goes through the pipeline under the community's policy like
//! any other, or declines with a reason that only the requesting officers read.

mod model;
pub mod notice;
pub mod read;
mod respond;
mod send;

pub use model::{Addressees, Response};
pub use respond::{decline, pending, record_answer};
pub use send::{NewRequest, remind, send};
