//! Resource handles: `client.profiles()`, `client.catalogs()`, … Each is a cheap clone of the
//! [`Client`]; the typed helpers (pagination streams, bulk uploads) are `impl` blocks on these
//! handles in the `pagination` and `batch` modules.

use crate::Client;

macro_rules! resource {
    ($(#[$doc:meta])* $name:ident, $method:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name {
            pub(crate) client: Client,
        }

        impl $name {
            /// The client this handle uses.
            pub fn client(&self) -> &Client {
                &self.client
            }
        }

        impl Client {
            $(#[$doc])*
            pub fn $method(&self) -> $name {
                $name { client: self.clone() }
            }
        }
    };
}

resource!(
    /// Profiles (formerly clients): list, bulk upsert, exports.
    #[doc(alias = "clients")]
    Profiles,
    profiles
);
resource!(
    /// Events: bulk send, the legacy per-Profile event listing.
    Events,
    events
);
resource!(
    /// AI events (recommendation and search events for the AI engine): bulk send.
    AiEvents,
    ai_events
);
resource!(
    /// Transactions: bulk send.
    Transactions,
    transactions
);
resource!(
    /// Catalogs: catalogs and their items.
    Catalogs,
    catalogs
);
resource!(
    /// Tags collector: tags and directories.
    Tags,
    tags
);
resource!(
    /// Activities: a Profile's activity stream.
    Activities,
    activities
);
resource!(
    /// CRM: Profile and company lists, segmentation members.
    Crm,
    crm
);
resource!(
    /// Analytics definitions: expressions and aggregates.
    Analytics,
    analytics
);
