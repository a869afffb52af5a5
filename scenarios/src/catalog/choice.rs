//! A workload or a variant: one value of a closed set, with its name and one line on it.

use strum::{EnumMessage, VariantArray};

/// A workload or a variant of a scenario: an enum whose values carry their names and their
/// lines for `raceway list`.
///
/// Derive it with strum: `VariantArray` (every value, in catalog order), `IntoStaticStr` with
/// `#[strum(serialize_all = "kebab-case")]` (the name, `ForkEvict` → `fork-evict`) and
/// `EnumMessage` (the value's one-line doc comment is its line in `raceway list`). The catalog
/// test checks that every value has exactly one line.
pub trait Choice:
    Copy + Eq + std::fmt::Debug + VariantArray + Into<&'static str> + EnumMessage + 'static
{
    /// The name used on the command line and in reports.
    fn name(self) -> &'static str {
        self.into()
    }

    /// One line on what it is: the value's doc comment.
    fn about(self) -> &'static str {
        self.get_documentation().unwrap_or_default()
    }

    /// Every value, in catalog order.
    fn all() -> &'static [Self] {
        Self::VARIANTS
    }

    /// The value called `name`.
    fn named(name: &str) -> Option<Self> {
        Self::all().iter().copied().find(|c| c.name() == name)
    }
}

impl<T> Choice for T where
    T: Copy + Eq + std::fmt::Debug + VariantArray + Into<&'static str> + EnumMessage + 'static
{
}
