//! The plots' legend with many series: every line can be found in it,
//! in natural order, inside the window (it scrolls instead of running off
//! the plot's edge), and unchecking a row hides its line.

use std::sync::Arc;
use std::time::Instant;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use jobdeck::board::Board;
use jobdeck::engine::{Event, EventKind, JobId};
use jobdeck::jobs::{DemoJob, DemoKind};
use jobdeck::jobspec::{JobKind, JobSpec};
use jobdeck::ui::{App, Settings};

const HEIGHT: f32 = 800.0;
const SERIES: usize = 40;

/// A window whose board holds `SERIES` jobs "walk 1".."walk 40", each
/// with a short series.
fn harness() -> Harness<'static, App> {
    let now = Instant::now();
    let mut board = Board::new_at(now);
    for i in 1..=SERIES {
        let id = JobId::new();
        let kind = JobKind::Demo(DemoJob::default_for(DemoKind::RandomWalk));
        board.add_job(id, Arc::new(JobSpec::new(format!("walk {i}"), kind)), now);
        let points = (0..10).map(|x| [x as f64, (x * i) as f64]).collect();
        board.apply_at(
            Event {
                job: id,
                kind: EventKind::Samples {
                    series: Arc::from("value"),
                    points,
                },
            },
            now,
        );
    }
    let app = App::with_board(Settings::default(), board).expect("a pool");
    let mut harness = Harness::builder()
        .with_size([1280.0, HEIGHT])
        .build_ui_state(|ui, app: &mut App| app.frame_ui(ui), app);
    harness.run_steps(3);
    harness
}

#[test]
fn every_line_of_many_can_be_found_in_the_legend_inside_the_window() {
    let mut harness = harness();
    let plots_top = harness.get_by_label("Plots").rect().bottom();
    let mut last_found: Option<String> = None;
    for i in 1..=SERIES {
        let name = format!("walk {i}");
        let mut tries = 0;
        loop {
            let inside = harness
                .query_by_role_and_label(Role::CheckBox, &name)
                .map(|node| node.rect())
                .is_some_and(|rect| rect.top() >= plots_top && rect.bottom() <= HEIGHT);
            if inside {
                break;
            }
            tries += 1;
            assert!(
                tries < 10,
                "{name} never shows inside the window, after {last_found:?}"
            );
            // Scroll the legend on from the row found last.
            let from = last_found.clone().unwrap_or_else(|| "walk 1".to_owned());
            harness
                .get_by_role_and_label(Role::CheckBox, &from)
                .scroll_down();
            harness.run_steps(2);
        }
        last_found = Some(name);
    }
}

#[test]
fn unchecking_a_row_hides_its_line_and_checking_shows_it_again() {
    let mut harness = harness();
    let row = harness.get_by_role_and_label(Role::CheckBox, "walk 1");
    assert_eq!(
        row.accesskit_node().toggled(),
        Some(egui::accesskit::Toggled::True)
    );
    row.click();
    harness.run_steps(2);
    let row = harness.get_by_role_and_label(Role::CheckBox, "walk 1");
    assert_eq!(
        row.accesskit_node().toggled(),
        Some(egui::accesskit::Toggled::False)
    );
    row.click();
    harness.run_steps(2);
    let row = harness.get_by_role_and_label(Role::CheckBox, "walk 1");
    assert_eq!(
        row.accesskit_node().toggled(),
        Some(egui::accesskit::Toggled::True)
    );
}
