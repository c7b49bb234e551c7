//! What a job file says about Slurm (`[slurm]`), and how the driver itself
//! behaves (polling, deadlines, the in-flight cap).

use std::ffi::OsString;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

/// A job file's `[slurm]` table: where and as whom jobs are submitted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlurmSettings {
    /// The partition (`sbatch -p`); the cluster's default when unset.
    pub partition: Option<String>,
    /// The account to charge (`sbatch -A`); the user's default when unset.
    pub account: Option<String>,
    /// Where jobs' output files go (`sbatch -o <dir>/jobdeck-<id>.out`). It
    /// must be on a filesystem the cluster's nodes share with the machine
    /// jobdeck runs on, since jobdeck follows the files as they grow. When
    /// unset: `slurm/` under jobdeck's log folder, usually in the home
    /// directory, which clusters share.
    pub output_dir: Option<PathBuf>,
    /// More `sbatch` options, passed after jobdeck's own (so they win where
    /// they repeat one), e.g. `["--mem=4G", "--gres=gpu:1"]`.
    pub extra_args: Vec<String>,
}

impl SlurmSettings {
    /// The output folder, made absolute (against jobdeck's working
    /// directory) so that it means the same to jobs with another cwd.
    pub(super) fn output_dir(&self) -> PathBuf {
        let dir = self
            .output_dir
            .clone()
            .unwrap_or_else(|| crate::jobs::default_log_dir().join("slurm"));
        std::path::absolute(&dir).unwrap_or(dir)
    }
}

/// How the driver talks to the cluster. The defaults suit a real cluster;
/// tests shorten the deadlines.
#[derive(Clone, Debug)]
pub struct DriverOptions {
    /// How often all in-flight jobs are polled (one `squeue` call for all of
    /// them) and their output files read.
    pub poll_interval: Duration,
    /// The longest any one Slurm command may take before it is killed and
    /// counted as a failure (a Slurm command retries for up to a minute when
    /// its controller is down).
    pub command_timeout: Duration,
    /// How long the cluster may stay silent before jobdeck gives up on it:
    /// polls failing this long fail every in-flight job as lost, and `sbatch`
    /// unanswered this long fails every job still waiting to be submitted.
    /// The bound on how long a vanished cluster leaves jobs hanging.
    pub lost_after: Duration,
    /// Where Slurm's commands are looked for; `None` uses jobdeck's `PATH`.
    pub search_path: Option<OsString>,
    /// A `slurm.conf` for Slurm's commands (`SLURM_CONF`); `None` leaves
    /// them to find the cluster as they do for the user.
    pub slurm_conf: Option<PathBuf>,
    /// At most this many jobs submitted and not yet ended; the rest wait in
    /// jobdeck, highest priority first. `None`: no cap.
    pub max_in_flight: Option<NonZeroUsize>,
}

impl Default for DriverOptions {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(1),
            command_timeout: Duration::from_secs(30),
            lost_after: Duration::from_secs(120),
            search_path: None,
            slurm_conf: None,
            max_in_flight: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slurm_table_reads_and_rejects_unknown_keys() {
        let settings: SlurmSettings = toml::from_str(
            "partition = \"gpu\"\naccount = \"lab\"\noutput_dir = \"/shared/out\"\n\
             extra_args = [\"--mem=4G\"]\n",
        )
        .unwrap();
        assert_eq!(settings.partition.as_deref(), Some("gpu"));
        assert_eq!(settings.account.as_deref(), Some("lab"));
        assert_eq!(settings.output_dir(), PathBuf::from("/shared/out"));
        assert_eq!(settings.extra_args, ["--mem=4G"]);

        let error = toml::from_str::<SlurmSettings>("partiton = \"gpu\"").unwrap_err();
        assert!(
            error.to_string().contains("unknown field `partiton`"),
            "{error}"
        );
    }

    #[test]
    fn a_relative_output_dir_is_made_absolute() {
        let settings = SlurmSettings {
            output_dir: Some("out".into()),
            ..SlurmSettings::default()
        };
        assert!(settings.output_dir().is_absolute());
        assert!(settings.output_dir().ends_with("out"));
    }
}
