//! The hooks every request goes through, generated operations and hand-written ones alike.
//!
//! Per operation (from [`crate::operations`]) they set the `api-version` header where the
//! operation requires it (progenitor's own, added to every request, is taken out of the generated
//! code by `xtask/src/generated_fixes.rs`) and remove it elsewhere, and send the real content type
//! where the generated code cannot. Everything else — authentication, retries, tracing — is delegated to a
//! [`Transport`] that the `synerise` crate plugs in through [`Inner`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{CONTENT_TYPE, HeaderValue};

use crate::Client;
use crate::operations::{self, OperationMeta};

/// A boxed future, as [`Transport`] methods return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a higher layer plugs into every request: authentication, retries, tracing.
pub trait Transport: Send + Sync + 'static {
    /// Called before sending; may change the request (e.g. add `Authorization`). An error stops the
    /// call with `Error::Custom` carrying its message.
    fn prepare<'a>(
        &'a self,
        request: &'a mut reqwest::Request,
        op: &'static OperationMeta,
    ) -> BoxFuture<'a, Result<(), String>>;

    /// Sends a prepared request and returns the final response (after any retries).
    fn send<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        op: &'static OperationMeta,
    ) -> BoxFuture<'a, reqwest::Result<reqwest::Response>>;
}

/// The hook state the generated [`Client`] carries: an optional [`Transport`].
#[derive(Clone, Default)]
pub struct Inner {
    transport: Option<Arc<dyn Transport>>,
}

impl Inner {
    /// Hooks that delegate to `transport`.
    pub fn with_transport(transport: Arc<dyn Transport>) -> Self {
        Self {
            transport: Some(transport),
        }
    }

    /// The transport, if one is plugged in.
    pub fn transport(&self) -> Option<&Arc<dyn Transport>> {
        self.transport.as_ref()
    }
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inner")
            .field("transport", &self.transport.as_ref().map(|_| ".."))
            .finish()
    }
}

fn meta(info: &OperationInfo) -> Result<&'static OperationMeta, String> {
    operations::find(info.operation_id).ok_or_else(|| {
        format!(
            "operation `{}` is not in the operation table",
            info.operation_id
        )
    })
}

/// Applies what the operation table says about headers.
pub fn apply_operation_headers(request: &mut reqwest::Request, op: &OperationMeta) {
    let headers = request.headers_mut();
    match op.api_version {
        Some(version) => {
            headers.insert("api-version", HeaderValue::from_static(version));
        }
        None => {
            headers.remove("api-version");
        }
    }
    if let Some(content_type) = op.content_type {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
}

impl ClientHooks<Inner> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let op = meta(info).map_err(progenitor_client::Error::Custom)?;
        apply_operation_headers(request, op);
        if let Some(transport) = self.inner().transport() {
            transport
                .prepare(request, op)
                .await
                .map_err(progenitor_client::Error::Custom)?;
        }
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        match (
            self.inner().transport(),
            operations::find(info.operation_id),
        ) {
            (Some(transport), Some(op)) => transport.send(self.client(), request, op).await,
            _ => self.client().execute(request).await,
        }
    }
}
