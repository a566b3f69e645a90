//! The PNG chart of a report: for every workload, each server's result relative to the best server of
//! that workload (memory inverted, so higher is always better), and below it the same for server CPU per
//! operation.

use crate::error::BenchError;
use crate::harness::Report;
use crate::server_kind::ServerKind;
use plotters::prelude::*;
use plotters::style::FontStyle;
use std::path::Path;
use std::sync::OnceLock;

/// TrueType fonts tried for the labels (Debian/Ubuntu: `apt-get install fonts-dejavu-core`).
const FONT_PATHS: [&str; 4] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
];

static FONT: OnceLock<Result<(), String>> = OnceLock::new();

/// Registers a system TrueType font as plotters' "sans-serif" (once per process).
fn register_font() -> Result<(), BenchError> {
    FONT.get_or_init(|| {
        let bytes = FONT_PATHS
            .iter()
            .find_map(|p| std::fs::read(p).ok())
            .ok_or_else(|| {
                format!("no TrueType font found in {FONT_PATHS:?} (install fonts-dejavu-core)")
            })?;
        let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
        plotters::style::register_font("sans-serif", FontStyle::Normal, bytes)
            .map_err(|_| "invalid font file".to_owned())
    })
    .clone()
    .map_err(BenchError::Server)
}

fn color(server: ServerKind) -> RGBColor {
    match server {
        ServerKind::Sio => RGBColor(0xd9, 0x5f, 0x02),
        ServerKind::Ceiling => RGBColor(0x99, 0x99, 0x99),
        ServerKind::Socketioxide => RGBColor(0x1b, 0x9e, 0x77),
        ServerKind::Node => RGBColor(0x75, 0x70, 0xb3),
    }
}

/// What a panel of the chart compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// The headline value (memory inverted).
    Result,
    /// Server CPU per operation, inverted (the best server uses the least).
    Cpu,
}

/// Each server's score per workload: value / best, or best / value where lower is better (memory, CPU).
pub fn scores(report: &Report, metric: Metric) -> Vec<Vec<Option<f64>>> {
    report
        .workloads
        .iter()
        .map(|&w| {
            let lower_is_better = metric == Metric::Cpu || w.lower_is_better();
            let values: Vec<Option<f64>> = report
                .servers
                .iter()
                .map(|&s| {
                    let o = report.outcome(w, s)?;
                    match metric {
                        Metric::Result => o.value(),
                        Metric::Cpu => o
                            .median?
                            .server_cpu_us_per_unit
                            .filter(|_| w.operation().is_some()),
                    }
                    .filter(|v| *v > 0.0)
                })
                .collect();
            let best = if lower_is_better {
                values
                    .iter()
                    .flatten()
                    .copied()
                    .fold(f64::INFINITY, f64::min)
            } else {
                values.iter().flatten().copied().fold(0.0, f64::max)
            };
            values
                .into_iter()
                .map(|v| v.map(|v| if lower_is_better { best / v } else { v / best }))
                .collect()
        })
        .collect()
}

/// Renders the chart to `path` (PNG): results above, server CPU per operation below.
pub fn render(report: &Report, path: &Path) -> Result<(), BenchError> {
    register_font()?;
    let root = BitMapBackend::new(path, (1400, 1200)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| chart_error(&e))?;
    let (top, bottom) = root.split_vertically(600);
    panel(
        report,
        &top,
        "sio vs peers: result / best server of each workload (memory inverted; higher is better)",
        &scores(report, Metric::Result),
    )?;
    panel(
        report,
        &bottom,
        "server CPU per operation: least of each workload / this server's (higher is better)",
        &scores(report, Metric::Cpu),
    )?;
    root.present().map_err(|e| chart_error(&e))?;
    Ok(())
}

fn chart_error(e: &dyn std::fmt::Display) -> BenchError {
    BenchError::Server(format!("chart: {e}"))
}

/// One panel: a group of bars per workload, one bar per server.
fn panel(
    report: &Report,
    area: &DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
    caption: &str,
    scores: &[Vec<Option<f64>>],
) -> Result<(), BenchError> {
    let err = chart_error;
    let n = report.workloads.len().max(1);
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..1.3f64)
        .map_err(|e| err(&e))?;
    let names: Vec<&str> = report.workloads.iter().map(|w| w.title()).collect();
    let label = |x: &f64| {
        let i = x.round();
        if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < names.len() {
            names[i as usize].to_owned()
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n + 2)
        .x_label_formatter(&label)
        .y_desc("relative to best")
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(|e| err(&e))?;
    let k = report.servers.len().max(1) as f64;
    let width = 0.8 / k;
    for (si, &server) in report.servers.iter().enumerate() {
        let c = color(server);
        let bars = scores.iter().enumerate().filter_map(|(wi, row)| {
            let score = row.get(si).copied().flatten()?;
            let x0 = wi as f64 - 0.4 + si as f64 * width;
            Some(Rectangle::new(
                [(x0, 0.0), (x0 + width * 0.92, score)],
                c.filled(),
            ))
        });
        chart
            .draw_series(bars)
            .map_err(|e| err(&e))?
            .label(server.name())
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], c.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(|e| err(&e))?;
    Ok(())
}
