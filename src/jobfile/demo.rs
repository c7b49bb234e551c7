//! The demo kinds in job files: their keys and their parameters, each with
//! the range it accepts.

use super::JobFileError;
use super::fields::{Fields, Source};
use crate::jobs::{DemoJob, DemoKind, FlakyDivision, RandomWalk, Steps, SumRange};

/// Every demo kind's key, comma-separated, for messages.
pub(crate) fn demo_keys() -> String {
    DemoKind::ALL.map(DemoKind::key).join(", ")
}

/// The parameter keys `kind` accepts.
pub(crate) fn demo_param_keys(kind: DemoKind) -> &'static [&'static str] {
    match kind {
        DemoKind::Steps => &["steps", "delay_ms"],
        DemoKind::RandomWalk => &["points", "min_rate_hz", "max_rate_hz", "seed"],
        DemoKind::FlakyDivision => &["min_steps", "max_steps", "delay_ms", "seed"],
        DemoKind::SumRange => &["end", "chunks"],
    }
}

const MAX_DELAY_MS: i64 = 3_600_000;

/// Reads `kind`'s parameters, defaults for those not given.
pub(crate) fn read_demo(
    src: Source<'_>,
    kind: DemoKind,
    fields: &mut Fields<'_>,
) -> Result<DemoJob, JobFileError> {
    let rate = |fields: &mut Fields<'_>, key: &str, default: f64| -> Result<f64, JobFileError> {
        Ok(fields
            .number(
                src,
                key,
                0.001..=1e6,
                "a rate in points per second from 0.001 to 1000000",
            )?
            .unwrap_or(default))
    };
    let seed = |fields: &mut Fields<'_>| -> Result<Option<u64>, JobFileError> {
        Ok(fields
            .integer(src, "seed", 0..=i64::MAX)?
            .map(i64::unsigned_abs))
    };
    Ok(match kind {
        DemoKind::Steps => {
            let default = Steps::default();
            DemoJob::Steps(Steps {
                steps: fields
                    .integer(src, "steps", 1..=1_000_000)?
                    .map_or(default.steps, to_u32),
                delay_ms: fields
                    .integer(src, "delay_ms", 0..=MAX_DELAY_MS)?
                    .map_or(default.delay_ms, to_u64),
            })
        }
        DemoKind::RandomWalk => {
            let default = RandomWalk::default();
            DemoJob::RandomWalk(RandomWalk {
                points: fields
                    .integer(src, "points", 1..=100_000_000)?
                    .map_or(default.points, to_u32),
                min_rate_hz: rate(fields, "min_rate_hz", default.min_rate_hz)?,
                max_rate_hz: rate(fields, "max_rate_hz", default.max_rate_hz)?,
                seed: seed(fields)?,
            })
        }
        DemoKind::FlakyDivision => {
            let default = FlakyDivision::default();
            DemoJob::FlakyDivision(FlakyDivision {
                min_steps: fields
                    .integer(src, "min_steps", 1..=1000)?
                    .map_or(default.min_steps, to_u32),
                max_steps: fields
                    .integer(src, "max_steps", 1..=1000)?
                    .map_or(default.max_steps, to_u32),
                delay_ms: fields
                    .integer(src, "delay_ms", 0..=MAX_DELAY_MS)?
                    .map_or(default.delay_ms, to_u64),
                seed: seed(fields)?,
            })
        }
        DemoKind::SumRange => {
            let default = SumRange::default();
            DemoJob::SumRange(SumRange {
                end: fields
                    .integer(src, "end", 1..=i64::MAX)?
                    .map_or(default.end, to_u64),
                chunks: fields
                    .integer(src, "chunks", 1..=1_000_000)?
                    .map_or(default.chunks, to_u32),
            })
        }
    })
}

/// For values already checked to be in a `u32` range.
pub(crate) fn to_u32(value: i64) -> u32 {
    u32::try_from(value).expect("checked range")
}

/// For values already checked to be non-negative.
fn to_u64(value: i64) -> u64 {
    value.unsigned_abs()
}
