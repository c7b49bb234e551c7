//! Running jobs on a Slurm cluster through its command line, as a user on a
//! login node does: `sbatch --parsable`, `squeue`, `scontrol show job`,
//! `scancel`, `sinfo` (slurmrestd's API changes with every release; these
//! commands do not).
//!
//! [`Slurm`] is the driver. It holds two named threads whatever the number of
//! jobs:
//! - `jobdeck-slurm-submit` takes held jobs in priority order while fewer than
//!   [`DriverOptions::max_in_flight`] are in flight, writes each as a batch
//!   script (see `script.rs`) and submits it with `sbatch`, and carries out
//!   stops: `scancel --state=PENDING` (a job still waiting is simply
//!   cancelled), `scancel --state=RUNNING --signal=TERM --full` (SIGTERM to
//!   the batch script and every step), then a plain `scancel` after the job's
//!   grace, which Slurm follows with SIGKILL after its `KillWait`;
//! - `jobdeck-slurm-poll` asks `squeue` about every in-flight job in one call
//!   each [`DriverOptions::poll_interval`], reports status changes, reads each
//!   job's output file from where it left off, stops jobs that ran past their
//!   timeout, and once a job's state is final reads its exit code and signal
//!   from `scontrol show job` (`ExitCode=a:b`) and reports how it ended.
//!
//! Every Slurm command has a deadline ([`DriverOptions::command_timeout`]); a
//! cluster that stops answering fails the in-flight jobs after
//! [`DriverOptions::lost_after`], saying so. Without slurmdbd Slurm forgets
//! an ended job after `MinJobAge` (300 s by default), which is why jobs are
//! followed while they run rather than looked up afterwards.
//!
//! The output files are read on the machine jobdeck runs on, so
//! [`SlurmSettings::output_dir`] must be on a filesystem the nodes share
//! with it; on NFS the last lines may show up a poll late.

mod follow;
mod health;
mod poll;
mod registry;
mod script;
mod settings;
mod state;
mod submit;
mod tool;

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;

use crossbeam_channel::Sender;

pub use health::{ClusterInfo, SlurmError};
pub use settings::{DriverOptions, SlurmSettings};
pub use tool::ToolError;

use self::registry::{Phase, Registry, Ticket};
use self::state::StopCause;
use self::tool::Tools;
use crate::executor::{RemoteExecutor, RemoteHandle, RemoteJob, RemoteOutcome, Reporter};

/// What the driver's threads and handles share.
struct Shared {
    registry: Registry,
    tools: Tools,
    settings: SlurmSettings,
    output_dir: PathBuf,
    options: DriverOptions,
}

/// The Slurm driver: submits [`RemoteJob`]s, follows them, stops them.
/// Dropping it ends its threads (waiting for a Slurm command under way, at
/// most [`DriverOptions::command_timeout`]); jobs still on the cluster keep
/// running there, and their reporters are told jobdeck stopped following
/// them. It must not be dropped from inside one of its reporters, whose
/// thread the drop waits for.
pub struct Slurm {
    shared: Arc<Shared>,
    /// Dropped to end the poll thread's wait at once.
    poll_quit: Option<Sender<()>>,
    threads: Vec<JoinHandle<()>>,
}

impl Slurm {
    /// Checks that Slurm can be used with `settings` from this machine,
    /// without starting a driver: what `jobdeck check` asks.
    pub fn check_setup(
        settings: &SlurmSettings,
        options: &DriverOptions,
    ) -> Result<ClusterInfo, SlurmError> {
        health::check(&tools(options), settings)
    }

    /// Starts the driver's two threads. It does not talk to the cluster
    /// until a job is submitted; call [`check`](Self::check) first to fail
    /// early on a machine without Slurm.
    pub fn start(settings: SlurmSettings, options: DriverOptions) -> Result<Self, SlurmError> {
        let (wake_tx, wake_rx) = crossbeam_channel::bounded(1);
        let (poll_quit, poll_quit_rx) = crossbeam_channel::bounded::<()>(0);
        let shared = Arc::new(Shared {
            registry: Registry::new(options.max_in_flight, wake_tx),
            tools: tools(&options),
            output_dir: settings.output_dir(),
            settings,
            options,
        });
        let mut slurm = Self {
            shared: Arc::clone(&shared),
            poll_quit: Some(poll_quit),
            threads: Vec::with_capacity(2),
        };
        let submitter = Arc::clone(&shared);
        slurm.threads.push(spawn("submit", move || {
            submit::run(&submitter, &wake_rx);
        })?);
        slurm.threads.push(spawn("poll", move || {
            poll::run(&shared, &poll_quit_rx);
        })?);
        Ok(slurm)
    }

    /// [`check_setup`](Self::check_setup) with this driver's settings.
    pub fn check(&self) -> Result<ClusterInfo, SlurmError> {
        health::check(&self.shared.tools, &self.shared.settings)
    }

    /// Queues `job` and returns at once; see [`RemoteExecutor::submit`].
    pub fn submit(&self, job: RemoteJob, reporter: Arc<dyn Reporter>) -> SlurmHandle {
        SlurmHandle {
            ticket: self.shared.registry.add(job, reporter),
            shared: Arc::clone(&self.shared),
        }
    }

    /// Changes the in-flight cap while jobs run: raising it submits held
    /// jobs at once; lowering it never cancels a job, it only holds back
    /// submissions until fewer are in flight.
    pub fn set_max_in_flight(&self, cap: Option<NonZeroUsize>) {
        self.shared.registry.set_cap(cap);
    }

    /// Jobs submitted (or being submitted) whose end has not been reported.
    pub fn in_flight(&self) -> usize {
        self.shared.registry.in_flight_count()
    }

    /// Jobs waiting in jobdeck under the in-flight cap.
    pub fn held(&self) -> usize {
        self.shared.registry.held_count()
    }
}

impl RemoteExecutor for Slurm {
    fn submit(&self, job: RemoteJob, reporter: Arc<dyn Reporter>) -> Box<dyn RemoteHandle> {
        Box::new(Slurm::submit(self, job, reporter))
    }
}

impl Drop for Slurm {
    fn drop(&mut self) {
        self.shared.registry.quit();
        self.poll_quit = None;
        for thread in self.threads.drain(..) {
            // A driver thread that panicked has nothing left to clean up;
            // the jobs it held are ended below all the same.
            let _ = thread.join();
        }
        for entry in self.shared.registry.end_all() {
            let message = match entry.phase {
                Phase::InFlight { id } => format!(
                    "jobdeck stopped following Slurm job {id}; it may still run on the cluster \
                     (scancel {id} stops it)"
                ),
                Phase::Held | Phase::Submitting => {
                    "never submitted: the Slurm driver shut down".to_owned()
                }
            };
            entry.reporter.finished(RemoteOutcome::Failed {
                exit: None,
                message,
            });
        }
    }
}

/// Stops one job submitted to a [`Slurm`] driver.
#[derive(Clone)]
pub struct SlurmHandle {
    ticket: Ticket,
    shared: Arc<Shared>,
}

impl SlurmHandle {
    /// Slurm's job id, once `sbatch` gave one and until the job ended.
    pub fn slurm_id(&self) -> Option<u64> {
        self.shared.registry.slurm_id(self.ticket)
    }

    /// See [`RemoteHandle::stop`].
    pub fn stop(&self) -> bool {
        self.shared
            .registry
            .request_stop(self.ticket, StopCause::Asked)
    }
}

impl RemoteHandle for SlurmHandle {
    fn stop(&self) -> bool {
        SlurmHandle::stop(self)
    }
}

fn tools(options: &DriverOptions) -> Tools {
    Tools::new(
        options.search_path.clone(),
        options.slurm_conf.clone(),
        options.command_timeout,
    )
}

fn spawn(
    name: &'static str,
    body: impl FnOnce() + Send + 'static,
) -> Result<JoinHandle<()>, SlurmError> {
    std::thread::Builder::new()
        .name(format!("jobdeck-slurm-{name}"))
        .spawn(body)
        .map_err(|error| SlurmError::Thread {
            thread: name,
            reason: error.to_string(),
        })
}
