//! Adapts a [`Policy`] to the generated `Guest` trait: parses the settings that
//! come with every call, so a policy only ever sees typed settings.

use std::marker::PhantomData;

use crate::bindings::exports::isac::policy::policy::Guest;
use crate::{CaseSummary, Context, Correlation, Ctx, Member, Policy, Report, Routing};

/// The type [`export_policy!`](crate::export_policy) exports for a policy `P`.
pub struct Glue<P>(PhantomData<P>);

fn typed<P: Policy>(ctx: Context) -> Result<Ctx<P::Settings>, String> {
    Ok(Ctx {
        settings: crate::parse_settings::<P>(&ctx.settings)?,
        community: ctx.community,
        now: ctx.now,
    })
}

impl<P: Policy> Guest for Glue<P> {
    fn validate_settings(settings: String) -> Result<(), String> {
        crate::parse_settings::<P>(&settings).map(|_| ())
    }

    fn fingerprints(ctx: Context, report: Report) -> Result<Vec<String>, String> {
        P::fingerprints(&typed::<P>(ctx)?, &report)
    }

    fn correlate(
        ctx: Context,
        report: Report,
        candidates: Vec<CaseSummary>,
    ) -> Result<Correlation, String> {
        P::correlate(&typed::<P>(ctx)?, &report, &candidates)
    }

    fn route(
        ctx: Context,
        report: Report,
        case: CaseSummary,
        audience: Vec<Member>,
    ) -> Result<Routing, String> {
        P::route(&typed::<P>(ctx)?, &report, &case, &audience)
    }
}
