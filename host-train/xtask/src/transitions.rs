//! Shared by the golden-file generators (`golden_vectors`, `family_golden`): which transitions of a
//! series stand for it.

/// The indices of `pairs` (`(COF, change)`) sorted by COF, then (stably, from that order) by
/// change, largest first, then by the size of the change, smallest first.
fn orders(pairs: &[(f32, f32)]) -> [Vec<usize>; 3] {
    let mut idx: Vec<usize> = (0..pairs.len()).collect();
    idx.sort_by(|&a, &b| pairs[a].0.total_cmp(&pairs[b].0));
    let by_cof = idx.clone();
    idx.sort_by(|&a, &b| pairs[b].1.total_cmp(&pairs[a].1));
    let by_rise = idx.clone();
    idx.sort_by(|&a, &b| pairs[a].1.abs().total_cmp(&pairs[b].1.abs()));
    [by_cof, by_rise, idx]
}

/// Representative transitions of one series, given its `(COF, change)` pairs: the first; the
/// lowest, median and highest COF; the largest rise and fall; the smallest change. Each index once,
/// in that order (a later reason for an index already picked is dropped). Empty for no pairs.
pub fn picks(pairs: &[(f32, f32)]) -> Vec<(usize, &'static str)> {
    if pairs.is_empty() {
        return Vec::new();
    }
    let [by_cof, by_rise, by_size] = orders(pairs);
    let n = pairs.len();
    let mut picks: Vec<(usize, &'static str)> = vec![
        (0, "first transition"),
        (by_cof[0], "lowest COF"),
        (by_cof[n / 2], "median COF"),
        (by_cof[n - 1], "highest COF"),
        (by_rise[0], "largest rise"),
        (by_rise[n - 1], "largest fall"),
        (by_size[0], "smallest change"),
    ];
    let mut seen = Vec::new();
    picks.retain(|&(i, _)| {
        let first = !seen.contains(&i);
        seen.push(i);
        first
    });
    picks
}

/// The index of the largest change of size (the last of the third order of [`picks`]); `None` for
/// no pairs.
pub fn largest_move(pairs: &[(f32, f32)]) -> Option<usize> {
    let [_, _, by_size] = orders(pairs);
    by_size.last().copied()
}
