//! Deterministic, realistic profile generator shared by the batch benchmarks and the
//! `bulk_import` example: mixed sizes, a few to a few dozen custom attributes of mixed types,
//! some empty (null) values, tags, agreements.
#![allow(dead_code)]

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};
use synerise::types::{ProfileAgreements, ProfileAttributes, ProfileBatchItem};

const CITIES: [&str; 6] = ["Kraków", "Warszawa", "Gdańsk", "Wrocław", "Poznań", "Łódź"];
const NAMES: [&str; 6] = ["Anna", "Jan", "Zofia", "Piotr", "Maja", "Krzysztof"];

fn text(rng: &mut StdRng, min: usize, max: usize) -> String {
    let len = rng.random_range(min..=max);
    (0..len)
        .map(|_| char::from(b'a' + rng.random_range(0..26u8)))
        .collect()
}

/// Profile number `i` of a generator seeded with `seed`.
pub fn profile(rng: &mut StdRng, i: u64) -> ProfileBatchItem {
    let mut attributes = Map::new();
    // Most profiles are small, some are large (long free text, many attributes).
    let count = match rng.random_range(0..100) {
        0..=59 => rng.random_range(0..8),
        60..=94 => rng.random_range(8..30),
        _ => rng.random_range(30..80),
    };
    for a in 0..count {
        let value = match rng.random_range(0..10) {
            0..=3 => Value::String(text(rng, 3, 40)),
            4..=5 => json!(rng.random_range(0..1_000_000)),
            6 => json!(rng.random::<f64>() * 1000.0),
            7 => json!(rng.random::<bool>()),
            8 => {
                json!({ "segment": text(rng, 4, 12), "score": rng.random_range(0..100), "note": if rng.random() { Value::Null } else { json!("n") } })
            }
            _ => {
                if rng.random_range(0..4) == 0 {
                    Value::Null
                } else {
                    Value::String(text(rng, 100, 600))
                }
            }
        };
        attributes.insert(format!("attr_{a}"), value);
    }
    ProfileBatchItem {
        custom_id: Some(format!("cust-{i}")),
        email: rng.random_bool(0.8).then(|| format!("user{i}@example.com")),
        phone: rng
            .random_bool(0.3)
            .then(|| format!("+48{:09}", rng.random_range(0..1_000_000_000u64))),
        first_name: Some(NAMES[rng.random_range(0..NAMES.len())].to_string()),
        last_name: rng.random_bool(0.7).then(|| text(rng, 4, 14)),
        city: rng
            .random_bool(0.6)
            .then(|| CITIES[rng.random_range(0..CITIES.len())].to_string()),
        zip_code: rng.random_bool(0.4).then(|| {
            format!(
                "{:02}-{:03}",
                rng.random_range(0..100),
                rng.random_range(0..1000)
            )
        }),
        agreements: rng.random_bool(0.5).then(|| ProfileAgreements {
            email: Some(rng.random()),
            sms: Some(rng.random()),
            ..Default::default()
        }),
        attributes: (!attributes.is_empty()).then_some(ProfileAttributes(attributes)),
        tags: (0..rng.random_range(0..4))
            .map(|_| text(rng, 3, 10))
            .collect(),
        ..Default::default()
    }
}

/// `n` profiles from `seed`, lazily.
pub fn profiles(seed: u64, n: u64) -> impl Iterator<Item = ProfileBatchItem> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n).map(move |i| profile(&mut rng, i))
}
