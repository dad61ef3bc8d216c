//! How two WIT types are shown and compared part by part: aliases followed,
//! a type named where it has a name, its fields, cases or elements in order.

use wit_parser::{Resolve, Type, TypeDefKind};

/// A type with every `type a = b` alias followed.
pub(super) fn unalias(resolve: &Resolve, mut ty: Type) -> Type {
    while let Type::Id(id) = ty {
        match resolve.types[id].kind {
            TypeDefKind::Type(inner) => ty = inner,
            _ => break,
        }
    }
    ty
}

/// A type as written where it is used: its name, or its shape when it has none.
pub(super) fn shallow(resolve: &Resolve, ty: Type) -> String {
    let ty = unalias(resolve, ty);
    let Type::Id(id) = ty else {
        return format!("{ty:?}").to_lowercase();
    };
    let def = &resolve.types[id];
    if let Some(name) = &def.name {
        return name.clone();
    }
    let inner = |t: &Option<Type>| t.map_or("_".into(), |t| shallow(resolve, t));
    match &def.kind {
        TypeDefKind::List(t) => format!("list<{}>", shallow(resolve, *t)),
        TypeDefKind::Option(t) => format!("option<{}>", shallow(resolve, *t)),
        TypeDefKind::Result(r) => format!("result<{}, {}>", inner(&r.ok), inner(&r.err)),
        TypeDefKind::Tuple(t) => {
            let parts: Vec<_> = t.types.iter().map(|t| shallow(resolve, *t)).collect();
            format!("tuple<{}>", parts.join(", "))
        }
        other => format!("{other:?}"),
    }
}

/// A type's parts in order: fields, cases, enum cases, flags, or the inner types
/// of a list, option, result or tuple (with positional names).
pub(super) fn items(resolve: &Resolve, id: wit_parser::TypeId) -> Vec<(String, Option<Type>)> {
    match &resolve.types[id].kind {
        TypeDefKind::Record(r) => r
            .fields
            .iter()
            .map(|f| (format!("field `{}`", f.name), Some(f.ty)))
            .collect(),
        TypeDefKind::Variant(v) => v
            .cases
            .iter()
            .map(|c| (format!("case `{}`", c.name), c.ty))
            .collect(),
        TypeDefKind::Enum(e) => e
            .cases
            .iter()
            .map(|c| (format!("case `{}`", c.name), None))
            .collect(),
        TypeDefKind::Flags(f) => f
            .flags
            .iter()
            .map(|f| (format!("flag `{}`", f.name), None))
            .collect(),
        TypeDefKind::List(t) | TypeDefKind::Option(t) => vec![("its element".into(), Some(*t))],
        TypeDefKind::Result(r) => vec![("ok".into(), r.ok), ("err".into(), r.err)],
        TypeDefKind::Tuple(t) => t
            .types
            .iter()
            .enumerate()
            .map(|(i, t)| (format!("element {i}"), Some(*t)))
            .collect(),
        _ => Vec::new(),
    }
}

/// The first part present on one side only, or in another place or of another
/// type on the other, as a sentence.
pub(super) fn item_difference(
    expected: &[(String, Option<Type>)],
    actual: &[(String, Option<Type>)],
    show_expected: impl Fn(Type) -> String,
    show_actual: impl Fn(Type) -> String,
) -> Option<String> {
    for (name, _) in actual {
        if !expected.iter().any(|(n, _)| n == name) {
            return Some(format!("{name} is not in the contract"));
        }
    }
    for (index, (name, ty)) in expected.iter().enumerate() {
        let Some(position) = actual.iter().position(|(n, _)| n == name) else {
            return Some(format!("{name} is missing"));
        };
        if position != index {
            return Some(format!(
                "{name} is at position {position}, the contract has it at {index}"
            ));
        }
        let (e, a) = (ty.map(&show_expected), actual[position].1.map(&show_actual));
        if e != a {
            let show = |t: Option<String>| t.unwrap_or_else(|| "no payload".into());
            return Some(format!(
                "{name} is `{}`, the contract has `{}`",
                show(a),
                show(e)
            ));
        }
    }
    None
}
