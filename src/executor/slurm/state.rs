//! What Slurm says about jobs, read and put into words: `squeue` rows while
//! jobs are in flight, `scontrol show job` once one has ended, and the
//! outcome each end state means.

use std::time::Duration;

use crate::executor::{RemoteExit, RemoteOutcome, RemoteStatus};

/// The `squeue` format the driver asks for; [`parse_queue`] reads it.
pub const QUEUE_FORMAT: &str = "%i|%T|%r|%N";

/// One job in `squeue`'s answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueRow {
    /// Slurm's job id.
    pub id: u64,
    /// The state, e.g. `PENDING`, `RUNNING`, `COMPLETED`.
    pub state: String,
    /// Why it waits (or ended), e.g. `Resources`, `None`.
    pub reason: String,
    /// The nodes it has, empty while pending.
    pub nodes: String,
}

/// Reads `squeue -h -o QUEUE_FORMAT` output; lines that are not rows of
/// plain jobs are skipped.
pub fn parse_queue(text: &str) -> Vec<QueueRow> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.trim().splitn(4, '|');
            let id = fields.next()?.parse().ok()?;
            Some(QueueRow {
                id,
                state: fields.next()?.to_owned(),
                reason: fields.next().unwrap_or_default().to_owned(),
                nodes: fields.next().unwrap_or_default().to_owned(),
            })
        })
        .collect()
}

/// Whether a state is final: the job has ended and its processes are gone
/// (Slurm shows `COMPLETING` until they are).
pub fn is_final(state: &str) -> bool {
    matches!(
        state,
        "COMPLETED"
            | "FAILED"
            | "CANCELLED"
            | "TIMEOUT"
            | "NODE_FAIL"
            | "OUT_OF_MEMORY"
            | "PREEMPTED"
            | "BOOT_FAIL"
            | "DEADLINE"
            | "SPECIAL_EXIT"
            | "REVOKED"
    )
}

/// The status a row in a non-final state means.
pub fn status(row: &QueueRow) -> RemoteStatus {
    let id = row.id.to_string();
    match row.state.as_str() {
        "RUNNING" | "RESIZING" => RemoteStatus::Running {
            id,
            nodes: row.nodes.clone(),
        },
        "SUSPENDED" | "STOPPED" => RemoteStatus::Suspended {
            id,
            state: row.state.clone(),
        },
        "COMPLETING" | "SIGNALING" | "STAGE_OUT" => RemoteStatus::Ending {
            id,
            state: row.state.clone(),
        },
        // PENDING, CONFIGURING (nodes booting), REQUEUED and the holds: not
        // running yet, and the reason is what a person wants to see.
        "PENDING" => RemoteStatus::Pending {
            id,
            reason: row.reason.clone(),
        },
        other => RemoteStatus::Pending {
            id,
            reason: other.to_owned(),
        },
    }
}

/// A job's record from `scontrol show job -o <id>`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JobRecord {
    /// `JobState=`.
    pub state: String,
    /// `Reason=`.
    pub reason: String,
    /// `ExitCode=a:b`, when given.
    pub exit: Option<RemoteExit>,
    /// `TimeLimit=`, e.g. `00:01:00`.
    pub time_limit: String,
    /// `NodeList=`.
    pub nodes: String,
}

/// Reads the one-line record `scontrol show job -o` prints. `None` when
/// there is no `JobState`, as when Slurm no longer knows the job.
pub fn parse_record(text: &str) -> Option<JobRecord> {
    let mut record = JobRecord::default();
    let mut has_state = false;
    for word in text.split_whitespace() {
        let Some((key, value)) = word.split_once('=') else {
            continue;
        };
        match key {
            "JobState" => {
                value.clone_into(&mut record.state);
                has_state = true;
            }
            "Reason" => value.clone_into(&mut record.reason),
            "ExitCode" => record.exit = parse_exit(value),
            "TimeLimit" => value.clone_into(&mut record.time_limit),
            "NodeList" => value.clone_into(&mut record.nodes),
            _ => {}
        }
    }
    has_state.then_some(record)
}

/// `3:0` is exit code 3; `0:9` is killed by signal 9.
fn parse_exit(value: &str) -> Option<RemoteExit> {
    let (code, signal) = value.split_once(':')?;
    let signal: i32 = signal.parse().ok()?;
    Some(RemoteExit {
        code: code.parse().ok()?,
        signal: (signal != 0).then_some(signal),
    })
}

/// Why jobdeck stopped a job, which decides what its end is called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopCause {
    /// Someone asked, through the job's handle.
    Asked,
    /// It ran for its whole timeout.
    TimedOut(Duration),
}

/// What a final record means for the job, given whether jobdeck stopped it.
pub fn outcome(id: u64, record: &JobRecord, stop: Option<StopCause>) -> RemoteOutcome {
    let state = record.state.as_str();
    match stop {
        Some(StopCause::Asked) => {
            return RemoteOutcome::Stopped {
                message: format!("stopped; Slurm job {id} ended {state}"),
            };
        }
        Some(StopCause::TimedOut(limit)) => {
            return RemoteOutcome::TimedOut {
                message: format!(
                    "timed out after {} s of running; Slurm job {id} ended {state}",
                    limit.as_secs_f32()
                ),
            };
        }
        None => {}
    }
    let exit = record.exit;
    let failed = |message: String| RemoteOutcome::Failed { exit, message };
    match state {
        "COMPLETED" if exit.is_none_or(|exit| exit.code == 0 && exit.signal.is_none()) => {
            RemoteOutcome::Succeeded {
                message: format!("Slurm job {id} completed: exited with code 0"),
            }
        }
        "COMPLETED" | "FAILED" => {
            let reason = match record.reason.as_str() {
                "" | "None" | "NonZeroExitCode" => String::new(),
                reason => format!(" ({reason})"),
            };
            failed(format!(
                "Slurm job {id} failed: {}{reason}",
                describe_exit(exit)
            ))
        }
        "CANCELLED" => failed(format!(
            "Slurm job {id} was cancelled on the cluster, not by jobdeck (by scancel or an \
             administrator)"
        )),
        "TIMEOUT" => RemoteOutcome::TimedOut {
            message: format!(
                "Slurm job {id} reached its time limit on the cluster ({}) and was killed",
                record.time_limit
            ),
        },
        "NODE_FAIL" => failed(format!(
            "Slurm job {id} failed because its node failed ({})",
            record.nodes
        )),
        "OUT_OF_MEMORY" => failed(format!(
            "Slurm job {id} ran out of memory and was killed (ask for more with --mem in the \
             [slurm] extra_args)"
        )),
        "PREEMPTED" => failed(format!(
            "Slurm job {id} was preempted by higher-priority work and did not finish"
        )),
        "BOOT_FAIL" => failed(format!("Slurm job {id} failed: its node failed to boot")),
        "DEADLINE" => failed(format!(
            "Slurm job {id} reached its deadline before it could finish"
        )),
        other => failed(format!("Slurm job {id} ended in state {other}")),
    }
}

/// `exited with code 3`, `killed by signal 9 (SIGKILL)`.
fn describe_exit(exit: Option<RemoteExit>) -> String {
    match exit {
        None => "no exit code reported".to_owned(),
        Some(RemoteExit {
            signal: Some(signal),
            ..
        }) => match nix::sys::signal::Signal::try_from(signal) {
            Ok(name) => format!("killed by signal {signal} ({name})"),
            Err(_) => format!("killed by signal {signal}"),
        },
        Some(RemoteExit { code, .. }) => format!("exited with code {code}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record as Slurm 22.05 prints it, trimmed to the fields that matter.
    fn record(state: &str, reason: &str, exit: &str) -> JobRecord {
        parse_record(&format!(
            "JobId=7 JobName=x JobState={state} Reason={reason} Dependency=(null) \
             ExitCode={exit} RunTime=00:00:02 TimeLimit=00:01:00 NodeList=vm BatchHost=vm"
        ))
        .unwrap()
    }

    fn message(state: &str, reason: &str, exit: &str) -> RemoteOutcome {
        outcome(7, &record(state, reason, exit), None)
    }

    #[test]
    fn squeue_rows_are_read() {
        let rows = parse_queue("12|PENDING|Resources|\n13|RUNNING|None|vm\nbad line\n");
        assert_eq!(
            rows,
            [
                QueueRow {
                    id: 12,
                    state: "PENDING".into(),
                    reason: "Resources".into(),
                    nodes: String::new()
                },
                QueueRow {
                    id: 13,
                    state: "RUNNING".into(),
                    reason: "None".into(),
                    nodes: "vm".into()
                },
            ]
        );
        assert_eq!(status(&rows[0]).to_string(), "12 PENDING (Resources)");
        assert_eq!(status(&rows[1]).to_string(), "13 RUNNING on vm");
    }

    #[test]
    fn completing_is_not_final() {
        assert!(!is_final("COMPLETING"));
        assert!(!is_final("PENDING"));
        assert!(is_final("COMPLETED"));
        assert!(is_final("OUT_OF_MEMORY"));
        let row = QueueRow {
            id: 3,
            state: "COMPLETING".into(),
            reason: "None".into(),
            nodes: "vm".into(),
        };
        assert_eq!(status(&row).to_string(), "3 COMPLETING");
    }

    #[test]
    fn exit_codes_and_signals_come_from_exit_code() {
        let failed = record("FAILED", "NonZeroExitCode", "3:0");
        assert_eq!(
            failed.exit,
            Some(RemoteExit {
                code: 3,
                signal: None
            })
        );
        assert_eq!(
            record("FAILED", "JobLaunchFailure", "0:9").exit,
            Some(RemoteExit {
                code: 0,
                signal: Some(9)
            })
        );
        assert_eq!(parse_record("slurm_load_jobs error: Invalid job id"), None);
    }

    #[test]
    fn each_end_state_says_what_happened() {
        assert_eq!(
            message("COMPLETED", "None", "0:0"),
            RemoteOutcome::Succeeded {
                message: "Slurm job 7 completed: exited with code 0".into()
            }
        );
        let cases = [
            (
                "FAILED",
                "NonZeroExitCode",
                "3:0",
                "Slurm job 7 failed: exited with code 3",
            ),
            (
                "FAILED",
                "JobLaunchFailure",
                "0:9",
                "Slurm job 7 failed: killed by signal 9 (SIGKILL) (JobLaunchFailure)",
            ),
            (
                "CANCELLED",
                "None",
                "0:15",
                "Slurm job 7 was cancelled on the cluster, not by jobdeck (by scancel or an \
                 administrator)",
            ),
            (
                "TIMEOUT",
                "TimeLimit",
                "0:15",
                "Slurm job 7 reached its time limit on the cluster (00:01:00) and was killed",
            ),
            (
                "NODE_FAIL",
                "None",
                "0:0",
                "Slurm job 7 failed because its node failed (vm)",
            ),
            (
                "OUT_OF_MEMORY",
                "OutOfMemory",
                "0:125",
                "Slurm job 7 ran out of memory and was killed (ask for more with --mem in the \
                 [slurm] extra_args)",
            ),
            (
                "PREEMPTED",
                "None",
                "0:15",
                "Slurm job 7 was preempted by higher-priority work and did not finish",
            ),
            (
                "SPECIAL_EXIT",
                "None",
                "0:0",
                "Slurm job 7 ended in state SPECIAL_EXIT",
            ),
        ];
        for (state, reason, exit, expected) in cases {
            assert_eq!(message(state, reason, exit).message(), expected, "{state}");
        }
        assert!(matches!(
            message("TIMEOUT", "TimeLimit", "0:15"),
            RemoteOutcome::TimedOut { .. }
        ));
        assert!(matches!(
            message("OUT_OF_MEMORY", "OutOfMemory", "0:125"),
            RemoteOutcome::Failed { .. }
        ));
    }

    #[test]
    fn a_stop_by_jobdeck_wins_over_the_end_state() {
        let cancelled = record("CANCELLED", "None", "0:15");
        assert_eq!(
            outcome(7, &cancelled, Some(StopCause::Asked)),
            RemoteOutcome::Stopped {
                message: "stopped; Slurm job 7 ended CANCELLED".into()
            }
        );
        assert_eq!(
            outcome(
                7,
                &cancelled,
                Some(StopCause::TimedOut(Duration::from_secs(2)))
            ),
            RemoteOutcome::TimedOut {
                message: "timed out after 2 s of running; Slurm job 7 ended CANCELLED".into()
            }
        );
    }
}
