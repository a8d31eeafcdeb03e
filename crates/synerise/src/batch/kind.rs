//! Per-endpoint rules: limits, partitions, identifiers, `eventSalt`.

use std::fmt;

use super::json::CaptureRule;
use crate::types::AiEventBatchEventType;

/// Default largest number of items in one request (the documented Synerise limit).
pub const DEFAULT_MAX_ITEMS: usize = 1000;
/// Default largest request body in bytes: 1,000,000, a little below the documented 1 MB
/// (1,048,576 bytes) on purpose, to leave room for proxies that count differently.
pub const DEFAULT_MAX_BYTES: usize = 1_000_000;

/// How large one request body may get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChunkLimits {
    /// Most items in one body.
    pub max_items: usize,
    /// Most bytes of serialised JSON in one body, brackets, commas and envelope included.
    pub max_bytes: usize,
}

impl Default for ChunkLimits {
    fn default() -> Self {
        ChunkLimits {
            max_items: DEFAULT_MAX_ITEMS,
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

impl ChunkLimits {
    /// Limits of `max_items` items and `max_bytes` bytes.
    pub fn new(max_items: usize, max_bytes: usize) -> Self {
        ChunkLimits {
            max_items,
            max_bytes,
        }
    }
}

/// Which batch endpoint bodies are built for; decides partitions, ordering keys, envelope and
/// whether events get an `eventSalt` and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BatchKind {
    /// A plain JSON array of any items: no partitions, no ordering keys, nothing added.
    Plain,
    /// `POST /v4/clients/batch`: ordering keys `email`, `customId`, `uuid`, `phone`, `clientId`.
    Profiles,
    /// `POST /v4/events/batch`: one identifier kind (`client.id`/`customId`/`email`/`uuid`)
    /// per request; `time` and `eventSalt` added when missing.
    Events,
    /// `POST /v4/transactions/batch`: `recordedAt` and `eventSalt` added when missing.
    Transactions,
    /// `POST /catalogs/bags/{catalogId}/items/batch`: ordering key `itemKey`.
    CatalogItems,
    /// `POST /v4/events/ai-compat/batch`: one event type per request, body
    /// `{"eventType": …, "items": [...]}`.
    AiEvents,
}

/// An identifier kind a batch event can use for its profile (`client`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum IdentifierKind {
    /// `client.id`.
    Id,
    /// `client.customId`.
    CustomId,
    /// `client.email`.
    Email,
    /// `client.uuid`.
    Uuid,
}

impl IdentifierKind {
    const ALL: [IdentifierKind; 4] = [
        IdentifierKind::Id,
        IdentifierKind::CustomId,
        IdentifierKind::Email,
        IdentifierKind::Uuid,
    ];

    /// The field name, e.g. `customId`.
    pub fn field(self) -> &'static str {
        match self {
            IdentifierKind::Id => "id",
            IdentifierKind::CustomId => "customId",
            IdentifierKind::Email => "email",
            IdentifierKind::Uuid => "uuid",
        }
    }

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// The set of identifier kinds an event's `client` object carries. Events are grouped by this
/// set, so every request holds events identified the same way (Synerise rejects a batch that
/// mixes identifier kinds).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct IdentifierKinds(u8);

impl IdentifierKinds {
    /// No identifier.
    pub const NONE: IdentifierKinds = IdentifierKinds(0);

    /// Whether `kind` is present.
    pub fn contains(self, kind: IdentifierKind) -> bool {
        self.0 & kind.bit() != 0
    }

    /// Adds `kind`.
    pub fn with(self, kind: IdentifierKind) -> Self {
        IdentifierKinds(self.0 | kind.bit())
    }

    /// Whether no identifier is present.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The kinds present.
    pub fn iter(self) -> impl Iterator<Item = IdentifierKind> {
        IdentifierKind::ALL
            .into_iter()
            .filter(move |k| self.contains(*k))
    }
}

impl fmt::Debug for IdentifierKinds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl fmt::Display for IdentifierKinds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("(no identifier)");
        }
        for (i, kind) in self.iter().enumerate() {
            if i > 0 {
                f.write_str("+")?;
            }
            f.write_str(kind.field())?;
        }
        Ok(())
    }
}

/// The group a request body belongs to; items of different groups never share a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Partition {
    /// The endpoint has no groups.
    All,
    /// Events whose `client` carries exactly these identifier kinds.
    Identifiers(IdentifierKinds),
    /// AI events of this type.
    AiEventType(AiEventBatchEventType),
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Partition::All => f.write_str("all"),
            Partition::Identifiers(kinds) => write!(f, "identified by {kinds}"),
            Partition::AiEventType(t) => write!(f, "eventType {t}"),
        }
    }
}

/// Where the chunker adds a time and an `eventSalt` when the item has none.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SaltRule {
    pub time_field: &'static str,
    pub time_slot: usize,
    pub salt_slot: usize,
}

/// A captured value that identifies what an item updates (for per-identifier ordering).
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeySlot {
    pub slot: usize,
    /// Distinguishes kinds, so `email` "1" and `customId` "1" are different keys.
    pub tag: u8,
    /// Compare case-insensitively (emails).
    pub lowercase: bool,
}

/// Everything kind-specific the chunker needs.
#[derive(Debug)]
pub(crate) struct Rules {
    pub captures: &'static [CaptureRule],
    /// Slots whose presence makes up the [`IdentifierKinds`] partition of an item.
    pub partition_slots: &'static [(usize, IdentifierKind)],
    pub keys: &'static [KeySlot],
    pub salt: Option<SaltRule>,
    /// The partition comes with the item (AI events).
    pub given_partition: bool,
}

const fn cap(parent: Option<&'static str>, field: &'static str, slot: usize) -> CaptureRule {
    CaptureRule {
        parent,
        field,
        slot,
    }
}

const fn key(slot: usize, tag: u8, lowercase: bool) -> KeySlot {
    KeySlot {
        slot,
        tag,
        lowercase,
    }
}

const CLIENT: Option<&str> = Some("client");

static PLAIN: Rules = Rules {
    captures: &[],
    partition_slots: &[],
    keys: &[],
    salt: None,
    given_partition: false,
};

static PROFILES: Rules = Rules {
    captures: &[
        cap(None, "email", 0),
        cap(None, "customId", 1),
        cap(None, "uuid", 2),
        cap(None, "clientId", 3),
        cap(None, "phone", 4),
    ],
    partition_slots: &[],
    keys: &[
        key(0, b'e', true),
        key(1, b'c', false),
        key(2, b'u', true),
        key(3, b'i', false),
        key(4, b'p', false),
    ],
    salt: None,
    given_partition: false,
};

static EVENTS: Rules = Rules {
    captures: &[
        cap(CLIENT, "email", 0),
        cap(CLIENT, "customId", 1),
        cap(CLIENT, "uuid", 2),
        cap(CLIENT, "id", 3),
        cap(None, "time", 4),
        cap(None, "eventSalt", 5),
    ],
    partition_slots: &[
        (0, IdentifierKind::Email),
        (1, IdentifierKind::CustomId),
        (2, IdentifierKind::Uuid),
        (3, IdentifierKind::Id),
    ],
    keys: &[
        key(0, b'e', true),
        key(1, b'c', false),
        key(2, b'u', true),
        key(3, b'i', false),
    ],
    salt: Some(SaltRule {
        time_field: "time",
        time_slot: 4,
        salt_slot: 5,
    }),
    given_partition: false,
};

static TRANSACTIONS: Rules = Rules {
    captures: &[
        cap(CLIENT, "email", 0),
        cap(CLIENT, "customId", 1),
        cap(CLIENT, "uuid", 2),
        cap(CLIENT, "id", 3),
        cap(None, "recordedAt", 4),
        cap(None, "eventSalt", 5),
    ],
    partition_slots: &[],
    keys: &[
        key(0, b'e', true),
        key(1, b'c', false),
        key(2, b'u', true),
        key(3, b'i', false),
    ],
    salt: Some(SaltRule {
        time_field: "recordedAt",
        time_slot: 4,
        salt_slot: 5,
    }),
    given_partition: false,
};

static CATALOG_ITEMS: Rules = Rules {
    captures: &[cap(None, "itemKey", 0)],
    partition_slots: &[],
    keys: &[key(0, b'k', false)],
    salt: None,
    given_partition: false,
};

static AI_EVENTS: Rules = Rules {
    captures: &[],
    partition_slots: &[],
    keys: &[],
    salt: None,
    given_partition: true,
};

impl BatchKind {
    pub(crate) fn rules(self) -> &'static Rules {
        match self {
            BatchKind::Plain => &PLAIN,
            BatchKind::Profiles => &PROFILES,
            BatchKind::Events => &EVENTS,
            BatchKind::Transactions => &TRANSACTIONS,
            BatchKind::CatalogItems => &CATALOG_ITEMS,
            BatchKind::AiEvents => &AI_EVENTS,
        }
    }

    /// Whether the chunker adds a time and an `eventSalt` to items of this kind (by default).
    pub fn adds_event_salt(self) -> bool {
        self.rules().salt.is_some()
    }

    /// The operation id of the endpoint, e.g. `batch_add_or_update_clients` (`None` for
    /// [`BatchKind::Plain`]).
    pub fn operation_id(self) -> Option<&'static str> {
        match self {
            BatchKind::Plain => None,
            BatchKind::Profiles => Some("batch_add_or_update_clients"),
            BatchKind::Events => Some("batch_send_events"),
            BatchKind::Transactions => Some("batch_add_or_update_transactions"),
            BatchKind::CatalogItems => Some("add_items_batch"),
            BatchKind::AiEvents => Some("upload_ai_events_batch"),
        }
    }
}

/// Body envelope of a partition: what goes before the first and after the last item.
pub(crate) fn envelope(partition: Partition) -> (Vec<u8>, &'static [u8]) {
    match partition {
        Partition::AiEventType(t) => (
            format!("{{\"eventType\":\"{t}\",\"items\":[").into_bytes(),
            b"]}",
        ),
        _ => (b"[".to_vec(), b"]"),
    }
}
