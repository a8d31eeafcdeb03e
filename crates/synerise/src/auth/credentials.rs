//! The credentials types. None of them prints a secret: every `Debug` is written by hand.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use secrecy::SecretString;
use uuid::Uuid;

use crate::Result;

const REDACTED: &str = "[redacted]";

/// How a [`crate::Client`] authenticates. Build one with the constructors below and pass it to
/// [`crate::ClientBuilder::credentials`].
///
/// | constructor | sends | renews |
/// |---|---|---|
/// | [`Credentials::workspace_api_key`] | `Authorization: Bearer <Workspace JWT>` | logs in again with the key |
/// | [`Credentials::workspace_basic`] | `Authorization: Basic base64(guid:key)` on every request | nothing to renew |
/// | [`Credentials::user`] | `Authorization: Bearer <User JWT>` | logs in again (MFA through the callback) |
/// | [`Credentials::profile`] | `Authorization: Bearer <Profile JWT>` | refreshes while the token is valid, else logs in again |
/// | [`Credentials::token`] | `Authorization: Bearer <your token>` | cannot: an expired or rejected token is an [`crate::Error::Auth`] |
///
/// `Debug` never shows a secret:
///
/// ```
/// let creds = synerise::Credentials::workspace_api_key("my-api-key");
/// assert!(!format!("{creds:?}").contains("my-api-key"));
/// ```
#[derive(Clone)]
pub struct Credentials {
    pub(crate) kind: CredentialsKind,
    pub(crate) initial_token: Option<SecretString>,
}

#[derive(Clone)]
#[allow(
    clippy::large_enum_variant,
    reason = "one per client, built once; boxing would only add an indirection"
)]
pub(crate) enum CredentialsKind {
    WorkspaceApiKey {
        api_key: SecretString,
    },
    WorkspaceBasic {
        workspace_guid: String,
        api_key: SecretString,
    },
    User(UserCredentials),
    Profile(ProfileCredentials),
    Static(SecretString),
}

impl Credentials {
    /// A Workspace API key exchanged for a Workspace JWT (`POST /uauth/v2/auth/login/profile`).
    ///
    /// ```no_run
    /// # async fn run() -> synerise::Result<()> {
    /// let client = synerise::Client::builder()
    ///     .credentials(synerise::Credentials::workspace_api_key(std::env::var("SYNERISE_API_KEY").unwrap()))
    ///     .build()?;
    /// let bags = client.call(client.api().get_bags().send()).await?;
    /// # Ok(()) }
    /// ```
    pub fn workspace_api_key(api_key: impl Into<SecretString>) -> Self {
        Self::from_kind(CredentialsKind::WorkspaceApiKey {
            api_key: api_key.into(),
        })
    }

    /// A Workspace API key sent with HTTP Basic authentication on every request
    /// (`Authorization: Basic base64(workspaceGuid:apiKey)`), with no login. Basic authentication
    /// must be enabled for the key in the Synerise settings.
    ///
    /// ```no_run
    /// # fn run() -> synerise::Result<()> {
    /// let client = synerise::Client::builder()
    ///     .credentials(synerise::Credentials::workspace_basic("workspace-guid", "api-key"))
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn workspace_basic(
        workspace_guid: impl Into<String>,
        api_key: impl Into<SecretString>,
    ) -> Self {
        Self::from_kind(CredentialsKind::WorkspaceBasic {
            workspace_guid: workspace_guid.into(),
            api_key: api_key.into(),
        })
    }

    /// A Synerise User (username and password, optional MFA callback and Workspace).
    ///
    /// ```no_run
    /// # fn run() -> synerise::Result<()> {
    /// use synerise::auth::{MfaCode, UserCredentials};
    ///
    /// let user = UserCredentials::new("me@example.com", "password")
    ///     .workspace("0b2f6c4e-7a51-4c44-9d7e-2d7a3c1f9a10".parse().unwrap())
    ///     .mfa(|challenge| async move {
    ///         // Ask a person, or compute a TOTP code.
    ///         Ok(MfaCode::totp("123456"))
    ///     });
    /// let client = synerise::Client::builder().credentials(synerise::Credentials::user(user)).build()?;
    /// # Ok(()) }
    /// ```
    pub fn user(user: UserCredentials) -> Self {
        Self::from_kind(CredentialsKind::User(user))
    }

    /// A User session obtained with the two-step login ([`crate::Client::login_user`] and
    /// [`crate::Client::verify_mfa`]): its token is used until it nears expiry, then the User logs
    /// in again (which fails with [`crate::Error::Auth`] if MFA is asked again and the credentials
    /// have no MFA callback).
    pub fn user_session(session: super::UserSession) -> Self {
        Credentials {
            kind: CredentialsKind::User(session.credentials),
            initial_token: Some(session.token),
        }
    }

    /// A Profile (formerly client) login: with an identity provider, conditional, or anonymous.
    ///
    /// ```no_run
    /// # fn run() -> synerise::Result<()> {
    /// use synerise::auth::ProfileCredentials;
    ///
    /// let profile = ProfileCredentials::email_password("profile-api-key", "jane@example.com", "password");
    /// let client = synerise::Client::builder().credentials(synerise::Credentials::profile(profile)).build()?;
    /// # Ok(()) }
    /// ```
    pub fn profile(profile: ProfileCredentials) -> Self {
        Self::from_kind(CredentialsKind::Profile(profile))
    }

    /// A token obtained elsewhere. It cannot be renewed: when it expires (by its `exp` claim) or is
    /// rejected, calls fail with [`crate::Error::Auth`].
    ///
    /// ```no_run
    /// # fn run() -> synerise::Result<()> {
    /// let client = synerise::Client::builder().credentials(synerise::Credentials::token("eyJ...")).build()?;
    /// # Ok(()) }
    /// ```
    pub fn token(token: impl Into<SecretString>) -> Self {
        Self::from_kind(CredentialsKind::Static(token.into()))
    }

    /// Starts with a token obtained earlier by the same credentials (e.g. saved from
    /// [`crate::Client::access_token`]) instead of logging in on the first call. It is renewed as
    /// usual when it nears expiry. Ignored for Basic and static-token credentials.
    pub fn with_token(mut self, token: impl Into<SecretString>) -> Self {
        self.initial_token = Some(token.into());
        self
    }

    fn from_kind(kind: CredentialsKind) -> Self {
        Credentials {
            kind,
            initial_token: None,
        }
    }

    /// A short name of the flow, for logs and errors.
    pub fn flow(&self) -> &'static str {
        self.kind.flow()
    }
}

impl CredentialsKind {
    pub(crate) fn flow(&self) -> &'static str {
        match self {
            CredentialsKind::WorkspaceApiKey { .. } => "workspace API key",
            CredentialsKind::WorkspaceBasic { .. } => "workspace Basic auth",
            CredentialsKind::User(_) => "user",
            CredentialsKind::Profile(p) => match p.mode {
                ProfileMode::Anonymous => "anonymous profile",
                ProfileMode::Conditional => "profile (conditional)",
                ProfileMode::Login => "profile",
            },
            CredentialsKind::Static(_) => "static token",
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Credentials");
        d.field("flow", &self.flow());
        match &self.kind {
            CredentialsKind::WorkspaceApiKey { .. } | CredentialsKind::Static(_) => {}
            CredentialsKind::WorkspaceBasic { workspace_guid, .. } => {
                d.field("workspace_guid", workspace_guid);
            }
            CredentialsKind::User(u) => {
                d.field("user", u);
            }
            CredentialsKind::Profile(p) => {
                d.field("profile", p);
            }
        }
        d.field(
            "initial_token",
            &self.initial_token.as_ref().map(|_| REDACTED),
        );
        d.finish_non_exhaustive()
    }
}

/// The multi-factor method Synerise asks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MfaMethod {
    /// A code from an authenticator app (`TOTP_AUTHENTICATOR`).
    Totp,
    /// A code sent by e-mail (`EMAIL`).
    Email,
    /// A method this version of the client does not know.
    Other(String),
}

impl MfaMethod {
    /// The wire name (`TOTP_AUTHENTICATOR`, `EMAIL`, …).
    pub fn as_str(&self) -> &str {
        match self {
            MfaMethod::Totp => "TOTP_AUTHENTICATOR",
            MfaMethod::Email => "EMAIL",
            MfaMethod::Other(s) => s,
        }
    }

    pub(crate) fn parse(s: &str) -> MfaMethod {
        match s {
            "TOTP_AUTHENTICATOR" | "TOTP" => MfaMethod::Totp,
            "EMAIL" => MfaMethod::Email,
            other => MfaMethod::Other(other.to_string()),
        }
    }
}

impl fmt::Display for MfaMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What Synerise asked for when a User login needs multi-factor verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaChallenge {
    pub(crate) methods: Vec<MfaMethod>,
}

impl MfaChallenge {
    /// The methods the User has enabled (from the login response's `mfaMethods`), in the server's
    /// order. May be empty when the server did not say.
    pub fn methods(&self) -> &[MfaMethod] {
        &self.methods
    }
}

/// A multi-factor verification code and its method. The code is kept secret.
#[derive(Clone)]
pub struct MfaCode {
    pub(crate) method: MfaMethod,
    pub(crate) code: SecretString,
}

impl MfaCode {
    /// A code from an authenticator app.
    pub fn totp(code: impl Into<SecretString>) -> Self {
        MfaCode {
            method: MfaMethod::Totp,
            code: code.into(),
        }
    }

    /// A code received by e-mail.
    pub fn email(code: impl Into<SecretString>) -> Self {
        MfaCode {
            method: MfaMethod::Email,
            code: code.into(),
        }
    }

    /// A code for any method.
    pub fn new(method: MfaMethod, code: impl Into<SecretString>) -> Self {
        MfaCode {
            method,
            code: code.into(),
        }
    }

    /// The method.
    pub fn method(&self) -> &MfaMethod {
        &self.method
    }
}

impl fmt::Debug for MfaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MfaCode")
            .field("method", &self.method)
            .field("code", &REDACTED)
            .finish()
    }
}

/// The future an MFA callback returns.
pub type MfaFuture = Pin<Box<dyn Future<Output = Result<MfaCode>> + Send>>;
pub(crate) type MfaCallback = Arc<dyn Fn(MfaChallenge) -> MfaFuture + Send + Sync>;

/// A Synerise User's login: username and password, optionally a device id, the Workspace to
/// select, and a callback that supplies multi-factor codes.
#[derive(Clone)]
pub struct UserCredentials {
    pub(crate) username: String,
    pub(crate) password: SecretString,
    pub(crate) device_id: Option<String>,
    pub(crate) workspace: Option<Uuid>,
    pub(crate) mfa: Option<MfaCallback>,
}

impl UserCredentials {
    /// A User's login (e-mail address) and password.
    pub fn new(username: impl Into<String>, password: impl Into<SecretString>) -> Self {
        UserCredentials {
            username: username.into(),
            password: password.into(),
            device_id: None,
            workspace: None,
            mfa: None,
        }
    }

    /// Identifier of this device (`deviceId`); Synerise does not ask again for MFA on a known
    /// device for a while.
    pub fn device_id(mut self, device_id: impl Into<String>) -> Self {
        self.device_id = Some(device_id.into());
        self
    }

    /// The Workspace to select after login (`POST /uauth/auth/login/user/profile/{uuid}`).
    /// Without one the token can only list Workspaces ([`crate::Client::workspaces`]).
    pub fn workspace(mut self, workspace: Uuid) -> Self {
        self.workspace = Some(workspace);
        self
    }

    /// The callback that supplies a multi-factor code (TOTP or e-mail) whenever a login asks for
    /// one — at the first call and at every later re-login. Without it, a login that needs MFA
    /// fails with [`crate::Error::Auth`]; use the two-step [`crate::Client::login_user`] instead.
    pub fn mfa<F, Fut>(mut self, callback: F) -> Self
    where
        F: Fn(MfaChallenge) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<MfaCode>> + Send + 'static,
    {
        self.mfa = Some(Arc::new(move |challenge| {
            Box::pin(callback(challenge)) as MfaFuture
        }));
        self
    }

    /// The login name.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The Workspace selected after login, if any.
    pub fn selected_workspace(&self) -> Option<Uuid> {
        self.workspace
    }
}

impl fmt::Debug for UserCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserCredentials")
            .field("username", &self.username)
            .field("password", &REDACTED)
            .field("workspace", &self.workspace)
            .field("mfa_callback", &self.mfa.is_some())
            .finish_non_exhaustive()
    }
}

/// The identity provider of a Profile login (`identityProvider`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdentityProvider {
    /// Synerise's own accounts: e-mail or customId plus password.
    Synerise,
    /// Facebook (`identityProviderToken` is a Facebook token).
    Facebook,
    /// Any OAuth provider configured in the Workspace.
    Oauth,
    /// Sign in with Apple.
    Apple,
    /// Google.
    Google,
    /// `UNKNOWN`.
    Unknown,
}

impl IdentityProvider {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityProvider::Synerise => "SYNERISE",
            IdentityProvider::Facebook => "FACEBOOK",
            IdentityProvider::Oauth => "OAUTH",
            IdentityProvider::Apple => "APPLE",
            IdentityProvider::Google => "GOOGLE",
            IdentityProvider::Unknown => "UNKNOWN",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProfileMode {
    Login,
    Conditional,
    Anonymous,
}

/// A Profile (formerly client) login (`/sauth/v3/auth/login/client`, its `/conditional` variant, or
/// `/anonymous`). Profile tokens are refreshed (`POST /sauth/v3/auth/refresh/client`) while still
/// valid and logged in again afterwards.
///
/// ```
/// use synerise::auth::{IdentityProvider, ProfileCredentials};
///
/// let by_email = ProfileCredentials::email_password("profile-api-key", "jane@example.com", "secret");
/// let by_oauth = ProfileCredentials::new("profile-api-key", IdentityProvider::Oauth)
///     .identity_provider_token("oauth-token")
///     .custom_id("card-123");
/// let conditional = by_email.clone().conditional();
/// let anonymous = ProfileCredentials::anonymous("profile-api-key", "07243772-008a-42e1-ba37-c3807cebde8f");
/// assert!(!format!("{by_email:?}{by_oauth:?}{conditional:?}{anonymous:?}").contains("secret"));
/// ```
#[derive(Clone)]
pub struct ProfileCredentials {
    pub(crate) api_key: SecretString,
    pub(crate) mode: ProfileMode,
    pub(crate) provider: IdentityProvider,
    pub(crate) provider_token: Option<SecretString>,
    pub(crate) email: Option<String>,
    pub(crate) custom_id: Option<serde_json::Value>,
    pub(crate) password: Option<SecretString>,
    pub(crate) uuid: Option<String>,
    pub(crate) device_id: Option<String>,
    pub(crate) agreements: Option<serde_json::Value>,
    pub(crate) attributes: Option<serde_json::Map<String, serde_json::Value>>,
    pub(crate) tags: Option<Vec<String>>,
}

impl ProfileCredentials {
    /// A login with `provider`; add the identifiers and secrets it needs with the methods below.
    pub fn new(api_key: impl Into<SecretString>, provider: IdentityProvider) -> Self {
        ProfileCredentials {
            api_key: api_key.into(),
            mode: ProfileMode::Login,
            provider,
            provider_token: None,
            email: None,
            custom_id: None,
            password: None,
            uuid: None,
            device_id: None,
            agreements: None,
            attributes: None,
            tags: None,
        }
    }

    /// A Synerise account login by e-mail and password.
    pub fn email_password(
        api_key: impl Into<SecretString>,
        email: impl Into<String>,
        password: impl Into<SecretString>,
    ) -> Self {
        Self::new(api_key, IdentityProvider::Synerise)
            .email(email)
            .password(password)
    }

    /// A Synerise account login by customId and password.
    pub fn custom_id_password(
        api_key: impl Into<SecretString>,
        custom_id: impl Into<String>,
        password: impl Into<SecretString>,
    ) -> Self {
        Self::new(api_key, IdentityProvider::Synerise)
            .custom_id(custom_id)
            .password(password)
    }

    /// An anonymous Profile identified by `uuid` (`POST /sauth/v3/auth/login/client/anonymous`).
    pub fn anonymous(api_key: impl Into<SecretString>, uuid: impl Into<String>) -> Self {
        let mut p = Self::new(api_key, IdentityProvider::Unknown).uuid(uuid);
        p.mode = ProfileMode::Anonymous;
        p
    }

    /// Uses the conditional login (`POST /sauth/v3/auth/login/client/conditional`): no account is
    /// created, and when Synerise lists conditions that must be met first, the login fails with an
    /// [`crate::Error::Auth`] naming them. Synerise expects the Profile to have logged in
    /// anonymously (same `uuid`) before.
    pub fn conditional(mut self) -> Self {
        if self.mode != ProfileMode::Anonymous {
            self.mode = ProfileMode::Conditional;
        }
        self
    }

    /// The third-party token for Facebook, OAuth, Apple or Google logins.
    pub fn identity_provider_token(mut self, token: impl Into<SecretString>) -> Self {
        self.provider_token = Some(token.into());
        self
    }

    /// The Profile's e-mail.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// The Profile's customId.
    pub fn custom_id(mut self, custom_id: impl Into<String>) -> Self {
        self.custom_id = Some(serde_json::Value::String(custom_id.into()));
        self
    }

    /// The Profile's password (Synerise accounts).
    pub fn password(mut self, password: impl Into<SecretString>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// The Profile's UUID.
    pub fn uuid(mut self, uuid: impl Into<String>) -> Self {
        self.uuid = Some(uuid.into());
        self
    }

    /// The Android or iOS device id.
    pub fn device_id(mut self, device_id: impl Into<String>) -> Self {
        self.device_id = Some(device_id.into());
        self
    }

    /// Marketing agreements, e.g. `json!({"email": true, "sms": false})`.
    pub fn agreements(mut self, agreements: serde_json::Value) -> Self {
        self.agreements = Some(agreements);
        self
    }

    /// Custom attributes stored on the Profile when the login creates it.
    pub fn attributes(mut self, attributes: serde_json::Map<String, serde_json::Value>) -> Self {
        self.attributes = Some(attributes);
        self
    }

    /// Tags stored on the Profile when the login creates it.
    pub fn tags(mut self, tags: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.tags = Some(tags.into_iter().map(Into::into).collect());
        self
    }

    /// The identity provider.
    pub fn provider(&self) -> IdentityProvider {
        self.provider
    }
}

impl fmt::Debug for ProfileCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProfileCredentials")
            .field("mode", &self.mode)
            .field("provider", &self.provider)
            .field("api_key", &REDACTED)
            .field("password", &self.password.as_ref().map(|_| REDACTED))
            .field(
                "identity_provider_token",
                &self.provider_token.as_ref().map(|_| REDACTED),
            )
            .field("has_email", &self.email.is_some())
            .field("has_custom_id", &self.custom_id.is_some())
            .field("has_uuid", &self.uuid.is_some())
            .finish_non_exhaustive()
    }
}
