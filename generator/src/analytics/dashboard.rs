//! `--html FILE`: the report as one self-contained page. Charts are inline
//! SVG drawn here; there is no script, and a Content-Security-Policy forbids
//! loading anything. Every string goes through Tera's escaping.

use anyhow::{anyhow, Context, Result};
use serde::Serialize;

use super::format::{dimension_title, none_label, rate, scope, HEADERS};
use super::report::{Figures, Report};
use crate::cli::Dimension;
use crate::theme::{escape_html_to, tera_chain};

const TEMPLATE: &str = include_str!("dashboard.html");

/// Chart width and height in SVG units.
const W: f64 = 640.0;
const DAY_H: f64 = 160.0;
const ROW_H: f64 = 24.0;
const LABEL_W: f64 = 140.0;

#[derive(Serialize)]
struct Bar {
    label: String,
    value: u64,
    x: String,
    y: String,
    w: String,
    h: String,
    color: String,
}

#[derive(Serialize)]
struct Chart {
    bars: Vec<Bar>,
    height: String,
    max: u64,
    first: Option<String>,
    last: Option<String>,
}

#[derive(Serialize)]
struct Row {
    label: String,
    cells: Vec<String>,
}

#[derive(Serialize)]
struct Page<'a> {
    scope: String,
    headers: &'a [&'a str],
    totals: Vec<String>,
    links: Vec<Row>,
    breakdown_title: Option<&'static str>,
    breakdown: Vec<Row>,
    views: Chart,
    services: Chart,
    countries: Chart,
}

fn n(x: f64) -> String {
    format!("{x:.2}")
}

fn cells(f: &Figures) -> Vec<String> {
    vec![
        f.views.to_string(),
        f.service_clicks.to_string(),
        f.shares.to_string(),
        f.saves.to_string(),
        f.video_plays.to_string(),
        rate(f.click_rate),
    ]
}

/// Vertical bars, one per day.
fn day_chart(r: &Report) -> Chart {
    let max = r.views_per_day.iter().map(|d| d.views).max().unwrap_or(0);
    let count = r.views_per_day.len().max(1) as f64;
    let slot = W / count;
    let bars = r
        .views_per_day
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let h = if max == 0 {
                0.0
            } else {
                d.views as f64 / max as f64 * DAY_H
            };
            Bar {
                label: d.date.to_string(),
                value: d.views,
                x: n(i as f64 * slot),
                y: n(DAY_H - h),
                w: n((slot * 0.8).max(0.5)),
                h: n(h),
                color: "#0b57d0".into(),
            }
        })
        .collect();
    Chart {
        bars,
        height: n(DAY_H),
        max,
        first: r.views_per_day.first().map(|d| d.date.to_string()),
        last: r.views_per_day.last().map(|d| d.date.to_string()),
    }
}

/// Horizontal bars with a label on the left.
fn row_chart(items: Vec<(String, u64, String)>) -> Chart {
    let max = items.iter().map(|i| i.1).max().unwrap_or(0);
    let bars = items
        .into_iter()
        .enumerate()
        .map(|(i, (label, value, color))| {
            let w = if max == 0 {
                0.0
            } else {
                value as f64 / max as f64 * (W - LABEL_W - 60.0)
            };
            Bar {
                label,
                value,
                x: n(LABEL_W),
                y: n(i as f64 * ROW_H),
                w: n(w),
                h: n(ROW_H - 6.0),
                color,
            }
        })
        .collect::<Vec<_>>();
    Chart {
        height: n((bars.len() as f64 * ROW_H).max(ROW_H)),
        bars,
        max,
        first: None,
        last: None,
    }
}

pub fn render(r: &Report) -> Result<String> {
    let services = row_chart(
        r.clicks_per_service
            .iter()
            .map(|s| {
                let color =
                    smartlinks_core::service::service(&s.service).map_or("#555555", |x| x.color);
                (s.name.clone(), s.clicks, color.to_string())
            })
            .collect(),
    );
    let countries = row_chart(
        r.top_countries
            .iter()
            .map(|c| {
                (
                    c.country.clone().unwrap_or_else(|| "(unknown)".into()),
                    c.views,
                    "#188038".to_string(),
                )
            })
            .collect(),
    );
    let (breakdown_title, breakdown) = match &r.breakdown {
        None => (None, Vec::new()),
        Some(b) => (
            Some(dimension_title(b.by)),
            b.rows
                .iter()
                .map(|row| Row {
                    label: row
                        .value
                        .clone()
                        .unwrap_or_else(|| none_label(b.by).to_string()),
                    cells: if b.by == Dimension::Service {
                        let mut c = vec!["".to_string(); 6];
                        c[1] = row.figures.service_clicks.to_string();
                        c
                    } else {
                        cells(&row.figures)
                    },
                })
                .collect(),
        ),
    };
    let page = Page {
        scope: scope(r),
        headers: &HEADERS,
        totals: cells(&r.totals),
        links: r
            .links
            .iter()
            .map(|l| Row {
                label: format!("{}/{}", l.artist, l.link),
                cells: cells(&l.figures),
            })
            .collect(),
        breakdown_title,
        breakdown,
        views: day_chart(r),
        services,
        countries,
    };
    let mut tera = tera::Tera::default();
    tera.set_escape_fn(escape_html_to);
    tera.add_raw_template("dashboard.html", TEMPLATE)
        .map_err(|e| anyhow!(tera_chain(&e)))?;
    let ctx = tera::Context::from_serialize(&page).map_err(|e| anyhow!(tera_chain(&e)))?;
    tera.render("dashboard.html", &ctx)
        .map_err(|e| anyhow!(tera_chain(&e)))
        .context("cannot render the analytics dashboard")
}
