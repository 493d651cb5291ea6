//! What both benchmarks compute from interleaved rounds: medians, and the median over adjacent
//! round pairs of one side's figure divided by the other's.

/// The median of `values` (the upper one of an even count); 0 when there are none.
pub fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_unstable_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The median over round pairs of `side[i] / other[i]`: load that comes and goes hits both
/// halves of a pair alike, so it cancels out.
pub fn median_pair_ratio(side: &[f64], other: &[f64]) -> f64 {
    median(side.iter().zip(other).map(|(s, o)| s / o).collect())
}
