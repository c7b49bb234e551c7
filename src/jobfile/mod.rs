//! Job files (TOML) into validated, ready-to-submit jobs.
//!
//! [`load`] reads a file, [`parse`] takes its text; both check the whole file
//! before anything can start and either return every job as a
//! [`JobSpec`](crate::jobspec::JobSpec) in a [`Plan`] (batches expanded,
//! dependencies resolved to ids) or the first problem, with its file, line
//! and column. See `assets/examples/` for files that use every feature.
//!
//! ```toml
//! max_threads = 4                    # optional, 1..=1024
//! log_dir = "logs"                   # optional: full command logs go here
//! halt = "now,fail=1"                # optional: end the batch early (below)
//! executor = "local"                 # optional: where command jobs run, local or slurm
//!
//! [slurm]                            # optional: how Slurm jobs are submitted
//! partition = "short"                # also: account, output_dir, extra_args
//!
//! [[job]]
//! name = "compress {/}"              # placeholders: {} {/} {.} {/.} {//} {#}
//! command = ["gzip", "-k", "{}"]     # argv; a string is split like a shell would
//! inputs_glob = "logs/*.log"         # or inputs = ["a.log", "b.log"]: one job each
//! timeout_secs = 600                 # also: retries, priority, cwd, env, shell,
//! retries = 1                        #   progress, progress_regex, grace_secs,
//!                                    #   count, executor (this job's own)
//!
//! [[job]]
//! name = "report"
//! command = "wc -l *.log.gz | tail -1"
//! shell = true                       # the string is run by `sh -c`
//! after = ["compress {/}"]           # a [[job]]'s name means its whole batch
//!
//! [[job]]
//! kind = "random_walk"               # a demo job, its parameters as keys
//! count = 5
//! points = 200
//! ```
//!
//! Full command logs go to `log_dir/<job id>.log` when the file sets
//! `log_dir` (relative to the file's directory), otherwise to the runner's
//! log folder ([`BuildContext`](crate::jobspec::BuildContext)), by default
//! [`default_log_dir`](crate::jobs::default_log_dir).
//!
//! Command jobs run where the `[[job]]`'s `executor` says, else where the
//! file's says (which `jobdeck run --executor` replaces, see
//! [`LoadOptions`]), else locally; demo jobs always run locally. Every Slurm
//! job of a file shares its `[slurm]` settings; a relative `output_dir` is
//! relative to the file's directory. See the README's "On a Slurm cluster".
//!
//! `inputs_glob` looks at no more than 1,000,000 files and folders and
//! matches no more than 100,000 (see `inputs_glob.rs`); a `**` from `/` is
//! refused.
//!
//! `halt` ends the file's batch early, as GNU parallel's `--halt` does:
//! `"now,fail=N"` stops running jobs and cancels the rest once N jobs have
//! failed (or timed out), `"soon,fail=N"` lets running jobs finish; `success=N`
//! counts successes and `done=N` both; N may be a percentage of the jobs
//! (`"soon,fail=10%"`); `"never"` is the default. See
//! [`HaltPolicy`](crate::session::HaltPolicy).
//!
//! `progress` says how a command's progress is read from its output:
//! `"auto"` (the default: only from what looks like a progress display, see
//! `jobs/progress/`), `"percent"`, `"fraction"`, `"regex"` (with
//! `progress_regex`; a `progress_regex` alone means `"regex"`) or `"none"`.
//!
//! Command jobs run in the job file's directory unless `cwd` says otherwise
//! (a relative `cwd` is relative to that directory too). With `shell = true`,
//! every input is single-quoted, and a placeholder where quotes cannot
//! protect it (inside quotes, a comment, a here-document...) is refused; see
//! `shell_scan`. Placeholders give GNU parallel's answers; see `expand`.
//! Inputs go only where placeholders are (nothing is appended, unlike GNU
//! parallel). Without inputs only `{#}` may be used. A `command` string without `shell = true` is split into
//! arguments like a shell would (quotes, backslashes), then placeholders are
//! filled in each argument.
//!
//! Names: a job's name is its `name` with placeholders expanded; when a batch
//! of several jobs has a `name` without placeholders, ` #N` is added (N as
//! `{#}`). Without `name`, a command job is named by its command line and a
//! demo job by its kind (` #N` added in a batch); such default names get
//! ` (2)`, ` (3)`... when they repeat. Two jobs given the same name by their
//! `name` keys are an error.
//!
//! `after`: each entry names either a `[[job]]` by its `name` as written —
//! meaning every job of that batch — or, with placeholders expanded for the
//! job at hand, one job by its final name. Dependency cycles are refused
//! with the cycle spelled out (`a -> b -> a`). Each job's spec keeps its
//! batch (the `name` as written) and its `after` entries as names, so that
//! a stored spec still says what it waits for; in the plan, a job after a
//! batch of several jobs waits for one [`Barrier`](crate::jobspec::Barrier)
//! standing for the whole batch.

mod demo;
mod error;
mod executor;
mod expand;
mod fields;
mod inputs_glob;
mod plan;
mod shell_check;
mod shell_scan;
mod template;

use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

use crate::engine::MAX_THREADS_RANGE;
use crate::jobspec::{ExecutorKind, JobKind, Plan};
use crate::session::{HaltPolicy, HaltPolicyOrNever};
use executor::{FileExecutors, read_executor, read_slurm};
use fields::{Fields, Source, a_type};
use template::Template;

pub use error::{JobFileError, Location};

/// A validated job file, ready to submit.
#[derive(Debug)]
pub struct JobFile {
    /// The file the jobs came from, as given to [`load`] or [`parse`].
    pub path: PathBuf,
    /// The file's `max_threads`, when it sets one (already checked to be in
    /// `1..=1024`).
    pub max_threads: Option<usize>,
    /// The file's `halt` policy, when it sets one other than `never`.
    pub halt: Option<HaltPolicy>,
    /// Every job, batches expanded, in file order, with its id and the ids
    /// it waits for.
    pub plan: Plan,
}

/// What the runner decides over a file's own settings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Replaces the file's top-level `executor` (`jobdeck run --executor`);
    /// a `[[job]]`'s own `executor` still wins.
    pub executor: Option<ExecutorKind>,
}

/// Reads, checks and expands the job file at `path`. Relative paths inside
/// it (globs, working directories) are relative to the file's directory.
///
/// # Errors
/// A [`JobFileError`] when the file cannot be read or is not a valid job file.
pub fn load(path: &Path) -> Result<JobFile, JobFileError> {
    load_with(path, LoadOptions::default())
}

/// [`load`], with the runner's `options` over the file's settings.
///
/// # Errors
/// A [`JobFileError`] when the file cannot be read or is not a valid job file.
pub fn load_with(path: &Path, options: LoadOptions) -> Result<JobFile, JobFileError> {
    let text = std::fs::read_to_string(path).map_err(|error| {
        JobFileError::whole_file(path, format!("cannot read: {}", io_reason(&error)))
    })?;
    parse_with(&text, path, options)
}

/// Checks and expands job-file `text`; `path` names the file in messages and
/// its directory is the base for relative paths.
///
/// # Errors
/// A [`JobFileError`] naming the first problem found.
pub fn parse(text: &str, path: &Path) -> Result<JobFile, JobFileError> {
    parse_with(text, path, LoadOptions::default())
}

/// [`parse`], with the runner's `options` over the file's settings.
///
/// # Errors
/// A [`JobFileError`] naming the first problem found.
pub fn parse_with(text: &str, path: &Path, options: LoadOptions) -> Result<JobFile, JobFileError> {
    let src = Source { path, text };
    let base = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let document = DeTable::parse(text).map_err(|error| {
        src.error(
            error.span().unwrap_or(0..0),
            format!("invalid TOML: {}", error.message().trim_end()),
        )
    })?;
    let mut fields = Fields::new(document.into_inner());
    fields.check_known(
        src,
        "at the top level",
        &["max_threads", "log_dir", "halt", "executor", "slurm", "job"],
    )?;
    let max_threads = fields
        .integer(
            src,
            "max_threads",
            to_i64(*MAX_THREADS_RANGE.start())..=to_i64(*MAX_THREADS_RANGE.end()),
        )?
        .and_then(|value| usize::try_from(value).ok());
    let halt = match fields.string(src, "halt")? {
        Some(text) => {
            text.get_ref()
                .parse::<HaltPolicyOrNever>()
                .map_err(|error| src.error(text.span(), format!("`halt`: {error}")))?
                .0
        }
        None => None,
    };
    let file_executor = read_executor(src, &mut fields)?;
    let slurm = read_slurm(src, base, fields.raw("slurm"))?;
    let mut templates = read_templates(src, base, fields.raw("job"))?;
    let log_dir = fields
        .string(src, "log_dir")?
        .map(|dir| base.join(dir.into_inner()));
    let executors = FileExecutors {
        default: options
            .executor
            .or(file_executor)
            .unwrap_or(ExecutorKind::Local),
        slurm: slurm.unwrap_or_default().into(),
    };
    for template in &mut templates {
        if let JobKind::Command(command) = &mut template.kind {
            command.executor = executors.resolve(template.executor);
        }
    }
    let plan = plan::plan(src, base, log_dir.as_deref(), &templates)?;
    Ok(JobFile {
        path: path.to_path_buf(),
        max_threads,
        halt,
        plan,
    })
}

fn to_i64(value: usize) -> i64 {
    i64::try_from(value).expect("small")
}

const NO_JOBS: &str = "no jobs: expected at least one [[job]] table with a `command` or a `kind`";

fn read_templates(
    src: Source<'_>,
    base: &Path,
    jobs: Option<toml::Spanned<DeValue<'_>>>,
) -> Result<Vec<Template>, JobFileError> {
    let Some(jobs) = jobs else {
        return Err(src.error(src.text.len()..src.text.len(), NO_JOBS));
    };
    let span = jobs.span();
    let DeValue::Array(items) = jobs.into_inner() else {
        return Err(src.error(span, "`job` must be an array of tables, written [[job]]"));
    };
    if items.is_empty() {
        return Err(src.error(span, NO_JOBS));
    }
    let mut templates = Vec::with_capacity(items.len());
    for item in &items {
        let item_span = item.span();
        let DeValue::Table(table) = item.get_ref() else {
            return Err(src.error(
                item_span,
                format!(
                    "`job` entries must be tables, found {}",
                    a_type(item.get_ref())
                ),
            ));
        };
        templates.push(Template::read(src, base, table.clone(), item_span)?);
    }
    Ok(templates)
}

/// An I/O error's reason without the "(os error 2)" suffix people don't need.
fn io_reason(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.rfind(" (os error ") {
        Some(end) => text[..end].to_owned(),
        None => text,
    }
}
