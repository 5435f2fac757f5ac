//! `smartlinks order ARTIST/SLUG --country CODE`: the order a fan sees,
//! computed by the same code as the build and the edge.

use std::process::ExitCode;

use anyhow::{anyhow, Context, Result};
use serde::Serialize;
use smartlinks_core::{country, order, OrderMode};

use crate::cli::{GlobalArgs, OrderArgs};
use crate::content::Content;
use crate::render::view::{link_offers, link_order_settings, LinkData};

#[derive(Serialize)]
struct Report<'a> {
    link: &'a str,
    /// The code asked for, uppercased; `None` for the global order.
    country: Option<String>,
    /// Its name, when it is a known country.
    country_name: Option<&'static str>,
    mode: &'static str,
    services: Vec<Row<'a>>,
}

#[derive(Serialize)]
struct Row<'a> {
    id: &'static str,
    name: &'static str,
    url: &'a str,
    /// False when the service does not operate in the country (or the
    /// release is not on Spotify there) and was moved last.
    available: bool,
}

pub fn run(g: &GlobalArgs, args: OrderArgs) -> Result<ExitCode> {
    let content = Content::load(&g.content)?;
    let (artist_slug, link_slug) = args.link.split_once('/').ok_or_else(|| {
        anyhow!(
            "{:?} is not a link name; expected ARTIST/SLUG, like nova-lane/zoe-a-paris",
            args.link
        )
    })?;
    let artist = content.artist(artist_slug).ok_or_else(|| {
        let known: Vec<&str> = content
            .artists
            .iter()
            .map(|a| a.config.slug.as_str())
            .collect();
        anyhow!(
            "no artist {artist_slug:?}; known artists: {}",
            known.join(", ")
        )
    })?;
    let link = artist
        .links
        .iter()
        .find(|l| l.config.slug == link_slug)
        .ok_or_else(|| {
            let known: Vec<&str> = artist
                .links
                .iter()
                .map(|l| l.config.slug.as_str())
                .collect();
            anyhow!(
                "no Smart Link {:?}; links of {artist_slug}: {}",
                args.link,
                known.join(", ")
            )
        })?;

    let data = LinkData::load(artist, link)?;
    let (offers, warnings) = link_offers(link, &data);
    for w in &warnings {
        super::warn(&format!("{}: {w}", link.file.display()));
    }
    let settings = link_order_settings(artist, link, &data);
    let code = args.country.as_deref().map(str::to_ascii_uppercase);
    let place = code.as_deref().and_then(country);
    if let (Some(c), None) = (&code, place) {
        super::warn(&format!(
            "{c:?} is not a country code in the data; showing the global order"
        ));
    }
    let ids: Vec<&str> = offers.iter().map(|o| o.service.id).collect();
    let ordered = order(code.as_deref(), &ids, &settings);
    let rows: Vec<Row> = ordered
        .iter()
        .map(|id| {
            let offer = offers
                .iter()
                .find(|o| o.service.id == *id)
                .context("ordered id is offered")?;
            let available = match (place, settings.mode == OrderMode::Auto) {
                (Some(c), true) => {
                    c.offers(id) && (*id != "spotify" || settings.spotify_has_release_in(c.code()))
                }
                _ => true,
            };
            Ok(Row {
                id: offer.service.id,
                name: offer.service.name,
                url: &offer.url,
                available,
            })
        })
        .collect::<Result<_>>()?;
    let mode = match settings.mode {
        OrderMode::Auto => "auto",
        OrderMode::Fixed => "fixed",
    };

    if g.json {
        super::print_json(&Report {
            link: &args.link,
            country: code,
            country_name: place.map(|c| c.name()),
            mode,
            services: rows,
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    let whom = match place {
        Some(c) => format!("a fan in {} ({})", c.name(), c.code()),
        None => "a fan whose country is unknown (the static page)".to_string(),
    };
    println!("{}: the order {whom} sees ({mode} order)", args.link);
    let width = rows.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for (i, r) in rows.iter().enumerate() {
        let note = if r.available {
            ""
        } else {
            "  (not offered there: moved last)"
        };
        println!(
            "{:>3}. {:<width$}  {:<14} {}{note}",
            i + 1,
            r.id,
            r.name,
            r.url
        );
    }
    let hidden = offers.len() - rows.len();
    if hidden > 0 {
        println!(
            "     ({hidden} not offered there and left out: the artist sets hide_unavailable)"
        );
    }
    if settings.mode == OrderMode::Fixed {
        println!("     (fixed order: every fan sees this order)");
    } else if let Some(c) = place {
        println!("     (order of preference from: {})", c.source());
    }
    Ok(ExitCode::SUCCESS)
}
