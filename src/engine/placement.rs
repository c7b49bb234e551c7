//! Where a remote job's run is, as its executor says.

use std::fmt;

/// Where a remote job's current run is, in its executor's words. Executors
/// report it through [`RemoteHandle::place`](super::RemoteHandle::place)
/// when it changes; the consumer sees the newest one as
/// [`EventKind::Placed`](super::EventKind::Placed).
///
/// The engine does not read it: it is for people (the window's row) and for
/// a journal, which keeps [`remote_id`](Self::remote_id) to follow the run
/// again after jobdeck restarts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    /// The executor, named for people: `Slurm`.
    pub executor: String,
    /// The executor's id for this run (Slurm's job id), once it has one.
    pub remote_id: Option<String>,
    /// The run's state there, in the executor's words: `SUBMITTED`,
    /// `PENDING`, `RUNNING`, ...
    pub state: String,
    /// What the executor adds to the state, maybe nothing: why the run
    /// waits (`Resources`), or where it runs (a node list).
    pub detail: String,
}

impl fmt::Display for Placement {
    /// `Slurm job 123: PENDING (Resources)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.executor)?;
        if let Some(id) = &self.remote_id {
            write!(f, " job {id}")?;
        }
        write!(f, ": {}", self.state)?;
        if !self.detail.is_empty() {
            write!(f, " ({})", self.detail)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_placement_reads_as_executor_id_state_and_detail() {
        let mut placement = Placement {
            executor: "Slurm".into(),
            remote_id: Some("123".into()),
            state: "PENDING".into(),
            detail: "Resources".into(),
        };
        assert_eq!(placement.to_string(), "Slurm job 123: PENDING (Resources)");
        placement.remote_id = None;
        placement.detail.clear();
        assert_eq!(placement.to_string(), "Slurm: PENDING");
    }
}
