//! `data/countries.toml` is complete and consistent with the service
//! registry, and gets the well-known markets right.

use std::collections::BTreeSet;

use smartlinks_core::country::{availability_source, global_order, global_source};
use smartlinks_core::service::service;
use smartlinks_core::{country, COUNTRIES, SERVICES};

/// ISO 3166-1 alpha-2, all 249 officially assigned codes (2024), written out
/// here so the data is checked against a list it was not generated from.
const ISO_3166_1: &str =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ \
BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ \
DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT \
GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY \
KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX \
MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS \
RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN \
TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

#[test]
fn every_iso_country_is_covered_once_and_nothing_else_but_kosovo() {
    let iso: BTreeSet<&str> = ISO_3166_1.split_whitespace().collect();
    assert_eq!(iso.len(), 249);
    let ours: BTreeSet<&str> = COUNTRIES.iter().copied().collect();
    assert_eq!(ours.len(), COUNTRIES.len(), "codes are unique");
    let missing: Vec<_> = iso.difference(&ours).collect();
    assert!(missing.is_empty(), "countries without data: {missing:?}");
    let extra: Vec<_> = ours.difference(&iso).collect();
    assert_eq!(extra, [&"XK"], "only Kosovo's user-assigned code is extra");
}

#[test]
fn every_country_has_a_region_name_and_source() {
    for code in COUNTRIES {
        let c = country(code).unwrap();
        assert_eq!(c.code(), *code);
        assert!(
            !c.name().is_empty() && !c.region_name().is_empty(),
            "{code}"
        );
        assert!(c.source().len() > 20, "{code} names its source");
    }
    assert!(global_source().contains("MIDiA"));
}

#[test]
fn the_global_order_lists_every_registered_service_once() {
    let registry: Vec<&str> = SERVICES.iter().map(|s| s.id).collect();
    let global = global_order();
    assert_eq!(
        global.iter().collect::<BTreeSet<_>>().len(),
        global.len(),
        "no duplicates"
    );
    for id in global {
        assert!(service(id).is_some(), "{id} is not in the registry");
    }
    for id in &registry {
        assert!(global.contains(id), "{id} has no place in the global order");
    }
    assert_eq!(
        global, registry,
        "the registry is listed in the global order"
    );
    assert_eq!(global.last(), Some(&"other"));
}

#[test]
fn preferences_only_name_services_that_operate_there() {
    for code in COUNTRIES {
        let c = country(code).unwrap();
        let pref: Vec<&str> = c.preference().collect();
        assert_eq!(
            pref.iter().collect::<BTreeSet<_>>().len(),
            pref.len(),
            "{code}"
        );
        for id in pref {
            assert!(service(id).is_some(), "{code}: {id}");
            assert!(
                c.offers(id),
                "{code} prefers {id}, which does not operate there"
            );
        }
        assert!(
            c.offers("other"),
            "{code}: a hand-added link works everywhere"
        );
    }
}

fn where_offered(id: &str) -> BTreeSet<&'static str> {
    COUNTRIES
        .iter()
        .copied()
        .filter(|c| country(c).unwrap().offers(id))
        .collect()
}

fn top(code: &str, n: usize) -> Vec<&'static str> {
    country(code).unwrap().preference().take(n).collect()
}

#[test]
fn pandora_operates_in_the_us_only() {
    assert_eq!(where_offered("pandora"), BTreeSet::from(["US"]));
    assert!(availability_source("pandora")
        .unwrap()
        .contains("United States"));
}

#[test]
fn yandex_music_operates_in_russia_and_its_neighbours_and_leads_there() {
    let want = [
        "RU", "BY", "KZ", "UZ", "AM", "AZ", "GE", "KG", "MD", "TJ", "TM",
    ];
    assert_eq!(where_offered("yandex"), BTreeSet::from(want));
    for code in want {
        assert_eq!(top(code, 1), ["yandex"], "{code}");
    }
    assert!(
        !country("RU").unwrap().offers("spotify"),
        "Spotify left Russia in 2022"
    );
}

#[test]
fn anghami_operates_in_the_middle_east_and_north_africa_and_leads_there() {
    let mena = where_offered("anghami");
    for code in [
        "AE", "SA", "EG", "MA", "DZ", "TN", "JO", "LB", "KW", "QA", "BH", "OM", "IQ",
    ] {
        assert!(mena.contains(code), "{code}");
        assert!(
            top(code, 2).contains(&"anghami"),
            "{code}: {:?}",
            top(code, 2)
        );
    }
    for code in ["US", "FR", "IL", "TR", "NG", "IN"] {
        assert!(!mena.contains(code), "{code}");
    }
    assert!(mena.iter().all(|c| country(c).unwrap().region() == "mena"));
}

#[test]
fn boomplay_and_audiomack_lead_in_nigeria_and_ghana() {
    for code in ["NG", "GH"] {
        let t: BTreeSet<&str> = top(code, 2).into_iter().collect();
        assert_eq!(t, BTreeSet::from(["boomplay", "audiomack"]), "{code}");
    }
    assert!(!where_offered("boomplay").contains("US"));
}

#[test]
fn deezer_is_high_in_france() {
    assert!(top("FR", 2).contains(&"deezer"), "{:?}", top("FR", 2));
}

#[test]
fn apple_music_and_amazon_music_lead_in_japan() {
    let t: BTreeSet<&str> = top("JP", 2).into_iter().collect();
    assert_eq!(t, BTreeSet::from(["apple_music", "amazon_music"]));
}

#[test]
fn youtube_music_leads_in_india() {
    assert_eq!(top("IN", 1), ["youtube_music"]);
}

#[test]
fn spotify_is_missing_where_it_does_not_operate() {
    for code in ["CN", "RU", "IR", "KP", "CU", "SY"] {
        assert!(!country(code).unwrap().offers("spotify"), "{code}");
    }
    for code in ["US", "FR", "JP", "NG", "IN", "BR", "KR", "AU", "EG"] {
        assert!(country(code).unwrap().offers("spotify"), "{code}");
    }
}
