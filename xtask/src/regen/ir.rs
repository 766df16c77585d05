//! The generator's intermediate representation: what the emitter turns into Rust.

use std::collections::{BTreeMap, BTreeSet};

/// A Rust type used by a field, a variant or an alias.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    String,
    Bool,
    /// Any JSON number, kept as `serde_json::Number` (exact representation).
    Number,
    /// Any JSON value.
    Any,
    /// A free-form object (`serde_json::Map<String, Value>`).
    Object,
    Vec(Box<Ty>),
    /// An object with typed values and no named properties.
    Map(Box<Ty>),
    /// A generated type.
    Named(String),
    /// A generated type behind a `Box` (breaks recursion).
    Boxed(String),
}

/// A property of a generated struct.
#[derive(Clone, Debug)]
pub struct Field {
    pub wire: String,
    pub rust: String,
    pub ty: Ty,
    pub doc: Option<String>,
    pub required: bool,
}

/// A variant of a generated union.
#[derive(Clone, Debug)]
pub struct Variant {
    pub name: String,
    pub ty: Ty,
    pub doc: Option<String>,
    /// Filled by [`crate::regen::lower::analyze_unions`].
    pub kinds: u8,
    pub tags: Vec<String>,
    pub keys: Vec<String>,
    pub required: Vec<String>,
}

/// What a generated type is.
#[derive(Clone, Debug)]
pub enum Def {
    Struct {
        fields: Vec<Field>,
    },
    /// An open string enum: `(variant, wire value)`.
    OpenEnum {
        values: Vec<(String, String)>,
    },
    /// A closed single-value tag.
    TagEnum {
        variant: String,
        value: String,
    },
    Union {
        tag: Option<String>,
        variants: Vec<Variant>,
    },
    Alias(Ty),
}

/// One generated type.
#[derive(Clone, Debug)]
pub struct TypeDef {
    pub name: String,
    /// The spec's name for it (named schemas) or the path it was found at (inline schemas).
    pub origin: String,
    pub doc: Option<String>,
    pub def: Def,
    /// API groups (cargo features) that reach this type.
    pub groups: BTreeSet<String>,
}

/// JSON-kind bits; must match `aigw_wire::union::kind`.
pub mod kind {
    pub const BOOL: u8 = 1;
    pub const NUMBER: u8 = 1 << 1;
    pub const STRING: u8 = 1 << 2;
    pub const ARRAY: u8 = 1 << 3;
    pub const OBJECT: u8 = 1 << 4;
    pub const ANY: u8 = 0xff;
}

/// Each type's definition by name, a snapshot for passes that look types up while they
/// rewrite them.
pub fn defs_by_name(types: &[TypeDef]) -> BTreeMap<String, Def> {
    types
        .iter()
        .map(|t| (t.name.clone(), t.def.clone()))
        .collect()
}
