//! The order fans see, country by country: table tests on the real data for
//! every continent, and properties that hold for any page and any country.

use proptest::prelude::*;
use smartlinks_core::edge::EdgeOrders;
use smartlinks_core::{country, order, OrderMode, OrderSettings, COUNTRIES, SERVICES};

/// A page on which Odesli matched every service but `other`, in the global order.
#[rustfmt::skip]
const PAGE: &[&str] = &[
    "spotify", "apple_music", "youtube_music", "amazon_music", "deezer", "tidal", "youtube",
    "soundcloud", "bandcamp", "pandora", "audiomack", "boomplay", "anghami", "yandex", "napster",
    "audius", "itunes", "amazon_store",
];

/// (country, what operates there in the order a fan sees it, what does not
/// operate there in the global order).
#[rustfmt::skip]
const TABLE: &[(&str, &[&str], &[&str])] = &[
    ("US",
     &["spotify", "apple_music", "amazon_music", "youtube_music", "pandora", "tidal", "soundcloud",
       "deezer", "youtube", "bandcamp", "audiomack", "napster", "audius", "itunes", "amazon_store"],
     &["boomplay", "anghami", "yandex"]),
    ("FR",
     &["spotify", "deezer", "apple_music", "youtube_music", "amazon_music", "soundcloud", "tidal",
       "youtube", "bandcamp", "audiomack", "napster", "audius", "itunes", "amazon_store"],
     &["pandora", "boomplay", "anghami", "yandex"]),
    ("DE",
     &["spotify", "amazon_music", "apple_music", "youtube_music", "deezer", "tidal", "soundcloud",
       "youtube", "bandcamp", "audiomack", "napster", "audius", "itunes", "amazon_store"],
     &["pandora", "boomplay", "anghami", "yandex"]),
    ("JP",
     &["amazon_music", "apple_music", "spotify", "youtube_music", "youtube", "soundcloud",
       "bandcamp", "audiomack", "audius", "itunes", "amazon_store"],
     &["deezer", "tidal", "pandora", "boomplay", "anghami", "yandex", "napster"]),
    ("KR",
     &["youtube_music", "spotify", "apple_music", "youtube", "soundcloud", "bandcamp", "audiomack",
       "audius", "itunes"],
     &["amazon_music", "deezer", "tidal", "pandora", "boomplay", "anghami", "yandex", "napster",
       "amazon_store"]),
    ("IN",
     &["youtube_music", "spotify", "amazon_music", "apple_music", "deezer", "youtube",
       "soundcloud", "bandcamp", "audiomack", "audius", "itunes"],
     &["tidal", "pandora", "boomplay", "anghami", "yandex", "napster", "amazon_store"]),
    ("NG",
     &["boomplay", "audiomack", "spotify", "apple_music", "youtube_music", "deezer", "tidal",
       "youtube", "soundcloud", "bandcamp", "audius", "itunes"],
     &["amazon_music", "pandora", "anghami", "yandex", "napster", "amazon_store"]),
    ("GH",
     &["audiomack", "boomplay", "spotify", "apple_music", "youtube_music", "deezer", "youtube",
       "soundcloud", "bandcamp", "audius", "itunes"],
     &["amazon_music", "tidal", "pandora", "anghami", "yandex", "napster", "amazon_store"]),
    ("RU",
     &["yandex", "youtube_music", "apple_music", "soundcloud", "youtube", "bandcamp", "audiomack",
       "audius", "itunes"],
     &["spotify", "amazon_music", "deezer", "tidal", "pandora", "boomplay", "anghami", "napster",
       "amazon_store"]),
    ("KZ",
     &["yandex", "youtube_music", "spotify", "apple_music", "soundcloud", "deezer", "youtube",
       "bandcamp", "audiomack", "audius", "itunes"],
     &["amazon_music", "tidal", "pandora", "boomplay", "anghami", "napster", "amazon_store"]),
    ("EG",
     &["anghami", "youtube_music", "spotify", "apple_music", "deezer", "youtube", "soundcloud",
       "bandcamp", "audiomack", "audius", "itunes"],
     &["amazon_music", "tidal", "pandora", "boomplay", "yandex", "napster", "amazon_store"]),
    ("SA",
     &["anghami", "spotify", "youtube_music", "apple_music", "deezer", "youtube", "soundcloud",
       "bandcamp", "audiomack", "audius", "itunes"],
     &["amazon_music", "tidal", "pandora", "boomplay", "yandex", "napster", "amazon_store"]),
    ("AE",
     &["anghami", "spotify", "apple_music", "youtube_music", "deezer", "tidal", "youtube",
       "soundcloud", "bandcamp", "audiomack", "audius", "itunes"],
     &["amazon_music", "pandora", "boomplay", "yandex", "napster", "amazon_store"]),
    ("BR",
     &["spotify", "youtube_music", "deezer", "amazon_music", "apple_music", "tidal", "youtube",
       "soundcloud", "bandcamp", "audiomack", "napster", "audius", "itunes"],
     &["pandora", "boomplay", "anghami", "yandex", "amazon_store"]),
    ("AU",
     &["spotify", "apple_music", "youtube_music", "amazon_music", "tidal", "soundcloud", "deezer",
       "youtube", "bandcamp", "audiomack", "audius", "itunes"],
     &["pandora", "boomplay", "anghami", "yandex", "napster", "amazon_store"]),
];

fn auto() -> OrderSettings {
    OrderSettings::default()
}

fn cat(a: &[&'static str], b: &[&'static str]) -> Vec<&'static str> {
    a.iter().chain(b).copied().collect()
}

#[test]
fn auto_mode_puts_local_favourites_first_and_unavailable_services_last() {
    for (c, here, elsewhere) in TABLE {
        assert_eq!(order(Some(c), PAGE, &auto()), cat(here, elsewhere), "{c}");
    }
}

#[test]
fn hide_unavailable_leaves_out_what_a_country_lacks() {
    let s = OrderSettings {
        hide_unavailable: true,
        ..auto()
    };
    for (c, here, _) in TABLE {
        assert_eq!(order(Some(c), PAGE, &s), *here, "{c}");
    }
}

#[test]
fn hidden_services_disappear_in_every_country_and_the_rest_keep_their_order() {
    let s = OrderSettings {
        hidden: vec!["spotify".into(), "anghami".into()],
        ..auto()
    };
    for (c, here, elsewhere) in TABLE {
        let want: Vec<&str> = cat(here, elsewhere)
            .into_iter()
            .filter(|id| *id != "spotify" && *id != "anghami")
            .collect();
        assert_eq!(order(Some(c), PAGE, &s), want, "{c}");
    }
}

#[test]
fn a_service_added_by_hand_is_placed_like_any_other() {
    // A US release page where the artist added Anghami and Boomplay by hand.
    let page = ["spotify", "apple_music", "anghami", "boomplay", "bandcamp"];
    assert_eq!(
        order(Some("US"), &page, &auto()),
        ["spotify", "apple_music", "bandcamp", "boomplay", "anghami"]
    );
    assert_eq!(
        order(Some("AE"), &page, &auto()),
        ["anghami", "spotify", "apple_music", "bandcamp", "boomplay"]
    );
    assert_eq!(
        order(Some("NG"), &page, &auto()),
        ["boomplay", "spotify", "apple_music", "bandcamp", "anghami"]
    );
}

#[test]
fn fixed_mode_is_the_artists_list_then_the_global_order_everywhere() {
    let s = OrderSettings {
        mode: OrderMode::Fixed,
        fixed: vec![
            "boomplay".into(),
            "audiomack".into(),
            "spotify".into(),
            "apple_music".into(),
        ],
        hide_unavailable: true,                   // ignored in fixed mode
        spotify_markets: Some(vec!["NG".into()]), // ignored in fixed mode
        ..auto()
    };
    #[rustfmt::skip]
    let want = [
        "boomplay", "audiomack", "spotify", "apple_music", "youtube_music", "amazon_music",
        "deezer", "tidal", "youtube", "soundcloud", "bandcamp", "pandora", "anghami", "yandex",
        "napster", "audius", "itunes", "amazon_store",
    ];
    for c in TABLE.iter().map(|r| Some(r.0)).chain([None, Some("XX")]) {
        assert_eq!(order(c, PAGE, &s), want, "{c:?}");
    }
    let hidden = OrderSettings {
        hidden: vec!["audiomack".into()],
        ..s
    };
    assert_eq!(
        order(Some("GH"), PAGE, &hidden)[..3],
        ["boomplay", "spotify", "apple_music"]
    );
}

#[test]
fn a_release_missing_from_spotify_in_a_market_moves_spotify_last_there() {
    // Like the sample's Ōsaka Blue, released on Spotify in eight markets only.
    let s = OrderSettings {
        spotify_markets: Some(
            ["JP", "HK", "MO", "TW", "KR", "SG", "US", "CA"]
                .map(String::from)
                .to_vec(),
        ),
        ..auto()
    };
    let page = ["spotify", "apple_music", "deezer", "youtube_music"];
    assert_eq!(
        order(Some("US"), &page, &s),
        ["spotify", "apple_music", "youtube_music", "deezer"]
    );
    assert_eq!(
        order(Some("FR"), &page, &s),
        ["deezer", "apple_music", "youtube_music", "spotify"]
    );
    assert_eq!(
        order(Some("BR"), &page, &s),
        ["youtube_music", "deezer", "apple_music", "spotify"]
    );
    let hide = OrderSettings {
        hide_unavailable: true,
        ..s
    };
    assert_eq!(
        order(Some("FR"), &page, &hide),
        ["deezer", "apple_music", "youtube_music"]
    );
    assert_eq!(
        order(None, &page, &hide),
        ["spotify", "apple_music", "youtube_music", "deezer"],
        "unknown country: the static order"
    );
}

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

fn ids() -> Vec<&'static str> {
    SERVICES.iter().map(|s| s.id).collect()
}

fn page() -> impl Strategy<Value = Vec<&'static str>> {
    proptest::sample::subsequence(ids(), 0..=ids().len()).prop_shuffle()
}

fn a_country() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        8 => proptest::sample::select(COUNTRIES).prop_map(|c| Some(c.to_string())),
        1 => Just(None),
        1 => "[A-Za-z0-9]{0,3}".prop_map(Some),
    ]
}

fn settings() -> impl Strategy<Value = OrderSettings> {
    (
        any::<bool>(),
        proptest::sample::subsequence(ids(), 0..6).prop_shuffle(),
        any::<bool>(),
        proptest::sample::subsequence(ids(), 0..4),
        proptest::option::of(proptest::sample::subsequence(COUNTRIES.to_vec(), 0..40)),
    )
        .prop_map(
            |(fixed, list, hide_unavailable, hidden, markets)| OrderSettings {
                mode: if fixed {
                    OrderMode::Fixed
                } else {
                    OrderMode::Auto
                },
                fixed: if fixed {
                    list.iter().map(|s| s.to_string()).collect()
                } else {
                    Vec::new()
                },
                hide_unavailable,
                hidden: hidden.iter().map(|s| s.to_string()).collect(),
                spotify_markets: markets.map(|m| m.iter().map(|s| s.to_string()).collect()),
            },
        )
}

/// Whether `id` can be played in `code` with these settings.
fn operates(code: &str, id: &str, s: &OrderSettings) -> bool {
    let c = country(code).expect("known country");
    c.offers(id) && (id != "spotify" || s.spotify_has_release_in(code))
}

proptest! {
    #[test]
    fn result_is_the_visible_services_or_those_that_operate_there(
        available in page(), c in a_country(), s in settings()
    ) {
        let got = order(c.as_deref(), &available, &s);
        let visible: Vec<&str> = available.iter().copied().filter(|id| !s.hidden.iter().any(|h| h == id)).collect();
        let known = c.as_deref().and_then(country).is_some();
        let mut want: Vec<&str> = if s.mode == OrderMode::Auto && s.hide_unavailable && known {
            let code = c.as_deref().unwrap();
            visible.iter().copied().filter(|id| operates(code, id, &s)).collect()
        } else {
            visible.clone()
        };
        let mut sorted = got.clone();
        sorted.sort_unstable();
        want.sort_unstable();
        prop_assert_eq!(sorted, want);
    }

    #[test]
    fn hidden_services_never_appear(available in page(), c in a_country(), s in settings()) {
        let got = order(c.as_deref(), &available, &s);
        prop_assert!(got.iter().all(|id| !s.hidden.iter().any(|h| h == id)));
    }

    #[test]
    fn fixed_mode_gives_one_order_in_every_country(available in page(), s in settings()) {
        let s = OrderSettings { mode: OrderMode::Fixed, ..s };
        let global = order(None, &available, &s);
        for code in COUNTRIES {
            prop_assert_eq!(&order(Some(code), &available, &s), &global, "{}", code);
        }
    }

    #[test]
    fn a_service_that_does_not_operate_there_is_never_first(
        available in page(), code in proptest::sample::select(COUNTRIES), s in settings()
    ) {
        let s = OrderSettings { mode: OrderMode::Auto, ..s };
        let got = order(Some(code), &available, &s);
        if got.iter().any(|id| operates(code, id, &s)) {
            prop_assert!(operates(code, got[0], &s), "{} first in {}: {:?}", got[0], code, got);
        }
    }

    #[test]
    fn unknown_countries_see_the_static_order(available in page(), junk in "[a-z0-9]{0,2}|XX|T1", s in settings()) {
        prop_assert_eq!(order(Some(&junk), &available, &s), order(None, &available, &s));
    }

    #[test]
    fn edge_data_gives_every_country_the_same_order_as_the_build(available in page(), s in settings()) {
        let edge = EdgeOrders::compute(&available, &s, COUNTRIES.iter().copied());
        let json = serde_json::to_string(&edge).unwrap();
        let back: EdgeOrders = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &edge);
        for code in COUNTRIES {
            let want = order(Some(code), &available, &s);
            prop_assert_eq!(back.for_country(Some(code)).unwrap(), want.as_slice(), "{}", code);
        }
        let global = order(None, &available, &s);
        prop_assert_eq!(back.for_country(None).unwrap(), global.as_slice());
    }

    #[test]
    fn the_builds_wire_form_is_the_computed_orders_byte_for_byte(available in page(), s in settings()) {
        let edge = EdgeOrders::compute(&available, &s, COUNTRIES.iter().copied());
        match EdgeOrders::wire(&available, &s) {
            Some(wire) => prop_assert_eq!(
                serde_json::to_string(&wire).unwrap(),
                serde_json::to_string(&edge).unwrap()
            ),
            None => prop_assert!(edge.is_static()),
        }
    }

    #[test]
    fn the_workers_in_place_reading_agrees_with_the_full_orders(available in page(), s in settings()) {
        let edge = EdgeOrders::compute(&available, &s, COUNTRIES.iter().copied());
        let json = serde_json::to_string(&edge).unwrap();
        let read: smartlinks_core::edge::EdgeOrdersRef = serde_json::from_str(&json).unwrap();
        prop_assert!(read.is_valid());
        prop_assert_eq!(read.varies(), !edge.is_static());
        for code in COUNTRIES.iter().copied().chain(["XX", "zz", ""]) {
            let want = edge.countries.get(code).map(|&i| {
                let i = usize::from(i);
                (i, edge.orders[i].iter().map(String::as_str).collect::<Vec<_>>())
            });
            prop_assert_eq!(read.numbered_order_for(Some(code)), want, "{}", code);
        }
        prop_assert_eq!(read.numbered_order_for(None), None);
    }
}
