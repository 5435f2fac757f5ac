//! The report for people (a terminal table) and for spreadsheets (CSV).

use std::io::Write;

use anyhow::Result;
use comfy_table::{presets, CellAlignment, ContentArrangement, Table};

use super::report::{Figures, Report};
use crate::cli::Dimension;

pub const HEADERS: [&str; 6] = [
    "Views",
    "Music service clicks",
    "Share clicks",
    "Save events",
    "Video plays",
    "Service click rate",
];

/// `12.5%`, or `-` without views.
pub fn rate(r: Option<f64>) -> String {
    r.map_or_else(|| "-".to_string(), |r| format!("{:.1}%", r * 100.0))
}

fn figure_cells(f: &Figures) -> Vec<String> {
    vec![
        f.views.to_string(),
        f.service_clicks.to_string(),
        f.shares.to_string(),
        f.saves.to_string(),
        f.video_plays.to_string(),
        rate(f.click_rate),
    ]
}

/// Terminal-safe text: stored values were checked on the way in, but a
/// report may read a store someone else filled.
fn plain(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

pub fn dimension_title(d: Dimension) -> &'static str {
    match d {
        Dimension::Country => "Country",
        Dimension::Referrer => "Referrer",
        Dimension::UtmSource => "UTM source",
        Dimension::UtmCampaign => "UTM campaign",
        Dimension::Device => "Device",
        Dimension::Locale => "Locale",
        Dimension::Service => "Service",
    }
}

/// What a missing value means for a dimension.
pub fn none_label(d: Dimension) -> &'static str {
    match d {
        Dimension::Referrer => "(direct)",
        Dimension::Country => "(unknown)",
        _ => "(none)",
    }
}

/// One line naming what the report covers.
pub fn scope(r: &Report) -> String {
    let who = r
        .artist
        .as_deref()
        .map_or_else(|| "all artists".to_string(), plain);
    let when = match (r.since, r.until) {
        (None, None) => "all time".to_string(),
        (Some(s), None) => format!("since {s}"),
        (None, Some(u)) => format!("until {u}"),
        (Some(s), Some(u)) => format!("{s} to {u}"),
    };
    let source = match r.source {
        crate::cli::SourceKind::Local => "local database",
        crate::cli::SourceKind::Cloudflare => "Cloudflare Analytics Engine",
    };
    format!("{who}, {when} ({source})")
}

fn table(headers: Vec<String>) -> Table {
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(headers);
    t
}

fn align_numbers(t: &mut Table, first: usize) {
    for i in first..t.column_count() {
        if let Some(c) = t.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
}

/// The report as text tables.
pub fn text(r: &Report) -> String {
    let mut out = format!("Smart Link analytics: {}\n\n", scope(r));
    let mut totals = table(HEADERS.iter().map(|s| s.to_string()).collect());
    totals.add_row(figure_cells(&r.totals));
    align_numbers(&mut totals, 0);
    out.push_str(&format!("{totals}\n\n"));

    if r.links.is_empty() {
        out.push_str("No events in this range.\n");
    } else {
        let mut headers = vec!["Smart Link".to_string()];
        headers.extend(HEADERS.iter().map(|s| s.to_string()));
        let mut links = table(headers);
        for l in &r.links {
            let mut row = vec![plain(&format!("{}/{}", l.artist, l.link))];
            row.extend(figure_cells(&l.figures));
            links.add_row(row);
        }
        align_numbers(&mut links, 1);
        out.push_str(&format!("{links}\n"));
    }

    if let Some(b) = &r.breakdown {
        out.push('\n');
        let label = |v: &Option<String>| v.as_deref().map_or(none_label(b.by).to_string(), plain);
        if b.by == Dimension::Service {
            let total: u64 = b.rows.iter().map(|x| x.figures.service_clicks).sum();
            let mut t = table(vec![
                "Service".into(),
                "Music service clicks".into(),
                "Share of clicks".into(),
            ]);
            for row in &b.rows {
                let share = (total > 0).then(|| row.figures.service_clicks as f64 / total as f64);
                t.add_row(vec![
                    label(&row.value),
                    row.figures.service_clicks.to_string(),
                    rate(share),
                ]);
            }
            align_numbers(&mut t, 1);
            out.push_str(&format!("{t}\n"));
        } else {
            let mut headers = vec![dimension_title(b.by).to_string()];
            headers.extend(HEADERS.iter().map(|s| s.to_string()));
            let mut t = table(headers);
            for row in &b.rows {
                let mut cells = vec![label(&row.value)];
                cells.extend(figure_cells(&row.figures));
                t.add_row(cells);
            }
            align_numbers(&mut t, 1);
            out.push_str(&format!("{t}\n"));
        }
    }
    out
}

/// A cell a spreadsheet will not run as a formula.
fn cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

fn csv_rate(r: Option<f64>) -> String {
    r.map(|r| format!("{r:.4}")).unwrap_or_default()
}

const CSV_FIGURES: [&str; 6] = [
    "views",
    "service_clicks",
    "shares",
    "saves",
    "video_plays",
    "click_rate",
];

fn csv_figures(f: &Figures) -> Vec<String> {
    vec![
        f.views.to_string(),
        f.service_clicks.to_string(),
        f.shares.to_string(),
        f.saves.to_string(),
        f.video_plays.to_string(),
        csv_rate(f.click_rate),
    ]
}

/// The per-link table (or, with `--by`, the breakdown) as CSV. The first
/// data row is the total, named `(total)`; an empty value is an empty cell.
pub fn csv(r: &Report, out: impl Write) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    match &r.breakdown {
        None => {
            let mut header = vec!["artist", "link"];
            header.extend(CSV_FIGURES);
            w.write_record(&header)?;
            let mut total = vec!["(total)".to_string(), "(total)".to_string()];
            total.extend(csv_figures(&r.totals));
            w.write_record(&total)?;
            for l in &r.links {
                let mut row = vec![cell(&l.artist), cell(&l.link)];
                row.extend(csv_figures(&l.figures));
                w.write_record(&row)?;
            }
        }
        Some(b) => {
            let name = serde_json::to_value(b.by)?
                .as_str()
                .unwrap_or("value")
                .to_string();
            let mut header = vec![name.as_str()];
            header.extend(CSV_FIGURES);
            w.write_record(&header)?;
            let mut total = vec!["(total)".to_string()];
            total.extend(csv_figures(&r.totals));
            w.write_record(&total)?;
            for row in &b.rows {
                let mut cells = vec![cell(row.value.as_deref().unwrap_or(""))];
                cells.extend(csv_figures(&row.figures));
                w.write_record(&cells)?;
            }
        }
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_cells_are_defused_and_others_kept() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("@sum"), "'@sum");
        assert_eq!(cell("https://l.instagram.com"), "https://l.instagram.com");
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        assert_eq!(plain("a\u{1b}[2Jb"), "a?[2Jb");
    }
}
