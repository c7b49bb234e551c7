//! `jobdeck run --json`: one JSON object per event per line on stdout.

use std::io::{self, Write};

use serde::Serialize;
use uuid::Uuid;

use crate::board::JobView;
use crate::engine::{Event, EventKind, LineStatus, Outcome};
use crate::session::{Sink, SinkContext};
use crate::term::to_ansi;

use super::in_order::InOrder;

/// One line of output. Fields that do not apply to an event are left out.
#[derive(Clone, Debug, Default, Serialize)]
struct Record<'a> {
    job: Uuid,
    name: &'a str,
    event: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    worker: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attempt: Option<u32>,
    /// Progress in `0..=1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    series: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    x: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    y: Option<f64>,
    /// For `log`: the line's text, without escape sequences.
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<&'a str>,
    /// For `log` with `--log-ansi`: the line with its colours as SGR
    /// escape sequences.
    #[serde(skip_serializing_if = "Option::is_none")]
    ansi: Option<String>,
    /// For `log`: `stdout` or `stderr`.
    #[serde(skip_serializing_if = "Option::is_none")]
    stream: Option<&'static str>,
    /// Log lines lost before this one because output outran the reader.
    #[serde(skip_serializing_if = "Option::is_none")]
    dropped: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    output: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exit_code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    /// For `skipped`: the dependency that did not succeed.
    #[serde(skip_serializing_if = "Option::is_none")]
    because: Option<Uuid>,
    /// For `placed`: the executor (`Slurm`).
    #[serde(skip_serializing_if = "Option::is_none")]
    executor: Option<&'a str>,
    /// For `placed`: the executor's id for the run (Slurm's job id).
    #[serde(skip_serializing_if = "Option::is_none")]
    remote_id: Option<&'a str>,
    /// For `placed`: the run's state there (`PENDING`, `RUNNING`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<&'a str>,
    /// For `placed`: why it waits or where it runs, when the executor says.
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
}

/// Writes events as JSON lines (the run's summary goes to stderr, so stdout
/// stays machine-readable).
///
/// A `log` event is written for each line once it ended (or for a job's
/// own line): a line a program redraws in place (a progress bar after
/// `\r`) is written once, as it ended, not at every redraw; the progress
/// read from the redraws comes as `progress` events.
///
/// Lines are kept in memory until the end of the drain round, after the
/// sinks added before this one have flushed: the run loop adds the
/// history's journal first and has it commit at every flush, so an event
/// on stdout is in the history, even if jobdeck is killed the next instant.
pub(crate) struct JsonReporter {
    out: Vec<u8>,
    /// With `--keep-order`: the events of later jobs, held back.
    in_order: Option<InOrder>,
    /// One line, for holding back.
    line: Vec<u8>,
    log_ansi: bool,
}

impl JsonReporter {
    /// Writes to stdout at the end of every drain round. With `keep_order`,
    /// a job's events but `queued` and `progress` come out in submission
    /// order (see `in_order.rs`); progress stays live. With `log_ansi`,
    /// `log` events carry their colours in an `ansi` field.
    pub(crate) fn new(keep_order: bool, log_ansi: bool) -> Self {
        Self {
            out: Vec::new(),
            in_order: keep_order.then(InOrder::new),
            line: Vec::new(),
            log_ansi,
        }
    }

    /// Writes `record` at once.
    fn write(&mut self, record: &Record<'_>) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, record)?;
        self.out.write_all(b"\n")
    }

    /// Writes `record` of the job with sequence number `seq` in its turn.
    fn write_in_turn(&mut self, seq: Option<u64>, record: &Record<'_>) -> io::Result<()> {
        let (Some(in_order), Some(seq)) = (&mut self.in_order, seq) else {
            return self.write(record);
        };
        self.line.clear();
        serde_json::to_writer(&mut self.line, record)?;
        self.line.push(b'\n');
        in_order.write(seq, &self.line, &mut self.out)
    }
}

impl Sink for JsonReporter {
    fn submitted(&mut self, job: &JobView, _cx: &SinkContext<'_>) -> io::Result<()> {
        if let Some(in_order) = &mut self.in_order {
            in_order.submitted(job.seq);
        }
        self.write(&Record {
            job: *job.id.as_uuid(),
            name: job.name(),
            event: "queued",
            ..Record::default()
        })
    }

    fn event(&mut self, event: &Event, cx: &SinkContext<'_>) -> io::Result<()> {
        let job = cx.board.job(event.job);
        let name = job.map_or("?", JobView::name);
        let seq = job.map(|job| job.seq);
        let base = Record {
            job: *event.job.as_uuid(),
            name,
            ..Record::default()
        };
        match &event.kind {
            EventKind::Started { worker, attempt } => self.write_in_turn(
                seq,
                &Record {
                    event: "started",
                    worker: *worker,
                    attempt: Some(*attempt),
                    ..base
                },
            ),
            // Progress stays live, even when the job's other events wait
            // for their turn.
            EventKind::Progress(value) => self.write(&Record {
                event: "progress",
                value: Some(*value),
                ..base
            }),
            EventKind::Samples { series, points } => {
                for &[x, y] in points {
                    self.write_in_turn(
                        seq,
                        &Record {
                            event: "sample",
                            series: Some(series),
                            x: Some(x),
                            y: Some(y),
                            ..base.clone()
                        },
                    )?;
                }
                Ok(())
            }
            EventKind::Log { lines, dropped } => {
                let mut dropped = (*dropped > 0).then_some(*dropped);
                for line in lines {
                    if line.status == LineStatus::Unfinished {
                        continue;
                    }
                    let record = Record {
                        event: "log",
                        line: Some(&line.text),
                        ansi: self.log_ansi.then(|| to_ansi(&line.text, &line.styles)),
                        stream: Some(line.stream.as_str()),
                        dropped: dropped.take(),
                        ..base.clone()
                    };
                    self.write_in_turn(seq, &record)?;
                }
                Ok(())
            }
            // The `started` of the next attempt carries the news; the
            // failed attempt's error is worth keeping too.
            EventKind::Retrying { attempt, error } => self.write_in_turn(
                seq,
                &Record {
                    event: "retrying",
                    attempt: Some(*attempt),
                    error: Some(error),
                    ..base
                },
            ),
            EventKind::Placed(placement) => self.write_in_turn(
                seq,
                &Record {
                    event: "placed",
                    executor: Some(&placement.executor),
                    remote_id: placement.remote_id.as_deref(),
                    state: Some(&placement.state),
                    detail: Some(placement.detail.as_str()).filter(|detail| !detail.is_empty()),
                    ..base
                },
            ),
            EventKind::StopRequested { .. } | EventKind::Process(_) => Ok(()),
            EventKind::Finished(outcome) => {
                self.write_in_turn(seq, &finished_line(base, outcome))?;
                match (&mut self.in_order, seq) {
                    (Some(in_order), Some(seq)) => in_order.end(seq, &mut self.out),
                    _ => Ok(()),
                }
            }
        }
    }

    fn flush(&mut self, _cx: &SinkContext<'_>) -> io::Result<()> {
        if self.out.is_empty() {
            return Ok(());
        }
        let mut stdout = io::stdout().lock();
        stdout.write_all(&self.out)?;
        self.out.clear();
        stdout.flush()
    }
}

fn finished_line<'a>(base: Record<'a>, outcome: &'a Outcome) -> Record<'a> {
    let event = outcome.kind().as_str();
    match outcome {
        Outcome::Succeeded(output) => Record {
            event,
            output: Some(&output.summary),
            exit_code: output.exit_code,
            ..base
        },
        Outcome::Failed { error, exit_code } => Record {
            event,
            error: Some(error),
            exit_code: *exit_code,
            ..base
        },
        Outcome::Skipped { because } => Record {
            event,
            because: Some(*because.as_uuid()),
            ..base
        },
        Outcome::Stopped | Outcome::TimedOut | Outcome::Cancelled => Record { event, ..base },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(outcome: &Outcome) -> serde_json::Value {
        let base = Record {
            job: Uuid::nil(),
            name: "job",
            ..Record::default()
        };
        serde_json::to_value(finished_line(base, outcome)).unwrap()
    }

    #[test]
    fn a_failure_carries_its_error_and_exit_code_and_nothing_else() {
        let failed = Outcome::Failed {
            error: "exited with code 3".to_owned(),
            exit_code: Some(3),
        };
        assert_eq!(
            render(&failed),
            serde_json::json!({
                "job": "00000000-0000-0000-0000-000000000000",
                "name": "job",
                "event": "failed",
                "error": "exited with code 3",
                "exit_code": 3,
            })
        );
    }

    #[test]
    fn a_skip_names_its_dependency_and_a_stop_is_bare() {
        let because = crate::engine::JobId::new();
        let skipped = render(&Outcome::Skipped { because });
        assert_eq!(skipped["event"], "skipped");
        assert_eq!(skipped["because"], because.to_string());
        let stopped = render(&Outcome::TimedOut);
        assert_eq!(stopped.as_object().unwrap().len(), 3, "{stopped}");
        assert_eq!(stopped["event"], "timed_out");
    }

    #[test]
    fn a_placement_carries_the_executor_id_state_and_detail() {
        let board = crate::board::Board::new();
        let (pool, _events) = crate::engine::Pool::new(1).unwrap();
        let build = crate::jobspec::BuildContext::default();
        let cx = SinkContext {
            board: &board,
            pool: &pool,
            build: &build,
            now: std::time::Instant::now(),
            job: None,
        };
        let mut reporter = JsonReporter::new(false, false);
        let job = crate::engine::JobId::new();
        let event = Event {
            job,
            kind: EventKind::Placed(crate::engine::Placement {
                executor: "Slurm".into(),
                remote_id: Some("12".into()),
                state: "PENDING".into(),
                detail: "Resources".into(),
            }),
        };
        reporter.event(&event, &cx).unwrap();
        let written = reporter.out;
        let record: serde_json::Value = serde_json::from_slice(&written).unwrap();
        assert_eq!(
            record,
            serde_json::json!({
                "job": job.to_string(),
                "name": "?",
                "event": "placed",
                "executor": "Slurm",
                "remote_id": "12",
                "state": "PENDING",
                "detail": "Resources",
            })
        );
    }
}
