//! [`IndexRuns`]: a compact, increasing set of input positions.

use std::ops::Range;

/// Input positions (zero-based indices) as increasing runs of consecutive numbers: a request of
/// 1,000 consecutive items costs one run, whatever the input size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexRuns {
    runs: Vec<(u64, u32)>,
    len: u64,
}

impl IndexRuns {
    /// An empty set.
    pub fn new() -> Self {
        IndexRuns::default()
    }

    /// Adds `index`, which must be greater than every index already present.
    ///
    /// # Panics
    /// When `index` is not greater than the last index.
    pub fn push(&mut self, index: u64) {
        if let Some((start, len)) = self.runs.last_mut() {
            let next = *start + u64::from(*len);
            assert!(
                index >= next,
                "IndexRuns::push: {index} is not after {}",
                next - 1
            );
            if index == next && *len < u32::MAX {
                *len += 1;
                self.len += 1;
                return;
            }
        }
        self.runs.push((index, 1));
        self.len += 1;
    }

    /// How many indices.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether there is no index.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The runs, in increasing order.
    pub fn runs(&self) -> impl ExactSizeIterator<Item = Range<u64>> + '_ {
        self.runs
            .iter()
            .map(|&(start, len)| start..start + u64::from(len))
    }

    /// Every index, in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        self.runs().flatten()
    }

    /// The `n`-th index (zero-based), e.g. the input position of the `n`-th item of a request.
    pub fn get(&self, mut n: u64) -> Option<u64> {
        for &(start, len) in &self.runs {
            if n < u64::from(len) {
                return Some(start + n);
            }
            n -= u64::from(len);
        }
        None
    }

    /// Whether `index` is present.
    pub fn contains(&self, index: u64) -> bool {
        let i = self.runs.partition_point(|&(start, _)| start <= index);
        i > 0 && {
            let (start, len) = self.runs[i - 1];
            index < start + u64::from(len)
        }
    }

    /// The smallest index.
    pub fn first(&self) -> Option<u64> {
        self.runs.first().map(|&(start, _)| start)
    }

    /// The largest index.
    pub fn last(&self) -> Option<u64> {
        self.runs
            .last()
            .map(|&(start, len)| start + u64::from(len) - 1)
    }
}

impl FromIterator<u64> for IndexRuns {
    fn from_iter<I: IntoIterator<Item = u64>>(iter: I) -> Self {
        let mut runs = IndexRuns::new();
        for i in iter {
            runs.push(i);
        }
        runs
    }
}

#[cfg(test)]
mod tests {
    use super::IndexRuns;

    #[test]
    fn runs_compact_and_answer_queries() {
        let runs: IndexRuns = [0, 1, 2, 5, 6, 9].into_iter().collect();
        assert_eq!(runs.len(), 6);
        assert_eq!(runs.runs().collect::<Vec<_>>(), vec![0..3, 5..7, 9..10]);
        assert_eq!(runs.get(3), Some(5));
        assert_eq!(runs.get(6), None);
        assert!(runs.contains(6) && !runs.contains(4) && !runs.contains(10));
        assert_eq!((runs.first(), runs.last()), (Some(0), Some(9)));
    }
}
