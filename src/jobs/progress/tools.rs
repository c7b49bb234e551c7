//! The progress displays of known tools, which the generic rules would
//! misread or miss: curl's meter (numbers without `%`), rsync (per-file or
//! overall percentages), wget's dots, ffmpeg (a time out of a duration),
//! git (phases, each from 0 to 100%) and dd (no total at all).
//!
//! Each recogniser claims the lines it knows and says what they show, a
//! value or nothing knowable; a line no recogniser claims goes to the
//! generic rules. A few keep state across lines (ffmpeg's duration, what
//! rsync's percentages count).

use std::sync::LazyLock;

use regex::Regex;

use super::generic;

/// What a recognised line shows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Reading {
    /// The tool's own display, with no value to be had from it (a size not
    /// known, a phase that is not counted).
    Nothing,
    /// Progress in `0..=1`.
    Value(f64),
    /// Progress in `0..=1` that may be lower than what was shown before:
    /// the tool is known to have begun another phase.
    Restart(f64),
}

/// The recognisers, with what they remember.
#[derive(Debug, Default)]
pub(super) struct Tools {
    /// The first `Duration:` ffmpeg printed, in seconds.
    ffmpeg_duration: Option<f64>,
    rsync: RsyncMode,
}

/// What rsync's percentages count.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
enum RsyncMode {
    /// Not known yet: no `to-chk` seen.
    #[default]
    Unknown,
    /// `--info=progress2`: the whole transfer.
    Overall,
    /// `--progress`: the current file; `done` of `total` entries are
    /// checked.
    PerFile { done: f64, total: f64 },
}

impl Tools {
    /// What `line` shows, when a known tool printed it; `None` when no
    /// recogniser claims it.
    pub(super) fn read(&mut self, line: &str) -> Option<Reading> {
        if let Some(reading) = curl_meter(line) {
            return Some(reading);
        }
        if let Some(reading) = self.rsync(line) {
            return Some(reading);
        }
        if let Some(reading) = self.ffmpeg(line) {
            return Some(reading);
        }
        git(line).or_else(|| wget_dots(line)).or_else(|| dd(line))
    }

    fn rsync(&mut self, line: &str) -> Option<Reading> {
        if !(line.contains('%') && line.contains("/s")) {
            return None;
        }
        let caps = RSYNC.captures(line)?;
        let percent = caps[1].parse::<f64>().ok()? / 100.0;
        let to_check = match (caps.get(2), caps.get(3)) {
            (Some(left), Some(total)) => Some((
                left.as_str().parse::<f64>().ok()?,
                total.as_str().parse::<f64>().ok()?,
            )),
            _ => None,
        };
        let reading = match (self.rsync, to_check) {
            // Overall, or (before any count) the first file's share: all
            // there is to go by.
            (RsyncMode::Overall, _) | (RsyncMode::Unknown, None) => Reading::Value(percent),
            (_, Some((0.0, _))) => Reading::Value(1.0),
            // A file's end at 100% with entries left to check: the
            // percentages were the file's. Once known, the count of
            // entries checked is the progress.
            (mode, Some((left, total))) if percent >= 1.0 && total > 0.0 => {
                let done = (total - left).max(0.0);
                self.rsync = RsyncMode::PerFile { done, total };
                let value = done / total;
                if mode == RsyncMode::Unknown {
                    Reading::Restart(value)
                } else {
                    Reading::Value(value)
                }
            }
            (_, Some(_)) => {
                self.rsync = RsyncMode::Overall;
                Reading::Value(percent)
            }
            (RsyncMode::PerFile { done, total }, None) => {
                Reading::Value(((done + percent) / total).min(1.0))
            }
        };
        Some(reading)
    }

    fn ffmpeg(&mut self, line: &str) -> Option<Reading> {
        if !(line.contains("Duration: ") || line.contains('=')) {
            return None;
        }
        if let Some(caps) = FFMPEG_DURATION.captures(line) {
            if self.ffmpeg_duration.is_none() {
                self.ffmpeg_duration = seconds(&caps[1], &caps[2], &caps[3]).filter(|s| *s > 0.0);
            }
            return Some(Reading::Nothing);
        }
        let at_secs = if let Some(caps) = FFMPEG_STATS.captures(line) {
            if caps.get(1).is_some() {
                0.0
            } else {
                seconds(&caps[2], &caps[3], &caps[4])?
            }
        } else if let Some(value) = line.strip_prefix("out_time_us=") {
            value.trim().parse::<f64>().ok()?.max(0.0) / 1e6
        } else if line.trim_end() == "progress=end" {
            return Some(Reading::Value(1.0));
        } else {
            return None;
        };
        Some(match self.ffmpeg_duration {
            Some(duration) => Reading::Value((at_secs / duration).clamp(0.0, 1.0)),
            None => Reading::Nothing,
        })
    }
}

/// curl's meter: `% Total % Received % Xferd Dload Upload Total Spent Left
/// Speed`, twelve columns without a `%` sign; the first is the progress. A
/// total of 0 means curl does not know the size.
static CURL_METER: LazyLock<Regex> = LazyLock::new(|| {
    let size = r"\d+(?:\.\d+)?[kMGTP]?";
    let time = r"(?:--:--:--|\d+:\d{2}:\d{2}|\d+[dh] \d{2}[hm]|\d+d)";
    Regex::new(&format!(
        r"^\s*(\d{{1,3}})\s+({size})\s+\d{{1,3}}\s+{size}\s+\d{{1,3}}\s+{size}\s+{size}\s+{size}\s+{time}\s+{time}\s+{time}\s+{size}\s*$"
    ))
    .expect("valid curl regex")
});

fn curl_meter(line: &str) -> Option<Reading> {
    // Times are in every meter line, percent signs in none.
    if line.contains('%') || !line.contains(':') {
        return None;
    }
    let caps = CURL_METER.captures(line)?;
    if &caps[2] == "0" {
        return Some(Reading::Nothing);
    }
    let percent: f64 = caps[1].parse().ok()?;
    Some(Reading::Value((percent / 100.0).min(1.0)))
}

/// rsync's progress line: bytes, percentage, rate, time, and after a
/// file's end `(xfr#N, to-chk=LEFT/TOTAL)` (`ir-chk` while the list of
/// files still grows).
static RSYNC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*[\d,]+\s+(\d{1,3})%\s+\S+/s\s+[\d?]+:[\d?]{2}:[\d?]{2}(?:\s+\((?:xfr#\d+, )?(?:ir|to)-chk=(\d+)/(\d+)\))?\s*$",
    )
    .expect("valid rsync regex")
});

/// ffmpeg's `Duration: 00:01:02.50` of its input.
static FFMPEG_DURATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*Duration: (?:(\d+):(\d{2}):(\d{2}(?:\.\d+)?)|N/A)")
        .expect("valid ffmpeg duration regex")
});

/// ffmpeg's statistics line: `frame= 120 ... size= 256kB time=00:00:04.00
/// bitrate=...`; a negative time (at the start) counts as 0.
static FFMPEG_STATS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\bL?size=\s*\S+\s+time=(?:(-)[\d:.]+|(\d+):(\d{2}):(\d{2}(?:\.\d+)?))\s+bitrate=")
        .expect("valid ffmpeg stats regex")
});

fn seconds(hours: &str, minutes: &str, secs: &str) -> Option<f64> {
    let hours: f64 = hours.parse().ok()?;
    let minutes: f64 = minutes.parse().ok()?;
    let secs: f64 = secs.parse().ok()?;
    Some(hours * 3600.0 + minutes * 60.0 + secs)
}

/// git's progress: `Receiving objects:  45% (450/1000), 1.2 MiB | ...`,
/// one phase after another, each from 0 to 100%; `remote: ` lines are the
/// server's phases.
static GIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(remote: )?([A-Z][a-z]+(?: [a-z]+)*):\s+(\d{1,3})% \((\d+)/(\d+)\)")
        .expect("valid git regex")
});

/// The share of a clone (or push) each counted phase of git stands for;
/// the rest (counting and compressing objects, the server's phases) take
/// little time and are not counted.
const GIT_PHASES: [(&str, f64, f64); 6] = [
    ("Receiving objects", 0.0, 0.7),
    ("Unpacking objects", 0.0, 0.7),
    ("Resolving deltas", 0.7, 0.9),
    ("Updating files", 0.9, 1.0),
    ("Checking out files", 0.9, 1.0),
    ("Writing objects", 0.0, 1.0),
];

/// Phases git prints that are not counted.
const GIT_UNCOUNTED: [&str; 4] = [
    "Counting objects",
    "Compressing objects",
    "Enumerating objects",
    "Filtering content",
];

fn git(line: &str) -> Option<Reading> {
    if !line.contains("% (") {
        return None;
    }
    let caps = GIT.captures(line)?;
    let phase = &caps[2];
    if caps.get(1).is_some() {
        return Some(Reading::Nothing);
    }
    if GIT_UNCOUNTED.contains(&phase) {
        return Some(Reading::Nothing);
    }
    let &(_, start, end) = GIT_PHASES.iter().find(|(name, _, _)| *name == phase)?;
    let within = generic::fraction(&caps[4], &caps[5])
        .or_else(|| caps[3].parse::<f64>().ok().map(|percent| percent / 100.0))?;
    Some(Reading::Value(start + (end - start) * within.min(1.0)))
}

/// wget's default display away from a terminal: `  1050K .......... ..........
/// 10% 1.2M 3s`, one line per 50 KiB.
static WGET_DOTS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*\d+[KMG] [., ]+ (\d{1,3})% ").expect("valid wget regex"));

fn wget_dots(line: &str) -> Option<Reading> {
    if !(line.contains('%') && line.contains(" .")) {
        return None;
    }
    let caps = WGET_DOTS.captures(line)?;
    let percent: f64 = caps[1].parse().ok()?;
    Some(Reading::Value((percent / 100.0).min(1.0)))
}

/// dd's `status=progress`: bytes copied so far, but not of how many.
static DD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d+ bytes(?: \([^)]*\))? copied, ").expect("valid dd regex"));

fn dd(line: &str) -> Option<Reading> {
    (line.contains(" copied, ") && DD.is_match(line)).then_some(Reading::Nothing)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(lines: &[&str]) -> Vec<Option<Reading>> {
        let mut tools = Tools::default();
        lines.iter().map(|line| tools.read(line)).collect()
    }

    #[test]
    fn curls_meter_is_read_from_its_first_column() {
        let line = " 45 10.0M   45 4608k    0     0  4500k      0  0:00:02  0:00:01  0:00:01 4501k";
        assert_eq!(read(&[line]), [Some(Reading::Value(0.45))]);
        let unknown =
            "  0     0    0  512k    0     0   511k      0 --:--:--  0:00:01 --:--:--  511k";
        assert_eq!(read(&[unknown]), [Some(Reading::Nothing)]);
        let header =
            "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current";
        assert_eq!(read(&[header]), [None]);
    }

    #[test]
    fn rsync_per_file_percentages_give_way_to_the_count_of_files() {
        let readings = read(&[
            "         32,768  12%    0.00kB/s    0:00:00  ",
            "        262,144 100%    1.92MB/s    0:00:00 (xfr#1, to-chk=5/7)",
            "         32,768   6%  280.70kB/s    0:00:01  ",
            "      1,572,864 100%  963.61kB/s    0:00:01 (xfr#6, to-chk=0/7)",
        ]);
        assert_eq!(
            readings,
            [
                Some(Reading::Value(0.12)),
                Some(Reading::Restart(2.0 / 7.0)),
                Some(Reading::Value(2.06 / 7.0)),
                Some(Reading::Value(1.0)),
            ]
        );
    }

    #[test]
    fn rsync_overall_percentages_are_kept() {
        let readings = read(&[
            "        262,144   4%    1.82MB/s    0:00:00 (xfr#1, to-chk=5/7)",
            "      2,162,688  39%    1.91MB/s    0:00:01  ",
        ]);
        assert_eq!(
            readings,
            [Some(Reading::Value(0.04)), Some(Reading::Value(0.39))]
        );
    }

    #[test]
    fn ffmpeg_time_counts_once_the_duration_is_known() {
        let readings = read(&[
            "out_time_us=2000000",
            "  Duration: 00:00:08.00, start: 0.000000, bitrate: 38 kb/s",
            "frame=  102 fps= 58 q=28.0 size=       0kB time=00:00:02.00 bitrate=   0.2kbits/s speed=0.956x    ",
            "out_time_us=4000000",
            "out_time_us=-39922",
            "progress=end",
        ]);
        assert_eq!(
            readings,
            [
                Some(Reading::Nothing),
                Some(Reading::Nothing),
                Some(Reading::Value(0.25)),
                Some(Reading::Value(0.5)),
                Some(Reading::Value(0.0)),
                Some(Reading::Value(1.0)),
            ]
        );
    }

    #[test]
    fn git_phases_share_one_scale() {
        let readings = read(&[
            "remote: Counting objects:  47% (423/900)        ",
            "Receiving objects:  50% (450/900), 1.2 MiB | 2.3 MiB/s",
            "Resolving deltas:  50% (5/10)",
            "Downloading:  50% (5/10)",
        ]);
        assert_eq!(
            readings,
            [
                Some(Reading::Nothing),
                Some(Reading::Value(0.35)),
                Some(Reading::Value(0.8)),
                None,
            ]
        );
    }

    #[test]
    fn wget_dots_and_dd() {
        let dots = "   250K .......... .......... .......... .......... ..........  7%  318M 3s";
        assert_eq!(read(&[dots]), [Some(Reading::Value(0.07))]);
        let dd = "120586240 bytes (121 MB, 115 MiB) copied, 2 s, 60.1 MB/s";
        assert_eq!(read(&[dd]), [Some(Reading::Nothing)]);
    }
}
