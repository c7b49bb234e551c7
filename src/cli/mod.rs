//! The headless runner.
