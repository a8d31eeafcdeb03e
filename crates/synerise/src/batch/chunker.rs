//! [`Chunker`]: items in, request bodies out.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, Hasher};

use bytes::Bytes;
use futures::Stream;
use serde::Serialize;

use super::ai::AiEventItem;
use super::errors::{BatchItemError, BatchItemErrorKind};
use super::json::{JsonWriter, MAX_SLOTS};
use super::kind::{BatchKind, ChunkLimits, IdentifierKinds, Partition, Rules, envelope};
use super::runs::IndexRuns;
use super::salt::Salter;

/// Initial capacity of a body buffer before the chunker has seen a full body.
const INITIAL_BODY_CAPACITY: usize = 16 * 1024;

/// One request body: a JSON array (or the AI-events envelope) of whole items, within the limits.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Chunk {
    /// Zero-based position of the chunk among those the chunker produced.
    pub seq: u64,
    /// The group every item of the chunk belongs to.
    pub partition: Partition,
    /// The request body.
    pub body: Bytes,
    /// Input positions of the items, in body order.
    pub items: IndexRuns,
    /// Ordering keys (hashes of identifier values) of the items.
    pub(crate) keys: Vec<u64>,
}

impl Chunk {
    /// How many items the body holds.
    pub fn len(&self) -> usize {
        self.items.len() as usize
    }

    /// Whether the body holds no item (never true for chunks a [`Chunker`] yields).
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// A body being filled.
#[derive(Debug)]
struct OpenChunk {
    partition: Partition,
    body: Vec<u8>,
    prefix_len: usize,
    suffix: &'static [u8],
    count: usize,
    items: IndexRuns,
    keys: Vec<u64>,
}

/// What the writer noted about an item.
struct Written {
    captures: [Option<(usize, usize)>; MAX_SLOTS],
    largest_field: Option<(usize, usize)>,
}

/// Turns items into request bodies that respect both limits of an endpoint.
///
/// Each item is serialised once, straight into the body being filled (without `null` object
/// fields, see [`write_json_without_nulls`](super::write_json_without_nulls)); bodies are
/// assembled from those bytes. A body is closed when the next item would break a limit, so
/// bodies are full: no body could also have held the first item of the next body of its
/// partition. An item too large for any body is rejected with a [`BatchItemError`] naming its
/// index and size, and everything else goes on.
///
/// Per-kind rules ([`BatchKind`]): events are grouped by the identifier kinds of their
/// `client` ([`Partition::Identifiers`]) and AI events by type, never reordered within a group;
/// events and transactions get a time and a deterministic `eventSalt` when they have none.
/// When ordering is on (the default), a body of one group is closed early before an item of
/// another group that updates the same identifier, so bodies come out in an order in which
/// sending them one after the other applies updates of each identifier in input order.
///
/// ```
/// use synerise::batch::{ChunkLimits, Chunker};
///
/// let items = (0..2500).map(|i| serde_json::json!({ "customId": i.to_string(), "city": null }));
/// let chunks: Vec<_> = Chunker::new(ChunkLimits::default()).chunks(items).collect::<Result<_, _>>().unwrap();
/// assert_eq!(chunks.iter().map(|c| c.len()).collect::<Vec<_>>(), vec![1000, 1000, 500]);
/// assert!(chunks[0].body.starts_with(br#"[{"customId":"0"},{"customId":"1"}"#));
/// ```
#[derive(Debug)]
pub struct Chunker {
    kind: BatchKind,
    rules: &'static Rules,
    limits: ChunkLimits,
    add_salt: bool,
    ordering: bool,
    open: Vec<OpenChunk>,
    ready: VecDeque<Result<Chunk, BatchItemError>>,
    next_index: u64,
    next_seq: u64,
    scratch: Vec<u8>,
    item_keys: Vec<u64>,
    /// Which open body holds an item with this key (multi-partition kinds only).
    key_owner: HashMap<u64, Partition, PreHashed>,
    salter: Salter,
    capacity_hint: usize,
}

impl Chunker {
    /// A chunker for plain JSON arrays ([`BatchKind::Plain`]).
    pub fn new(limits: ChunkLimits) -> Self {
        Chunker::for_kind(BatchKind::Plain, limits)
    }

    /// A chunker for the batch endpoint `kind`.
    pub fn for_kind(kind: BatchKind, limits: ChunkLimits) -> Self {
        let rules = kind.rules();
        Chunker {
            kind,
            rules,
            limits,
            add_salt: rules.salt.is_some(),
            ordering: !rules.keys.is_empty(),
            open: Vec::new(),
            ready: VecDeque::new(),
            next_index: 0,
            next_seq: 0,
            scratch: Vec::new(),
            item_keys: Vec::new(),
            key_owner: HashMap::default(),
            salter: Salter::default(),
            capacity_hint: INITIAL_BODY_CAPACITY.min(limits.max_bytes),
        }
    }

    /// Whether to add a time and an `eventSalt` to events and transactions that have none
    /// (default: on for [`BatchKind::Events`] and [`BatchKind::Transactions`]; no effect on
    /// other kinds). Without them, a retry after an ambiguous failure could duplicate events,
    /// so the client does not retry such requests.
    pub fn event_salt(mut self, on: bool) -> Self {
        self.add_salt = on && self.rules.salt.is_some();
        self
    }

    /// Whether to track identifiers so that updates of the same identifier keep input order
    /// across bodies (default: on for every kind with identifiers).
    pub fn preserve_order(mut self, on: bool) -> Self {
        self.ordering = on && !self.rules.keys.is_empty();
        self
    }

    /// The endpoint kind.
    pub fn kind(&self) -> BatchKind {
        self.kind
    }

    /// The limits.
    pub fn limits(&self) -> ChunkLimits {
        self.limits
    }

    /// How many items were pushed so far (the index the next item gets).
    pub fn items_pushed(&self) -> u64 {
        self.next_index
    }

    /// Adds an item; returns its index. Completed bodies (and rejected items) become available
    /// from [`Chunker::pop`].
    ///
    /// For [`BatchKind::AiEvents`], use [`Chunker::push_ai_event`]: an item pushed here is
    /// rejected because it has no event type.
    pub fn push<T: Serialize + ?Sized>(&mut self, item: &T) -> u64 {
        if self.rules.given_partition {
            let index = self.next_index;
            self.next_index += 1;
            let kind = BatchItemErrorKind::Invalid(
                "an AI event needs an event type: push it with `push_ai_event`".into(),
            );
            self.ready.push_back(Err(BatchItemError::new(index, kind)));
            return index;
        }
        self.push_inner(Partition::All, item)
    }

    /// Adds an AI event to the body of its event type ([`BatchKind::AiEvents`]; for other kinds
    /// the type is ignored and the event is pushed like any item). Returns its index.
    pub fn push_ai_event<T: AiEventItem + ?Sized>(&mut self, item: &T) -> u64 {
        let partition = if self.rules.given_partition {
            Partition::AiEventType(item.event_type())
        } else {
            Partition::All
        };
        self.push_inner(partition, item.event())
    }

    /// Closes every body still being filled; they become available from [`Chunker::pop`].
    pub fn finish(&mut self) {
        let mut open = std::mem::take(&mut self.open);
        open.sort_by_key(|c| c.items.first());
        for chunk in open {
            if chunk.count > 0 {
                self.emit(chunk);
            }
        }
    }

    /// The next completed body or rejected item, in the order they were completed.
    pub fn pop(&mut self) -> Option<Result<Chunk, BatchItemError>> {
        self.ready.pop_front()
    }

    /// How many completed bodies and rejected items wait to be popped.
    pub fn ready_len(&self) -> usize {
        self.ready.len()
    }

    /// Chunks an iterator: yields every body (and every rejected item as an `Err`), then the
    /// last partial bodies when the input ends.
    pub fn chunks<I>(self, items: I) -> Chunks<I::IntoIter>
    where
        I: IntoIterator,
        I::Item: Serialize,
    {
        Chunks {
            chunker: self,
            items: Some(items.into_iter()),
        }
    }

    /// Chunks a stream, like [`Chunker::chunks`].
    pub fn chunk_stream<S>(self, items: S) -> impl Stream<Item = Result<Chunk, BatchItemError>>
    where
        S: Stream,
        S::Item: Serialize,
    {
        use futures::StreamExt;
        let state = (self, Some(Box::pin(items)));
        futures::stream::unfold(state, |(mut chunker, mut items)| async move {
            loop {
                if let Some(out) = chunker.pop() {
                    return Some((out, (chunker, items)));
                }
                let input = items.as_mut()?;
                match input.next().await {
                    Some(item) => {
                        chunker.push(&item);
                    }
                    None => {
                        items = None;
                        chunker.finish();
                    }
                }
            }
        })
    }

    fn reject(&mut self, index: u64, kind: BatchItemErrorKind) {
        self.ready.push_back(Err(BatchItemError::new(index, kind)));
    }

    fn push_inner<T: Serialize + ?Sized>(&mut self, partition: Partition, item: &T) -> u64 {
        let index = self.next_index;
        self.next_index += 1;
        if self.rules.partition_slots.is_empty() {
            self.push_direct(index, partition, item);
        } else {
            self.push_scratch(index, item);
        }
        index
    }

    /// The partition is known up front: serialise straight into its open body.
    fn push_direct<T: Serialize + ?Sized>(&mut self, index: u64, partition: Partition, item: &T) {
        let pos = self.open_position(partition);
        let rules = self.rules;
        let oc = &mut self.open[pos];
        let mark = oc.body.len();
        if oc.count > 0 {
            oc.body.push(b',');
        }
        let start = oc.body.len();
        let written = match write_item(&mut oc.body, rules, item) {
            Ok(w) => w,
            Err(e) => {
                oc.body.truncate(mark);
                self.reject(index, BatchItemErrorKind::Serialize(e.to_string()));
                return;
            }
        };
        if self.add_salt {
            add_salt(&mut self.salter, rules, &mut oc.body, start, &written);
        }
        self.item_keys.clear();
        if self.ordering {
            item_keys(rules, &oc.body, &written, &mut self.item_keys);
        }
        let size = oc.body.len() - start;
        if oc.prefix_len + size + oc.suffix.len() > self.limits.max_bytes {
            let largest_field = largest_field(&oc.body, written.largest_field);
            oc.body.truncate(mark);
            self.reject(
                index,
                BatchItemErrorKind::TooLarge {
                    size,
                    max_bytes: self.limits.max_bytes,
                    largest_field,
                },
            );
            return;
        }
        if oc.count < self.limits.max_items
            && oc.body.len() + oc.suffix.len() <= self.limits.max_bytes
        {
            oc.count += 1;
            oc.items.push(index);
            oc.keys.extend_from_slice(&self.item_keys);
            return;
        }
        // The item does not fit: it starts the next body of the partition.
        let mut body = Vec::with_capacity(
            self.capacity_hint
                .max(oc.prefix_len + size + oc.suffix.len()),
        );
        body.extend_from_slice(&oc.body[..oc.prefix_len]);
        body.extend_from_slice(&oc.body[start..]);
        oc.body.truncate(mark);
        let next = OpenChunk {
            partition,
            body,
            prefix_len: oc.prefix_len,
            suffix: oc.suffix,
            count: 1,
            items: std::iter::once(index).collect(),
            keys: self.item_keys.clone(),
        };
        let full = std::mem::replace(oc, next);
        self.emit(full);
    }

    /// The partition depends on the item's content: serialise into scratch space, then copy.
    fn push_scratch<T: Serialize + ?Sized>(&mut self, index: u64, item: &T) {
        let rules = self.rules;
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        let written = match write_item(&mut scratch, rules, item) {
            Ok(w) => w,
            Err(e) => {
                self.scratch = scratch;
                self.reject(index, BatchItemErrorKind::Serialize(e.to_string()));
                return;
            }
        };
        if self.add_salt {
            add_salt(&mut self.salter, rules, &mut scratch, 0, &written);
        }
        let mut kinds = IdentifierKinds::NONE;
        for &(slot, kind) in rules.partition_slots {
            if written.captures[slot].is_some() {
                kinds = kinds.with(kind);
            }
        }
        let partition = Partition::Identifiers(kinds);
        self.item_keys.clear();
        if self.ordering {
            item_keys(rules, &scratch, &written, &mut self.item_keys);
        }
        let (prefix, suffix) = envelope(partition);
        if prefix.len() + scratch.len() + suffix.len() > self.limits.max_bytes {
            let largest_field = largest_field(&scratch, written.largest_field);
            let size = scratch.len();
            self.scratch = scratch;
            self.reject(
                index,
                BatchItemErrorKind::TooLarge {
                    size,
                    max_bytes: self.limits.max_bytes,
                    largest_field,
                },
            );
            return;
        }
        if self.ordering {
            // An earlier item with one of these identifiers waits in another group's body:
            // close that body now, so it is sent before this item's body.
            for i in 0..self.item_keys.len() {
                if let Some(&owner) = self.key_owner.get(&self.item_keys[i])
                    && owner != partition
                {
                    self.close(owner);
                }
            }
        }
        let mut pos = self.open_position(partition);
        {
            let oc = &self.open[pos];
            let fits = oc.count < self.limits.max_items
                && oc.body.len() + usize::from(oc.count > 0) + scratch.len() + oc.suffix.len()
                    <= self.limits.max_bytes;
            if !fits {
                self.close(partition);
                pos = self.open_position(partition);
            }
        }
        let oc = &mut self.open[pos];
        if oc.count > 0 {
            oc.body.push(b',');
        }
        oc.body.extend_from_slice(&scratch);
        oc.count += 1;
        oc.items.push(index);
        oc.keys.extend_from_slice(&self.item_keys);
        for &key in &self.item_keys {
            self.key_owner.insert(key, partition);
        }
        self.scratch = scratch;
    }

    /// Position in `open` of the body being filled for `partition` (created when missing).
    fn open_position(&mut self, partition: Partition) -> usize {
        if let Some(pos) = self.open.iter().position(|c| c.partition == partition) {
            return pos;
        }
        let (prefix, suffix) = envelope(partition);
        let mut body = Vec::with_capacity(self.capacity_hint.max(prefix.len() + suffix.len()));
        body.extend_from_slice(&prefix);
        self.open.push(OpenChunk {
            partition,
            body,
            prefix_len: prefix.len(),
            suffix,
            count: 0,
            items: IndexRuns::new(),
            keys: Vec::new(),
        });
        self.open.len() - 1
    }

    /// Emits the open body of `partition`, if it has items.
    fn close(&mut self, partition: Partition) {
        if let Some(pos) = self.open.iter().position(|c| c.partition == partition) {
            let chunk = self.open.remove(pos);
            if chunk.count > 0 {
                self.emit(chunk);
            }
        }
    }

    fn emit(&mut self, mut chunk: OpenChunk) {
        chunk.body.extend_from_slice(chunk.suffix);
        debug_assert!(
            chunk.body.len() <= self.limits.max_bytes && chunk.count <= self.limits.max_items
        );
        // Later bodies start with room for a full one, so they are not reallocated while filled.
        self.capacity_hint = self
            .capacity_hint
            .max(chunk.body.len().min(self.limits.max_bytes) + 64);
        if !self.key_owner.is_empty() {
            for key in &chunk.keys {
                if self.key_owner.get(key) == Some(&chunk.partition) {
                    self.key_owner.remove(key);
                }
            }
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.ready.push_back(Ok(Chunk {
            seq,
            partition: chunk.partition,
            body: Bytes::from(chunk.body),
            items: chunk.items,
            keys: chunk.keys,
        }));
    }
}

fn write_item<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    rules: &'static Rules,
    item: &T,
) -> Result<Written, serde_json::Error> {
    let mut writer = JsonWriter::new(out, rules.captures);
    item.serialize(&mut writer)?;
    Ok(Written {
        captures: writer.captures,
        largest_field: writer.largest_field,
    })
}

fn add_salt(
    salter: &mut Salter,
    rules: &Rules,
    out: &mut Vec<u8>,
    start: usize,
    written: &Written,
) {
    if let Some(rule) = &rules.salt {
        let has_time = written.captures[rule.time_slot].is_some();
        let has_salt = written.captures[rule.salt_slot].is_some();
        salter.apply(out, start, rule, has_time, has_salt);
    }
}

/// Hashes of the identifier values of an item (captured ranges are absolute in `out`).
fn item_keys(rules: &Rules, out: &[u8], written: &Written, keys: &mut Vec<u64>) {
    for key in rules.keys {
        if let Some((start, end)) = written.captures[key.slot] {
            keys.push(key_hash(key.tag, &out[start..end], key.lowercase));
        }
    }
}

/// FNV-1a over the tag and the value's JSON bytes, then a splitmix64 finish so every bit of the
/// result is usable by a hash table. Keys only decide which bodies wait for which: a collision
/// makes a body wait needlessly, never reorders anything.
#[inline]
fn key_hash(tag: u8, value: &[u8], lowercase: bool) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = (0xcbf2_9ce4_8422_2325 ^ u64::from(tag)).wrapping_mul(PRIME);
    if lowercase {
        for &b in value {
            h = (h ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(PRIME);
        }
    } else {
        for &b in value {
            h = (h ^ u64::from(b)).wrapping_mul(PRIME);
        }
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Hash-table hasher for keys that are already hashes.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PreHashed;

/// The hasher of [`PreHashed`].
#[derive(Debug, Default)]
pub(crate) struct PreHashedHasher(u64);

impl BuildHasher for PreHashed {
    type Hasher = PreHashedHasher;

    fn build_hasher(&self) -> PreHashedHasher {
        PreHashedHasher(0)
    }
}

impl Hasher for PreHashedHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The name and size of the largest top-level field, from its byte range in `out`.
fn largest_field(out: &[u8], range: Option<(usize, usize)>) -> Option<(String, usize)> {
    let (mut start, end) = range?;
    if out.get(start) == Some(&b',') {
        start += 1;
    }
    let mut de = serde_json::Deserializer::from_slice(&out[start..end]);
    let name = <String as serde::Deserialize>::deserialize(&mut de).ok()?;
    Some((name, end - start))
}

/// Iterator of bodies over an iterator of items (see [`Chunker::chunks`]).
#[derive(Debug)]
pub struct Chunks<I> {
    chunker: Chunker,
    items: Option<I>,
}

impl<I> Iterator for Chunks<I>
where
    I: Iterator,
    I::Item: Serialize,
{
    type Item = Result<Chunk, BatchItemError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(out) = self.chunker.pop() {
                return Some(out);
            }
            let items = self.items.as_mut()?;
            match items.next() {
                Some(item) => {
                    self.chunker.push(&item);
                }
                None => {
                    self.items = None;
                    self.chunker.finish();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::types::AiEventBatchEventType;

    fn all(chunker: &mut Chunker) -> (Vec<Chunk>, Vec<BatchItemError>) {
        chunker.finish();
        let (mut chunks, mut errors) = (Vec::new(), Vec::new());
        while let Some(out) = chunker.pop() {
            match out {
                Ok(c) => chunks.push(c),
                Err(e) => errors.push(e),
            }
        }
        (chunks, errors)
    }

    fn body(chunk: &Chunk) -> Value {
        serde_json::from_slice(&chunk.body).unwrap()
    }

    #[test]
    fn count_limit_binds() {
        let items = (0..2500).map(|i| json!({ "customId": i.to_string() }));
        let chunks: Vec<_> = Chunker::for_kind(BatchKind::Profiles, ChunkLimits::default())
            .chunks(items)
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            chunks.iter().map(Chunk::len).collect::<Vec<_>>(),
            vec![1000, 1000, 500]
        );
        assert_eq!(chunks[1].items.runs().collect::<Vec<_>>(), vec![1000..2000]);
        assert_eq!(body(&chunks[2])[0], json!({"customId": "2000"}));
    }

    #[test]
    fn byte_limit_binds_exactly() {
        // each item is 10 bytes: {"a":"xx"} → [ + 10 + (,10)* + ]
        let item = json!({"a": "xx"});
        assert_eq!(serde_json::to_vec(&item).unwrap().len(), 10);
        let limits = ChunkLimits::new(1000, 2 + 10 * 3 + 2);
        let chunks: Vec<_> = Chunker::new(limits)
            .chunks(std::iter::repeat_n(item, 7))
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            chunks.iter().map(Chunk::len).collect::<Vec<_>>(),
            vec![3, 3, 1]
        );
        assert_eq!(chunks[0].body.len(), 34);
    }

    #[test]
    fn too_large_item_is_rejected_alone() {
        let mut chunker = Chunker::new(ChunkLimits::new(10, 100));
        chunker.push(&json!({"a": 1}));
        chunker.push(&json!({"small": 1, "huge": "x".repeat(200)}));
        chunker.push(&json!({"a": 2}));
        let (chunks, errors) = all(&mut chunker);
        assert_eq!(chunks.len(), 1);
        assert_eq!(body(&chunks[0]), json!([{"a": 1}, {"a": 2}]));
        assert_eq!(chunks[0].items.iter().collect::<Vec<_>>(), vec![0, 2]);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].index, 1);
        match &errors[0].kind {
            BatchItemErrorKind::TooLarge {
                size,
                max_bytes,
                largest_field,
            } => {
                assert_eq!(*max_bytes, 100);
                assert!(*size > 200);
                assert_eq!(largest_field.as_ref().unwrap().0, "huge");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn events_split_by_identifier_kind_in_order() {
        let mut chunker =
            Chunker::for_kind(BatchKind::Events, ChunkLimits::default()).event_salt(false);
        let kinds = ["email", "customId", "email", "uuid", "customId", "email"];
        for (i, kind) in kinds.iter().enumerate() {
            chunker.push(&json!({"action": "a", "client": { *kind: format!("v{i}") }}));
        }
        let (chunks, errors) = all(&mut chunker);
        assert!(errors.is_empty());
        let groups: Vec<(String, Vec<u64>)> = chunks
            .iter()
            .map(|c| (c.partition.to_string(), c.items.iter().collect()))
            .collect();
        assert_eq!(
            groups,
            vec![
                ("identified by email".into(), vec![0, 2, 5]),
                ("identified by customId".into(), vec![1, 4]),
                ("identified by uuid".into(), vec![3])
            ]
        );
    }

    #[test]
    fn same_identifier_in_another_group_closes_the_earlier_body_first() {
        let mut chunker =
            Chunker::for_kind(BatchKind::Events, ChunkLimits::default()).event_salt(false);
        chunker.push(&json!({"action": "a", "client": {"email": "A@x.com"}}));
        chunker.push(&json!({"action": "b", "client": {"customId": "c1"}}));
        chunker.push(&json!({"action": "c", "client": {"email": "a@x.com", "customId": "c9"}}));
        assert_eq!(
            chunker.ready_len(),
            1,
            "the email body was closed before item 2 joined another body"
        );
        let first = chunker.pop().unwrap().unwrap();
        assert_eq!(first.items.iter().collect::<Vec<_>>(), vec![0]);
        let (rest, _) = all(&mut chunker);
        assert_eq!(rest.len(), 2);
        assert!(rest.iter().all(|c| c.seq > first.seq));
    }

    #[test]
    fn events_get_time_and_salt_unless_set() {
        let mut chunker = Chunker::for_kind(BatchKind::Events, ChunkLimits::default());
        chunker.push(&json!({"action": "a", "client": {"email": "a@x.com"}, "params": null}));
        chunker.push(&json!({"action": "a", "client": {"email": "b@x.com"}, "time": "2024-01-01T00:00:00Z", "eventSalt": "mine"}));
        let (chunks, _) = all(&mut chunker);
        let events = body(&chunks[0]);
        assert!(
            events[0]["eventSalt"]
                .as_str()
                .unwrap()
                .starts_with("sdk1-")
        );
        assert!(events[0]["time"].is_string());
        assert!(events[0].get("params").is_none());
        assert_eq!(events[1]["eventSalt"], "mine");
        assert_eq!(events[1]["time"], "2024-01-01T00:00:00Z");
        assert!(crate::retry::events_carry_salt_and_time(&chunks[0].body));
    }

    #[test]
    fn typed_events_are_grouped_and_salted_like_json_ones() {
        let event = |client: Value| -> crate::types::BatchEvent {
            serde_json::from_value(
                json!({"type": "custom", "action": "a", "label": "L", "client": client}),
            )
            .unwrap()
        };
        let mut chunker = Chunker::for_kind(BatchKind::Events, ChunkLimits::default());
        chunker.push(&event(json!({"email": "a@x.com"})));
        chunker.push(&event(json!({"id": 7})));
        chunker.push(&event(json!({"email": "b@x.com"})));
        let (chunks, errors) = all(&mut chunker);
        assert!(errors.is_empty());
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[0].partition.to_string(), "identified by email");
        assert_eq!(chunks[0].items.iter().collect::<Vec<_>>(), vec![0, 2]);
        assert_eq!(chunks[1].partition.to_string(), "identified by id");
        assert_eq!(chunks[0].keys.len(), 2);
        assert!(crate::retry::events_carry_salt_and_time(&chunks[0].body));
        assert!(crate::retry::events_carry_salt_and_time(&chunks[1].body));
    }

    #[test]
    fn transactions_get_recorded_at() {
        let mut chunker = Chunker::for_kind(BatchKind::Transactions, ChunkLimits::default());
        chunker.push(&json!({"orderId": "o1", "client": {"customId": "c"}}));
        let (chunks, _) = all(&mut chunker);
        let tx = &body(&chunks[0])[0];
        assert!(
            tx["recordedAt"].is_string() && tx["eventSalt"].is_string() && tx.get("time").is_none()
        );
        assert!(crate::retry::events_carry_salt_and_time(&chunks[0].body));
    }

    #[test]
    fn ai_events_grouped_by_type_in_an_envelope() {
        let limits = ChunkLimits::new(2, 10_000);
        let mut chunker = Chunker::for_kind(BatchKind::AiEvents, limits);
        let click = AiEventBatchEventType::RecommendationClick;
        let view = AiEventBatchEventType::RecommendationView;
        for (i, t) in [click, view, click, click].into_iter().enumerate() {
            chunker.push_ai_event(&(
                t,
                json!({"correlationId": i.to_string(), "clientUUID": "u", "x": null}),
            ));
        }
        chunker.push(&json!({"no": "type"}));
        let (chunks, errors) = all(&mut chunker);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].index, 4);
        assert_eq!(
            body(&chunks[0]),
            json!({"eventType": "recommendation.click", "items": [{"correlationId": "0", "clientUUID": "u"}, {"correlationId": "2", "clientUUID": "u"}]})
        );
        assert_eq!(chunks.len(), 3);
        assert_eq!(body(&chunks[2])["items"][0]["correlationId"], "3");
    }

    #[test]
    fn profile_keys_for_ordering() {
        let mut chunker = Chunker::for_kind(BatchKind::Profiles, ChunkLimits::new(1, 1000));
        chunker.push(&json!({"email": "A@x.com"}));
        chunker.push(&json!({"email": "a@x.com", "customId": "c"}));
        chunker.push(&json!({"phone": "1"}));
        let (chunks, _) = all(&mut chunker);
        assert_eq!(chunks[0].keys.len(), 1);
        assert_eq!(chunks[1].keys.len(), 2);
        assert_eq!(
            chunks[0].keys[0], chunks[1].keys[0],
            "emails compare case-insensitively"
        );
        assert_eq!(chunks[2].keys.len(), 1);
        let mut off =
            Chunker::for_kind(BatchKind::Profiles, ChunkLimits::default()).preserve_order(false);
        off.push(&json!({"email": "a@x.com"}));
        let (chunks, _) = all(&mut off);
        assert!(chunks[0].keys.is_empty());
    }

    #[tokio::test]
    async fn chunks_a_stream() {
        use futures::StreamExt;
        let items = futures::stream::iter((0..25).map(|i| json!({ "i": i })));
        let chunks: Vec<Chunk> = Chunker::new(ChunkLimits::new(10, 1000))
            .chunk_stream(items)
            .map(Result::unwrap)
            .collect()
            .await;
        assert_eq!(
            chunks.iter().map(Chunk::len).collect::<Vec<_>>(),
            vec![10, 10, 5]
        );
        assert_eq!(body(&chunks[2])[4], json!({ "i": 24 }));
    }

    #[test]
    fn unserialisable_item_is_rejected() {
        let mut chunker = Chunker::new(ChunkLimits::default());
        let bad: std::collections::BTreeMap<Vec<u8>, u8> = [(vec![1], 1)].into_iter().collect();
        chunker.push(&json!({"a": 1}));
        chunker.push(&bad);
        chunker.push(&json!({"a": 2}));
        let (chunks, errors) = all(&mut chunker);
        assert_eq!(body(&chunks[0]), json!([{"a": 1}, {"a": 2}]));
        assert!(matches!(errors[0].kind, BatchItemErrorKind::Serialize(_)));
    }
}
