//! The window as a desktop citizen: the file dialog's answers, and a
//! notification when a batch ends. The dialog and the notifications wait
//! on D-Bus on threads of the `desktop` module; the window only reads their
//! answers.

use std::path::PathBuf;

use crossbeam_channel::{Receiver, TryRecvError};
use egui::Context;

use super::super::Command;
use super::App;
use crate::desktop::file_dialog::{FilePicker, NativePicker, PickWhat, Picked};
use crate::desktop::notify::{BatchEnds, Notifier};

/// The dialog in use, its open question, and the notifications.
pub(super) struct Desktop {
    picker: Box<dyn FilePicker>,
    /// The dialog open now: what it was asked for, and where the answer
    /// comes.
    pending: Option<(PickWhat, Receiver<Picked>)>,
    /// Shows the notices; none in tests and benchmarks unless given.
    notifier: Option<Box<dyn Notifier>>,
    batch_ends: BatchEnds,
}

impl Desktop {
    /// Whether a file dialog is open.
    pub(super) fn is_picking(&self) -> bool {
        self.pending.is_some()
    }
}

impl Default for Desktop {
    fn default() -> Self {
        Self {
            picker: Box::new(NativePicker),
            pending: None,
            notifier: None,
            batch_ends: BatchEnds::default(),
        }
    }
}

impl App {
    /// Says how each batch ended through `notifier` (while the setting is
    /// on); without one, the window notifies nobody.
    #[must_use]
    pub fn with_notifier(mut self, notifier: Box<dyn Notifier>) -> Self {
        self.desktop.notifier = Some(notifier);
        self
    }

    /// Asks `picker` for files instead of the desktop's dialog.
    #[must_use]
    pub fn with_file_picker(mut self, picker: Box<dyn FilePicker>) -> Self {
        self.desktop.picker = picker;
        self
    }

    /// Typed relative paths start at `dir` instead of the home folder.
    #[must_use]
    pub fn with_home_dir(mut self, dir: PathBuf) -> Self {
        self.toolbar.set_home(dir);
        self
    }

    /// Whether a file dialog is open.
    #[must_use]
    pub fn is_picking(&self) -> bool {
        self.desktop.is_picking()
    }

    /// Why notifications are not shown, once the notifier knows.
    pub(super) fn notify_trouble(&self) -> Option<String> {
        self.desktop.notifier.as_ref().and_then(|n| n.trouble())
    }

    /// Opens a file dialog (one at a time); its answer arrives in a later
    /// frame, see [`take_picked`](Self::take_picked).
    pub(super) fn pick_file(&mut self, what: PickWhat, ctx: &Context) {
        if self.desktop.pending.is_some() {
            return;
        }
        let start_in = match what {
            PickWhat::JobFile => self.toolbar.home().to_path_buf(),
            PickWhat::Directory => self.toolbar.command_dir(),
        };
        let ctx = ctx.clone();
        let answer = self.desktop.picker.pick(
            what,
            Some(&start_in),
            Box::new(move || ctx.request_repaint()),
        );
        self.desktop.pending = Some((what, answer));
    }

    /// Uses the file dialog's answer, once there is one: a job file opens,
    /// a folder becomes the working directory; no dialog at all is said
    /// where the person looks, and the typed path stays the way in.
    pub(super) fn take_picked(&mut self) {
        let Some((what, answer)) = &self.desktop.pending else {
            return;
        };
        let what = *what;
        let picked = match answer.try_recv() {
            Ok(picked) => picked,
            Err(TryRecvError::Empty) => return,
            Err(TryRecvError::Disconnected) => {
                Picked::Unavailable("the file dialog ended without an answer".to_owned())
            }
        };
        self.desktop.pending = None;
        match (what, picked) {
            (PickWhat::JobFile, Picked::Chosen(path)) => {
                if let Some(state) = &mut self.open_file {
                    state.path = path.display().to_string();
                    state.dialog_note = None;
                }
                self.commands.push(Command::OpenJobFile(path));
            }
            (PickWhat::Directory, Picked::Chosen(dir)) => {
                self.toolbar.command_cwd = dir.display().to_string();
            }
            (_, Picked::Cancelled) => {}
            (PickWhat::JobFile, Picked::Unavailable(why)) => {
                let state = self.open_file.get_or_insert_default();
                state.dialog_note = Some(format!("{why}. Type the path instead."));
            }
            (PickWhat::Directory, Picked::Unavailable(why)) => {
                self.error = Some(format!("{why}. Type the working directory instead."));
            }
        }
    }

    /// Tells the notifier how the batch ended, once per batch, while the
    /// setting is on.
    pub(super) fn notify_batch_end(&mut self, now: std::time::Instant) {
        let board = self.session.board();
        let Some(notice) = self
            .desktop
            .batch_ends
            .observe(board.batch_id(), &board.overall(now))
        else {
            return;
        };
        if let Some(notifier) = &self.desktop.notifier
            && self.settings.notify_batch_end
        {
            notifier.notify(notice);
        }
    }
}
