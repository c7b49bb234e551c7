//! Natural order for names people read: "walk 2" before "walk 10".
//!
//! Hand-written rather than a crate: the natural-sort crates on crates.io are
//! unmaintained, and this is one comparison of digit runs.

use std::cmp::Ordering;
use std::iter::Peekable;
use std::str::Chars;

/// Compares `a` and `b` with runs of ASCII digits taken as numbers (of any
/// length) and letters compared without case; ties fall back to plain
/// string order, so the order is total.
pub(crate) fn natural_cmp(left: &str, right: &str) -> Ordering {
    let mut lefts = left.chars().peekable();
    let mut rights = right.chars().peekable();
    loop {
        let order = match (lefts.peek().copied(), rights.peek().copied()) {
            (None, None) => return left.cmp(right),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(l), Some(r)) if l.is_ascii_digit() && r.is_ascii_digit() => {
                compare_numbers(&digits(&mut lefts), &digits(&mut rights))
            }
            (Some(l), Some(r)) => {
                lefts.next();
                rights.next();
                l.to_lowercase().cmp(r.to_lowercase())
            }
        };
        if order != Ordering::Equal {
            return order;
        }
    }
}

fn digits(chars: &mut Peekable<Chars<'_>>) -> String {
    let mut run = String::new();
    while let Some(c) = chars.next_if(char::is_ascii_digit) {
        run.push(c);
    }
    run
}

/// Two runs of digits by the numbers they spell (leading zeros ignored).
fn compare_numbers(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_names_sort_by_value() {
        let mut names = vec![
            "walk 10",
            "walk 2",
            "walk 1",
            "Walk 11",
            "walk 02",
            "a",
            "walk 100000000000000000000",
            "walk 9",
        ];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            names,
            [
                "a",
                "walk 1",
                "walk 02",
                "walk 2",
                "walk 9",
                "walk 10",
                "Walk 11",
                "walk 100000000000000000000"
            ]
        );
    }
}
