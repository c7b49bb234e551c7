//! Where a job file's command jobs run: its `executor` keys and its
//! `[slurm]` table.

use std::path::Path;
use std::sync::Arc;

use toml::Spanned;
use toml::de::DeValue;

use super::JobFileError;
use super::fields::{Fields, Source};
use crate::executor::slurm::SlurmSettings;
use crate::jobspec::{Executor, ExecutorKind};

/// The keys of a `[slurm]` table.
const SLURM_KEYS: [&str; 4] = ["partition", "account", "output_dir", "extra_args"];

/// An `executor` key: `"local"` or `"slurm"`.
pub(crate) fn read_executor(
    src: Source<'_>,
    fields: &mut Fields<'_>,
) -> Result<Option<ExecutorKind>, JobFileError> {
    let Some(name) = fields.string(src, "executor")? else {
        return Ok(None);
    };
    ExecutorKind::from_key(name.get_ref())
        .map(Some)
        .ok_or_else(|| {
            let known: Vec<&str> = ExecutorKind::ALL.iter().map(|kind| kind.key()).collect();
            src.error(
                name.span(),
                format!(
                    "unknown executor `{}`, expected one of: {}",
                    name.get_ref(),
                    known.join(", ")
                ),
            )
        })
}

/// The `[slurm]` table, when there is one. A relative `output_dir` is
/// relative to the file's directory `base`, like every path in the file.
pub(crate) fn read_slurm(
    src: Source<'_>,
    base: &Path,
    table: Option<Spanned<DeValue<'_>>>,
) -> Result<Option<SlurmSettings>, JobFileError> {
    let Some(table) = table else {
        return Ok(None);
    };
    let span = table.span();
    let DeValue::Table(table) = table.into_inner() else {
        return Err(src.error(
            span,
            "`slurm` must be a table, written [slurm], with keys partition, account, output_dir and extra_args",
        ));
    };
    let mut fields = Fields::new(table);
    fields.check_known(src, "in [slurm]", &SLURM_KEYS)?;
    let partition = non_empty(src, &mut fields, "partition")?;
    let account = non_empty(src, &mut fields, "account")?;
    let output_dir = non_empty(src, &mut fields, "output_dir")?.map(|dir| base.join(dir));
    let extra_args = match fields.strings(src, "extra_args")? {
        Some(list) => list
            .into_inner()
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
        None => Vec::new(),
    };
    Ok(Some(SlurmSettings {
        partition,
        account,
        output_dir,
        extra_args,
    }))
}

/// A string key that must not be empty when given.
fn non_empty(
    src: Source<'_>,
    fields: &mut Fields<'_>,
    key: &str,
) -> Result<Option<String>, JobFileError> {
    match fields.string(src, key)? {
        Some(value) if value.get_ref().trim().is_empty() => Err(src.error(
            value.span(),
            format!("`{key}` is empty; leave it out to use the cluster's default"),
        )),
        Some(value) => Ok(Some(value.into_inner())),
        None => Ok(None),
    }
}

/// What every command job of a file runs on unless its `[[job]]` says.
pub(crate) struct FileExecutors {
    /// The file's (or the command line's) `executor`; local when unset.
    pub default: ExecutorKind,
    /// The `[slurm]` settings, shared by every Slurm job of the file.
    pub slurm: Arc<SlurmSettings>,
}

impl FileExecutors {
    /// The executor for a command job whose `[[job]]` says `own`.
    pub fn resolve(&self, own: Option<ExecutorKind>) -> Executor {
        match own.unwrap_or(self.default) {
            ExecutorKind::Local => Executor::Local,
            ExecutorKind::Slurm => Executor::Slurm(Arc::clone(&self.slurm)),
        }
    }
}
