//! Latency as a choice: a call that may take time.
//!
//! A step takes no virtual time: the clock moves only when every task waits. A verdict that
//! holds only because a reply arrives at once says nothing about a slow database or network.
//! A [`Latency`] declares how long a call may take, as a few durations or as a range the engine
//! cuts into evenly spaced ones; [`Cx::latency`] lets the strategy pick one, like any other
//! pick, and then sleeps that long on the virtual clock. So a latency is recorded in the
//! schedule and replays, an exploration runs every declared duration, and since durations are
//! ordered shortest first (pick option 0 is the shortest), a shrinker that lowers picks ends
//! at the shortest delays that still break.
//!
//! Where the time goes is the scenario's to say: a latency after the step that reads a row is
//! a slow reply (the value read is older than the moment it is used); one before it is a slow
//! request.

use crate::cx::Cx;
use crate::time::Instant;
use std::time::Duration;

/// How long a call may take: the options a strategy picks among, shortest first.
///
/// Build it in a `const`, so that a bad declaration fails to compile:
///
/// ```
/// use raceway_sim::Latency;
/// use std::time::Duration;
///
/// const DB_READ: Latency = Latency::of(&[
///     Duration::ZERO,
///     Duration::from_millis(500),
///     Duration::from_secs(2),
/// ]);
/// const NETWORK: Latency = Latency::range(Duration::ZERO, Duration::from_secs(3), 4);
///
/// assert_eq!(DB_READ.options(), 3);
/// let network: Vec<Duration> = NETWORK.iter().collect();
/// assert_eq!(network, [0, 1, 2, 3].map(Duration::from_secs));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Latency(Options);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Options {
    /// These durations, strictly increasing.
    Listed(&'static [Duration]),
    /// `n` durations evenly spaced from `shortest` to `longest`, both included.
    Range {
        shortest: Duration,
        longest: Duration,
        n: u32,
    },
}

impl Latency {
    /// Exactly these durations, which must be strictly increasing (shortest first) and at
    /// least one; at most `u32::MAX` of them.
    pub const fn of(durations: &'static [Duration]) -> Latency {
        assert!(!durations.is_empty(), "a latency needs a duration");
        assert!(
            durations.len() <= u32::MAX as usize,
            "a latency has at most u32::MAX options"
        );
        let mut i = 1;
        while i < durations.len() {
            assert!(
                durations[i - 1].as_nanos() < durations[i].as_nanos(),
                "a latency's durations must be strictly increasing: shortest first"
            );
            i += 1;
        }
        Latency(Options::Listed(durations))
    }

    /// `n` durations evenly spaced from `shortest` to `longest`, both included (rounded down
    /// to the nanosecond): the engine's discretisation of a range. `n` is at least 2 and
    /// `shortest < longest`.
    pub const fn range(shortest: Duration, longest: Duration, n: u32) -> Latency {
        assert!(n >= 2, "a latency range needs at least 2 points");
        assert!(
            shortest.as_nanos() < longest.as_nanos(),
            "a latency range must go from the shortest to a longer duration"
        );
        Latency(Options::Range {
            shortest,
            longest,
            n,
        })
    }

    /// How many durations there are to pick among.
    pub const fn options(&self) -> u32 {
        match self.0 {
            // `of` checked that the length fits.
            Options::Listed(d) => d.len() as u32,
            Options::Range { n, .. } => n,
        }
    }

    /// Duration number `i` (0 is the shortest), `i < self.options()`.
    ///
    /// # Panics
    /// When `i` is out of range.
    pub fn get(&self, i: u32) -> Duration {
        assert!(i < self.options(), "latency option {i} out of range");
        match self.0 {
            Options::Listed(d) => d[i as usize],
            Options::Range {
                shortest,
                longest,
                n,
            } => {
                // Fits in u128: a Duration's nanoseconds are below 2^94, times i below 2^32.
                let span = longest.as_nanos() - shortest.as_nanos();
                let nanos = shortest.as_nanos() + span * u128::from(i) / u128::from(n - 1);
                let per_sec = 1_000_000_000u128;
                // At most `longest`, so the seconds fit in u64.
                Duration::new((nanos / per_sec) as u64, (nanos % per_sec) as u32)
            }
        }
    }

    /// Every duration, shortest first.
    pub fn iter(&self) -> impl Iterator<Item = Duration> + '_ {
        (0..self.options()).map(|i| self.get(i))
    }
}

impl<S: 'static> Cx<S> {
    /// The call `label` takes a time that the strategy picks from `latency`; this task sleeps
    /// it on the virtual clock (a zero duration takes no step) and returns it. The pick is
    /// recorded in the schedule like any other (so it replays, explores and shrinks), and the
    /// trace shows the duration taken: `· db.read takes 2s`.
    pub async fn latency(&self, label: &'static str, latency: Latency) -> Duration {
        let taken = latency.get(self.pick(label, latency.options()).await);
        self.note(|| format!("{label} takes {}", Instant::ZERO.after(taken)));
        if !taken.is_zero() {
            self.sleep(taken).await;
        }
        taken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_is_cut_evenly_from_shortest_to_longest() {
        let l = Latency::range(Duration::from_millis(100), Duration::from_millis(200), 3);
        let got: Vec<Duration> = l.iter().collect();
        assert_eq!(got, [100, 150, 200].map(Duration::from_millis));
        let wide = Latency::range(Duration::ZERO, Duration::MAX, u32::MAX);
        assert_eq!(wide.get(u32::MAX - 1), Duration::MAX);
        assert_eq!(wide.get(0), Duration::ZERO);
    }

    #[test]
    fn listed_durations_are_kept_in_order() {
        const L: Latency = Latency::of(&[Duration::ZERO, Duration::from_secs(2)]);
        assert_eq!(L.options(), 2);
        assert_eq!(L.get(1), Duration::from_secs(2));
    }

    #[test]
    #[should_panic(expected = "shortest first")]
    fn durations_out_of_order_are_refused() {
        static BACKWARDS: [Duration; 2] = [Duration::from_secs(2), Duration::ZERO];
        let _ = Latency::of(&BACKWARDS);
    }
}
