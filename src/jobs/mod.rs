//! Job kinds: the built-in demo jobs, and (soon) external commands.

pub mod demo;

pub use demo::{DemoJob, DemoKind, FlakyDivision, RandomWalk, Steps, SumRange};
