//! Whether Slurm can be used from here, asked before anything is submitted:
//! `sbatch` on PATH, `sinfo` answering, the configured partition existing.
//! The messages are what `jobdeck check` and `jobdeck run` print (with exit
//! code 2) for a Slurm job file on a machine that cannot run it.

use super::settings::SlurmSettings;
use super::tool::{ToolError, Tools};

/// Why Slurm cannot be used, or the driver cannot start.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SlurmError {
    /// A Slurm command is not on PATH.
    #[error("{0}")]
    Missing(ToolError),
    /// `sinfo` failed or did not answer in time.
    #[error("the Slurm cluster does not answer: {0}")]
    NoAnswer(ToolError),
    /// The `[slurm]` partition is not one the cluster has.
    #[error(
        "partition {partition:?} (from the [slurm] settings) is not on this cluster; it has: {}",
        known.join(", ")
    )]
    UnknownPartition {
        /// The configured partition.
        partition: String,
        /// The cluster's partitions.
        known: Vec<String>,
    },
    /// A driver thread could not be started.
    #[error("could not start the Slurm driver's {thread} thread: {reason}")]
    Thread {
        /// Which thread.
        thread: &'static str,
        /// The operating system's word for it.
        reason: String,
    },
}

/// What the cluster told the health check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterInfo {
    /// The partitions `sinfo` lists, in its order.
    pub partitions: Vec<String>,
    /// The one jobs go to when they name none (marked `*` by `sinfo`).
    pub default_partition: Option<String>,
}

/// Checks that jobs can be submitted with `settings` through `tools`.
pub fn check(tools: &Tools, settings: &SlurmSettings) -> Result<ClusterInfo, SlurmError> {
    for program in ["sbatch", "squeue", "scontrol", "scancel", "sinfo"] {
        tools.locate(program).map_err(SlurmError::Missing)?;
    }
    let stdout = tools
        .run("sinfo", &["--noheader", "--format=%P"], b"")
        .map_err(SlurmError::NoAnswer)?;
    let info = parse_partitions(&stdout);
    if let Some(partition) = &settings.partition
        && !info.partitions.contains(partition)
    {
        return Err(SlurmError::UnknownPartition {
            partition: partition.clone(),
            known: info.partitions,
        });
    }
    Ok(info)
}

/// Reads `sinfo -h -o %P`: one partition a line, the default one with `*`.
/// A partition with several node states is listed once per state.
fn parse_partitions(text: &str) -> ClusterInfo {
    let mut info = ClusterInfo {
        partitions: Vec::new(),
        default_partition: None,
    };
    for line in text.lines().map(str::trim).filter(|line| !line.is_empty()) {
        let name = line.trim_end_matches('*');
        if name.len() < line.len() {
            info.default_partition = Some(name.to_owned());
        }
        if !info.partitions.iter().any(|known| known == name) {
            info.partitions.push(name.to_owned());
        }
    }
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_and_the_default_are_read() {
        let info = parse_partitions("debug*\ngpu\ngpu\n");
        assert_eq!(info.partitions, ["debug", "gpu"]);
        assert_eq!(info.default_partition.as_deref(), Some("debug"));
    }
}
