//! The plots' legend: a scrolling column beside the plot, so every line
//! can be named however many there are (`egui_plot`'s own legend is drawn
//! over the plot and cut off at its edge). One row per line in natural
//! order, with the line's colour; a checkbox shows or hides the line.

use std::collections::HashSet;

use egui::{Color32, Ui};

/// A plotted line's key: (job seq, series index).
pub(crate) type LineKey = (u64, usize);

/// One legend row.
pub(crate) struct LegendRow<'a> {
    /// The line's name ("walk 3", or "job: series").
    pub(crate) name: &'a str,
    /// The line's colour.
    pub(crate) colour: Color32,
    /// Which line it is.
    pub(crate) key: LineKey,
}

/// Draws the rows in a column that scrolls; only the rows in view are laid
/// out, so 64 rows cost what a screenful does. Unchecking a row adds its
/// line to `hidden`.
pub(crate) fn legend_ui(ui: &mut Ui, rows: &[LegendRow<'_>], hidden: &mut HashSet<LineKey>) {
    let row_height = ui.spacing().interact_size.y;
    egui::ScrollArea::vertical()
        .id_salt("plot legend")
        .auto_shrink([false, false])
        .show_rows(ui, row_height, rows.len(), |ui, range| {
            for row in &rows[range] {
                ui.horizontal(|ui| {
                    let (swatch, _) =
                        ui.allocate_exact_size(egui::vec2(14.0, row_height), egui::Sense::hover());
                    let y = swatch.center().y;
                    ui.painter().line_segment(
                        [egui::pos2(swatch.left(), y), egui::pos2(swatch.right(), y)],
                        egui::Stroke::new(3.0, row.colour),
                    );
                    let mut shown = !hidden.contains(&row.key);
                    let checkbox = ui
                        .add(egui::Checkbox::new(&mut shown, row.name))
                        .on_hover_text("Show or hide this line");
                    if checkbox.changed() {
                        if shown {
                            hidden.remove(&row.key);
                        } else {
                            hidden.insert(row.key);
                        }
                    }
                });
            }
        });
}
