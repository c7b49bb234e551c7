//! Folds engine events into what a view shows. No egui here.
