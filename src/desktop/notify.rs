//! "The batch ended" as a desktop notification, so a person working in
//! another window learns it: what to say ([`BatchEnds`], pure) and the
//! sending ([`DesktopNotifier`]: org.freedesktop.Notifications over D-Bus,
//! from a thread of its own, so a slow or missing notification daemon never
//! holds up the window).

use std::sync::{Arc, Mutex, PoisonError};

use crossbeam_channel::{Receiver, Sender};

use crate::board::Overall;

/// One notification: a one-line summary and a body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// The headline ("jobdeck: batch stopped").
    pub summary: String,
    /// How it ended ("stopped: 92 of 300 succeeded in 1:02").
    pub body: String,
}

/// Tells when the board's batch has just ended, once per batch.
#[derive(Clone, Debug, Default)]
pub struct BatchEnds {
    /// The last batch found ended (and told).
    told: Option<u64>,
}

impl BatchEnds {
    /// The notice for batch `batch_id`, whose totals are `overall`, the
    /// first time it is seen ended; `None` while it runs, for an empty
    /// board, and for a batch already told.
    pub fn observe(&mut self, batch_id: u64, overall: &Overall) -> Option<Notice> {
        if self.told == Some(batch_id) {
            return None;
        }
        let notice = batch_notice(overall)?;
        self.told = Some(batch_id);
        Some(notice)
    }
}

/// What to say about a batch that ended (`None` before it has): the
/// board's verdict, and how long it took.
#[must_use]
pub fn batch_notice(overall: &Overall) -> Option<Notice> {
    let ending = overall.ending?;
    let verdict = overall.verdict()?;
    Some(Notice {
        summary: format!("jobdeck: batch {}", ending.label()),
        body: format!("{verdict} in {}", human_duration(overall.elapsed)),
    })
}

/// `42 s`, `3 min 5 s`, `2 h 1 min`: a notification is read at a glance.
fn human_duration(elapsed: std::time::Duration) -> String {
    let secs = elapsed.as_secs();
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min {} s", secs / 60, secs % 60),
        _ => format!("{} h {} min", secs / 3600, secs / 60 % 60),
    }
}

/// Something that shows notices. The window holds one; tests hand it a
/// channel ([`Sender<Notice>`] is one) instead of the desktop's.
pub trait Notifier: Send {
    /// Shows `notice`, without waiting for it to be shown.
    fn notify(&self, notice: Notice);

    /// Why notices are not being shown, once that is known ("Not shown:
    /// ...").
    fn trouble(&self) -> Option<String> {
        None
    }
}

impl Notifier for Sender<Notice> {
    fn notify(&self, notice: Notice) {
        // A test that stopped listening wants no more.
        let _ = self.send(notice);
    }
}

/// Shows notices through the desktop's notification daemon
/// (org.freedesktop.Notifications), one at a time on the thread
/// `jobdeck-notify`, which ends by itself once this is dropped.
pub struct DesktopNotifier {
    notices: Sender<Notice>,
    trouble: Arc<Mutex<Option<String>>>,
}

impl DesktopNotifier {
    /// Starts the sending thread.
    ///
    /// # Errors
    /// When the operating system refuses the thread.
    pub fn start() -> std::io::Result<Self> {
        Self::start_with(show_on_desktop)
    }

    /// Starts a thread that shows each notice with `show` (the desktop's
    /// daemon in [`start`](Self::start)).
    ///
    /// # Errors
    /// When the operating system refuses the thread.
    pub fn start_with(
        show: impl FnMut(&Notice) -> Result<(), String> + Send + 'static,
    ) -> std::io::Result<Self> {
        let (notices, receiver) = crossbeam_channel::unbounded();
        let trouble = Arc::new(Mutex::new(None));
        let seen = Arc::clone(&trouble);
        std::thread::Builder::new()
            .name("jobdeck-notify".to_owned())
            .spawn(move || {
                deliver(&receiver, show, |why| {
                    eprintln!("jobdeck: desktop notifications are not shown: {why}");
                    *seen.lock().unwrap_or_else(PoisonError::into_inner) =
                        Some(format!("Not shown: {why}"));
                });
            })?;
        Ok(Self { notices, trouble })
    }
}

impl Notifier for DesktopNotifier {
    fn notify(&self, notice: Notice) {
        // The thread outlives every sender but a panic in `show`; then
        // there is nobody left to show it, which `trouble` cannot say.
        let _ = self.notices.send(notice);
    }

    fn trouble(&self) -> Option<String> {
        self.trouble
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Shows every notice until the senders are gone. The first failure is
/// reported (a missing daemon would fail every notice alike); later ones
/// only while the last one worked, so a daemon that comes and goes is told
/// of each time it goes, and a missing one once.
fn deliver(
    notices: &Receiver<Notice>,
    mut show: impl FnMut(&Notice) -> Result<(), String>,
    mut report: impl FnMut(String),
) {
    let mut failing = false;
    for notice in notices {
        match show(&notice) {
            Ok(()) => failing = false,
            Err(why) if !failing => {
                failing = true;
                report(why);
            }
            Err(_) => {}
        }
    }
}

/// One notification through org.freedesktop.Notifications.
fn show_on_desktop(notice: &Notice) -> Result<(), String> {
    notify_rust::Notification::new()
        .appname("jobdeck")
        .icon("jobdeck")
        .summary(&notice.summary)
        .body(&notice.body)
        .show()
        .map(drop)
        .map_err(|err| err.to_string())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::board::Ending;

    fn overall(ending: Option<Ending>, jobs: usize, succeeded: usize) -> Overall {
        Overall {
            fraction: 1.0,
            jobs,
            ended: if ending.is_some() { jobs } else { jobs - 1 },
            succeeded,
            joined_late: 0,
            ending,
            jobs_per_sec: 1.0,
            eta: None,
            elapsed: Duration::from_secs(62),
        }
    }

    #[test]
    fn a_batch_that_ended_is_told_once_with_the_boards_verdict() {
        let mut ends = BatchEnds::default();
        assert_eq!(ends.observe(0, &overall(None, 300, 0)), None);
        let stopped = overall(Some(Ending::Stopped), 300, 92);
        let notice = ends.observe(0, &stopped).expect("the batch ended");
        assert_eq!(notice.summary, "jobdeck: batch stopped");
        assert_eq!(notice.body, "stopped: 92 of 300 succeeded in 1 min 2 s");
        assert_eq!(ends.observe(0, &stopped), None, "told twice");
        // The next batch is told too, even when no frame saw it run.
        let done = overall(Some(Ending::Succeeded), 2, 2);
        let next = ends.observe(1, &done).expect("the next batch ended");
        assert_eq!(next.body, "done: 2 of 2 succeeded in 1 min 2 s");
    }

    #[test]
    fn an_empty_board_says_nothing() {
        let mut ends = BatchEnds::default();
        let empty = Overall {
            ending: None,
            ..overall(None, 1, 0)
        };
        assert_eq!(ends.observe(0, &empty), None);
    }

    #[test]
    fn a_missing_daemon_is_reported_once() {
        let (send, receive) = crossbeam_channel::unbounded();
        for _ in 0..3 {
            send.send(Notice {
                summary: "s".into(),
                body: "b".into(),
            })
            .unwrap();
        }
        drop(send);
        let mut reports = Vec::new();
        let mut shown = 0;
        deliver(
            &receive,
            |_| {
                shown += 1;
                Err("org.freedesktop.Notifications was not provided".to_owned())
            },
            |why| reports.push(why),
        );
        assert_eq!(shown, 3, "each notice is tried");
        assert_eq!(reports, ["org.freedesktop.Notifications was not provided"]);
    }

    #[test]
    fn durations_read_at_a_glance() {
        assert_eq!(human_duration(Duration::from_millis(4_900)), "4 s");
        assert_eq!(human_duration(Duration::from_secs(7_260)), "2 h 1 min");
    }
}
