//! Ctrl-C (and SIGTERM/SIGHUP) for the headless runner: counted, not acted on
//! in the signal handler, so the run loop decides what to do.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// How many times the process was asked to stop.
#[derive(Clone)]
pub(crate) struct Interrupts(Arc<AtomicU32>);

impl Interrupts {
    /// Installs the process-wide handler. There can be only one per process.
    pub(crate) fn install() -> Result<Self, ctrlc::Error> {
        let count = Arc::new(AtomicU32::new(0));
        let seen = Arc::clone(&count);
        ctrlc::set_handler(move || {
            seen.fetch_add(1, Ordering::SeqCst);
        })?;
        Ok(Self(count))
    }

    /// Times Ctrl-C was pressed so far.
    pub(crate) fn count(&self) -> u32 {
        self.0.load(Ordering::SeqCst)
    }
}
