//! Host bindings of contract `isac:policy@0.1`: `route` is given the audience
//! and names its recipients member by member.

use crate::model;

wasmtime::component::bindgen!({
    path: "../wit/v0.1",
    world: "sharing-policy",
    // Calls run on wasmtime's async path so a waiting guest can be timed out (see `drive`).
    exports: { default: async },
});

use isac::policy::types as wit;

shared_conversions!();

report_conversion!(r => {});

impl From<wit::Routing> for model::Routing {
    fn from(r: wit::Routing) -> Self {
        model::Routing {
            groups: r
                .groups
                .into_iter()
                .map(|g| model::DeliveryGroup {
                    recipients: g.recipients,
                    redactions: g.redactions.into_iter().map(Into::into).collect(),
                    delay_seconds: g.delay_seconds,
                })
                .collect(),
            forwards: r.forwards.into_iter().map(Into::into).collect(),
        }
    }
}
