//! Board and window benchmarks: how fast events fold into the board, and how
//! long one headless frame of the real window takes (egui logic, layout and
//! tessellation; no GPU). Prints one `RESULT` line per workload, last.
//!
//! Run with `cargo bench --bench board`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use jobdeck::board::{Board, StateClass};
use jobdeck::engine::{Event, EventKind, JobId};
use jobdeck::jobs::{DemoJob, DemoKind};
use jobdeck::jobspec::{JobKind, JobSpec};
use jobdeck::ui::{App, Settings, Sort, SortKey, TableState};

/// Runs per workload; medians are reported.
const RUNS: usize = 7;
/// Events folded per `fold_events` run.
const FOLD_EVENTS: usize = 2_000_000;
/// Jobs the folded events spread over.
const FOLD_JOBS: usize = 1_000;
/// Series and points per series in the frame benchmark.
const SERIES: usize = 64;
const POINTS_PER_SERIES: usize = 1_000_000;
/// Frames timed per frame benchmark run (after warm-up).
const FRAMES: usize = 20;
/// Rows in the sorted-and-filtered table benchmark.
const TABLE_JOBS: usize = 10_000;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// A board of `jobs` running jobs.
fn running_board(jobs: usize, now: Instant) -> (Board, Vec<JobId>) {
    let mut board = Board::new_at(now);
    let ids: Vec<JobId> = (0..jobs).map(|_| JobId::new()).collect();
    for (i, &id) in ids.iter().enumerate() {
        let kind = JobKind::Demo(DemoJob::default_for(DemoKind::RandomWalk));
        // Names out of submission order, so that sorting them moves rows.
        let name = format!("job {}", (i * 7_919) % jobs);
        board.add_job(id, Arc::new(JobSpec::new(name, kind)), now);
        board.apply_at(
            Event {
                job: id,
                kind: EventKind::Started {
                    worker: Some(i % 64),
                    attempt: 1,
                },
            },
            now,
        );
    }
    (board, ids)
}

/// Events folded per second: progress updates spread over many jobs, as a
/// flood from the pool would arrive.
fn fold_events() -> f64 {
    let now = Instant::now();
    let (mut board, ids) = running_board(FOLD_JOBS, now);
    let rates = (0..RUNS)
        .map(|_| {
            let events: Vec<Event> = (0..FOLD_EVENTS)
                .map(|i| Event {
                    job: ids[i % ids.len()],
                    kind: EventKind::Progress((i % 1000) as f32 / 1000.0),
                })
                .collect();
            let start = Instant::now();
            board.fold_events(events, now);
            let secs = start.elapsed().as_secs_f64();
            black_box(board.overall(now));
            FOLD_EVENTS as f64 / secs
        })
        .collect();
    median(rates)
}

/// A window whose board holds `jobs` running jobs and `SERIES` random-walk
/// series of `POINTS_PER_SERIES` points, spread over the newest jobs (several
/// per job when there are fewer jobs than series), so only the job count
/// differs between the two frame workloads.
fn window(jobs: usize, series: usize) -> App {
    let now = Instant::now();
    let (mut board, ids) = running_board(jobs, now);
    let mut rng = fastrand::Rng::with_seed(7);
    let carriers: Vec<JobId> = ids.iter().rev().take(SERIES).copied().collect();
    for s in 0..series {
        let id = carriers[s % carriers.len()];
        let name: Arc<str> = Arc::from(format!("walk {s}"));
        let mut value = 0.0;
        for chunk in 0..POINTS_PER_SERIES / 10_000 {
            let points = (0..10_000)
                .map(|i| {
                    value += rng.f64() - 0.5;
                    [(chunk * 10_000 + i) as f64, value]
                })
                .collect();
            board.apply_at(
                Event {
                    job: id,
                    kind: EventKind::Samples {
                        series: Arc::clone(&name),
                        points,
                    },
                },
                now,
            );
        }
        board.apply_at(
            Event {
                job: id,
                kind: EventKind::Progress(0.5),
            },
            now,
        );
    }
    let mut app = App::with_board(Settings::default(), board).expect("a pool");
    app.select(ids.last().copied());
    app
}

/// The table sorted by name (descending, so that the order differs from
/// both submission and natural ascending order) and filtered by a name and a
/// state chip that every job passes: the same rows are laid out as without
/// them, so only sorting and filtering differ.
fn sort_and_filter(table: &mut TableState) {
    table.sort = Some(Sort {
        key: SortKey::Name,
        descending: true,
    });
    "JOB".clone_into(&mut table.filter.text);
    table.filter.states.toggle(StateClass::Running);
}

/// Median milliseconds of one headless frame: logic, layout, tessellation.
fn frame_ms(jobs: usize, series: usize) -> f64 {
    frame_ms_of(window(jobs, series))
}

fn frame_ms_of(mut app: App) -> f64 {
    let ctx = egui::Context::default();
    let input = || egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1280.0, 800.0),
        )),
        ..Default::default()
    };
    let frame = |app: &mut App| {
        let output = ctx.run_ui(input(), |ui| app.frame_ui(ui));
        black_box(ctx.tessellate(output.shapes, output.pixels_per_point));
    };
    // The first frames size panels and build the font atlas.
    for _ in 0..5 {
        frame(&mut app);
    }
    let runs = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..FRAMES {
                frame(&mut app);
            }
            start.elapsed().as_secs_f64() * 1000.0 / FRAMES as f64
        })
        .collect();
    median(runs)
}

/// Median milliseconds of a frame of `TABLE_JOBS` rows, plain and sorted
/// and filtered (see [`sort_and_filter`]).
fn table_frames_ms() -> (f64, f64) {
    let plain = frame_ms_of(window(TABLE_JOBS, 0));
    let mut sorted = window(TABLE_JOBS, 0);
    sort_and_filter(sorted.table_mut());
    (plain, frame_ms_of(sorted))
}

/// Median milliseconds to sort and filter `TABLE_JOBS` rows afresh: what a
/// frame pays when a job was added or removed (or, sorted by state, when a
/// state changed) since the last frame.
fn table_refresh_ms() -> f64 {
    let now = Instant::now();
    let (board, _) = running_board(TABLE_JOBS, now);
    let runs = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..FRAMES {
                let mut table = TableState::default();
                sort_and_filter(&mut table);
                table.refresh(&board, now);
                black_box(table.rows().len());
            }
            start.elapsed().as_secs_f64() * 1000.0 / FRAMES as f64
        })
        .collect();
    median(runs)
}

/// Median milliseconds to decimate every series of a 1,000-job board to
/// 1,000 columns: the share of a frame spent before egui sees a point.
fn decimate_ms() -> f64 {
    let app = window(1_000, SERIES);
    let runs = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            for job in app.board().jobs() {
                for series in &job.series {
                    let range = series.x_range().unwrap_or(0.0..=1.0);
                    black_box(series.decimate(range, 1_000));
                }
            }
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    median(runs)
}

fn main() {
    let started = Instant::now();
    let events_per_sec = fold_events();
    let frame_1000 = frame_ms(1_000, SERIES);
    let frame_10 = frame_ms(10, SERIES);
    let frame_no_plots = frame_ms(1_000, 0);
    let decimate = decimate_ms();
    let (table_plain, table_sorted) = table_frames_ms();
    let table_refresh = table_refresh_ms();
    eprintln!("benchmarks took {:?}", started.elapsed());
    println!("RESULT fold_events events_per_sec={events_per_sec:.0} goal=10000000");
    println!(
        "RESULT frame_1000_jobs frame_ms={frame_1000:.2} frame_10_jobs_ms={frame_10:.2} ratio={:.2} goal_ms=8",
        frame_1000 / frame_10
    );
    println!(
        "RESULT frame_parts no_plots_ms={frame_no_plots:.2} decimate_64_series_ms={decimate:.2}"
    );
    println!(
        "RESULT frame_10000_rows_sorted_filtered frame_ms={table_sorted:.2} \
         unsorted_frame_ms={table_plain:.2} ratio={:.2} resort_ms={table_refresh:.2}",
        table_sorted / table_plain
    );
}
