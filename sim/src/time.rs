//! Virtual time. The clock starts at zero, never reads the wall clock, and advances only when
//! no task can take a step: it then jumps to the earliest pending timer.

use std::fmt;
use std::time::Duration;

/// A point on the virtual clock, in nanoseconds since the run began.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Instant(u64);

impl Instant {
    /// The start of every run.
    pub const ZERO: Instant = Instant(0);

    /// Nanoseconds since the run began.
    pub fn as_nanos(self) -> u64 {
        self.0
    }

    /// The time elapsed since the run began.
    pub fn since_start(self) -> Duration {
        Duration::from_nanos(self.0)
    }

    /// This instant plus `d`, saturating (a timer that far away never fires in a run).
    pub fn after(self, d: Duration) -> Instant {
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        Instant(self.0.saturating_add(nanos))
    }

    /// `self - earlier`, or zero if `earlier` is later.
    pub fn duration_since(self, earlier: Instant) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }
}

impl fmt::Display for Instant {
    /// Seconds with up to three decimals: `0s`, `3s`, `61.5s`, `0.001s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let millis = self.0 / 1_000_000;
        let (s, ms) = (millis / 1000, millis % 1000);
        if ms == 0 {
            write!(f, "{s}s")
        } else {
            let frac = format!("{ms:03}");
            write!(f, "{s}.{}s", frac.trim_end_matches('0'))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_seconds() {
        assert_eq!(Instant::ZERO.to_string(), "0s");
        assert_eq!(
            Instant::ZERO.after(Duration::from_secs(3)).to_string(),
            "3s"
        );
        assert_eq!(
            Instant::ZERO
                .after(Duration::from_millis(61_500))
                .to_string(),
            "61.5s"
        );
        assert_eq!(Instant::ZERO.after(Duration::MAX).as_nanos(), u64::MAX);
    }
}
