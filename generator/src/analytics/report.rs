//! The report: the figures an artist reads, computed from whichever store
//! holds the events.

use std::collections::{BTreeMap, HashMap};

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;
use smartlinks_core::beacon::EventKind;

use super::query::{self, Dialect, Field, Filter};
use super::store::Row;
use crate::cli::{Dimension, SourceKind};

/// Somewhere events can be counted with SQL.
pub trait Source {
    fn kind(&self) -> SourceKind;
    fn dialect(&self) -> &Dialect;
    fn rows(&self, sql: &str) -> Result<Vec<Row>>;
}

/// The headline figures, for the whole report or one row of a table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Figures {
    pub views: u64,
    pub service_clicks: u64,
    pub shares: u64,
    pub saves: u64,
    pub video_plays: u64,
    /// Service clicks / views; `null` without views.
    pub click_rate: Option<f64>,
}

impl Figures {
    fn add(&mut self, kind: EventKind, n: u64) {
        match kind {
            EventKind::View => self.views += n,
            EventKind::Click => self.service_clicks += n,
            EventKind::Share => self.shares += n,
            EventKind::Save => self.saves += n,
            EventKind::Video => self.video_plays += n,
        }
        self.click_rate = (self.views > 0).then(|| self.service_clicks as f64 / self.views as f64);
    }

    fn events(&self) -> u64 {
        self.views + self.service_clicks + self.shares + self.saves + self.video_plays
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LinkRow {
    pub artist: String,
    pub link: String,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Clone, Serialize)]
pub struct BreakdownRow {
    /// The value (`FR`, `https://l.instagram.com`, `deezer`…); `null` when
    /// the event had none.
    pub value: Option<String>,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Clone, Serialize)]
pub struct Breakdown {
    pub by: Dimension,
    pub rows: Vec<BreakdownRow>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DayViews {
    pub date: NaiveDate,
    pub views: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ServiceClicks {
    pub service: String,
    /// Display name from the service registry (the id when unknown).
    pub name: String,
    pub clicks: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CountryViews {
    /// ISO 3166-1 alpha-2; `null` when unknown.
    pub country: Option<String>,
    pub views: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub source: SourceKind,
    pub artist: Option<String>,
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub totals: Figures,
    /// One row per Smart Link, most viewed first.
    pub links: Vec<LinkRow>,
    /// With `--by`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breakdown: Option<Breakdown>,
    /// Every day of the range, days without views included.
    pub views_per_day: Vec<DayViews>,
    pub clicks_per_service: Vec<ServiceClicks>,
    /// The ten countries with the most views.
    pub top_countries: Vec<CountryViews>,
}

/// Longest run of days drawn; a range without dates follows the data.
const MAX_DAYS: i64 = 3 * 366;
const TOP_COUNTRIES: usize = 10;

fn dimension_field(d: Dimension) -> Field {
    match d {
        Dimension::Country => Field::Country,
        Dimension::Referrer => Field::Referrer,
        Dimension::UtmSource => Field::UtmSource,
        Dimension::UtmCampaign => Field::UtmCampaign,
        Dimension::Device => Field::Device,
        Dimension::Locale => Field::Locale,
        Dimension::Service => Field::Service,
    }
}

/// A count as either store returns it: a number, or (Analytics Engine, like
/// ClickHouse, quotes 64-bit integers) a string; sampled sums may be floats.
fn count(row: &Row, sql: &str) -> Result<u64> {
    let n = match row.get("n") {
        Some(Value::Number(n)) => n.as_u64().or_else(|| n.as_f64().map(|f| f.round() as u64)),
        Some(Value::String(s)) => s
            .parse::<u64>()
            .ok()
            .or_else(|| s.parse::<f64>().ok().map(|f| f.round() as u64)),
        Some(Value::Null) => Some(0),
        _ => None,
    };
    n.with_context(|| {
        format!(
            "answer to `{sql}` has no count `n` in row {}",
            Value::from(row.clone())
        )
    })
}

/// A text value; an empty one (Analytics Engine's absent blob) is `None`.
fn text(row: &Row, name: &str) -> Option<String> {
    match row.get(name) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

fn kind(row: &Row) -> Option<EventKind> {
    row.get("kind")
        .and_then(Value::as_str)
        .and_then(EventKind::parse)
}

/// Figures per value of one field, as a query answered them.
type PerValue = Vec<(Option<String>, Figures)>;

struct Runner<'a> {
    source: &'a dyn Source,
    filter: &'a Filter,
    per_value: HashMap<(Field, Option<EventKind>), PerValue>,
}

impl Runner<'_> {
    fn rows(&self, sql: &str) -> Result<Vec<Row>> {
        self.source.rows(sql)
    }

    fn per_value(&mut self, field: Field, only: Option<EventKind>) -> Result<&PerValue> {
        if !self.per_value.contains_key(&(field, only)) {
            let sql = query::per_value(self.source.dialect(), self.filter, field, only);
            let mut by: BTreeMap<Option<String>, Figures> = BTreeMap::new();
            for row in self.rows(&sql)? {
                // Kinds this version does not know are not counted.
                if let Some(k) = kind(&row) {
                    by.entry(text(&row, "bucket"))
                        .or_default()
                        .add(k, count(&row, &sql)?);
                }
            }
            self.per_value
                .insert((field, only), by.into_iter().collect());
        }
        Ok(&self.per_value[&(field, only)])
    }
}

impl Report {
    pub fn compute(source: &dyn Source, filter: &Filter, by: Option<Dimension>) -> Result<Report> {
        let mut run = Runner {
            source,
            filter,
            per_value: HashMap::new(),
        };
        let dialect = source.dialect();

        let sql = query::per_link(dialect, filter);
        let mut links: BTreeMap<(String, String), Figures> = BTreeMap::new();
        let mut totals = Figures::default();
        for row in run.rows(&sql)? {
            let (Some(k), Some(artist), Some(link)) =
                (kind(&row), text(&row, "artist"), text(&row, "link"))
            else {
                continue;
            };
            let n = count(&row, &sql)?;
            links.entry((artist, link)).or_default().add(k, n);
            totals.add(k, n);
        }
        let mut links: Vec<LinkRow> = links
            .into_iter()
            .map(|((artist, link), figures)| LinkRow {
                artist,
                link,
                figures,
            })
            .collect();
        links.sort_by(|a, b| {
            b.figures
                .views
                .cmp(&a.figures.views)
                .then_with(|| b.figures.events().cmp(&a.figures.events()))
                .then_with(|| (&a.artist, &a.link).cmp(&(&b.artist, &b.link)))
        });

        let breakdown = match by {
            None => None,
            Some(d) => {
                let only = (d == Dimension::Service).then_some(EventKind::Click);
                let mut rows: Vec<BreakdownRow> = run
                    .per_value(dimension_field(d), only)?
                    .iter()
                    .map(|(value, figures)| BreakdownRow {
                        value: value.clone(),
                        figures: *figures,
                    })
                    .collect();
                rows.sort_by(|a, b| {
                    b.figures
                        .events()
                        .cmp(&a.figures.events())
                        .then_with(|| a.value.cmp(&b.value))
                });
                Some(Breakdown { by: d, rows })
            }
        };

        let mut clicks_per_service: Vec<ServiceClicks> = run
            .per_value(Field::Service, Some(EventKind::Click))?
            .iter()
            .filter_map(|(service, f)| {
                let service = service.clone()?;
                let name = smartlinks_core::service::service(&service)
                    .map_or_else(|| service.clone(), |s| s.name.to_string());
                Some(ServiceClicks {
                    service,
                    name,
                    clicks: f.service_clicks,
                })
            })
            .collect();
        clicks_per_service.sort_by(|a, b| b.clicks.cmp(&a.clicks).then(a.service.cmp(&b.service)));

        let mut top_countries: Vec<CountryViews> = run
            .per_value(Field::Country, Some(EventKind::View))?
            .iter()
            .map(|(country, f)| CountryViews {
                country: country.clone(),
                views: f.views,
            })
            .collect();
        top_countries.sort_by(|a, b| b.views.cmp(&a.views).then(a.country.cmp(&b.country)));
        top_countries.truncate(TOP_COUNTRIES);

        let sql = query::views_per_day(dialect, filter);
        let mut days: BTreeMap<NaiveDate, u64> = BTreeMap::new();
        for row in run.rows(&sql)? {
            let Some(date) =
                text(&row, "bucket").and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
            else {
                bail!(
                    "answer to `{sql}` has a row without a YYYY-MM-DD `bucket`: {}",
                    Value::from(row)
                );
            };
            *days.entry(date).or_default() += count(&row, &sql)?;
        }
        let views_per_day = fill_days(&days, filter.since(), filter.until());

        Ok(Report {
            source: source.kind(),
            artist: filter.artist().map(str::to_string),
            since: filter.since(),
            until: filter.until(),
            totals,
            links,
            breakdown,
            views_per_day,
            clicks_per_service,
            top_countries,
        })
    }
}

/// Every day from the first to the last (the filter's range when given,
/// else the data's), zeros included, so the chart's time axis is honest.
fn fill_days(
    days: &BTreeMap<NaiveDate, u64>,
    since: Option<NaiveDate>,
    until: Option<NaiveDate>,
) -> Vec<DayViews> {
    let (Some(first), Some(last)) = (
        since.or_else(|| days.keys().next().copied()),
        until.or_else(|| days.keys().next_back().copied()),
    ) else {
        return Vec::new();
    };
    let first = first.max(last - chrono::Duration::days(MAX_DAYS - 1));
    first
        .iter_days()
        .take_while(|d| *d <= last)
        .map(|date| DayViews {
            date,
            views: days.get(&date).copied().unwrap_or(0),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(v: Value) -> Row {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn counts_are_read_from_numbers_quoted_integers_and_floats() {
        assert_eq!(count(&row(serde_json::json!({"n": 7})), "q").unwrap(), 7);
        assert_eq!(
            count(&row(serde_json::json!({"n": "12"})), "q").unwrap(),
            12
        );
        assert_eq!(count(&row(serde_json::json!({"n": 3.0})), "q").unwrap(), 3);
        let err = count(&row(serde_json::json!({"x": 1})), "SELECT 1").unwrap_err();
        assert!(err.to_string().contains("SELECT 1"), "{err}");
    }

    #[test]
    fn click_rate_is_clicks_over_views_and_absent_without_views() {
        let mut f = Figures::default();
        f.add(EventKind::Click, 3);
        assert_eq!(f.click_rate, None);
        f.add(EventKind::View, 4);
        assert_eq!(f.click_rate, Some(0.75));
    }

    #[test]
    fn days_without_views_are_filled_in() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let days = BTreeMap::from([(d("2026-03-01"), 2), (d("2026-03-03"), 5)]);
        let filled = fill_days(&days, None, None);
        assert_eq!(
            filled.iter().map(|x| x.views).collect::<Vec<_>>(),
            [2, 0, 5]
        );
        let ranged = fill_days(&days, Some(d("2026-02-28")), Some(d("2026-03-01")));
        assert_eq!(ranged.len(), 2);
        assert!(fill_days(&BTreeMap::new(), None, None).is_empty());
    }
}
