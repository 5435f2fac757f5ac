//! The per-request page transform, natively: find the embedded orders,
//! parse them, pick the visitor's country and splice the buttons, on a
//! ~20 KB Smart Link page. Prints microseconds per page.
//!
//! `cargo bench -p beacon-worker --bench transform` (or scripts/bench-worker.sh,
//! which also prints the wasm bundle size).

use std::hint::black_box;
use std::time::Instant;

use beacon_worker::ordered::{transform, Transform};
use smartlinks_core::edge::{EdgeOrders, DATA_OPEN};
use smartlinks_core::{OrderMode, OrderSettings};

const SERVICES: [&str; 14] = [
    "spotify",
    "apple_music",
    "youtube_music",
    "amazon_music",
    "deezer",
    "tidal",
    "youtube",
    "soundcloud",
    "pandora",
    "audiomack",
    "anghami",
    "boomplay",
    "yandex",
    "bandcamp",
];

/// A page shaped like a built one: head, a 14-button list, a track list, and
/// the embedded orders for every ISO country code.
fn page() -> String {
    let mut html = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Zoë à Paris</title>",
    );
    html.push_str(
        &"<meta property=\"og:description\" content=\"Bedroom pop with a Paris accent.\">"
            .repeat(80),
    );
    html.push_str("</head><body><main><ul class=\"services\">\n<!--sl:services-->\n");
    for id in SERVICES {
        html.push_str(&format!(
            "<li><a class=\"service\" data-service=\"{id}\" href=\"https://example.com/{id}/album/1\" rel=\"noopener\"><svg class=\"icon\" viewBox=\"0 0 24 24\" width=\"24\" height=\"24\" aria-hidden=\"true\"><rect width=\"24\" height=\"24\" rx=\"6\" fill=\"#1db954\"/></svg><span class=\"service-name\">{id}</span><span class=\"service-action\">Play</span></a></li>\n"
        ));
    }
    html.push_str("<!--/sl:services-->\n</ul><ol class=\"tracks\">");
    for n in 1..=40 {
        html.push_str(&format!(
            "<li><span class=\"n\">{n}</span> <span class=\"t\">Track number {n}</span> <span class=\"d\">3:2{}</span></li>",
            n % 10
        ));
    }
    html.push_str("</ol>");

    // Every two-letter code, with a handful of distinct orders among them.
    let countries: Vec<String> = (b'A'..=b'Z')
        .flat_map(|a| (b'A'..=b'Z').map(move |b| format!("{}{}", a as char, b as char)))
        .collect();
    let settings = OrderSettings {
        mode: OrderMode::Auto,
        ..Default::default()
    };
    let mut orders =
        EdgeOrders::compute(&SERVICES, &settings, countries.iter().map(String::as_str));
    if orders.is_static() {
        // Until country ranking differs per country, spread eight rotations.
        for k in 1..8 {
            let mut o: Vec<String> = SERVICES.iter().map(|s| s.to_string()).collect();
            o.rotate_left(k);
            orders.orders.push(o);
        }
        for (i, c) in countries.iter().enumerate() {
            if i % 3 != 0 {
                orders.countries.insert(c.clone(), (1 + i % 7) as u16);
            }
        }
    }
    let json = serde_json::to_string(&orders).unwrap();
    html.push_str(&format!("{DATA_OPEN}{json}</script></main></body></html>"));
    html
}

fn measure(name: &str, html: &str, country: Option<&str>, n: u32) {
    let kind = match transform(html, country) {
        Transform::Static => "static",
        Transform::Global => "global",
        Transform::Reordered { .. } => "reordered",
    };
    // Warm up caches and the allocator.
    for _ in 0..n / 20 {
        black_box(transform(black_box(html), black_box(country)));
    }
    let start = Instant::now();
    for _ in 0..n {
        black_box(transform(black_box(html), black_box(country)));
    }
    let per = start.elapsed().as_secs_f64() * 1e6 / n as f64;
    println!("{name:<32} {kind:<10} {per:>8.2} µs/page");
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this
    // once per case as a smoke check, without figures worth reading.
    let n = if std::env::args().any(|a| a == "--bench") {
        20_000
    } else {
        1
    };
    let html = page();
    let orders_bytes = html.len() - html.find(DATA_OPEN).unwrap();
    println!(
        "page {} bytes ({} of them embedded orders), {n} iterations each",
        html.len(),
        orders_bytes,
    );
    let country_with_own_order = (b'A'..=b'Z')
        .flat_map(|a| (b'A'..=b'Z').map(move |b| format!("{}{}", a as char, b as char)))
        .find(|c| matches!(transform(&html, Some(c)), Transform::Reordered { .. }))
        .expect("some country has its own order");
    measure(
        &format!("country with own order ({country_with_own_order})"),
        &html,
        Some(&country_with_own_order),
        n,
    );
    measure("country on the global order (AA)", &html, Some("AA"), n);
    measure("unknown country", &html, None, n);
    let plain = html[..html.find(DATA_OPEN).unwrap()].to_string() + "</main></body></html>";
    measure("page without embedded orders", &plain, Some("FR"), n);
}
