//! Property tests of the batch chunker: limits hold, nothing is lost, duplicated or reordered,
//! every body is valid JSON, and bodies are full.

use std::collections::HashMap;

use proptest::prelude::*;
use serde_json::{Value, json};
use synerise::batch::{
    BatchItemErrorKind, BatchKind, Chunk, ChunkLimits, Chunker, Partition, to_json_without_nulls,
};

/// An item of roughly `size` bytes, with a null field that must disappear.
fn item(index: usize, size: usize, with_null: bool) -> Value {
    let mut v = json!({ "i": index, "pad": "x".repeat(size) });
    if with_null {
        v["gone"] = Value::Null;
    }
    v
}

fn stripped(v: &Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), stripped(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(stripped).collect()),
        other => other.clone(),
    }
}

fn run(chunker: Chunker, items: &[Value]) -> (Vec<Chunk>, Vec<(u64, usize)>) {
    let mut chunks = Vec::new();
    let mut rejected = Vec::new();
    for out in chunker.chunks(items.iter()) {
        match out {
            Ok(chunk) => chunks.push(chunk),
            Err(e) => match e.kind {
                BatchItemErrorKind::TooLarge { size, .. } => rejected.push((e.index, size)),
                other => panic!("unexpected rejection {other:?}"),
            },
        }
    }
    (chunks, rejected)
}

fn sizes_and_limits() -> impl Strategy<Value = (Vec<(usize, bool)>, usize, usize)> {
    (
        prop::collection::vec((0usize..300, any::<bool>()), 0..400),
        1usize..60,
        64usize..3000,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn plain_chunks_respect_limits_and_keep_everything((sizes, max_items, max_bytes) in sizes_and_limits()) {
        let items: Vec<Value> = sizes.iter().enumerate().map(|(i, &(size, null))| item(i, size, null)).collect();
        let encoded: Vec<Vec<u8>> = items.iter().map(|v| to_json_without_nulls(v).unwrap()).collect();
        let (chunks, rejected) = run(Chunker::new(ChunkLimits::new(max_items, max_bytes)), &items);

        // Exactly the items too large for a body of their own are rejected, with their size.
        let expected_rejected: Vec<(u64, usize)> =
            encoded.iter().enumerate().filter(|(_, e)| e.len() + 2 > max_bytes).map(|(i, e)| (i as u64, e.len())).collect();
        prop_assert_eq!(&rejected, &expected_rejected);

        let mut seen = Vec::new();
        for (k, chunk) in chunks.iter().enumerate() {
            prop_assert_eq!(chunk.seq, k as u64);
            prop_assert!(!chunk.is_empty());
            prop_assert!(chunk.len() <= max_items, "{} items > {}", chunk.len(), max_items);
            prop_assert!(chunk.body.len() <= max_bytes, "{} bytes > {}", chunk.body.len(), max_bytes);
            // Valid JSON, and exactly the items (nulls stripped) in order.
            let body: Value = serde_json::from_slice(&chunk.body).expect("valid JSON");
            let array = body.as_array().expect("an array");
            prop_assert_eq!(array.len(), chunk.len());
            for (pos, index) in chunk.items.iter().enumerate() {
                prop_assert_eq!(&array[pos], &stripped(&items[index as usize]));
            }
            // The body is exactly the once-serialised items joined by commas.
            let mut joined = b"[".to_vec();
            for (pos, index) in chunk.items.iter().enumerate() {
                if pos > 0 { joined.push(b','); }
                joined.extend_from_slice(&encoded[index as usize]);
            }
            joined.push(b']');
            prop_assert_eq!(&chunk.body[..], &joined[..]);
            seen.extend(chunk.items.iter());
        }
        // Concatenating the chunks gives back every accepted input item once, in order.
        let expected: Vec<u64> = (0..items.len() as u64).filter(|i| !rejected.iter().any(|(r, _)| r == i)).collect();
        prop_assert_eq!(seen, expected);

        // Full: no body could also have taken the first item of its successor.
        for pair in chunks.windows(2) {
            let next_first = pair[1].items.first().unwrap() as usize;
            let could_take = pair[0].len() < max_items && pair[0].body.len() + 1 + encoded[next_first].len() <= max_bytes;
            prop_assert!(!could_take, "chunk {} could have taken item {}", pair[0].seq, next_first);
        }
    }

    #[test]
    fn event_chunks_group_identifier_kinds_and_stay_full(
        kinds in prop::collection::vec((0usize..4, 0usize..200), 0..300),
        max_items in 1usize..40,
        max_bytes in 200usize..2500,
    ) {
        const FIELDS: [&str; 4] = ["email", "customId", "uuid", "id"];
        let items: Vec<Value> = kinds
            .iter()
            .enumerate()
            .map(|(i, &(k, pad))| {
                let id = if FIELDS[k] == "id" { json!(i) } else { json!(format!("v{i}")) };
                json!({ "action": "a", "client": { FIELDS[k]: id }, "params": { "pad": "x".repeat(pad), "none": null } })
            })
            .collect();
        let chunker = Chunker::for_kind(BatchKind::Events, ChunkLimits::new(max_items, max_bytes)).event_salt(false);
        let (chunks, rejected) = run(chunker, &items);
        prop_assert!(rejected.is_empty() || max_bytes < 300);

        let mut by_partition: HashMap<String, Vec<&Chunk>> = HashMap::new();
        let mut seen = Vec::new();
        for chunk in &chunks {
            prop_assert!(chunk.len() <= max_items && chunk.body.len() <= max_bytes);
            let body: Value = serde_json::from_slice(&chunk.body).expect("valid JSON");
            let Partition::Identifiers(kinds) = chunk.partition else { panic!("events are grouped by identifiers") };
            for (pos, event) in body.as_array().unwrap().iter().enumerate() {
                let client = event["client"].as_object().unwrap();
                let fields: Vec<&str> = kinds.iter().map(|k| k.field()).collect();
                prop_assert_eq!(client.keys().map(String::as_str).collect::<Vec<_>>(), fields, "one identifier kind per body");
                prop_assert_eq!(event, &stripped(&items[chunk.items.get(pos as u64).unwrap() as usize]));
            }
            by_partition.entry(chunk.partition.to_string()).or_default().push(chunk);
            seen.extend(chunk.items.iter());
        }
        seen.sort_unstable();
        let expected: Vec<u64> = (0..items.len() as u64).filter(|i| !rejected.iter().any(|(r, _)| r == i)).collect();
        prop_assert_eq!(seen, expected, "every item exactly once");
        // Within a group: input order, and full bodies (identifiers are all distinct here, so no
        // body is closed early for ordering).
        for group in by_partition.values() {
            let order: Vec<u64> = group.iter().flat_map(|c| c.items.iter()).collect();
            prop_assert!(order.windows(2).all(|w| w[0] < w[1]));
            for pair in group.windows(2) {
                let next_first = pair[1].items.first().unwrap() as usize;
                let size = to_json_without_nulls(&items[next_first]).unwrap().len();
                prop_assert!(!(pair[0].len() < max_items && pair[0].body.len() + 1 + size <= max_bytes));
            }
        }
    }

    #[test]
    fn same_identifier_bodies_come_out_in_input_order(
        events in prop::collection::vec((0usize..4, 0usize..6), 1..200),
        max_items in 1usize..20,
    ) {
        // Few distinct identifier values, spread over identifier kinds: an item and a later item
        // with the same value must land in the same body or in bodies emitted in that order.
        const FIELDS: [&str; 4] = ["email", "customId", "uuid", "id"];
        let items: Vec<Value> = events
            .iter()
            .map(|&(k, v)| {
                let mut client = serde_json::Map::new();
                client.insert(FIELDS[k].into(), if FIELDS[k] == "id" { json!(v) } else { json!(format!("v{v}")) });
                if k % 2 == 0 {
                    client.insert("customId".into(), json!(format!("v{v}")));
                }
                json!({ "action": "a", "client": client })
            })
            .collect();
        let (chunks, _) = run(Chunker::for_kind(BatchKind::Events, ChunkLimits::new(max_items, 100_000)).event_salt(false), &items);
        let mut seq_of = vec![u64::MAX; items.len()];
        for chunk in &chunks {
            for i in chunk.items.iter() {
                seq_of[i as usize] = chunk.seq;
            }
        }
        let ids = |v: &Value| -> Vec<String> {
            v["client"].as_object().unwrap().iter().map(|(k, v)| format!("{k}={v}")).collect()
        };
        for i in 0..items.len() {
            for j in i + 1..items.len() {
                let (a, b) = (ids(&items[i]), ids(&items[j]));
                if a.iter().any(|x| b.contains(x)) {
                    prop_assert!(seq_of[i] <= seq_of[j], "item {} (body {}) after item {} (body {})", i, seq_of[i], j, seq_of[j]);
                }
            }
        }
    }
}
