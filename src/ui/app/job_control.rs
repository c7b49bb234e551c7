//! A row's actions on a live job that the engine takes by id: pause and
//! resume, and a new priority.

use super::App;

impl App {
    /// Pauses or resumes a job; says so when the engine could not.
    pub(super) fn pause_job(&mut self, id: crate::engine::JobId, paused: bool) {
        if self.session.set_job_paused(id, paused) {
            self.error = None;
            return;
        }
        let name = self.job_name(id);
        let verb = if paused { "pause" } else { "resume" };
        self.error = Some(format!(
            "could not {verb} {name}: it has ended, or where it runs cannot pause it"
        ));
    }

    /// Gives a queued job a new priority; says so when it started first.
    pub(super) fn set_priority(&mut self, id: crate::engine::JobId, priority: i32) {
        if self.session.set_priority(id, priority) {
            self.error = None;
            return;
        }
        let name = self.job_name(id);
        self.error = Some(format!(
            "could not change the priority of {name}: it has started already"
        ));
    }

    fn job_name(&self, id: crate::engine::JobId) -> String {
        self.board()
            .job(id)
            .map_or_else(|| id.to_string(), |job| job.name().to_owned())
    }
}
