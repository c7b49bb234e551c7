//! Typed reading of one TOML table, with a message naming the key, what it
//! must be and what was found whenever a value does not fit.

use std::ops::{Range, RangeInclusive};
use std::path::Path;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::JobFileError;

/// The file being read: its name for messages and its text for positions.
#[derive(Clone, Copy)]
pub(crate) struct Source<'a> {
    pub path: &'a Path,
    pub text: &'a str,
}

impl Source<'_> {
    /// An error pointing at `span`.
    pub fn error(&self, span: Range<usize>, message: impl Into<String>) -> JobFileError {
        JobFileError::at(self.path, self.text, span, message)
    }
}

/// A value with the span of its key (for "unknown key" and "cannot combine"
/// messages) and of itself (for "must be" messages).
pub(crate) struct Entry<'i> {
    pub key: String,
    pub key_span: Range<usize>,
    pub value: Spanned<DeValue<'i>>,
}

/// The keys of one table, taken out one by one as they are read.
pub(crate) struct Fields<'i> {
    entries: Vec<Entry<'i>>,
}

impl<'i> Fields<'i> {
    /// The entries of `table`, in the order they appear in the file.
    pub fn new(table: DeTable<'i>) -> Self {
        let mut entries: Vec<Entry<'i>> = table
            .into_iter()
            .map(|(key, value)| Entry {
                key: key.get_ref().to_string(),
                key_span: key.span(),
                value,
            })
            .collect();
        entries.sort_by_key(|entry| entry.key_span.start);
        Self { entries }
    }

    /// Refuses the first key not in `expected`; `place` says where, as in
    /// "in [[job]]".
    pub fn check_known(
        &self,
        src: Source<'_>,
        place: &str,
        expected: &[&str],
    ) -> Result<(), JobFileError> {
        match self
            .entries
            .iter()
            .find(|entry| !expected.contains(&entry.key.as_str()))
        {
            Some(entry) => Err(src.error(
                entry.key_span.clone(),
                format!(
                    "unknown key `{}` {place}, expected one of: {}",
                    entry.key,
                    expected.join(", ")
                ),
            )),
            None => Ok(()),
        }
    }

    /// Whether `key` is present.
    pub fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|entry| entry.key == key)
    }

    /// The span of `key` itself, when present.
    pub fn key_span(&self, key: &str) -> Option<Range<usize>> {
        self.entries
            .iter()
            .find(|entry| entry.key == key)
            .map(|entry| entry.key_span.clone())
    }

    /// Removes and returns `key`'s entry.
    pub fn take(&mut self, key: &str) -> Option<Entry<'i>> {
        let index = self.entries.iter().position(|entry| entry.key == key)?;
        Some(self.entries.remove(index))
    }

    /// A string value.
    pub fn string(
        &mut self,
        src: Source<'_>,
        key: &str,
    ) -> Result<Option<Spanned<String>>, JobFileError> {
        let Some(entry) = self.take(key) else {
            return Ok(None);
        };
        let span = entry.value.span();
        match entry.value.into_inner() {
            DeValue::String(text) => Ok(Some(Spanned::new(span, text.into_owned()))),
            other => Err(type_error(src, key, "a string", &other, span)),
        }
    }

    /// A boolean value.
    pub fn boolean(&mut self, src: Source<'_>, key: &str) -> Result<Option<bool>, JobFileError> {
        let Some(entry) = self.take(key) else {
            return Ok(None);
        };
        match entry.value.get_ref() {
            DeValue::Boolean(value) => Ok(Some(*value)),
            other => Err(type_error(
                src,
                key,
                "true or false",
                other,
                entry.value.span(),
            )),
        }
    }

    /// An integer within `range`.
    pub fn integer(
        &mut self,
        src: Source<'_>,
        key: &str,
        range: RangeInclusive<i64>,
    ) -> Result<Option<i64>, JobFileError> {
        let Some(entry) = self.take(key) else {
            return Ok(None);
        };
        let expected = format!("an integer from {} to {}", range.start(), range.end());
        let span = entry.value.span();
        let DeValue::Integer(integer) = entry.value.get_ref() else {
            return Err(type_error(src, key, &expected, entry.value.get_ref(), span));
        };
        match i64::from_str_radix(integer.as_str(), integer.radix()) {
            Ok(value) if range.contains(&value) => Ok(Some(value)),
            _ => Err(src.error(
                span.clone(),
                format!("`{key}` must be {expected}, found {}", &src.text[span]),
            )),
        }
    }

    /// A number (integer or float) within `range`; `expected` describes it,
    /// as in "a positive number of seconds".
    pub fn number(
        &mut self,
        src: Source<'_>,
        key: &str,
        range: RangeInclusive<f64>,
        expected: &str,
    ) -> Result<Option<f64>, JobFileError> {
        let Some(entry) = self.take(key) else {
            return Ok(None);
        };
        let span = entry.value.span();
        let value = match entry.value.get_ref() {
            DeValue::Integer(integer) => i64::from_str_radix(integer.as_str(), integer.radix())
                .ok()
                .map(|value| value as f64),
            DeValue::Float(float) => float.as_str().parse::<f64>().ok(),
            other => return Err(type_error(src, key, expected, other, span)),
        };
        match value {
            Some(value) if range.contains(&value) => Ok(Some(value)),
            _ => Err(src.error(
                span.clone(),
                format!("`{key}` must be {expected}, found {}", &src.text[span]),
            )),
        }
    }

    /// An array of strings; each string keeps its span.
    pub fn strings(
        &mut self,
        src: Source<'_>,
        key: &str,
    ) -> Result<Option<Spanned<Vec<Spanned<String>>>>, JobFileError> {
        let Some(entry) = self.take(key) else {
            return Ok(None);
        };
        let span = entry.value.span();
        match entry.value.into_inner() {
            DeValue::Array(items) => {
                strings_of(src, key, items.iter()).map(|list| Some(Spanned::new(span, list)))
            }
            other => Err(type_error(src, key, "an array of strings", &other, span)),
        }
    }

    /// Takes `key` whatever its type, for values with several shapes.
    pub fn raw(&mut self, key: &str) -> Option<Spanned<DeValue<'i>>> {
        self.take(key).map(|entry| entry.value)
    }
}

/// Each item of an array as a string.
pub(crate) fn strings_of<'a, 'i: 'a>(
    src: Source<'_>,
    key: &str,
    items: impl Iterator<Item = &'a Spanned<DeValue<'i>>>,
) -> Result<Vec<Spanned<String>>, JobFileError> {
    items
        .map(|item| match item.get_ref() {
            DeValue::String(text) => Ok(Spanned::new(item.span(), text.to_string())),
            other => Err(src.error(
                item.span(),
                format!("`{key}` items must be strings, found {}", a_type(other)),
            )),
        })
        .collect()
}

/// "`key` must be EXPECTED, found a string".
pub(crate) fn type_error(
    src: Source<'_>,
    key: &str,
    expected: &str,
    found: &DeValue<'_>,
    span: Range<usize>,
) -> JobFileError {
    src.error(
        span,
        format!("`{key}` must be {expected}, found {}", a_type(found)),
    )
}

/// The TOML type of `value` with its article: "a string", "an integer".
pub(crate) fn a_type(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}
