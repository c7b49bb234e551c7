//! Progress any program may print: percentages, `n/total` fractions and
//! bars, found without knowing the program.

use std::sync::LazyLock;

use regex::{Captures, Regex};

/// `42%`, `42.5 %`; the number must not continue a longer number or word.
static PERCENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^\w.])(\d{1,3}(?:\.\d+)?) ?%").expect("valid percentage regex")
});

/// `3/10`, `[ 3/10]`, `(3 / 10)`: whitespace or a bracket before, and after
/// it the end, whitespace, a bracket, a comma or a colon — never another `/`
/// or digit, so dates such as `2024/01/02` are not fractions.
static FRACTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[\s\[(])(\d{1,12}) ?/ ?(\d{1,12})(?:$|[\s\]),:])")
        .expect("valid fraction regex")
});

/// A percentage drawn with a bar, in the shapes programs draw them (the
/// number is group 1 of whichever alternative matched):
/// - tqdm: ` 42%|████      |`, the `|` right after the `%`;
/// - wget: `42%[======>     ]`, a bracketed bar after the number;
/// - pv, apt: `[======>     ] 42%`, a bracketed bar before it;
/// - curl -#: `#######      42.0%`, a run of `#` or blocks before it;
/// - `42% ██████`, a run of blocks after it.
///
/// A bracketed bar holds at least 5 of `=`, `#`, `>`, `<`, `-`, `.`, `*`,
/// blocks and spaces; a bare run at least 2 of `#` or blocks.
static BAR: LazyLock<Regex> = LazyLock::new(|| {
    let number = r"(\d{1,3}(?:\.\d+)?)";
    let bracketed = r"\[[=#><\-.*█▉▊▋▌▍▎▏━╸╺ ]{5,}\]";
    let run = r"[#█▉▊▋▌▍▎▏━]{2,}";
    let start = r"(?:^|[^\w.])";
    let alternatives = [
        format!(r"{start}{number}%\|"),
        format!(r"{start}{number} ?%\s*{bracketed}"),
        format!(r"{bracketed}\s*{number} ?%"),
        format!(r"{run}\s+{number} ?%"),
        format!(r"{start}{number} ?%\s+{run}"),
    ];
    Regex::new(&alternatives.join("|")).expect("valid bar regex")
});

/// `[ 3/10]` at the start of a line, as `ninja` and `CMake` count steps.
static STEP_COUNTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*\[\s*(\d{1,12})\s*/\s*(\d{1,12})\s*\]").expect("valid step regex")
});

/// `3/10 files`: a fraction followed by what it counts.
static COUNTED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:^|[\s\[(])(\d{1,12})\s*/\s*(\d{1,12})\s+(?:files?|items?|it|steps?|tests?|tasks?|jobs?|objects?|chunks?|parts?|pages?|records?|rows?|lines?|images?|samples?|batch(?:es)?|epochs?|packages?|targets?|frames?|blocks?)\b",
    )
    .expect("valid counted-fraction regex")
});

/// `1.5/4.0 MiB` or `1.5 MiB / 4.0 MiB`: amounts of data.
static AMOUNTS: LazyLock<Regex> = LazyLock::new(|| {
    let amount = r"(\d{1,12}(?:\.\d+)?)";
    let unit = r"([kKMGT]i?B|B|bytes)";
    Regex::new(&format!(
        r"(?:^|[\s\[(]){amount}\s*{unit}?\s*/\s*{amount}\s*{unit}(?:$|[\s\]),:])"
    ))
    .expect("valid amounts regex")
});

/// The last percentage on `line` (at most 100), as a fraction.
pub(super) fn last_percentage(line: &str) -> Option<f64> {
    PERCENT
        .captures_iter(line)
        .filter_map(|caps| caps[1].parse::<f64>().ok())
        .filter(|percent| *percent <= 100.0)
        .last()
        .map(|percent| percent / 100.0)
}

/// The last `n/total` standing alone on `line` (see [`FRACTION`]), with
/// `n <= total`.
pub(super) fn last_fraction(line: &str) -> Option<f64> {
    // Matches overlap at the shared separator ("1/2 3/4"), so search from
    // each match's second number rather than with `captures_iter`.
    let mut found = None;
    let mut start = 0;
    while let Some(caps) = FRACTION.captures_at(line, start) {
        found = fraction(&caps[1], &caps[2]).or(found);
        start = caps.get(2).map_or(line.len(), |m| m.start());
    }
    found
}

/// The percentage a bar on `line` shows (the first bar, should there be
/// several; text after it, such as a message printed onto a tqdm line,
/// does not count).
pub(super) fn bar_percentage(line: &str) -> Option<f64> {
    if !line.contains('%') {
        return None;
    }
    let caps = BAR.captures(line)?;
    let percent: f64 = first_group(&caps)?.parse().ok()?;
    (percent <= 100.0).then_some(percent / 100.0)
}

/// `n/total` in a shape that says it counts progress: a step counter at the
/// start of the line, a count of things, or amounts of data.
pub(super) fn counted_fraction(line: &str) -> Option<f64> {
    if !line.contains('/') {
        return None;
    }
    if let Some(caps) = STEP_COUNTER.captures(line) {
        return fraction(&caps[1], &caps[2]);
    }
    if let Some(caps) = COUNTED.captures(line) {
        return fraction(&caps[1], &caps[2]);
    }
    let caps = AMOUNTS.captures(line)?;
    let total_unit = caps.get(4)?.as_str();
    let done_unit = caps.get(2).map_or(total_unit, |unit| unit.as_str());
    let done = caps[1].parse::<f64>().ok()? * bytes_per(done_unit)?;
    let total = caps[3].parse::<f64>().ok()? * bytes_per(total_unit)?;
    (total > 0.0 && done <= total).then(|| done / total)
}

/// Bytes in one of `unit`.
fn bytes_per(unit: &str) -> Option<f64> {
    const KILO: f64 = 1e3;
    const KIBI: f64 = 1024.0;
    Some(match unit {
        "B" | "bytes" => 1.0,
        "kB" | "KB" => KILO,
        "MB" => KILO * KILO,
        "GB" => KILO * KILO * KILO,
        "TB" => KILO * KILO * KILO * KILO,
        "KiB" | "kiB" => KIBI,
        "MiB" => KIBI * KIBI,
        "GiB" => KIBI * KIBI * KIBI,
        "TiB" => KIBI * KIBI * KIBI * KIBI,
        _ => return None,
    })
}

/// `done / total` when both are numbers and `done <= total`.
pub(super) fn fraction(done: &str, total: &str) -> Option<f64> {
    let done: f64 = done.parse().ok()?;
    let total: f64 = total.parse().ok()?;
    (total > 0.0 && done <= total).then(|| done / total)
}

/// The text of the first group that took part in the match.
fn first_group<'a>(caps: &Captures<'a>) -> Option<&'a str> {
    caps.iter().skip(1).flatten().next().map(|m| m.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_as_tools_print_them() {
        assert_eq!(last_percentage("42%"), Some(0.42));
        assert_eq!(last_percentage("done: 42.5 %"), Some(0.425));
        assert_eq!(
            last_percentage("######                      20.0%  ###### 25.0%"),
            Some(0.25)
        );
        assert_eq!(last_percentage("cpu 150%"), None);
        assert_eq!(last_percentage("v1.42%"), None);
        assert_eq!(last_percentage("no numbers %"), None);
    }

    #[test]
    fn fractions_with_bounds() {
        assert_eq!(last_fraction("3/10"), Some(0.3));
        assert_eq!(last_fraction("[ 3/10] compiling"), Some(0.3));
        assert_eq!(last_fraction("step (1 / 4), then"), Some(0.25));
        assert_eq!(last_fraction("1/2 then 3/4"), Some(0.75));
        assert_eq!(last_fraction("11/10"), None);
        assert_eq!(last_fraction("0/0"), None);
    }

    #[test]
    fn dates_times_and_paths_are_not_fractions() {
        for line in [
            "12:30",
            "at 12:30:45 on 2024/01/02",
            "2024/01/02",
            "reading src/1/2/file",
            "ratio a1/2",
        ] {
            assert_eq!(last_fraction(line), None, "{line}");
            assert_eq!(counted_fraction(line), None, "{line}");
        }
    }

    #[test]
    fn bars_give_their_own_percentage() {
        let tqdm = " 40%|████      | 4/10 [00:00<00:00,  9.57it/s]disk 95% full";
        assert_eq!(bar_percentage(tqdm), Some(0.4));
        assert_eq!(
            bar_percentage("/dev/null            45%[========>           ]   1.8M"),
            Some(0.45)
        );
        assert_eq!(
            bar_percentage("1.00MiB 0:00:01 [ 979KiB/s] [=====>     ] 25% ETA 0:00:03"),
            Some(0.25)
        );
        assert_eq!(bar_percentage("#############        28.9%"), Some(0.289));
        assert_eq!(bar_percentage("45% ██████"), Some(0.45));
        // A percentage with no bar beside it.
        assert_eq!(bar_percentage("disk 95% full"), None);
        assert_eq!(
            bar_percentage("a.txt:\t 66.8% -- replaced with a.txt.gz"),
            None
        );
        assert_eq!(bar_percentage("[x] 50%"), None);
    }

    #[test]
    fn fractions_that_say_what_they_count() {
        assert_eq!(counted_fraction("[ 3/4] building"), Some(0.75));
        assert_eq!(counted_fraction("copied 3/12 files"), Some(0.25));
        assert_eq!(counted_fraction("1.5/3.0 MiB"), Some(0.5));
        assert_eq!(counted_fraction("512 KiB / 2 MiB"), Some(0.25));
        assert_eq!(counted_fraction("3/12 of them"), None);
        assert_eq!(counted_fraction("speed 3/s"), None);
        assert_eq!(counted_fraction("SAR=1/1 DAR 4/3"), None);
    }
}
