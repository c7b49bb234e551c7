use super::*;

fn line(bytes: usize) -> LogLine {
    LogLine::stdout("x".repeat(bytes))
}

#[test]
fn compaction_halves_and_keeps_extremes() {
    let mut points: Vec<[f64; 2]> = (0..1000)
        .map(|i| {
            let y = match i {
                333 => 99.0,
                777 => -99.0,
                _ => 0.0,
            };
            [f64::from(i), y]
        })
        .collect();
    compact_min_max(&mut points);
    assert!(points.len() <= 500, "{} points left", points.len());
    assert!(points.iter().any(|p| p[1] > 98.0));
    assert!(points.iter().any(|p| p[1] < -98.0));
    assert!(points.windows(2).all(|w| w[0][0] < w[1][0]), "x order kept");
}

#[test]
fn pending_samples_stay_bounded() {
    let samples = PendingSamples::default();
    let count = if cfg!(miri) { 70_000 } else { 1_000_000 };
    for i in 0..count {
        samples.put("s", [f64::from(i), 0.0]);
    }
    let taken = samples.take();
    assert_eq!(taken.len(), 1);
    assert!(taken[0].1.len() < PENDING_SAMPLES_PER_SERIES);
}

#[test]
fn series_past_the_bound_are_dropped_counted_and_noted_once() {
    let samples = PendingSamples::default();
    for series in 0..MAX_SERIES_PER_JOB + 10 {
        for x in 0..3 {
            samples.put(&format!("series {series}"), [f64::from(x), 0.0]);
        }
    }
    let taken = samples.take();
    assert_eq!(taken.len(), MAX_SERIES_PER_JOB);
    assert_eq!(&*taken[0].0, "series 0");
    let note = samples.overflow_note().expect("samples were dropped");
    assert!(note.contains("30 samples dropped"), "{note}");
    assert!(
        note.contains(&format!("at most {MAX_SERIES_PER_JOB} series")),
        "{note}"
    );
    assert!(note.contains("'series 64'"), "{note}");
    // Known series still take points.
    assert_eq!(samples.put("series 3", [9.0, 9.0]), Put::KeptFirst);
}

#[test]
fn many_series_are_found_by_name_not_by_a_scan() {
    let samples = PendingSamples::default();
    let names: Vec<String> = (0..MAX_SERIES_PER_JOB).map(|i| format!("s{i}")).collect();
    // Alternating between series, so the last-used shortcut never hits.
    for round in 0..10 {
        for name in &names {
            samples.put(name, [f64::from(round), 0.0]);
        }
    }
    let taken = samples.take();
    assert_eq!(taken.len(), MAX_SERIES_PER_JOB);
    assert!(taken.iter().all(|(_, points)| points.len() == 10));
}

#[test]
fn pending_logs_are_bounded_in_bytes_per_job() {
    // Each test has a budget of its own, so that tests in parallel do not
    // share one; a static, which Miri does not take for a leak.
    static BUDGET: LogBudget = LogBudget::new(usize::MAX);
    let logs = PendingLogs::new(&BUDGET);
    let size = 60_000;
    let per_line = size + std::mem::size_of::<LogLine>();
    let fit = PENDING_LOG_BYTES_PER_JOB / per_line;
    for _ in 0..fit + 5 {
        logs.put(line(size));
    }
    let (lines, dropped) = logs.take().expect("lines are pending");
    assert_eq!(lines.len(), fit);
    assert_eq!(dropped, 5);
    let held: usize = lines
        .iter()
        .map(|l| l.heap_bytes() + size_of::<LogLine>())
        .sum();
    assert!(held <= PENDING_LOG_BYTES_PER_JOB);
    assert!(logs.take().is_none());
}

#[test]
fn a_line_larger_than_the_job_bound_is_dropped_and_counted() {
    static BUDGET: LogBudget = LogBudget::new(usize::MAX);
    let logs = PendingLogs::new(&BUDGET);
    assert!(
        logs.put(line(PENDING_LOG_BYTES_PER_JOB + 1)),
        "a notice goes out"
    );
    logs.put(LogLine::stdout("small"));
    let (lines, dropped) = logs.take().expect("something is pending");
    assert_eq!(dropped, 1);
    assert_eq!(lines, [LogLine::stdout("small")]);
}

#[test]
fn the_process_budget_bounds_all_jobs_together() {
    const PER_LINE: usize = 1000 + std::mem::size_of::<LogLine>();
    static SHARED: LogBudget = LogBudget::new(10 * PER_LINE);
    let (shared, per_line) = (&SHARED, PER_LINE);
    let first = PendingLogs::new(shared);
    let second = PendingLogs::new(shared);
    for _ in 0..8 {
        first.put(line(1000));
    }
    for _ in 0..5 {
        second.put(line(1000));
    }
    assert!(shared.used() <= 10 * per_line);
    // The second job could take only two lines' worth, then dropped its own
    // oldest to make room.
    let (lines, dropped) = second.take().expect("lines are pending");
    assert_eq!((lines.len(), dropped), (2, 3));
    // Taking gives the bytes back.
    assert_eq!(shared.used(), 8 * per_line);
    drop(first);
    assert_eq!(shared.used(), 0, "a dropped buffer gives its bytes back");
}

#[test]
fn a_job_with_nothing_pending_drops_the_new_line_when_the_process_is_full() {
    static SHARED: LogBudget = LogBudget::new(100 + std::mem::size_of::<LogLine>());
    let shared = &SHARED;
    let full = PendingLogs::new(shared);
    full.put(line(100));
    let other = PendingLogs::new(shared);
    assert!(other.put(line(100)), "a notice goes out for the drop");
    assert_eq!(other.take(), Some((Vec::new(), 1)));
}

fn redraw(stream: super::super::Stream, text: &str, status: LineStatus) -> LogLine {
    LogLine {
        text: text.to_owned(),
        stream,
        status,
        ..LogLine::default()
    }
}

#[test]
fn a_redraw_takes_the_place_of_the_pending_line_it_replaces() {
    use super::super::Stream::{Stderr, Stdout};
    static BUDGET: LogBudget = LogBudget::new(1 << 20);
    let logs = PendingLogs::new(&BUDGET);
    for percent in 0..1000 {
        logs.put(redraw(
            Stderr,
            &format!("{percent}%"),
            LineStatus::Unfinished,
        ));
    }
    logs.put(redraw(Stdout, "out", LineStatus::Finished));
    logs.put(redraw(Stderr, "99%", LineStatus::Unfinished));
    logs.put(LogLine::stdout("standalone"));
    // A finished line replaces the stream's unfinished one too; the other
    // stream's and standalone lines stay.
    logs.put(redraw(Stderr, "100%", LineStatus::Finished));
    let (lines, dropped) = logs.take().unwrap();
    assert_eq!(dropped, 0, "replaced lines are not dropped lines");
    let texts: Vec<&str> = lines.iter().map(|line| line.text.as_str()).collect();
    assert_eq!(texts, ["out", "standalone", "100%"]);
    assert_eq!(logs.budget.used(), 0, "every byte went back to the budget");
}
