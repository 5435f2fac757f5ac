//! How a validated event is written: one Analytics Engine data point, or one
//! row of the D1 `events` table. The layouts are documented in README.md
//! ("Analytics Engine data point", "D1 schema"); a test keeps them in step.

use smartlinks_core::beacon::Event;

/// Analytics Engine blob names, in order (`blob1` is `BLOBS[0]`).
pub const BLOBS: [&str; 13] = smartlinks_core::beacon::ae::FIELDS;

/// Analytics Engine double names, in order: `events` is always 1 (the
/// data point stands for one event; sampled rows count with
/// `SUM(_sample_interval)`).
pub const DOUBLES: [&str; 1] = ["events"];

/// One Analytics Engine data point.
#[derive(Debug, Clone, PartialEq)]
pub struct DataPoint {
    /// The sampling key, `artist/link` ([`Event::ae_index`]).
    pub index: String,
    /// Values for [`BLOBS`]; an absent value is an empty string.
    pub blobs: Vec<String>,
    /// Values for [`DOUBLES`].
    pub doubles: Vec<f64>,
}

/// The event's fields by column name, `None` for absent ones; shared by both
/// layouts so they cannot drift apart.
fn columns(e: &Event) -> [(&'static str, Option<&str>); 13] {
    [
        ("kind", Some(e.kind.as_str())),
        ("artist", Some(&e.artist)),
        ("link", Some(&e.link)),
        ("service", e.service.as_deref()),
        ("country", e.country.as_deref()),
        ("referrer", e.referrer.as_deref()),
        ("utm_source", e.utm.source.as_deref()),
        ("utm_medium", e.utm.medium.as_deref()),
        ("utm_campaign", e.utm.campaign.as_deref()),
        ("utm_term", e.utm.term.as_deref()),
        ("utm_content", e.utm.content.as_deref()),
        ("device", Some(e.device.as_str())),
        ("locale", e.locale.as_deref()),
    ]
}

/// The Analytics Engine data point for `e`, in the layout the report reads
/// back (`smartlinks_core::beacon::ae`).
pub fn data_point(e: &Event) -> DataPoint {
    DataPoint {
        index: e.ae_index(),
        blobs: e.ae_blobs().iter().map(|b| b.to_string()).collect(),
        doubles: vec![1.0],
    }
}

/// The statement inserting one event into D1 (schema in `migrations/`).
pub const D1_INSERT: &str =
    "INSERT INTO events (ts, kind, artist, link, service, country, referrer, \
utm_source, utm_medium, utm_campaign, utm_term, utm_content, device, locale) \
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";

/// A value bound to a D1 statement.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Number(f64),
    Text(String),
    Null,
}

/// The values for [`D1_INSERT`], in its order.
pub fn d1_values(e: &Event) -> Vec<SqlValue> {
    // D1 takes numbers as JavaScript numbers; milliseconds fit in 2^53.
    let mut values = vec![SqlValue::Number(e.ts as f64)];
    values.extend(columns(e).iter().map(|(_, v)| match v {
        Some(s) => SqlValue::Text(s.to_string()),
        None => SqlValue::Null,
    }));
    values
}

#[cfg(test)]
mod tests {
    use super::*;
    use smartlinks_core::beacon::{Device, EventKind, Utm};

    fn event() -> Event {
        Event {
            kind: EventKind::Click,
            artist: "nova-lane".into(),
            link: "zoe-a-paris".into(),
            service: Some("deezer".into()),
            referrer: Some("https://l.instagram.com".into()),
            utm: Utm {
                campaign: Some("spring".into()),
                ..Default::default()
            },
            device: Device::Mobile,
            locale: None,
            country: Some("FR".into()),
            ts: 1_767_225_600_000,
        }
    }

    #[test]
    fn data_point_blobs_follow_the_documented_order() {
        let p = data_point(&event());
        assert_eq!(p.index, "nova-lane/zoe-a-paris");
        assert_eq!(p.blobs.len(), BLOBS.len());
        let blob = |name: &str| &p.blobs[BLOBS.iter().position(|b| *b == name).unwrap()];
        assert_eq!(blob("kind"), "click");
        assert_eq!(blob("service"), "deezer");
        assert_eq!(blob("country"), "FR");
        assert_eq!(blob("utm_campaign"), "spring");
        assert_eq!(blob("locale"), "", "absent values are empty blobs");
        assert_eq!(p.doubles, [1.0]);
        let columns_in_order: Vec<String> = columns(&event())
            .iter()
            .map(|(_, v)| v.unwrap_or_default().to_string())
            .collect();
        assert_eq!(
            p.blobs, columns_in_order,
            "D1 columns and blobs share one order"
        );
        for (column, name) in columns(&event()).iter().zip(BLOBS) {
            assert_eq!(column.0, name);
        }
    }

    #[test]
    fn long_artist_slugs_fit_the_index_limit() {
        let mut e = event();
        e.artist = "a".repeat(100);
        assert_eq!(
            data_point(&e).index.len(),
            smartlinks_core::beacon::ae::MAX_INDEX_BYTES
        );
    }

    #[test]
    fn d1_values_match_the_insert_columns() {
        let values = d1_values(&event());
        let placeholders = D1_INSERT.matches('?').count();
        assert_eq!(values.len(), placeholders);
        let cols = D1_INSERT
            .split_once('(')
            .unwrap()
            .1
            .split_once(')')
            .unwrap()
            .0
            .split(',')
            .map(str::trim)
            .collect::<Vec<_>>();
        assert_eq!(cols[0], "ts");
        assert_eq!(&cols[1..], &BLOBS[..]);
        assert_eq!(values[0], SqlValue::Number(1_767_225_600_000.0));
        assert_eq!(values[5], SqlValue::Text("FR".into()));
        assert_eq!(values[13], SqlValue::Null, "locale absent");
    }

    #[test]
    fn the_bound_dataset_is_the_one_reports_query() {
        let config = include_str!("../../wrangler.toml");
        let line = format!("dataset = \"{}\"", smartlinks_core::beacon::ae::DATASET);
        assert!(config.contains(&line), "wrangler.toml lacks {line}");
    }

    #[test]
    fn readme_documents_every_blob_and_double_in_place() {
        let readme = include_str!("../../README.md");
        for (i, name) in BLOBS.iter().enumerate() {
            let row = format!("| `blob{}` | `{name}` |", i + 1);
            assert!(readme.contains(&row), "README lacks the row {row}");
        }
        for (i, name) in DOUBLES.iter().enumerate() {
            let row = format!("| `double{}` | `{name}` |", i + 1);
            assert!(readme.contains(&row), "README lacks the row {row}");
        }
        let schema = include_str!("../migrations/0001_events.sql");
        for name in BLOBS {
            assert!(
                schema.contains(&format!("  {name} ")),
                "schema lacks {name}"
            );
        }
    }
}
