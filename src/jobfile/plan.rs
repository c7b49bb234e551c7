//! From checked `[[job]]` templates to jobs: batches expanded, names made
//! unique, `after` resolved to ids, cycles refused.
//!
//!
//! The naming and `after` rules are described in the `jobfile` module's docs.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use toml::Spanned;

use super::expand::{Slot, expand, has_placeholder};
use super::fields::Source;
use super::template::{Batch, CommandTemplate, Template, Work};
use super::{JobFileError, PlannedJob};
use crate::engine::{JobId, NewJob};
use crate::jobs::{CommandJob, DemoJob};

/// One job before it becomes a [`NewJob`].
struct Draft {
    template: usize,
    id: JobId,
    name: String,
    /// Where to point when the name is a duplicate.
    name_span: Range<usize>,
    explicit_name: bool,
    /// `after` entries as written (spans included) and expanded for this job.
    after: Vec<(Spanned<String>, String)>,
    kind: String,
    summary: String,
    job: Built,
}

enum Built {
    Command(CommandJob),
    Demo(DemoJob),
}

/// Expands `templates` into planned jobs. `base` is the file's directory.
pub(crate) fn plan(
    src: Source<'_>,
    base: &Path,
    log_dir: Option<&Path>,
    templates: &[Template],
) -> Result<Vec<PlannedJob>, JobFileError> {
    let mut drafts = Vec::new();
    for (index, template) in templates.iter().enumerate() {
        expand_template(base, log_dir, index, template, &mut drafts);
    }
    name_uniquely(src, &mut drafts)?;
    let after = resolve_after(src, templates, &drafts)?;
    check_cycles(src, &drafts, &after)?;
    Ok(drafts
        .into_iter()
        .zip(after)
        .map(|(draft, after)| {
            let template = &templates[draft.template];
            let mut job = match draft.job {
                Built::Command(command) => NewJob::new(command),
                Built::Demo(demo) => NewJob::new(demo),
            }
            .with_id(draft.id)
            .priority(template.priority)
            .retries(template.retries)
            .after(after.into_iter().map(|(_, id)| id));
            if let Some(timeout) = template.timeout {
                job = job.timeout(timeout);
            }
            PlannedJob {
                name: draft.name,
                kind: draft.kind,
                summary: draft.summary,
                job,
            }
        })
        .collect())
}

fn expand_template(
    base: &Path,
    log_dir: Option<&Path>,
    index: usize,
    template: &Template,
    drafts: &mut Vec<Draft>,
) {
    let slots: Vec<Slot<'_>> = match &template.batch {
        Batch::Count(count) => (1..=*count)
            .map(|number| Slot {
                number,
                input: None,
            })
            .collect(),
        Batch::Inputs(inputs) => inputs
            .iter()
            .enumerate()
            .map(|(i, input)| Slot {
                number: i + 1,
                input: Some(input),
            })
            .collect(),
    };
    let several = slots.len() > 1;
    for slot in slots {
        let id = JobId::new();
        let (kind, summary, job) = match &template.work {
            Work::Command(command) => {
                let mut job = command_job(base, command, slot);
                if let Some(dir) = log_dir {
                    job = job.log_file(dir.join(format!("{id}.log")));
                }
                (
                    "command".to_owned(),
                    job.command_line(),
                    Built::Command(job),
                )
            }
            Work::Demo(demo) => (
                demo.kind().key().to_owned(),
                demo_summary(demo),
                Built::Demo(demo.clone()),
            ),
        };
        let (name, name_span, explicit_name) = if let Some(name) = &template.name {
            let mut text = expand(name.get_ref(), slot, false);
            if several && !has_placeholder(name.get_ref()) {
                text = format!("{text} #{}", slot.number);
            }
            (text, name.span(), true)
        } else {
            let mut text = match work_kind(&template.work) {
                Some(key) => key.to_owned(),
                None => summary.clone(),
            };
            if several && matches!(template.work, Work::Demo(_)) {
                text = format!("{text} #{}", slot.number);
            }
            (text, template.span.clone(), false)
        };
        let after = template
            .after
            .iter()
            .map(|entry| (entry.clone(), expand(entry.get_ref(), slot, false)))
            .collect();
        drafts.push(Draft {
            template: index,
            id,
            name,
            name_span,
            explicit_name,
            after,
            kind,
            summary,
            job,
        });
    }
}

fn work_kind(work: &Work) -> Option<&'static str> {
    match work {
        Work::Command(_) => None,
        Work::Demo(demo) => Some(demo.kind().key()),
    }
}

/// The command job for one slot. Inputs go only where placeholders are:
/// unlike GNU parallel, nothing is appended to a command that names none
/// (such a batch runs the same command once per input, named apart).
fn command_job(base: &Path, command: &CommandTemplate, slot: Slot<'_>) -> CommandJob {
    let quote = command.shell;
    let argv: Vec<String> = command
        .argv
        .iter()
        .map(|word| expand(word, slot, quote))
        .collect();
    let cwd = command.cwd.as_deref().map_or_else(
        || base.to_path_buf(),
        |dir| base.join(expand(dir, slot, false)),
    );
    let mut job = CommandJob::new(argv).shell(command.shell).cwd(cwd);
    for (key, value) in &command.env {
        job = job.env(key.clone(), expand(value, slot, false));
    }
    if let Some(regex) = &command.progress_regex {
        job = job.progress_regex(regex.clone());
    }
    if let Some(grace) = command.grace {
        job = job.grace(grace);
    }
    job
}

fn demo_summary(demo: &DemoJob) -> String {
    match demo {
        DemoJob::Steps(job) => format!("steps: {} steps of {} ms", job.steps, job.delay_ms),
        DemoJob::RandomWalk(job) => format!(
            "random_walk: {} points at {}..{} points/s",
            job.points, job.min_rate_hz, job.max_rate_hz
        ),
        DemoJob::FlakyDivision(job) => format!(
            "flaky_division: {}..{} steps of {} ms",
            job.min_steps, job.max_steps, job.delay_ms
        ),
        DemoJob::SumRange(job) => format!("sum_range: 0..{} in {} chunks", job.end, job.chunks),
    }
}

/// Refuses repeated `name`s; numbers repeated default names.
fn name_uniquely(src: Source<'_>, drafts: &mut [Draft]) -> Result<(), JobFileError> {
    let mut taken: HashMap<String, Range<usize>> = HashMap::new();
    for draft in drafts.iter().filter(|draft| draft.explicit_name) {
        if let Some(first) = taken.get(&draft.name) {
            let first = super::Location::of_offset(src.text, first.start);
            return Err(src.error(
                draft.name_span.clone(),
                format!(
                    "duplicate job name `{}` (first used at {first}); names must be unique, placeholders such as {{#}} or {{/}} help",
                    draft.name
                ),
            ));
        }
        taken.insert(draft.name.clone(), draft.name_span.clone());
    }
    for draft in drafts.iter_mut().filter(|draft| !draft.explicit_name) {
        let mut name = draft.name.clone();
        let mut copy = 1;
        while taken.contains_key(&name) {
            copy += 1;
            name = format!("{} ({copy})", draft.name);
        }
        taken.insert(name.clone(), draft.name_span.clone());
        draft.name = name;
    }
    Ok(())
}

/// For each draft, its dependencies as (draft index, id) pairs.
fn resolve_after(
    src: Source<'_>,
    templates: &[Template],
    drafts: &[Draft],
) -> Result<Vec<Vec<(usize, JobId)>>, JobFileError> {
    let mut by_template_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, draft) in drafts.iter().enumerate() {
        if let Some(name) = &templates[draft.template].name {
            by_template_name
                .entry(name.get_ref().as_str())
                .or_default()
                .push(index);
        }
    }
    let by_name: HashMap<&str, usize> = drafts
        .iter()
        .enumerate()
        .map(|(index, draft)| (draft.name.as_str(), index))
        .collect();
    drafts
        .iter()
        .map(|draft| {
            let mut deps: Vec<(usize, JobId)> = Vec::new();
            for (entry, expanded) in &draft.after {
                let targets = match by_template_name.get(entry.get_ref().as_str()) {
                    Some(batch) => batch.clone(),
                    None => match by_name.get(expanded.as_str()) {
                        Some(&index) => vec![index],
                        None => return Err(missing_name(src, entry.span(), expanded, drafts)),
                    },
                };
                for target in targets {
                    if !deps.iter().any(|(index, _)| *index == target) {
                        deps.push((target, drafts[target].id));
                    }
                }
            }
            Ok(deps)
        })
        .collect()
}

fn missing_name(src: Source<'_>, span: Range<usize>, name: &str, drafts: &[Draft]) -> JobFileError {
    const SHOWN: usize = 8;
    let mut names: Vec<&str> = drafts
        .iter()
        .map(|draft| draft.name.as_str())
        .take(SHOWN)
        .collect();
    if drafts.len() > SHOWN {
        names.push("...");
    }
    src.error(
        span,
        format!(
            "`after` names `{name}`, but no job is called that; expected one of: {}",
            names.join(", ")
        ),
    )
}

/// Refuses a dependency cycle, naming it: `a -> b -> a`.
fn check_cycles(
    src: Source<'_>,
    drafts: &[Draft],
    after: &[Vec<(usize, JobId)>],
) -> Result<(), JobFileError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    let mut marks = vec![Mark::New; drafts.len()];
    for root in 0..drafts.len() {
        if marks[root] != Mark::New {
            continue;
        }
        // Iterative depth-first search: a batch of 100,000 jobs in a chain
        // must not overflow the stack.
        let mut path: Vec<(usize, usize)> = vec![(root, 0)];
        marks[root] = Mark::OnPath;
        while let Some(&mut (node, ref mut next)) = path.last_mut() {
            if let Some(&(dep, _)) = after[node].get(*next) {
                *next += 1;
                match marks[dep] {
                    Mark::New => {
                        marks[dep] = Mark::OnPath;
                        path.push((dep, 0));
                    }
                    Mark::OnPath => return Err(cycle_error(src, drafts, &path, dep)),
                    Mark::Done => {}
                }
            } else {
                marks[node] = Mark::Done;
                path.pop();
            }
        }
    }
    Ok(())
}

fn cycle_error(
    src: Source<'_>,
    drafts: &[Draft],
    path: &[(usize, usize)],
    back_to: usize,
) -> JobFileError {
    let start = path
        .iter()
        .position(|(node, _)| *node == back_to)
        .unwrap_or(0);
    let mut names: Vec<&str> = path[start..]
        .iter()
        .map(|(node, _)| drafts[*node].name.as_str())
        .collect();
    names.push(drafts[back_to].name.as_str());
    // Point at the `after` entry of the first job in the cycle.
    let first = &drafts[back_to];
    let span = first
        .after
        .first()
        .map_or_else(|| first.name_span.clone(), |(entry, _)| entry.span());
    src.error(span, format!("dependency cycle: {}", names.join(" -> ")))
}
