//! Turns `data/countries.toml` into static tables (`$OUT_DIR/countries.rs`),
//! so the crate itself needs no TOML parser and the edge worker carries only
//! a few kilobytes of compact tables.
//!
//! Mistakes in the data stop the build with a message naming the section and
//! the value; `tests/country_data.rs` checks what this script cannot see
//! (that every id is in the service registry).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;

const DATA: &str = "data/countries.toml";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Data {
    global: Global,
    availability: BTreeMap<String, Availability>,
    regions: BTreeMap<String, Region>,
    country_orders: BTreeMap<String, CountryOrder>,
    countries: BTreeMap<String, Country>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Global {
    order: Vec<String>,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Availability {
    #[serde(default)]
    only: Option<Vec<String>>,
    #[serde(default)]
    regions: Vec<String>,
    #[serde(default)]
    except: Vec<String>,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Region {
    name: String,
    #[serde(default)]
    order: Option<Vec<String>>,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CountryOrder {
    order: Vec<String>,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Country {
    name: String,
    region: String,
}

fn fail(msg: String) -> ! {
    panic!("{DATA}: {msg}");
}

fn main() {
    println!("cargo::rerun-if-changed={DATA}");
    println!("cargo::rerun-if-changed=build.rs");
    let text = std::fs::read_to_string(DATA).unwrap_or_else(|e| fail(format!("cannot read: {e}")));
    let data: Data = toml::from_str(&text).unwrap_or_else(|e| fail(e.to_string()));
    let code = generate(&data);
    let out =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("countries.rs");
    std::fs::write(&out, code).expect("OUT_DIR is writable");
}

fn generate(data: &Data) -> String {
    let global = &data.global.order;
    if global.is_empty() || global.len() > 64 {
        fail(format!(
            "[global] order must list 1 to 64 services, it lists {}",
            global.len()
        ));
    }
    let index: BTreeMap<&str, usize> = global
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    if index.len() != global.len() {
        fail("[global] order names a service twice".into());
    }
    let service_index = |section: &str, id: &str| -> usize {
        *index.get(id).unwrap_or_else(|| {
            fail(format!(
                "{section} names {id:?}, which is not in [global] order"
            ))
        })
    };
    let codes: BTreeSet<&str> = data.countries.keys().map(String::as_str).collect();
    for (code, c) in &data.countries {
        if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            fail(format!(
                "[countries] {code:?} is not a two-letter uppercase country code"
            ));
        }
        if !data.regions.contains_key(&c.region) {
            fail(format!(
                "[countries] {code} is in unknown region {:?}",
                c.region
            ));
        }
    }
    let check_codes = |section: &str, list: &[String]| {
        for c in list {
            if !codes.contains(c.as_str()) {
                fail(format!(
                    "{section} names {c:?}, which is not in [countries]"
                ));
            }
        }
    };

    // Which services operate in each country, as a bit per global index.
    let mut offered: BTreeMap<&str, u64> = codes.iter().map(|c| (*c, 0)).collect();
    for (i, id) in global.iter().enumerate() {
        let section = format!("[availability.{id}]");
        let rule = data.availability.get(id);
        for (code, country) in &data.countries {
            let operates = match rule {
                None => true,
                Some(a) => {
                    let listed = a.only.as_ref().is_some_and(|o| o.contains(code))
                        || a.regions.contains(&country.region);
                    let everywhere = a.only.is_none() && a.regions.is_empty();
                    (everywhere || listed) && !a.except.contains(code)
                }
            };
            if operates {
                *offered
                    .get_mut(code.as_str())
                    .expect("every code is present") |= 1 << i;
            }
        }
        if let Some(a) = rule {
            check_codes(&section, a.only.as_deref().unwrap_or_default());
            check_codes(&section, &a.except);
            for r in &a.regions {
                if !data.regions.contains_key(r) {
                    fail(format!("{section} names unknown region {r:?}"));
                }
            }
            if a.source.trim().is_empty() {
                fail(format!("{section} has no source"));
            }
        }
    }
    for id in data.availability.keys() {
        service_index("[availability]", id);
    }

    let check_order = |section: &str, order: &[String]| -> Vec<usize> {
        let idx: Vec<usize> = order.iter().map(|s| service_index(section, s)).collect();
        if idx.iter().collect::<BTreeSet<_>>().len() != idx.len() {
            fail(format!("{section} names a service twice"));
        }
        idx
    };
    for (id, r) in &data.regions {
        if let Some(o) = &r.order {
            check_order(&format!("[regions.{id}]"), o);
        }
        if r.source.trim().is_empty() {
            fail(format!("[regions.{id}] has no source"));
        }
    }

    // Each country's order of preference, with its source.
    let mut profiles: Vec<(Vec<usize>, u64)> = Vec::new();
    let mut rows = Vec::new();
    for (code, country) in &data.countries {
        let mask = offered[code.as_str()];
        let (order, source) = match data.country_orders.get(code) {
            Some(own) => {
                let section = format!("[country_orders.{code}]");
                let order = check_order(&section, &own.order);
                for &i in &order {
                    if mask & (1 << i) == 0 {
                        fail(format!("{section} ranks {:?}, which does not operate in {code} (see [availability.{}])", global[i], global[i]));
                    }
                }
                (order, own.source.as_str())
            }
            None => {
                let region = &data.regions[&country.region];
                let order = match &region.order {
                    Some(o) => check_order(&format!("[regions.{}]", country.region), o),
                    None => (0..global.len()).collect(),
                };
                // A region's order skips what does not operate in this country.
                (
                    order
                        .into_iter()
                        .filter(|&i| mask & (1 << i) != 0)
                        .collect(),
                    region.source.as_str(),
                )
            }
        };
        let profile = match profiles.iter().position(|p| p.0 == order && p.1 == mask) {
            Some(p) => p,
            None => {
                profiles.push((order, mask));
                profiles.len() - 1
            }
        };
        let region = data
            .regions
            .keys()
            .position(|r| *r == country.region)
            .expect("checked above");
        rows.push((code, &country.name, region, profile, source));
    }
    for (code, own) in &data.country_orders {
        if !codes.contains(code.as_str()) {
            fail(format!("[country_orders.{code}] is not in [countries]"));
        }
        if own.source.trim().is_empty() {
            fail(format!("[country_orders.{code}] has no source"));
        }
    }
    if profiles.len() > usize::from(u8::MAX) {
        fail("too many distinct country profiles for a u8 index".into());
    }

    let mut out = String::new();
    let w = &mut out;
    let list = |items: &mut dyn Iterator<Item = String>| items.collect::<Vec<_>>().join(", ");
    writeln!(w, "// Generated by core/build.rs from {DATA}. Do not edit.").unwrap();
    writeln!(
        w,
        "pub(crate) static GLOBAL_ORDER: &[&str] = &[{}];",
        list(&mut global.iter().map(|s| format!("{s:?}")))
    )
    .unwrap();
    writeln!(
        w,
        "pub(crate) static GLOBAL_SOURCE: &str = {:?};",
        data.global.source
    )
    .unwrap();
    writeln!(
        w,
        "pub(crate) static AVAILABILITY_SOURCES: &[&str] = &[{}];",
        list(&mut global.iter().map(|id| format!(
            "{:?}",
            data.availability.get(id).map_or("", |a| a.source.as_str())
        )))
    )
    .unwrap();
    writeln!(w, "pub(crate) static PROFILES: &[Profile] = &[").unwrap();
    for (order, mask) in &profiles {
        writeln!(
            w,
            "    Profile {{ order: &[{}], offered: {mask:#x} }},",
            list(&mut order.iter().map(|i| i.to_string()))
        )
        .unwrap();
    }
    writeln!(w, "];").unwrap();
    writeln!(w, "pub(crate) static REGIONS: &[RegionInfo] = &[").unwrap();
    for (id, r) in &data.regions {
        writeln!(
            w,
            "    RegionInfo {{ id: {id:?}, name: {:?}, source: {:?} }},",
            r.name, r.source
        )
        .unwrap();
    }
    writeln!(w, "];").unwrap();
    writeln!(w, "/// Every country code, sorted.").unwrap();
    writeln!(
        w,
        "pub static COUNTRIES: &[&str] = &[{}];",
        list(&mut rows.iter().map(|r| format!("{:?}", r.0)))
    )
    .unwrap();
    writeln!(
        w,
        "pub(crate) static PROFILE_OF: &[u8] = &[{}];",
        list(&mut rows.iter().map(|r| r.3.to_string()))
    )
    .unwrap();
    writeln!(
        w,
        "pub(crate) static REGION_OF: &[u8] = &[{}];",
        list(&mut rows.iter().map(|r| r.2.to_string()))
    )
    .unwrap();
    writeln!(
        w,
        "pub(crate) static NAMES: &[&str] = &[{}];",
        list(&mut rows.iter().map(|r| format!("{:?}", r.1)))
    )
    .unwrap();
    writeln!(
        w,
        "pub(crate) static SOURCES: &[&str] = &[{}];",
        list(&mut rows.iter().map(|r| format!("{:?}", r.4)))
    )
    .unwrap();
    out
}
