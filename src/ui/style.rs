//! Colours and number formats shared by the views.

use std::time::Duration;

use egui::{Color32, Visuals, ecolor::Hsva};

use crate::board::StateClass;

/// The colour of a state's name in the table and the counts.
pub(crate) fn state_colour(class: StateClass, visuals: &Visuals) -> Color32 {
    let dark = visuals.dark_mode;
    let pick = |on_dark: Color32, on_light: Color32| if dark { on_dark } else { on_light };
    match class {
        StateClass::Queued => visuals.weak_text_color(),
        StateClass::Running => pick(
            Color32::from_rgb(100, 180, 255),
            Color32::from_rgb(0, 90, 200),
        ),
        StateClass::Stopping | StateClass::Paused => pick(
            Color32::from_rgb(255, 190, 80),
            Color32::from_rgb(170, 100, 0),
        ),
        StateClass::Succeeded => pick(
            Color32::from_rgb(110, 210, 110),
            Color32::from_rgb(0, 130, 40),
        ),
        StateClass::Failed | StateClass::TimedOut => pick(
            Color32::from_rgb(255, 110, 100),
            Color32::from_rgb(190, 30, 20),
        ),
        StateClass::Stopped | StateClass::Cancelled | StateClass::Skipped => pick(
            Color32::from_rgb(200, 160, 220),
            Color32::from_rgb(120, 60, 150),
        ),
    }
}

/// How many jobs in a row get colours all different from each other.
pub(crate) const PALETTE_SIZE: u64 = 64;

/// A colour of its own for each job, the same in the table and the plots.
/// Any [`PALETTE_SIZE`] jobs in a row differ: job `n`'s hue is step
/// `23 n mod 64` of 64 (23 is prime to 64, so no two share a step, and jobs
/// next to each other are 129° apart), and hues one step apart belong to
/// jobs an odd number apart, which differ in brightness too.
pub(crate) fn job_colour(seq: u64) -> Color32 {
    let i = seq % PALETTE_SIZE;
    // Both are below 64, so the conversions are exact.
    #[allow(clippy::cast_precision_loss)]
    let hue = ((i * 23) % PALETTE_SIZE) as f32 / PALETTE_SIZE as f32;
    let value = if i.is_multiple_of(2) { 0.95 } else { 0.72 };
    Hsva::new(hue, 0.75, value, 1.0).into()
}

/// `12.3 s`, `4:05`, `1:02:03`: short, and exact enough to watch.
pub(crate) fn format_duration(duration: Duration) -> String {
    let secs = duration.as_secs();
    if secs < 60 {
        format!("{:.1} s", duration.as_secs_f64())
    } else if secs < 3600 {
        format!("{}:{:02}", secs / 60, secs % 60)
    } else {
        format!("{}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixty_four_jobs_in_a_row_get_distinct_colours_and_neighbours_differ_in_hue() {
        let turns_apart = |a: &Hsva, b: &Hsva| (a.h - b.h).abs().min(1.0 - (a.h - b.h).abs());
        let colours: Vec<Hsva> = (100..100 + PALETTE_SIZE)
            .map(|seq| Hsva::from(job_colour(seq)))
            .collect();
        for (i, a) in colours.iter().enumerate() {
            for b in &colours[i + 1..] {
                // Told apart by hue (a 64th of the circle) or by brightness.
                assert!(
                    turns_apart(a, b) > 0.9 / 64.0 || (a.v - b.v).abs() > 0.15,
                    "two of 64 jobs in a row look alike: {a:?} and {b:?}"
                );
            }
        }
        for seq in 0..PALETTE_SIZE {
            let (a, b) = (Hsva::from(job_colour(seq)), Hsva::from(job_colour(seq + 1)));
            let apart = turns_apart(&a, &b);
            assert!(
                apart > 0.25,
                "jobs {seq} and {} are {apart} turns apart",
                seq + 1
            );
        }
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(format_duration(Duration::from_secs(245)), "4:05");
        assert_eq!(format_duration(Duration::from_secs(3723)), "1:02:03");
    }
}
