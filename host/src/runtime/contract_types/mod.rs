//! Checks that a component's contract interfaces have the types of the host's
//! frozen WIT for the version it claims. A plugin built against an edited copy
//! of the WIT that kept the version number would otherwise load, and fail later
//! with a message about something else (its settings, say).

use std::collections::HashSet;

use semver::Version;
use wit_parser::decoding::{DecodedWasm, decode};
mod shape;

use shape::{item_difference, items, shallow, unalias};
use wit_parser::{InterfaceId, Resolve, Type, WorldItem};

/// The frozen contract of each supported minor version (of major 0).
const FROZEN: &[(u64, &str)] = &[
    (1, include_str!("../../../../wit/v0.1/policy.wit")),
    (2, include_str!("../../../../wit/v0.2/policy.wit")),
];

/// Where a component's contract differs from the host's copy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContractMismatch {
    #[error("cannot read its interface types: {0}")]
    Unreadable(String),
    #[error("{item} is missing: the contract isac:policy@{version} has it")]
    Missing { item: String, version: Version },
    #[error(
        "{item} differs from the contract isac:policy@{version} in {ty}: {detail} \
         (was it built against an edited copy of the WIT that kept the version number?)"
    )]
    Differs {
        item: String,
        ty: String,
        detail: String,
        version: Version,
    },
}

/// `Ok` when every function of the contract's `policy` export, and every
/// function the component imports from `host`, has the frozen contract's type.
/// (A component imports only the host functions it calls.)
pub fn check(bytes: &[u8], version: &Version) -> Result<(), ContractMismatch> {
    let Some((_, wit)) = FROZEN.iter().find(|(minor, _)| *minor == version.minor) else {
        return Ok(());
    };
    let mut frozen = Resolve::new();
    frozen
        .push_str("policy.wit", wit)
        .expect("the frozen WIT parses (tested)");
    let (actual, world) = match decode(bytes) {
        Ok(DecodedWasm::Component(resolve, world)) => (resolve, world),
        Ok(DecodedWasm::WitPackage(..)) => {
            return Err(ContractMismatch::Unreadable("it is a WIT package".into()));
        }
        Err(error) => return Err(ContractMismatch::Unreadable(format!("{error:#}"))),
    };
    let world = &actual.worlds[world];
    let found = |items: &wit_parser::IndexMap<_, WorldItem>, name: &str| {
        items.values().find_map(|item| match item {
            WorldItem::Interface { id, .. }
                if actual.interfaces[*id].name.as_deref() == Some(name) =>
            {
                Some(*id)
            }
            _ => None,
        })
    };
    let checks = [
        ("policy", found(&world.exports, "policy"), true),
        ("host", found(&world.imports, "host"), false),
    ];
    for (name, actual_id, required) in checks {
        let Some(expected_id) = interface(&frozen, name) else {
            continue;
        };
        match actual_id {
            Some(actual_id) => {
                let pair = Pair {
                    expected: &frozen,
                    actual: &actual,
                };
                pair.interfaces(expected_id, actual_id, name, version, required)?;
            }
            None if required => {
                return Err(ContractMismatch::Missing {
                    item: format!("the export isac:policy/{name}@{version}"),
                    version: version.clone(),
                });
            }
            None => {}
        }
    }
    Ok(())
}

fn interface(resolve: &Resolve, name: &str) -> Option<InterfaceId> {
    resolve
        .interfaces
        .iter()
        .find(|(_, i)| i.name.as_deref() == Some(name))
        .map(|(id, _)| id)
}

/// The frozen contract and the component's, compared position by position.
struct Pair<'r> {
    expected: &'r Resolve,
    actual: &'r Resolve,
}

impl Pair<'_> {
    fn interfaces(
        &self,
        expected: InterfaceId,
        actual: InterfaceId,
        name: &str,
        version: &Version,
        exported: bool,
    ) -> Result<(), ContractMismatch> {
        let actual_functions = &self.actual.interfaces[actual].functions;
        let expected_functions = &self.expected.interfaces[expected].functions;
        if let Some(extra) = actual_functions
            .keys()
            .find(|f| !expected_functions.contains_key(*f))
        {
            return Err(ContractMismatch::Differs {
                item: format!("isac:policy/{name}@{version}#{extra}"),
                ty: "the interface".into(),
                detail: format!("`{extra}` is not in the contract"),
                version: version.clone(),
            });
        }
        for (function, wanted) in expected_functions {
            let item = format!("isac:policy/{name}@{version}#{function}");
            let Some(got) = actual_functions.get(function) else {
                if !exported {
                    continue;
                }
                return Err(ContractMismatch::Missing {
                    item,
                    version: version.clone(),
                });
            };
            let differs = |ty: String, detail: String| ContractMismatch::Differs {
                item: item.clone(),
                ty,
                detail,
                version: version.clone(),
            };
            let names = |params: &[wit_parser::Param]| {
                params.iter().map(|p| p.name.clone()).collect::<Vec<_>>()
            };
            if names(&wanted.params) != names(&got.params) {
                return Err(differs(
                    "its parameters".into(),
                    format!(
                        "expected ({}), found ({})",
                        names(&wanted.params).join(", "),
                        names(&got.params).join(", ")
                    ),
                ));
            }
            let mut seen = HashSet::new();
            let params = wanted.params.iter().zip(&got.params);
            for (w, g) in params
                .map(|(w, g)| (Some(w.ty), Some(g.ty)))
                .chain([(wanted.result, got.result)])
            {
                if let Some((ty, detail)) = self.types(w, g, &mut seen) {
                    return Err(differs(ty, detail));
                }
            }
        }
        Ok(())
    }

    /// The first named type (or position) where `expected` and `actual` differ.
    fn types(
        &self,
        expected: Option<Type>,
        actual: Option<Type>,
        seen: &mut HashSet<String>,
    ) -> Option<(String, String)> {
        let (e, a) = (
            expected.map(|t| unalias(self.expected, t)),
            actual.map(|t| unalias(self.actual, t)),
        );
        let (e_name, a_name) = (
            e.map(|t| shallow(self.expected, t)),
            a.map(|t| shallow(self.actual, t)),
        );
        if e_name != a_name {
            let show = |n: Option<String>| n.unwrap_or_else(|| "nothing".into());
            return Some((
                "a type".into(),
                format!("expected `{}`, found `{}`", show(e_name), show(a_name)),
            ));
        }
        let (Some(Type::Id(e)), Some(Type::Id(a))) = (e, a) else {
            return None;
        };
        let named = self.expected.types[e].name.clone();
        if let Some(name) = &named
            && !seen.insert(name.clone())
        {
            return None;
        }
        let (e_items, a_items) = (items(self.expected, e), items(self.actual, a));
        let here = named.map_or_else(
            || format!("`{}`", shallow(self.expected, Type::Id(e))),
            |n| format!("the type `{n}`"),
        );
        if let Some(detail) = item_difference(
            &e_items,
            &a_items,
            |t| shallow(self.expected, t),
            |t| shallow(self.actual, t),
        ) {
            return Some((here, detail));
        }
        e_items
            .iter()
            .zip(&a_items)
            .find_map(|((_, e), (_, a))| self.types(*e, *a, seen))
    }
}
