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
        StateClass::Stopping => pick(
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

/// A colour of its own for each job, the same in the table and the plots:
/// hues a golden angle apart, so neighbours differ clearly.
pub(crate) fn job_colour(seq: u64) -> Color32 {
    const GOLDEN: f64 = 0.618_033_988_749_895;
    // Only the fractional part matters, so the narrowing is harmless.
    #[allow(clippy::cast_possible_truncation)]
    let hue = (seq as f64 * GOLDEN).fract() as f32;
    Hsva::new(hue, 0.75, 0.95, 1.0).into()
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
    fn durations_read_naturally() {
        assert_eq!(format_duration(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(format_duration(Duration::from_secs(245)), "4:05");
        assert_eq!(format_duration(Duration::from_secs(3723)), "1:02:03");
    }
}
