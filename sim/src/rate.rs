//! Gong's rate limit (N requests in any one-second window) and the measure
//! of how close a client came to it: the most requests that started within
//! one second.

use std::collections::VecDeque;

const WINDOW_MS: f64 = 1000.0;

#[derive(Default)]
pub struct RateLimit {
    /// Requests allowed in any window; 0 is no limit.
    pub per_second: usize,
    /// Start times (ms) of the requests let through in the last second.
    accepted: VecDeque<f64>,
    /// Start times (ms) of every request in the last second.
    seen: VecDeque<f64>,
    /// The most requests seen within one window since the last reset.
    pub max_per_second: usize,
}

impl RateLimit {
    pub fn new(per_second: usize) -> RateLimit {
        RateLimit {
            per_second,
            ..RateLimit::default()
        }
    }

    /// Counts a request starting at `now` (ms, never earlier than the last
    /// one's) and says whether the limit lets it through.
    pub fn admit(&mut self, now: f64) -> bool {
        let fresh = |q: &mut VecDeque<f64>| {
            while q.front().is_some_and(|&t| t <= now - WINDOW_MS) {
                q.pop_front();
            }
        };
        fresh(&mut self.seen);
        fresh(&mut self.accepted);
        self.seen.push_back(now);
        // The busiest window ends on a request, so checking at each one
        // finds it.
        self.max_per_second = self.max_per_second.max(self.seen.len());
        if self.per_second > 0 && self.accepted.len() >= self.per_second {
            return false;
        }
        self.accepted.push_back(now);
        true
    }

    /// Forgets what was seen; keeps the limit.
    pub fn reset(&mut self) {
        *self = RateLimit::new(self.per_second);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_a_second_then_429_until_the_window_moves() {
        let mut r = RateLimit::new(3);
        let admitted: Vec<bool> = [
            0.0, 100.0, 200.0, 300.0, 999.0, 1000.0, 1050.0, 1101.0, 1150.0,
        ]
        .iter()
        .map(|&t| r.admit(t))
        .collect();
        // 1000 drops the request at 0, 1101 the one at 100; 1050 and 1150
        // find three in their window.
        assert_eq!(
            admitted,
            [true, true, true, false, false, true, false, true, false]
        );
        // Refused requests count in the busiest window too.
        assert_eq!(r.max_per_second, 7);
    }

    #[test]
    fn off_lets_everything_through_and_still_measures() {
        let mut r = RateLimit::new(0);
        assert!((0..10).all(|i| r.admit(f64::from(i) * 10.0)));
        assert!(r.admit(5000.0));
        assert_eq!(r.max_per_second, 10);
        r.reset();
        assert_eq!(r.max_per_second, 0);
        assert!(r.admit(6000.0));
        assert_eq!(r.max_per_second, 1);
    }
}
