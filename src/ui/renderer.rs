//! Which renderer draws the window, chosen at start-up.
//!
//! glow (OpenGL) is tried first. On a GPU both renderers cost little; under
//! software rendering (Mesa's llvmpipe: no working GPU driver, a VM, a remote
//! desktop) glow draws the same frames for a fraction of wgpu's CPU, which
//! there goes through GL on top of EGL (`benches/window_cpu.sh` measures
//! both). wgpu is the fallback when no OpenGL context can be made.
//! [`RENDERER_ENV`] puts either one first.
//!
//! What the renderer draws matters as much as which one draws it: see
//! [`paint_panels_by_clearing`].

use eframe::Renderer;

/// The environment variable that picks the renderer tried first: `glow` or
/// `wgpu`. The other one is still the fallback.
pub const RENDERER_ENV: &str = "JOBDECK_RENDERER";

/// The renderers to try, in order, for the value of [`RENDERER_ENV`] (if
/// set), and a warning to print when that value is not a renderer.
pub(crate) fn attempts(choice: Option<&str>) -> ([Renderer; 2], Option<String>) {
    const GLOW_FIRST: [Renderer; 2] = [Renderer::Glow, Renderer::Wgpu];
    match choice.map(str::trim) {
        None | Some("") => (GLOW_FIRST, None),
        Some(name) if name.eq_ignore_ascii_case("glow") => (GLOW_FIRST, None),
        Some(name) if name.eq_ignore_ascii_case("wgpu") => ([Renderer::Wgpu, Renderer::Glow], None),
        Some(name) => (
            GLOW_FIRST,
            Some(format!(
                "{RENDERER_ENV}={name:?} is not a renderer (expected glow or wgpu); trying glow first"
            )),
        ),
    }
}

/// Whether `error` means that this renderer cannot draw here (no OpenGL or
/// no wgpu adapter), so that the other one is worth a try. Errors of the
/// window system or of the app itself would fail the same way again.
pub(crate) fn is_renderer_failure(error: &eframe::Error) -> bool {
    matches!(
        error,
        eframe::Error::Glutin(_)
            | eframe::Error::NoGlutinConfigs(..)
            | eframe::Error::OpenGL(_)
            | eframe::Error::Wgpu(_)
    )
}

/// Leaves the panels' background to the renderer's clear (see
/// [`clear_color`]): drawn as shapes, the panels cover the whole window once
/// more each frame, which under software rendering is almost half the cost
/// of a frame (`benches/window_cpu.sh`: 13% of a core against 7% while jobs
/// run); clearing the same pixels to the same colour costs next to nothing.
pub(crate) fn paint_panels_by_clearing(ctx: &egui::Context) {
    ctx.all_styles_mut(|style| style.visuals.panel_fill = egui::Color32::TRANSPARENT);
}

/// The colour the window is cleared to before each frame: the theme's panel
/// fill, which [`paint_panels_by_clearing`] took from the panels.
pub(crate) fn clear_color(visuals: &egui::Visuals) -> [f32; 4] {
    let theme = if visuals.dark_mode {
        egui::Visuals::dark()
    } else {
        egui::Visuals::light()
    };
    theme.panel_fill.to_normalized_gamma_f32()
}

/// The name of the renderer drawing `frame`.
pub(crate) fn name_of(frame: &eframe::Frame) -> &'static str {
    if frame.gl().is_some() {
        "glow"
    } else if frame.wgpu_render_state().is_some() {
        "wgpu"
    } else {
        "none"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glow_comes_first_unless_wgpu_is_asked_for() {
        assert_eq!(attempts(None), ([Renderer::Glow, Renderer::Wgpu], None));
        assert_eq!(attempts(Some("")), ([Renderer::Glow, Renderer::Wgpu], None));
        assert_eq!(
            attempts(Some("GLOW")),
            ([Renderer::Glow, Renderer::Wgpu], None)
        );
        assert_eq!(
            attempts(Some(" wgpu ")),
            ([Renderer::Wgpu, Renderer::Glow], None)
        );
    }

    #[test]
    fn an_unknown_renderer_is_named_in_a_warning_and_glow_is_tried() {
        let (order, warning) = attempts(Some("vulkan"));
        assert_eq!(order, [Renderer::Glow, Renderer::Wgpu]);
        assert_eq!(
            warning.as_deref(),
            Some(
                "JOBDECK_RENDERER=\"vulkan\" is not a renderer (expected glow or wgpu); trying glow first"
            )
        );
    }

    #[test]
    fn only_renderer_errors_are_worth_the_other_renderer() {
        let wgpu = eframe::Error::Wgpu(egui_wgpu_error());
        assert!(is_renderer_failure(&wgpu));
        let app = eframe::Error::AppCreation("the app failed".into());
        assert!(!is_renderer_failure(&app));
    }

    fn egui_wgpu_error() -> eframe::egui_wgpu::WgpuError {
        eframe::egui_wgpu::WgpuError::CustomNativeAdapterSelectionError(
            "no adapter in this test".to_owned(),
        )
    }
}
