//! `jobdeck run --json`: one JSON object per event per line on stdout.

use std::io::{self, Write};

use serde::Serialize;
use uuid::Uuid;

use crate::board::JobView;
use crate::engine::{Event, EventKind, Outcome};
use crate::session::{Sink, SinkContext};

/// One line of output. Fields that do not apply to an event are left out.
#[derive(Clone, Copy, Debug, Default, Serialize)]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<&'a str>,
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
}

/// Writes events as JSON lines (the run's summary goes to stderr, so stdout
/// stays machine-readable).
///
/// Lines are kept in memory until the end of the drain round, after the
/// sinks added before this one have flushed: the run loop adds the
/// history's journal first and has it commit at every flush, so an event
/// on stdout is in the history, even if jobdeck is killed the next instant.
pub(crate) struct JsonReporter {
    out: Vec<u8>,
}

impl JsonReporter {
    /// Writes to stdout at the end of every drain round.
    pub(crate) fn new() -> Self {
        Self { out: Vec::new() }
    }

    fn write(&mut self, line: &Record<'_>) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, line)?;
        self.out.write_all(b"\n")
    }
}

impl Sink for JsonReporter {
    fn submitted(&mut self, job: &JobView, _cx: &SinkContext<'_>) -> io::Result<()> {
        self.write(&Record {
            job: *job.id.as_uuid(),
            name: job.name(),
            event: "queued",
            ..Record::default()
        })
    }

    fn event(&mut self, event: &Event, cx: &SinkContext<'_>) -> io::Result<()> {
        let name = cx.board.job(event.job).map_or("?", JobView::name);
        let base = Record {
            job: *event.job.as_uuid(),
            name,
            ..Record::default()
        };
        match &event.kind {
            EventKind::Started { worker, attempt } => self.write(&Record {
                event: "started",
                worker: *worker,
                attempt: Some(*attempt),
                ..base
            }),
            EventKind::Progress(value) => self.write(&Record {
                event: "progress",
                value: Some(*value),
                ..base
            }),
            EventKind::Samples { series, points } => {
                for &[x, y] in points {
                    self.write(&Record {
                        event: "sample",
                        series: Some(series),
                        x: Some(x),
                        y: Some(y),
                        ..base
                    })?;
                }
                Ok(())
            }
            EventKind::Log { lines, dropped } => {
                for (index, line) in lines.iter().enumerate() {
                    self.write(&Record {
                        event: "log",
                        line: Some(&line.text),
                        stream: Some(line.stream.as_str()),
                        dropped: (index == 0 && *dropped > 0).then_some(*dropped),
                        ..base
                    })?;
                }
                Ok(())
            }
            // The `started` of the next attempt carries the news; the
            // failed attempt's error is worth keeping too.
            EventKind::Retrying { attempt, error } => self.write(&Record {
                event: "retrying",
                attempt: Some(*attempt),
                error: Some(error),
                ..base
            }),
            EventKind::StopRequested { .. } | EventKind::Process(_) => Ok(()),
            EventKind::Finished(outcome) => self.write(&finished_line(base, outcome)),
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
}
