//! What a step touches: the shared resources it reads or writes.
//!
//! Footprints serve three readers: the trace (which resource a step touched), the Mermaid
//! diagram (one lifeline per resource) and exploration's partial-order reduction (two steps
//! commute when their footprints do not conflict). A footprint is small and `Copy`, so that
//! declaring one costs nothing on the per-step path.
//!
//! A step may also declare a write of the checker's ghost state ([`Footprint::and_ghost`]):
//! a history that [`Cx::ghost`](crate::Cx::ghost) extends right after the step, in an order
//! the invariants read (configcache numbers its gets and sets in the order they happen). Two
//! such steps do not commute, and the reduction must know it; but the ghost state is not a
//! resource of the modelled system, so diagrams leave it out.

use std::fmt;

/// Whether an access reads or writes its resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The step only observes the resource.
    Read,
    /// The step may change the resource.
    Write,
}

/// One access of a step to one named shared resource (`cache[k]`, `storage[k]`, `stream`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Access {
    /// The resource's name, as it should appear in traces and diagrams.
    pub resource: &'static str,
    /// Read or write.
    pub mode: Mode,
    /// Whether the resource is the checker's ghost state rather than the system's (see
    /// [`Footprint::and_ghost`]).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub ghost: bool,
}

impl Access {
    /// Whether two accesses conflict: same resource, at least one write.
    pub fn conflicts(&self, other: &Access) -> bool {
        self.resource == other.resource && (self.mode == Mode::Write || other.mode == Mode::Write)
    }
}

/// The most accesses one step may declare. Real steps touch one resource, occasionally two
/// (a storage write that bumps an epoch in the same atomic step).
pub const MAX_ACCESSES: usize = 3;

/// The set of accesses of one step, built with `const` constructors:
/// `Footprint::read("storage[k]").and_write("cache[k]")`.
///
/// Stored as the resources' names and two bit sets (which accesses write, which are ghost)
/// rather than an array of [`Access`]: every waiting step carries its footprint, and the
/// executor copies it into each step's candidates, so its size is paid on the per-step path.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Footprint {
    resources: [&'static str; MAX_ACCESSES],
    len: u8,
    /// Bit `i` set: access `i` writes.
    writes: u8,
    /// Bit `i` set: access `i` is to the checker's ghost state.
    ghosts: u8,
}

impl Default for Footprint {
    fn default() -> Self {
        Self::NONE
    }
}

impl Footprint {
    /// A step that touches no shared resource (a sleep, a wait that only synchronises).
    pub const NONE: Footprint = Footprint {
        resources: [""; MAX_ACCESSES],
        len: 0,
        writes: 0,
        ghosts: 0,
    };

    /// A step that reads `resource` (a name built at run time, such as `arr[3]`, through
    /// [`intern`](crate::intern)).
    pub const fn read(resource: &'static str) -> Self {
        Self::NONE.and(resource, Mode::Read)
    }

    /// A step that writes `resource`.
    pub const fn write(resource: &'static str) -> Self {
        Self::NONE.and(resource, Mode::Write)
    }

    /// This footprint plus a read of `resource`.
    pub const fn and_read(self, resource: &'static str) -> Self {
        self.and(resource, Mode::Read)
    }

    /// This footprint plus a write of `resource`.
    pub const fn and_write(self, resource: &'static str) -> Self {
        self.and(resource, Mode::Write)
    }

    /// This footprint plus a write of the checker's ghost state `resource`: the step is
    /// followed at once by a [`Cx::ghost`](crate::Cx::ghost) update whose effect depends on
    /// the order of such steps (a sequence number, an append to a history the invariants
    /// read). Reductions treat it as any write; diagrams, which show the modelled system,
    /// leave it out.
    pub const fn and_ghost(self, resource: &'static str) -> Self {
        self.access(Access {
            resource,
            mode: Mode::Write,
            ghost: true,
        })
    }

    const fn and(self, resource: &'static str, mode: Mode) -> Self {
        self.access(Access {
            resource,
            mode,
            ghost: false,
        })
    }

    const fn access(mut self, access: Access) -> Self {
        assert!(
            (self.len as usize) < MAX_ACCESSES,
            "a step declares at most MAX_ACCESSES accesses"
        );
        let bit = 1 << self.len;
        self.resources[self.len as usize] = access.resource;
        if matches!(access.mode, Mode::Write) {
            self.writes |= bit;
        }
        if access.ghost {
            self.ghosts |= bit;
        }
        self.len += 1;
        self
    }

    /// The accesses, in declaration order.
    pub fn accesses(&self) -> impl Iterator<Item = Access> + '_ {
        (0..self.len as usize).map(|i| Access {
            resource: self.resources[i],
            mode: if self.writes & (1 << i) != 0 {
                Mode::Write
            } else {
                Mode::Read
            },
            ghost: self.ghosts & (1 << i) != 0,
        })
    }

    /// The accesses to the modelled system's resources, without the ghost ones.
    pub fn system(&self) -> impl Iterator<Item = Access> + '_ {
        self.accesses().filter(|a| !a.ghost)
    }

    /// Whether the two steps may not commute: some resource is touched by both, once written.
    pub fn conflicts(&self, other: &Footprint) -> bool {
        let ours = &self.resources[..self.len as usize];
        let theirs = &other.resources[..other.len as usize];
        ours.iter().enumerate().any(|(i, a)| {
            theirs.iter().enumerate().any(|(j, b)| {
                a == b && (self.writes & (1 << i) != 0 || other.writes & (1 << j) != 0)
            })
        })
    }
}

impl fmt::Debug for Footprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.accesses()).finish()
    }
}

impl fmt::Display for Footprint {
    /// `R storage[k], W cache[k]`; a ghost write as `W ghost history`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, a) in self.accesses().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            let m = match a.mode {
                Mode::Read => 'R',
                Mode::Write => 'W',
            };
            let ghost = if a.ghost { "ghost " } else { "" };
            write!(f, "{m} {ghost}{}", a.resource)?;
        }
        Ok(())
    }
}

impl serde::Serialize for Footprint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.accesses())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflicts_need_a_shared_resource_and_a_write() {
        let r = Footprint::read("cache[k]");
        let w = Footprint::write("cache[k]");
        let other = Footprint::write("storage[k]");
        assert!(!r.conflicts(&r));
        assert!(r.conflicts(&w) && w.conflicts(&r) && w.conflicts(&w));
        assert!(!w.conflicts(&other));
        assert!(!Footprint::NONE.conflicts(&w));
        assert_eq!(
            Footprint::read("storage[k]")
                .and_write("cache[k]")
                .to_string(),
            "R storage[k], W cache[k]"
        );
    }

    #[test]
    fn ghost_writes_conflict_but_are_not_the_systems() {
        let a = Footprint::read("cache[k]").and_ghost("history");
        let b = Footprint::read("cache[k]").and_ghost("history");
        assert!(a.conflicts(&b));
        assert!(!a.conflicts(&Footprint::read("cache[k]")));
        assert_eq!(a.system().count(), 1);
        assert_eq!(a.to_string(), "R cache[k], W ghost history");
    }
}
