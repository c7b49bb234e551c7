//! The egui/eframe window.
