//! What the client knows about each operation beyond its signature: whether it needs the
//! `Api-Version` header, how it authenticates, whether a retry can duplicate its effect, and whether
//! its path is only inferred from the vendor reference. The table is generated from the spec.

use crate::generated_operations::OPERATIONS;

/// How an operation authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Auth {
    /// `Authorization: Bearer <JWT>`.
    Jwt,
    /// The tracker key in the `token` query parameter.
    TrackerKey,
    /// No Synerise token (logins, server time).
    None,
}

/// Whether sending an operation again after an attempt that may have reached the server can
/// duplicate its effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Idempotency {
    /// Reads, PUT/DELETE, logins, and upserts keyed by an identifier: safe to repeat.
    Safe,
    /// Event and transaction sends: safe to repeat only when every event carries an `eventSalt`
    /// and an explicit time, so that Synerise overwrites instead of duplicating.
    WithEventSalt,
    /// Creates without a natural key: a repeat may create a second record.
    Unsafe,
}

/// An operation whose path or method is inferred rather than printed in the vendor reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InferredPath {
    /// `low` or `medium`.
    pub confidence: &'static str,
    /// Why the path is uncertain.
    pub reason: &'static str,
}

/// One operation of the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OperationMeta {
    /// The operation id as the generated client names it (snake_case), e.g. `batch_add_or_update_clients`.
    pub id: &'static str,
    /// The vendor's operationId.
    pub vendor_id: &'static str,
    /// HTTP method, upper case.
    pub method: &'static str,
    /// Path template, e.g. `/v4/clients/{clientId}`.
    pub path: &'static str,
    /// The spec tag.
    pub tag: &'static str,
    /// The spec summary.
    pub summary: &'static str,
    /// The `Api-Version` header value the operation requires, if any.
    pub api_version: Option<&'static str>,
    /// How the operation authenticates.
    pub auth: Auth,
    /// The real request content type, when it differs from what the generated code sends.
    pub content_type: Option<&'static str>,
    /// Whether a retry can duplicate the operation's effect.
    pub idempotency: Idempotency,
    /// Set when the path is only inferred.
    pub inferred_path: Option<InferredPath>,
    /// Deprecated by the vendor.
    pub deprecated: bool,
    /// Hand-written beside the generated code (see [`crate::manual`]).
    pub hand_written: bool,
}

/// Every operation, sorted by [`OperationMeta::id`].
pub fn all() -> &'static [OperationMeta] {
    OPERATIONS
}

/// The operation with this id (as in `OperationInfo::operation_id`).
pub fn find(id: &str) -> Option<&'static OperationMeta> {
    OPERATIONS
        .binary_search_by(|op| op.id.cmp(id))
        .ok()
        .map(|i| &OPERATIONS[i])
}

#[cfg(test)]
mod tests {
    #[test]
    fn table_is_sorted_and_complete() {
        assert_eq!(super::all().len(), 176);
        assert!(super::all().windows(2).all(|w| w[0].id < w[1].id));
        let batch = super::find("batch_add_or_update_clients").expect("profiles batch");
        assert_eq!(
            (batch.method, batch.path, batch.api_version),
            ("POST", "/v4/clients/batch", Some("4.4"))
        );
        assert!(super::find("no_such_operation").is_none());
    }
}
