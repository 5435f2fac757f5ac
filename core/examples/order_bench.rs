//! Prints what ordering costs: `EdgeOrders::compute` for one page (the build
//! does it once per Smart Link) and the edge's per-request work (parse the
//! embedded JSON, look the country up, splice the buttons).
//!
//!     cargo run --release -p smartlinks-core --example order_bench

use std::hint::black_box;
use std::time::Instant;

use smartlinks_core::edge::{reorder, EdgeOrders, EdgeOrdersRef, END, START};
use smartlinks_core::{OrderSettings, COUNTRIES};

const PAGE: &[&str] = &[
    "spotify",
    "apple_music",
    "youtube_music",
    "amazon_music",
    "deezer",
    "tidal",
    "youtube",
    "soundcloud",
    "bandcamp",
    "napster",
    "itunes",
    "amazon_store",
];

fn per_call(label: &str, n: u32, mut f: impl FnMut()) {
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    let us = start.elapsed().as_secs_f64() * 1e6 / f64::from(n);
    println!("{label:<52} {us:>9.2} µs");
}

fn main() {
    let settings = OrderSettings {
        spotify_markets: Some(COUNTRIES.iter().take(180).map(|c| c.to_string()).collect()),
        ..Default::default()
    };
    per_call(
        "EdgeOrders::compute, 12 services, 250 countries",
        2_000,
        || {
            black_box(EdgeOrders::compute(
                black_box(PAGE),
                &settings,
                COUNTRIES.iter().copied(),
            ));
        },
    );
    let edge = EdgeOrders::compute(PAGE, &settings, COUNTRIES.iter().copied());
    let json = serde_json::to_string(&edge).unwrap();
    println!("{:<52} {:>9} B", "edge JSON for that page", json.len());
    let mut html = String::from("<html><body><ul>\n");
    html.push_str(START);
    for id in PAGE {
        html.push_str(&format!(
            "<li><a class=\"service\" data-service=\"{id}\" href=\"https://example.com/{id}/album/123456789\"><svg></svg><span>{id}</span></a></li>\n"
        ));
    }
    html.push_str(END);
    html.push_str(&format!(
        "\n</ul><script type=\"application/json\" id=\"sl-orders\">{json}</script>{}</body></html>",
        "<p>filler</p>".repeat(1000)
    ));
    per_call(
        "edge request: parse JSON + lookup + reorder (FR)",
        20_000,
        || {
            let e: EdgeOrders = serde_json::from_str(
                smartlinks_core::edge::embedded_json(black_box(&html)).unwrap(),
            )
            .unwrap();
            let order = e.for_country(Some("FR")).unwrap();
            black_box(reorder(&html, order));
        },
    );
    per_call(
        "edge request, EdgeOrdersRef: parse + reorder",
        20_000,
        || {
            let e: EdgeOrdersRef = serde_json::from_str(
                smartlinks_core::edge::embedded_json(black_box(&html)).unwrap(),
            )
            .unwrap();
            let order = e.order_for(Some("FR")).unwrap();
            black_box(reorder(&html, &order));
        },
    );
    per_call("  of which reorder alone", 20_000, || {
        black_box(reorder(black_box(&html), PAGE));
    });
}
