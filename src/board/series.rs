//! Plot series with bounded memory, and decimation for drawing.
//!
//! A series keeps every point until it holds [`SERIES_POINTS_KEPT`] of them.
//! Then it compacts: each run of four kept points becomes their lowest and
//! highest (in the order they came), so the envelope of the data survives and
//! the count halves. New points are then gathered into buckets of the same
//! width (one min/max pair per bucket), so the whole series stays evenly
//! spaced. A series of any length costs at most
//! `SERIES_POINTS_KEPT * 16` bytes (128 KiB) plus a few words. That is
//! still two min/max pairs per pixel column of a 2,000-pixel-wide plot;
//! zooming in further shows the envelope, not single samples.

use std::ops::RangeInclusive;
use std::sync::Arc;

/// The most points a series keeps in memory; see the module docs.
pub const SERIES_POINTS_KEPT: usize = 8_192;

/// One named line of `[x, y]` points, in the order they arrived.
#[derive(Clone, Debug)]
pub struct Series {
    name: Arc<str>,
    points: Vec<[f64; 2]>,
    /// Raw points summarised by each kept min/max pair; 1 until the first
    /// compaction, when points are kept as they came.
    raw_per_pair: u64,
    bucket: Bucket,
    raw_count: u64,
    /// Whether x never decreased, which lets drawing binary-search the range.
    x_sorted: bool,
    /// The smallest and largest x ever added (kept as points come, so
    /// following the newest data costs nothing per frame).
    x_range: Option<(f64, f64)>,
}

/// The raw points gathered since the last pair was kept.
#[derive(Clone, Copy, Debug, Default)]
struct Bucket {
    count: u64,
    low: Option<(usize, [f64; 2])>,
    high: Option<(usize, [f64; 2])>,
}

impl Bucket {
    fn add(&mut self, point: [f64; 2]) {
        let order = usize::try_from(self.count).unwrap_or(usize::MAX);
        if self.low.is_none_or(|(_, low)| point[1] < low[1]) {
            self.low = Some((order, point));
        }
        if self.high.is_none_or(|(_, high)| point[1] > high[1]) {
            self.high = Some((order, point));
        }
        self.count += 1;
    }

    /// The low and high points in the order they arrived.
    fn pair(self) -> Option<[[f64; 2]; 2]> {
        let ((low_at, low), (high_at, high)) = (self.low?, self.high?);
        Some(if low_at <= high_at {
            [low, high]
        } else {
            [high, low]
        })
    }
}

impl Series {
    /// An empty series.
    #[must_use]
    pub fn new(name: Arc<str>) -> Self {
        Self {
            name,
            points: Vec::new(),
            raw_per_pair: 1,
            bucket: Bucket::default(),
            raw_count: 0,
            x_sorted: true,
            x_range: None,
        }
    }

    /// The series' name, as the job gave it.
    #[must_use]
    pub fn name(&self) -> &Arc<str> {
        &self.name
    }

    /// Points kept in memory (never more than [`SERIES_POINTS_KEPT`] plus one
    /// pending pair).
    #[must_use]
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Whether nothing was ever added.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.raw_count == 0
    }

    /// Points ever added.
    #[must_use]
    pub fn raw_count(&self) -> u64 {
        self.raw_count
    }

    /// The kept points, oldest first (the pending bucket excluded).
    #[must_use]
    pub fn points(&self) -> &[[f64; 2]] {
        &self.points
    }

    /// The newest x added, if any.
    #[must_use]
    pub fn last_x(&self) -> Option<f64> {
        self.points.last().map(|p| p[0])
    }

    /// The smallest and largest x ever added, if any.
    #[must_use]
    pub fn x_range(&self) -> Option<std::ops::RangeInclusive<f64>> {
        self.x_range.map(|(low, high)| low..=high)
    }

    /// The smallest and largest x and y kept, if any: `[x_min, x_max, y_min, y_max]`.
    #[must_use]
    pub fn bounds(&self) -> Option<[f64; 4]> {
        let first = self.points.first()?;
        let mut b = [first[0], first[0], first[1], first[1]];
        for p in &self.points {
            b[0] = b[0].min(p[0]);
            b[1] = b[1].max(p[0]);
            b[2] = b[2].min(p[1]);
            b[3] = b[3].max(p[1]);
        }
        Some(b)
    }

    /// Adds points in arrival order.
    pub fn extend(&mut self, points: &[[f64; 2]]) {
        for &point in points {
            self.push(point);
        }
    }

    /// Adds one point.
    pub fn push(&mut self, point: [f64; 2]) {
        self.raw_count += 1;
        let x = point[0];
        if self.last_x().is_some_and(|last| x < last) {
            self.x_sorted = false;
        }
        self.x_range = Some(match self.x_range {
            Some((low, high)) => (low.min(x), high.max(x)),
            None => (x, x),
        });
        if self.raw_per_pair == 1 {
            self.points.push(point);
        } else {
            self.bucket.add(point);
            if self.bucket.count == self.raw_per_pair {
                let pair = std::mem::take(&mut self.bucket).pair();
                self.points.extend(pair.into_iter().flatten());
            }
        }
        if self.points.len() >= SERIES_POINTS_KEPT {
            self.compact();
        }
    }

    /// Halves the kept points: every run of four becomes its min and max.
    fn compact(&mut self) {
        let mut write = 0;
        let whole = self.points.len() / 4 * 4;
        for read in (0..whole).step_by(4) {
            let mut bucket = Bucket::default();
            for &p in &self.points[read..read + 4] {
                bucket.add(p);
            }
            if let Some(pair) = bucket.pair() {
                self.points[write] = pair[0];
                self.points[write + 1] = pair[1];
                write += 2;
            }
        }
        // A leftover run shorter than four (only before the first compaction
        // of an odd-sized series) is folded into the pending bucket.
        let leftover: Vec<[f64; 2]> = self.points[whole..].to_vec();
        self.points.truncate(write);
        self.raw_per_pair = if self.raw_per_pair == 1 {
            4
        } else {
            self.raw_per_pair * 2
        };
        for p in leftover {
            self.bucket.add(p);
        }
    }

    /// About two points per column over `x_range`: each column's lowest and
    /// highest point, in x order. Points just outside the range are kept too,
    /// so a line reaches the edges.
    #[must_use]
    pub fn decimate(&self, x_range: RangeInclusive<f64>, columns: usize) -> Vec<[f64; 2]> {
        let (x0, x1) = (*x_range.start(), *x_range.end());
        let columns = columns.max(1);
        let visible = self.visible(x0, x1);
        if visible.len() <= columns * 2 || x1 <= x0 || x0.is_nan() || x1.is_nan() {
            return visible.to_vec();
        }
        let mut out = Vec::with_capacity(columns * 2 + 4);
        let width = (x1 - x0) / columns as f64;
        if self.x_sorted {
            // One pass: a column ends where x reaches its right edge.
            let mut start = 0;
            let mut column = 1;
            let mut edge = x0 + width;
            for (i, p) in visible.iter().enumerate() {
                if p[0] >= edge && column < columns {
                    push_extremes(&visible[start..i], &mut out);
                    start = i;
                    // Skip empty columns without scanning again.
                    let skipped = ((p[0] - x0) / width).floor();
                    column = if skipped.is_finite() && skipped >= 1.0 {
                        // The column count bounds it, so the cast is exact.
                        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                        let skipped = skipped as usize;
                        (skipped + 1).min(columns)
                    } else {
                        column + 1
                    };
                    edge = x0 + width * column as f64;
                }
            }
            push_extremes(&visible[start..], &mut out);
        } else {
            let scale = columns as f64 / (x1 - x0);
            let mut column = usize::MAX;
            let mut bucket = Bucket::default();
            for &p in visible {
                // Truncation picks the pixel column the point falls in.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let c = ((p[0] - x0) * scale).clamp(-1.0, columns as f64) as usize;
                if c != column {
                    out.extend(std::mem::take(&mut bucket).pair().into_iter().flatten());
                    column = c;
                }
                bucket.add(p);
            }
            out.extend(bucket.pair().into_iter().flatten());
        }
        out
    }

    /// The kept points within `x0..=x1`, plus one on each side.
    fn visible(&self, x0: f64, x1: f64) -> &[[f64; 2]] {
        if !self.x_sorted {
            return &self.points;
        }
        let start = self.points.partition_point(|p| p[0] < x0).saturating_sub(1);
        let end = (self.points.partition_point(|p| p[0] <= x1) + 1).min(self.points.len());
        &self.points[start..end.max(start)]
    }
}

/// Appends the lowest and highest point of `points`, in the order they
/// came (all of them when there are at most two).
fn push_extremes(points: &[[f64; 2]], out: &mut Vec<[f64; 2]>) {
    if points.len() <= 2 {
        out.extend_from_slice(points);
        return;
    }
    let (mut low, mut high) = (0, 0);
    for (i, p) in points.iter().enumerate() {
        if p[1] < points[low][1] {
            low = i;
        }
        if p[1] > points[high][1] {
            high = i;
        }
    }
    match low.cmp(&high) {
        std::cmp::Ordering::Less => out.extend([points[low], points[high]]),
        std::cmp::Ordering::Greater => out.extend([points[high], points[low]]),
        std::cmp::Ordering::Equal => out.push(points[low]),
    }
}

#[cfg(test)]
// Points are copied, never computed, so exact comparison is the point.
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;

    fn series() -> Series {
        Series::new(Arc::from("s"))
    }

    #[test]
    fn every_point_is_kept_below_the_limit() {
        let mut s = series();
        for i in 0..1000 {
            s.push([f64::from(i), f64::from(i % 7)]);
        }
        assert_eq!(s.len(), 1000);
        assert_eq!(s.points()[999], [999.0, f64::from(999 % 7)]);
    }

    #[test]
    fn ten_million_points_stay_within_the_bound_and_keep_their_extremes() {
        let mut s = series();
        let n = 10_000_000_u32;
        for i in 0..n {
            let y = if i == 3_333_333 {
                -1e6
            } else if i == 9_876_543 {
                1e6
            } else {
                f64::from(i % 100)
            };
            s.push([f64::from(i), y]);
        }
        assert_eq!(s.raw_count(), u64::from(n));
        assert!(s.len() <= SERIES_POINTS_KEPT, "kept {}", s.len());
        assert!(s.len() >= SERIES_POINTS_KEPT / 4, "kept only {}", s.len());
        let [x_min, x_max, y_min, y_max] = s.bounds().unwrap();
        assert_eq!((y_min, y_max), (-1e6, 1e6));
        assert_eq!(x_min, 0.0);
        assert!(x_max > f64::from(n) * 0.99, "newest x {x_max}");
        assert!(s.points().windows(2).all(|w| w[0][0] <= w[1][0]));
    }

    #[test]
    fn decimation_gives_about_two_points_per_column_and_keeps_spikes() {
        let mut s = series();
        for i in 0..10_000 {
            let y = if i == 5_001 { 50.0 } else { 0.0 };
            s.push([f64::from(i), y]);
        }
        let out = s.decimate(0.0..=9_999.0, 100);
        assert!(out.len() <= 2 * 101, "{} points", out.len());
        assert!(out.len() >= 100, "{} points", out.len());
        assert!(out.iter().any(|p| p[1] == 50.0), "the spike survives");
        assert!(out.windows(2).all(|w| w[0][0] <= w[1][0]));
    }

    #[test]
    fn decimation_of_a_narrow_range_uses_only_points_near_it() {
        let mut s = series();
        for i in 0..5_000 {
            s.push([f64::from(i), f64::from(i)]);
        }
        let out = s.decimate(100.0..=200.0, 1000);
        assert_eq!(out.first().unwrap()[0], 99.0);
        assert_eq!(out.last().unwrap()[0], 201.0);
    }

    #[test]
    fn a_short_series_is_returned_whole() {
        let mut s = series();
        s.extend(&[[0.0, 1.0], [1.0, 2.0], [2.0, 3.0]]);
        assert_eq!(s.decimate(0.0..=2.0, 500), s.points());
    }
}
