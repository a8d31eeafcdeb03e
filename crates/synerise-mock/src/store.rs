//! The in-memory data store behind the mock.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};

use crate::config::StoreMode;
use crate::util::{fmt_time, fmt_time_secs};

/// First client id handed out by the mock.
pub(crate) const FIRST_CLIENT_ID: i64 = 1001;

/// Native profile attributes, in the order of the reference samples.
const NATIVE_FIELDS: [&str; 16] = [
    "email",
    "phone",
    "customId",
    "uuid",
    "firstName",
    "lastName",
    "displayName",
    "company",
    "address",
    "city",
    "province",
    "zipCode",
    "countryCode",
    "birthDate",
    "sex",
    "avatarUrl",
];

const AGREEMENTS: [&str; 7] = [
    "email",
    "sms",
    "push",
    "webPush",
    "bluetooth",
    "rfid",
    "wifi",
];

fn hash_of<T: Hash + ?Sized>(v: &T) -> u64 {
    let mut h = DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

/// A profile reference: how a test names a profile when reading the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileRef {
    /// By clientId.
    Id(i64),
    /// By customId.
    CustomId(String),
    /// By e-mail.
    Email(String),
    /// By UUID.
    Uuid(String),
}

impl From<i64> for ProfileRef {
    fn from(id: i64) -> Self {
        ProfileRef::Id(id)
    }
}

/// An event as the mock stored it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedEvent {
    /// The profile the event belongs to.
    pub client_id: i64,
    /// Event action (e.g. `product.addToCart`, or the custom action).
    pub action: String,
    /// Occurrence time (the receive time when `time` was missing or in the future).
    pub time: DateTime<Utc>,
    /// The eventSalt, if one was sent.
    pub event_salt: Option<String>,
    /// The label, if one was sent.
    pub label: Option<String>,
    /// The `params` object (`{}` when absent).
    pub params: Value,
    /// The request object of this event, as received.
    pub body: Value,
    /// Global insertion number (later events have larger numbers; an overwrite gets a new one).
    pub seq: u64,
}

/// Profile identifiers found in a JSON object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Ids {
    pub id: Option<i64>,
    pub custom_id: Option<String>,
    pub email: Option<String>,
    pub uuid: Option<String>,
    pub phone: Option<String>,
}

fn value_as_string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn value_as_i64(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

impl Ids {
    /// Identifiers of a profile body (`clientId`) or an event `client` object (`id`).
    pub(crate) fn from_object(obj: &Map<String, Value>) -> Ids {
        Ids {
            id: value_as_i64(obj.get("clientId")).or_else(|| value_as_i64(obj.get("id"))),
            custom_id: value_as_string(obj.get("customId")),
            email: value_as_string(obj.get("email")),
            uuid: value_as_string(obj.get("uuid")),
            phone: value_as_string(obj.get("phone")),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.id.is_none()
            && self.custom_id.is_none()
            && self.email.is_none()
            && self.uuid.is_none()
            && self.phone.is_none()
    }

    /// The kind of identifier an event uses: the first present of id, customId, email, uuid.
    pub(crate) fn kind(&self) -> Option<&'static str> {
        if self.id.is_some() {
            Some("id")
        } else if self.custom_id.is_some() {
            Some("customId")
        } else if self.email.is_some() {
            Some("email")
        } else if self.uuid.is_some() {
            Some("uuid")
        } else {
            None
        }
    }

    fn keyed(&self) -> Vec<(u8, &str)> {
        let mut out = Vec::new();
        if let Some(v) = &self.custom_id {
            out.push((b'c', v.as_str()));
        }
        if let Some(v) = &self.email {
            out.push((b'e', v.as_str()));
        }
        if let Some(v) = &self.uuid {
            out.push((b'u', v.as_str()));
        }
        if let Some(v) = &self.phone {
            out.push((b'p', v.as_str()));
        }
        out
    }
}

/// Why an upsert failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UpsertError {
    /// Only a clientId was given and no such profile exists.
    UnknownId(i64),
    /// No identifier at all.
    NoIdentifier,
}

// ---------------------------------------------------------------------------------------
// Profiles
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub(crate) struct ProfileRec {
    pub fields: Map<String, Value>,
    pub updated: DateTime<Utc>,
}

#[derive(Debug, Default)]
pub(crate) struct FullProfiles {
    by_id: BTreeMap<i64, ProfileRec>,
    index: HashMap<(u8, String), i64>,
}

#[derive(Debug, Default)]
pub(crate) struct CountProfiles {
    live: Vec<u64>,
    count: usize,
    index: HashMap<u64, i64>,
}

impl CountProfiles {
    fn is_live(&self, id: i64) -> bool {
        let Some(bit) = id.checked_sub(FIRST_CLIENT_ID) else {
            return false;
        };
        let bit = bit as usize;
        self.live
            .get(bit / 64)
            .is_some_and(|w| w & (1u64 << (bit % 64)) != 0)
    }

    fn set_live(&mut self, id: i64, live: bool) {
        let bit = (id - FIRST_CLIENT_ID) as usize;
        if self.live.len() <= bit / 64 {
            self.live.resize(bit / 64 + 1, 0);
        }
        if live {
            self.live[bit / 64] |= 1u64 << (bit % 64);
        } else {
            self.live[bit / 64] &= !(1u64 << (bit % 64));
        }
    }

    fn live_ids(&self) -> impl Iterator<Item = i64> + '_ {
        self.live.iter().enumerate().flat_map(|(w, word)| {
            (0..64).filter_map(move |b| {
                (word & (1u64 << b) != 0).then_some(FIRST_CLIENT_ID + (w * 64 + b) as i64)
            })
        })
    }
}

#[derive(Debug)]
pub(crate) enum ProfileData {
    Full(FullProfiles),
    Count(CountProfiles),
}

/// Filters and sorting for the profile list.
#[derive(Debug, Default, Clone)]
pub(crate) struct ProfileQuery {
    pub sort_by: Option<String>,
    pub descending: bool,
    pub filters: Vec<(String, String)>,
}

#[derive(Debug)]
pub(crate) struct Profiles {
    next_id: i64,
    data: ProfileData,
}

impl Profiles {
    fn new(mode: StoreMode) -> Self {
        Profiles {
            next_id: FIRST_CLIENT_ID,
            data: match mode {
                StoreMode::Full => ProfileData::Full(FullProfiles::default()),
                StoreMode::CountOnly => ProfileData::Count(CountProfiles::default()),
            },
        }
    }

    pub(crate) fn count(&self) -> usize {
        match &self.data {
            ProfileData::Full(f) => f.by_id.len(),
            ProfileData::Count(c) => c.count,
        }
    }

    pub(crate) fn exists(&self, id: i64) -> bool {
        match &self.data {
            ProfileData::Full(f) => f.by_id.contains_key(&id),
            ProfileData::Count(c) => c.is_live(id),
        }
    }

    /// Finds a profile: customId, then email, uuid, clientId, phone.
    pub(crate) fn resolve(&self, ids: &Ids) -> Option<i64> {
        let keyed = ids.keyed();
        let by_key = |kind: u8| keyed.iter().find(|(k, _)| *k == kind).map(|(_, v)| *v);
        let order: [Option<u8>; 5] = [Some(b'c'), Some(b'e'), Some(b'u'), None, Some(b'p')];
        for kind in order {
            let found = match kind {
                None => ids.id.filter(|id| self.exists(*id)),
                Some(kind) => by_key(kind).and_then(|v| self.lookup(kind, v)),
            };
            if found.is_some() {
                return found;
            }
        }
        None
    }

    fn lookup(&self, kind: u8, value: &str) -> Option<i64> {
        match &self.data {
            ProfileData::Full(f) => f.index.get(&(kind, value.to_owned())).copied(),
            ProfileData::Count(c) => c
                .index
                .get(&hash_of(&(kind, value)))
                .copied()
                .filter(|id| c.is_live(*id)),
        }
    }

    pub(crate) fn by_custom_id(&self, v: &str) -> Option<i64> {
        self.lookup(b'c', v)
    }

    pub(crate) fn by_email(&self, v: &str) -> Option<i64> {
        self.lookup(b'e', v)
    }

    pub(crate) fn by_uuid(&self, v: &str) -> Option<i64> {
        self.lookup(b'u', v)
    }

    pub(crate) fn by_phone(&self, v: &str) -> Option<i64> {
        self.lookup(b'p', v)
    }

    pub(crate) fn resolve_ref(&self, r: &ProfileRef) -> Option<i64> {
        match r {
            ProfileRef::Id(id) => self.exists(*id).then_some(*id),
            ProfileRef::CustomId(v) => self.by_custom_id(v),
            ProfileRef::Email(v) => self.by_email(v),
            ProfileRef::Uuid(v) => self.by_uuid(v),
        }
    }

    /// Creates or updates a profile. `target` forces the profile to update (path-addressed
    /// updates); otherwise the identifiers decide. Returns `(clientId, created)`.
    pub(crate) fn upsert(
        &mut self,
        target: Option<i64>,
        ids: &Ids,
        patch: Option<&Map<String, Value>>,
        now: DateTime<Utc>,
        rng: &mut StdRng,
    ) -> Result<(i64, bool), UpsertError> {
        if target.is_none() && ids.is_empty() {
            return Err(UpsertError::NoIdentifier);
        }
        let existing = target.or_else(|| self.resolve(ids));
        let (id, created) = match existing {
            Some(id) => (id, false),
            None => {
                if ids.keyed().is_empty() {
                    return Err(UpsertError::UnknownId(ids.id.unwrap_or_default()));
                }
                let id = self.next_id;
                self.next_id += 1;
                (id, true)
            }
        };
        match &mut self.data {
            ProfileData::Count(c) => {
                if created {
                    c.set_live(id, true);
                    c.count += 1;
                }
                for (kind, value) in ids.keyed() {
                    c.index.insert(hash_of(&(kind, value)), id);
                }
            }
            ProfileData::Full(f) => {
                let rec = f.by_id.entry(id).or_insert_with(|| ProfileRec {
                    fields: Map::new(),
                    updated: now,
                });
                let before = identifier_pairs(&rec.fields);
                if let Some(patch) = patch {
                    merge_profile(&mut rec.fields, patch);
                }
                for (key, value) in [
                    ("customId", &ids.custom_id),
                    ("email", &ids.email),
                    ("uuid", &ids.uuid),
                    ("phone", &ids.phone),
                ] {
                    if let Some(v) = value
                        && !rec.fields.contains_key(key)
                    {
                        rec.fields.insert(key.to_owned(), Value::String(v.clone()));
                    }
                }
                if !rec.fields.get("uuid").is_some_and(Value::is_string) {
                    rec.fields
                        .insert("uuid".to_owned(), Value::String(random_uuid(rng)));
                }
                rec.updated = now;
                let after = identifier_pairs(&rec.fields);
                for pair in before {
                    if !after.contains(&pair) && f.index.get(&pair) == Some(&id) {
                        f.index.remove(&pair);
                    }
                }
                for pair in after {
                    f.index.insert(pair, id);
                }
            }
        }
        Ok((id, created))
    }

    /// Marks a profile as anonymous (anonymous login).
    pub(crate) fn set_anonymous(&mut self, id: i64) {
        if let ProfileData::Full(f) = &mut self.data
            && let Some(rec) = f.by_id.get_mut(&id)
        {
            rec.fields.insert("anonymous".to_owned(), Value::Bool(true));
        }
    }

    pub(crate) fn delete(&mut self, id: i64) -> bool {
        match &mut self.data {
            ProfileData::Full(f) => match f.by_id.remove(&id) {
                Some(rec) => {
                    for pair in identifier_pairs(&rec.fields) {
                        if f.index.get(&pair) == Some(&id) {
                            f.index.remove(&pair);
                        }
                    }
                    true
                }
                None => false,
            },
            ProfileData::Count(c) => {
                if c.is_live(id) {
                    c.set_live(id, false);
                    c.count -= 1;
                    true
                } else {
                    false
                }
            }
        }
    }

    /// The identifiers of a stored profile (for event bodies and token claims).
    pub(crate) fn identifiers(&self, id: i64) -> Ids {
        match &self.data {
            ProfileData::Full(f) => f
                .by_id
                .get(&id)
                .map(|rec| {
                    let mut ids = Ids::from_object(&rec.fields);
                    ids.id = Some(id);
                    ids
                })
                .unwrap_or_default(),
            ProfileData::Count(_) => Ids {
                id: Some(id),
                ..Ids::default()
            },
        }
    }

    pub(crate) fn field(&self, id: i64, name: &str) -> Option<Value> {
        match &self.data {
            ProfileData::Full(f) => f.by_id.get(&id)?.fields.get(name).cloned(),
            ProfileData::Count(_) => None,
        }
    }

    pub(crate) fn json(&self, id: i64) -> Option<Value> {
        match &self.data {
            ProfileData::Full(f) => f.by_id.get(&id).map(|rec| render_profile(id, rec)),
            ProfileData::Count(c) => c.is_live(id).then(|| json!({ "clientId": id })),
        }
    }

    pub(crate) fn all_json(&self) -> Vec<Value> {
        match &self.data {
            ProfileData::Full(f) => f
                .by_id
                .iter()
                .map(|(id, rec)| render_profile(*id, rec))
                .collect(),
            ProfileData::Count(c) => c.live_ids().map(|id| json!({ "clientId": id })).collect(),
        }
    }

    /// One page of the profile list (`page_index` starts at 1).
    pub(crate) fn page(&self, page_index: usize, page_size: usize, q: &ProfileQuery) -> Vec<Value> {
        let skip = (page_index - 1).saturating_mul(page_size);
        match &self.data {
            ProfileData::Count(c) => c
                .live_ids()
                .skip(skip)
                .take(page_size)
                .map(|id| json!({ "clientId": id }))
                .collect(),
            ProfileData::Full(f) => {
                let matches = |rec: &ProfileRec| {
                    q.filters.iter().all(|(k, v)| {
                        let field = rec.fields.get(k.as_str());
                        if k == "anonymous" {
                            let actual = field.and_then(Value::as_bool).unwrap_or(false);
                            return v.parse::<bool>().map(|b| b == actual).unwrap_or(true);
                        }
                        field.and_then(Value::as_str) == Some(v.as_str())
                    })
                };
                match &q.sort_by {
                    None => f
                        .by_id
                        .iter()
                        .filter(|(_, rec)| matches(rec))
                        .skip(skip)
                        .take(page_size)
                        .map(|(id, rec)| render_profile(*id, rec))
                        .collect(),
                    Some(sort_by) => {
                        let mut all: Vec<(&i64, &ProfileRec)> =
                            f.by_id.iter().filter(|(_, rec)| matches(rec)).collect();
                        let key = |rec: &ProfileRec| -> Option<String> {
                            if sort_by == "lastActivityDate" {
                                Some(fmt_time(rec.updated))
                            } else {
                                rec.fields
                                    .get(sort_by.as_str())
                                    .and_then(Value::as_str)
                                    .map(str::to_owned)
                            }
                        };
                        all.sort_by(|a, b| {
                            let ord = key(a.1).cmp(&key(b.1)).then(a.0.cmp(b.0));
                            if q.descending { ord.reverse() } else { ord }
                        });
                        all.into_iter()
                            .skip(skip)
                            .take(page_size)
                            .map(|(id, rec)| render_profile(*id, rec))
                            .collect()
                    }
                }
            }
        }
    }
}

fn identifier_pairs(fields: &Map<String, Value>) -> Vec<(u8, String)> {
    let mut out = Vec::new();
    for (kind, key) in [
        (b'c', "customId"),
        (b'e', "email"),
        (b'u', "uuid"),
        (b'p', "phone"),
    ] {
        if let Some(v) = value_as_string(fields.get(key)) {
            out.push((kind, v));
        }
    }
    out
}

/// Synerise update semantics: a `null` removes the attribute; `attributes` and
/// `agreements` merge key by key; anything else is replaced.
fn merge_profile(fields: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (k, v) in patch {
        match k.as_str() {
            "clientId" | "id" | "password" => {}
            "attributes" | "agreements" => match v {
                Value::Null => {
                    fields.remove(k);
                }
                Value::Object(obj) => {
                    let target = fields
                        .entry(k.clone())
                        .or_insert_with(|| Value::Object(Map::new()));
                    if !target.is_object() {
                        *target = Value::Object(Map::new());
                    }
                    let target = target.as_object_mut().expect("object");
                    for (ak, av) in obj {
                        if av.is_null() {
                            target.remove(ak);
                        } else {
                            target.insert(ak.clone(), av.clone());
                        }
                    }
                }
                other => {
                    fields.insert(k.clone(), other.clone());
                }
            },
            _ => {
                if v.is_null() {
                    fields.remove(k);
                } else {
                    fields.insert(k.clone(), v.clone());
                }
            }
        }
    }
}

fn render_profile(id: i64, rec: &ProfileRec) -> Value {
    let mut obj = Map::new();
    obj.insert("clientId".to_owned(), json!(id));
    for name in NATIVE_FIELDS {
        obj.insert(
            name.to_owned(),
            rec.fields.get(name).cloned().unwrap_or(Value::Null),
        );
    }
    obj.insert(
        "anonymous".to_owned(),
        rec.fields
            .get("anonymous")
            .cloned()
            .unwrap_or(Value::Bool(false)),
    );
    let mut agreements = Map::new();
    for a in AGREEMENTS {
        agreements.insert(a.to_owned(), Value::Bool(false));
    }
    if let Some(Value::Object(stored)) = rec.fields.get("agreements") {
        for (k, v) in stored {
            let b = match v {
                Value::Bool(b) => *b,
                Value::String(s) => s.eq_ignore_ascii_case("true"),
                Value::Number(n) => n.as_i64() == Some(1),
                _ => false,
            };
            agreements.insert(k.clone(), Value::Bool(b));
        }
    }
    obj.insert("agreements".to_owned(), Value::Object(agreements));
    obj.insert(
        "attributes".to_owned(),
        rec.fields
            .get("attributes")
            .cloned()
            .unwrap_or_else(|| json!({})),
    );
    obj.insert(
        "tags".to_owned(),
        rec.fields.get("tags").cloned().unwrap_or_else(|| json!([])),
    );
    obj.insert("previousClients".to_owned(), json!([]));
    obj.insert(
        "lastActivityDate".to_owned(),
        Value::String(fmt_time_secs(rec.updated)),
    );
    for (k, v) in &rec.fields {
        if !obj.contains_key(k) {
            obj.insert(k.clone(), v.clone());
        }
    }
    Value::Object(obj)
}

pub(crate) fn random_uuid(rng: &mut StdRng) -> String {
    let bytes: [u8; 16] = rng.random();
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

// ---------------------------------------------------------------------------------------
// Events and transactions
// ---------------------------------------------------------------------------------------

/// Overwrite key: same profile, same action, same time (ms), same salt.
type SaltKey = (i64, String, i64, String);

#[derive(Debug, Default)]
pub(crate) struct FullEvents {
    per_profile: HashMap<i64, Vec<RecordedEvent>>,
    salt_index: HashMap<SaltKey, usize>,
}

#[derive(Debug)]
pub(crate) struct Events {
    count: usize,
    next_seq: u64,
    full: Option<FullEvents>,
    salt_hashes: HashSet<u64>,
}

impl Events {
    fn new(mode: StoreMode) -> Self {
        Events {
            count: 0,
            next_seq: 1,
            full: (mode == StoreMode::Full).then(FullEvents::default),
            salt_hashes: HashSet::new(),
        }
    }

    pub(crate) fn count(&self) -> usize {
        self.count
    }

    /// Stores an event; returns `true` when it overwrote an earlier one (eventSalt rule).
    pub(crate) fn insert(&mut self, mut ev: RecordedEvent) -> bool {
        ev.seq = self.next_seq;
        self.next_seq += 1;
        let key: Option<SaltKey> = ev.event_salt.as_ref().map(|salt| {
            (
                ev.client_id,
                ev.action.clone(),
                ev.time.timestamp_millis(),
                salt.clone(),
            )
        });
        match &mut self.full {
            Some(full) => {
                if let Some(key) = &key
                    && let Some(&pos) = full.salt_index.get(key)
                    && let Some(list) = full.per_profile.get_mut(&ev.client_id)
                    && pos < list.len()
                {
                    list[pos] = ev;
                    return true;
                }
                let list = full.per_profile.entry(ev.client_id).or_default();
                if let Some(key) = key {
                    full.salt_index.insert(key, list.len());
                }
                list.push(ev);
                self.count += 1;
                false
            }
            None => {
                if let Some(key) = key
                    && !self.salt_hashes.insert(hash_of(&key))
                {
                    return true;
                }
                self.count += 1;
                false
            }
        }
    }

    pub(crate) fn for_profile(&self, id: i64) -> Vec<RecordedEvent> {
        self.full
            .as_ref()
            .and_then(|f| f.per_profile.get(&id).cloned())
            .unwrap_or_default()
    }

    pub(crate) fn remove_profile(&mut self, id: i64) {
        if let Some(full) = &mut self.full
            && let Some(list) = full.per_profile.remove(&id)
        {
            self.count -= list.len();
            full.salt_index.retain(|k, _| k.0 != id);
        }
    }
}

/// A stored transaction.
#[derive(Debug, Clone)]
pub(crate) struct TxRec {
    pub body: Value,
}

#[derive(Debug)]
pub(crate) struct Transactions {
    count: usize,
    full: Option<(Vec<TxRec>, HashMap<SaltKey, usize>)>,
    salt_hashes: HashSet<u64>,
}

impl Transactions {
    fn new(mode: StoreMode) -> Self {
        Transactions {
            count: 0,
            full: (mode == StoreMode::Full).then(|| (Vec::new(), HashMap::new())),
            salt_hashes: HashSet::new(),
        }
    }

    pub(crate) fn count(&self) -> usize {
        self.count
    }

    /// Stores a transaction; same profile + recordedAt + eventSalt overwrites.
    pub(crate) fn insert(
        &mut self,
        client_id: i64,
        recorded_at: DateTime<Utc>,
        salt: Option<&str>,
        body: Value,
    ) -> bool {
        let key: Option<SaltKey> = salt.map(|s| {
            (
                client_id,
                "transaction.charge".to_owned(),
                recorded_at.timestamp_millis(),
                s.to_owned(),
            )
        });
        match &mut self.full {
            Some((list, index)) => {
                if let Some(key) = &key
                    && let Some(&pos) = index.get(key)
                {
                    list[pos] = TxRec { body };
                    return true;
                }
                if let Some(key) = key {
                    index.insert(key, list.len());
                }
                list.push(TxRec { body });
                self.count += 1;
                false
            }
            None => {
                if let Some(key) = key
                    && !self.salt_hashes.insert(hash_of(&key))
                {
                    return true;
                }
                self.count += 1;
                false
            }
        }
    }

    pub(crate) fn all(&self) -> Vec<Value> {
        self.full
            .as_ref()
            .map(|(list, _)| list.iter().map(|t| t.body.clone()).collect())
            .unwrap_or_default()
    }
}

// ---------------------------------------------------------------------------------------
// Catalogs
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub id: i64,
    pub key: String,
    pub value: Value,
    pub created: DateTime<Utc>,
}

#[derive(Debug)]
pub(crate) struct Bag {
    pub id: i64,
    pub name: String,
    pub author: String,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    items: BTreeMap<i64, Item>,
    by_key: HashMap<String, i64>,
    key_hashes: HashSet<u64>,
    count: usize,
}

impl Bag {
    pub(crate) fn json(&self, business_profile_id: i64) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "businessProfileId": business_profile_id,
            "author": self.author,
            "lastModified": fmt_time_secs(self.modified),
            "creationDate": fmt_time_secs(self.created),
        })
    }

    pub(crate) fn item_count(&self) -> usize {
        self.count
    }

    pub(crate) fn item_json(&self, item: &Item, business_profile_id: i64) -> Value {
        json!({
            "bag": self.json(business_profile_id),
            "itemKey": item.key,
            "id": item.id,
            "value": item.value.to_string(),
            "creationDate": fmt_time(item.created),
        })
    }

    pub(crate) fn items(&self) -> impl Iterator<Item = &Item> {
        self.items.values()
    }

    pub(crate) fn item(&self, id: i64) -> Option<&Item> {
        self.items.get(&id)
    }

    pub(crate) fn item_by_key(&self, key: &str) -> Option<&Item> {
        self.by_key.get(key).and_then(|id| self.items.get(id))
    }

    pub(crate) fn remove_item(&mut self, id: i64) -> bool {
        match self.items.remove(&id) {
            Some(item) => {
                self.by_key.remove(&item.key);
                self.count -= 1;
                true
            }
            None => false,
        }
    }

    pub(crate) fn update_item(&mut self, id: i64, value: Value, now: DateTime<Utc>) -> bool {
        match self.items.get_mut(&id) {
            Some(item) => {
                item.value = value;
                self.modified = now;
                true
            }
            None => false,
        }
    }
}

#[derive(Debug)]
pub(crate) struct Catalogs {
    mode: StoreMode,
    next_bag: i64,
    next_item: i64,
    pub bags: BTreeMap<i64, Bag>,
}

impl Catalogs {
    fn new(mode: StoreMode) -> Self {
        Catalogs {
            mode,
            next_bag: 1,
            next_item: 1,
            bags: BTreeMap::new(),
        }
    }

    pub(crate) fn create(&mut self, name: &str, author: &str, now: DateTime<Utc>) -> i64 {
        let id = self.next_bag;
        self.ensure(id, name, author, now);
        id
    }

    /// Creates the bag with this id if it does not exist.
    pub(crate) fn ensure(&mut self, id: i64, name: &str, author: &str, now: DateTime<Utc>) {
        if id >= self.next_bag {
            self.next_bag = id + 1;
        }
        self.bags.entry(id).or_insert_with(|| Bag {
            id,
            name: name.to_owned(),
            author: author.to_owned(),
            created: now,
            modified: now,
            items: BTreeMap::new(),
            by_key: HashMap::new(),
            key_hashes: HashSet::new(),
            count: 0,
        });
    }

    /// Adds or replaces (same itemKey) an item. Returns the item id (0 in count-only mode).
    pub(crate) fn upsert_item(
        &mut self,
        bag_id: i64,
        key: &str,
        value: Value,
        now: DateTime<Utc>,
    ) -> Option<i64> {
        let mode = self.mode;
        let bag = self.bags.get_mut(&bag_id)?;
        bag.modified = now;
        if mode == StoreMode::CountOnly {
            if bag.key_hashes.insert(hash_of(key)) {
                bag.count += 1;
                self.next_item += 1;
            }
            return Some(0);
        }
        if let Some(&id) = bag.by_key.get(key) {
            if let Some(item) = bag.items.get_mut(&id) {
                item.value = value;
            }
            return Some(id);
        }
        let id = self.next_item;
        self.next_item += 1;
        bag.items.insert(
            id,
            Item {
                id,
                key: key.to_owned(),
                value,
                created: now,
            },
        );
        bag.by_key.insert(key.to_owned(), id);
        bag.count += 1;
        Some(id)
    }
}

// ---------------------------------------------------------------------------------------
// Activities
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub(crate) struct Activity {
    pub unique: i64,
    pub time_ms: i64,
    pub action: String,
    pub body: Value,
}

// ---------------------------------------------------------------------------------------
// The store
// ---------------------------------------------------------------------------------------

#[derive(Debug)]
pub(crate) struct Store {
    pub mode: StoreMode,
    pub rng: StdRng,
    pub profiles: Profiles,
    pub events: Events,
    pub transactions: Transactions,
    pub ai_events: Vec<Value>,
    pub ai_event_count: usize,
    pub catalogs: Catalogs,
    pub tags: Vec<Value>,
    pub activities: Vec<Activity>,
    pub seed_counter: u64,
}

impl Store {
    pub(crate) fn new(mode: StoreMode, seed: u64) -> Self {
        Store {
            mode,
            rng: StdRng::seed_from_u64(seed ^ 0x9E37_79B9_7F4A_7C15),
            profiles: Profiles::new(mode),
            events: Events::new(mode),
            transactions: Transactions::new(mode),
            ai_events: Vec::new(),
            ai_event_count: 0,
            catalogs: Catalogs::new(mode),
            tags: Vec::new(),
            activities: Vec::new(),
            seed_counter: 0,
        }
    }

    /// The `client` object of an event/transaction resolved to a profile, creating the
    /// profile when none matches (Synerise creates profiles for unknown identifiers).
    pub(crate) fn resolve_or_create(
        &mut self,
        ids: &Ids,
        now: DateTime<Utc>,
    ) -> Result<i64, UpsertError> {
        if let Some(id) = self.profiles.resolve(ids) {
            return Ok(id);
        }
        self.profiles
            .upsert(None, ids, None, now, &mut self.rng)
            .map(|(id, _)| id)
    }

    /// A deterministic price for seeded catalog items.
    pub(crate) fn rng_price(&mut self) -> f64 {
        self.rng.random_range(100..100_000) as f64 / 100.0
    }

    pub(crate) fn add_ai_event(&mut self, event: Value) {
        self.ai_event_count += 1;
        if self.mode == StoreMode::Full {
            self.ai_events.push(event);
        }
    }

    pub(crate) fn delete_profile(&mut self, id: i64) -> bool {
        let deleted = self.profiles.delete(id);
        if deleted {
            self.events.remove_profile(id);
        }
        deleted
    }

    /// Seeds `n` profiles with deterministic data; returns their ids.
    pub(crate) fn seed_profiles(&mut self, n: usize, now: DateTime<Utc>) -> Vec<i64> {
        const FIRST: [&str; 8] = [
            "Anna", "Jan", "Ola", "Piotr", "Ewa", "Adam", "Zofia", "Marek",
        ];
        const LAST: [&str; 6] = [
            "Nowak",
            "Kowalski",
            "Wisniewska",
            "Lewandowski",
            "Mazur",
            "Krol",
        ];
        let full = self.mode == StoreMode::Full;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            self.seed_counter += 1;
            let i = self.seed_counter;
            let custom_id = format!("seed-{i}");
            let email = format!("seed-{i}@example.com");
            let ids = Ids {
                custom_id: Some(custom_id.clone()),
                email: Some(email.clone()),
                ..Ids::default()
            };
            let patch = if full {
                let first = FIRST[self.rng.random_range(0..FIRST.len())];
                let last = LAST[self.rng.random_range(0..LAST.len())];
                let mut m = Map::new();
                m.insert("customId".into(), json!(custom_id));
                m.insert("email".into(), json!(email));
                m.insert("firstName".into(), json!(first));
                m.insert("lastName".into(), json!(last));
                m.insert(
                    "attributes".into(),
                    json!({ "seeded": true, "score": self.rng.random_range(0..100) }),
                );
                Some(m)
            } else {
                None
            };
            if let Ok((id, _)) =
                self.profiles
                    .upsert(None, &ids, patch.as_ref(), now, &mut self.rng)
            {
                out.push(id);
            }
        }
        out
    }

    /// Seeds `n` tags-collector tags.
    pub(crate) fn seed_tags(&mut self, n: usize, now: DateTime<Utc>) {
        const COLORS: [&str; 5] = ["#ff0000", "#00ff00", "#0000ff", "#ffaa00", "#333333"];
        for _ in 0..n {
            let i = self.tags.len() + 1;
            let hash = format!("{:016x}", self.rng.random::<u64>());
            let dir_hash = format!("{:016x}", self.rng.random::<u64>());
            let color = COLORS[self.rng.random_range(0..COLORS.len())];
            let created = fmt_time_secs(now);
            self.tags.push(json!({
                "authorId": 1,
                "color": color,
                "createdAt": created,
                "description": format!("Seeded tag {i}"),
                "directory": {
                    "createdAt": created,
                    "hash": dir_hash,
                    "name": "Seeded",
                    "type": { "createdAt": created, "hash": "seeded-type", "name": "Seeded type" }
                },
                "hash": hash,
                "icon": "tag",
                "priority": i,
                "value": format!("tag-{i}"),
            }));
        }
    }

    /// Seeds `n` activities spread over the past days (times are distinct).
    pub(crate) fn seed_activities(&mut self, n: usize, now: DateTime<Utc>) {
        const ACTIONS: [&str; 4] = [
            "page.visit",
            "product.view",
            "client.login",
            "product.addToCart",
        ];
        let base = now.timestamp_millis();
        for _ in 0..n {
            let unique = self.activities.len() as i64 + 1;
            let time_ms = base - 1_000 * unique - self.rng.random_range(0..500);
            let action = ACTIONS[self.rng.random_range(0..ACTIONS.len())];
            let uuid = random_uuid(&mut self.rng);
            let body = json!({
                "action": { "name": action, "label": action, "description": format!("{action} activity") },
                "description": format!("Seeded activity {unique}"),
                "eventUUID": uuid,
                "unique": unique,
                "icon": "activity",
                "time": time_ms,
                "label": format!("Activity {unique}"),
                "client": { "uuid": "", "id": 0, "firstname": "", "lastname": "", "email": "", "avatarUrl": "" },
                "userAgent": { "system": "Linux", "browser": "Firefox" },
                "modifiedBy": "synerise-mock",
            });
            self.activities.push(Activity {
                unique,
                time_ms,
                action: action.to_owned(),
                body,
            });
        }
    }
}
