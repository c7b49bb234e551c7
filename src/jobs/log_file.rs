//! A command job's full log on disk.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::engine::JobContext;

/// The job's full log on disk. Problems writing it are reported once in the
/// job's log and otherwise ignored: a full disk must not fail the job.
pub(crate) struct LogFile {
    writer: Option<BufWriter<File>>,
}

impl LogFile {
    pub(crate) fn open(path: &Path, ctx: &JobContext) -> Self {
        let opened = path
            .parent()
            .map_or(Ok(()), fs::create_dir_all)
            .and_then(|()| OpenOptions::new().create(true).append(true).open(path));
        let mut log = Self { writer: None };
        match opened {
            Ok(file) => {
                log.writer = Some(BufWriter::new(file));
                if ctx.attempt() > 1 {
                    log.write(&format!("--- jobdeck: attempt {} ---", ctx.attempt()));
                }
            }
            Err(error) => ctx.log(format!(
                "jobdeck: cannot write the full log to {}: {error}",
                path.display()
            )),
        }
        log
    }

    pub(crate) fn write(&mut self, line: &str) {
        if let Some(writer) = &mut self.writer
            && writeln!(writer, "{line}").is_err()
        {
            self.writer = None;
        }
    }

    pub(crate) fn finish(&mut self) {
        if let Some(mut writer) = self.writer.take() {
            let _ = writer.flush();
        }
    }
}
