//! The values a history carries: keys, values written and read, compare-and-set pairs.

use std::fmt;
use std::sync::Arc;

/// A key or a value in a history: what a client wrote, read or named.
///
/// `Nil` is the value of a key never written (or deleted): a read of an absent key returns
/// it. Text is reference-counted so that the checkers' states clone in constant time.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Value {
    /// No value: an absent key, a read's input, a delete's value.
    #[default]
    Nil,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A string.
    Text(Arc<str>),
    /// A list, such as a compare-and-set's `[old, new]`.
    List(Arc<[Value]>),
}

impl Value {
    /// A text value.
    pub fn text(s: &str) -> Self {
        Value::Text(Arc::from(s))
    }

    /// A compare-and-set's value: expect `old`, then write `new`.
    pub fn cas(old: Value, new: Value) -> Self {
        Value::List(Arc::from([old, new]))
    }

    /// The `(old, new)` of a compare-and-set's value, if this is a pair.
    pub fn as_pair(&self) -> Option<(&Value, &Value)> {
        match self {
            Value::List(items) if items.len() == 2 => Some((&items[0], &items[1])),
            _ => None,
        }
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Int(n)
    }
}

/// `None` is `Nil` (an absent key, a read that found nothing).
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Nil, Into::into)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::text(s)
    }
}

impl fmt::Display for Value {
    /// As JSON spells it: `null`, `3`, `"x"`, `[1, 2]` (strings use Rust's escapes).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(n) => write!(f, "{n}"),
            Value::Text(s) => write!(f, "{s:?}"),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
        }
    }
}

/// As JSON spells it, and as `raceway check-history` reads it: `null`, `true`, `3`, `"x"`,
/// `[1, 2]`.
impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Nil => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(n) => s.serialize_i64(*n),
            Value::Text(t) => s.serialize_str(t),
            Value::List(items) => s.collect_seq(items.iter()),
        }
    }
}
