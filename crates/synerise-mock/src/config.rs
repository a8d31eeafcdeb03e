//! Configuration of a [`SyneriseMock`](crate::SyneriseMock).

use std::time::Duration;

use uuid::Uuid;

/// How much the store keeps in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StoreMode {
    /// Keep every profile, event, transaction and catalog item with its full JSON.
    #[default]
    Full,
    /// Keep only counters and (hashed) identifier sets. Upserts, eventSalt overwrites and
    /// counts still behave as in [`StoreMode::Full`], but reads return minimal objects
    /// (`{"clientId": ..}`) and event/transaction bodies are not kept. Meant for memory
    /// benchmarks that push a million profiles through the mock.
    CountOnly,
}

/// How the request journal records requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JournalMode {
    /// Record every request (default).
    #[default]
    Unbounded,
    /// Keep only the most recent `n` requests.
    Last(usize),
    /// Record nothing (for benchmarks).
    Off,
}

/// A workspace a [`MockUser`] may select after logging in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockWorkspace {
    /// The workspace (business profile) UUID used in
    /// `POST /uauth/auth/login/user/profile/{businessProfileUUID}`.
    pub uuid: Uuid,
    /// Display name.
    pub name: String,
    /// Numeric workspace id (`businessProfileId`).
    pub id: i64,
}

impl MockWorkspace {
    /// A workspace with the given UUID and name; the numeric id is derived from the UUID.
    pub fn new(uuid: Uuid, name: impl Into<String>) -> Self {
        let id = (uuid.as_u128() % 1_000_000) as i64 + 1;
        MockWorkspace {
            uuid,
            name: name.into(),
            id,
        }
    }

    /// Sets the numeric workspace id.
    pub fn id(mut self, id: i64) -> Self {
        self.id = id;
        self
    }
}

/// A Synerise (portal) user that can log in with `POST /uauth/auth/login/user`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockUser {
    /// Login (e-mail address).
    pub username: String,
    /// Password.
    pub password: String,
    /// When set, login returns a token that is only good for MFA verification, and
    /// `POST /uauth/auth/login/user/mfa/verification` must be called with this code.
    pub mfa_code: Option<String>,
    /// Workspaces the user may select.
    pub workspaces: Vec<MockWorkspace>,
    /// Numeric user id.
    pub id: i64,
}

impl MockUser {
    /// A user without MFA and without workspaces.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        MockUser {
            username: username.into(),
            password: password.into(),
            mfa_code: None,
            workspaces: Vec::new(),
            id: 1,
        }
    }

    /// Requires multi-factor verification with this code.
    pub fn mfa_code(mut self, code: impl Into<String>) -> Self {
        self.mfa_code = Some(code.into());
        self
    }

    /// Adds a workspace the user may select.
    pub fn workspace(mut self, workspace: MockWorkspace) -> Self {
        self.workspaces.push(workspace);
        self
    }

    /// Sets the numeric user id.
    pub fn id(mut self, id: i64) -> Self {
        self.id = id;
        self
    }
}

/// A profile (client) account that can log in with `identityProvider: "SYNERISE"` at
/// `POST /sauth/v3/auth/login/client`. The profile is created when the mock starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileAccount {
    /// E-mail of the profile (login by email).
    pub email: Option<String>,
    /// customId of the profile (login by customId).
    pub custom_id: Option<String>,
    /// Password.
    pub password: String,
}

impl ProfileAccount {
    /// An account identified by e-mail.
    pub fn email(email: impl Into<String>, password: impl Into<String>) -> Self {
        ProfileAccount {
            email: Some(email.into()),
            custom_id: None,
            password: password.into(),
        }
    }

    /// An account identified by customId.
    pub fn custom_id(custom_id: impl Into<String>, password: impl Into<String>) -> Self {
        ProfileAccount {
            email: None,
            custom_id: Some(custom_id.into()),
            password: password.into(),
        }
    }
}

/// Configuration of the mock server (builder style).
///
/// ```
/// use std::time::Duration;
/// use synerise_mock::{MockConfig, StoreMode};
///
/// let config = MockConfig::default()
///     .seed(7)
///     .token_lifetime(Duration::from_secs(60))
///     .store_mode(StoreMode::CountOnly);
/// assert_eq!(config.seed, 7);
/// ```
#[derive(Debug, Clone)]
pub struct MockConfig {
    /// Seed of every random choice (fault injection, generated UUIDs, seeded data).
    pub seed: u64,
    /// Lifetime of issued JWTs (`exp - iat`).
    pub token_lifetime: Duration,
    /// Workspace GUID used for Basic auth (`base64(workspaceGuid:apiKey)`).
    pub workspace_guid: String,
    /// Workspace API key (`POST /uauth/v2/auth/login/profile`, Basic auth).
    pub api_key: String,
    /// Numeric id of the mock's workspace (`businessProfileId`, `bpi` claim).
    pub business_profile_id: i64,
    /// Profile (client) API key for `/sauth/...` logins and refresh.
    pub profile_api_key: String,
    /// Synerise users.
    pub users: Vec<MockUser>,
    /// Profile accounts that can log in with a password.
    pub profile_accounts: Vec<ProfileAccount>,
    /// Store mode.
    pub store_mode: StoreMode,
    /// Journal mode.
    pub journal: JournalMode,
    /// TCP port on 127.0.0.1 (0 = ephemeral, the default).
    pub port: u16,
}

impl MockConfig {
    /// Default seed.
    pub const DEFAULT_SEED: u64 = 0x5EED_0001;
    /// Default workspace GUID.
    pub const DEFAULT_WORKSPACE_GUID: &'static str = "6b3c1b5e-3f4a-4c1e-9d2a-0a1b2c3d4e5f";
    /// Default workspace API key.
    pub const DEFAULT_API_KEY: &'static str = "64c09614-1b2a-42f7-804d-f647243eb1ab";
    /// Default profile (client) API key.
    pub const DEFAULT_PROFILE_API_KEY: &'static str = "5aeaa3d5-e147-c7eb-d59e-bcf50109a3d1";
    /// Default numeric workspace id.
    pub const DEFAULT_BUSINESS_PROFILE_ID: i64 = 48;
    /// Username of the default user.
    pub const DEFAULT_USERNAME: &'static str = "user@example.com";
    /// Password of the default user.
    pub const DEFAULT_PASSWORD: &'static str = "mock-password";
    /// Default token lifetime (1 hour).
    pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

    /// Same as [`MockConfig::default`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the lifetime of issued tokens.
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// Sets the workspace GUID and API key.
    pub fn workspace_credentials(
        mut self,
        workspace_guid: impl Into<String>,
        api_key: impl Into<String>,
    ) -> Self {
        self.workspace_guid = workspace_guid.into();
        self.api_key = api_key.into();
        self
    }

    /// Sets the numeric workspace id.
    pub fn business_profile_id(mut self, id: i64) -> Self {
        self.business_profile_id = id;
        self
    }

    /// Sets the profile (client) API key.
    pub fn profile_api_key(mut self, key: impl Into<String>) -> Self {
        self.profile_api_key = key.into();
        self
    }

    /// Adds a user (the default user stays unless [`MockConfig::users`] replaces the list).
    pub fn user(mut self, user: MockUser) -> Self {
        self.users.push(user);
        self
    }

    /// Replaces the list of users.
    pub fn users(mut self, users: Vec<MockUser>) -> Self {
        self.users = users;
        self
    }

    /// Adds a profile account that can log in with a password.
    pub fn profile_account(mut self, account: ProfileAccount) -> Self {
        self.profile_accounts.push(account);
        self
    }

    /// Sets the store mode.
    pub fn store_mode(mut self, mode: StoreMode) -> Self {
        self.store_mode = mode;
        self
    }

    /// Sets the journal mode.
    pub fn journal(mut self, mode: JournalMode) -> Self {
        self.journal = mode;
        self
    }

    /// Listens on this port of 127.0.0.1 instead of an ephemeral one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The default user (member of the mock's workspace, no MFA).
    pub fn default_user() -> MockUser {
        let uuid = Uuid::parse_str(Self::DEFAULT_WORKSPACE_GUID).expect("valid default guid");
        MockUser::new(Self::DEFAULT_USERNAME, Self::DEFAULT_PASSWORD).workspace(
            MockWorkspace::new(uuid, "Mock workspace").id(Self::DEFAULT_BUSINESS_PROFILE_ID),
        )
    }
}

impl Default for MockConfig {
    fn default() -> Self {
        MockConfig {
            seed: Self::DEFAULT_SEED,
            token_lifetime: Self::DEFAULT_TOKEN_LIFETIME,
            workspace_guid: Self::DEFAULT_WORKSPACE_GUID.to_owned(),
            api_key: Self::DEFAULT_API_KEY.to_owned(),
            business_profile_id: Self::DEFAULT_BUSINESS_PROFILE_ID,
            profile_api_key: Self::DEFAULT_PROFILE_API_KEY.to_owned(),
            users: vec![Self::default_user()],
            profile_accounts: Vec::new(),
            store_mode: StoreMode::Full,
            journal: JournalMode::Unbounded,
            port: 0,
        }
    }
}
