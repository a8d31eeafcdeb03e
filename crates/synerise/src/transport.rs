//! The request path every call takes: authentication, retries and tracing, plugged into the
//! generated client through [`synerise_api::hooks::Transport`].
//!
//! Errors raised inside hooks cannot travel through the generated code as values of our type, so
//! each call made through [`crate::Client::call`] runs in a small task-local scope where the hooks
//! leave the typed error (and the last response status) for [`crate::Error::from_api`] to pick up.

use std::future::Future;
use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use synerise_api::hooks::{BoxFuture, Transport};
use synerise_api::operations::OperationMeta;

use crate::Error;

#[derive(Default)]
struct CallContext {
    hook_error: Mutex<Option<Error>>,
    last_status: Mutex<Option<StatusCode>>,
}

tokio::task_local! {
    static CALL: Arc<CallContext>;
}

/// Runs `fut` in a call scope (see the module docs).
pub(crate) async fn scope<F: Future>(fut: F) -> F::Output {
    CALL.scope(Arc::new(CallContext::default()), fut).await
}

/// Leaves a typed error for [`take_hook_error`] (no-op outside a call scope).
pub(crate) fn set_hook_error(err: Error) {
    let _ = CALL.try_with(|c| *c.hook_error.lock().expect("not poisoned") = Some(err));
}

/// The typed error a hook left in this call scope, if any.
pub(crate) fn take_hook_error() -> Option<Error> {
    CALL.try_with(|c| c.hook_error.lock().expect("not poisoned").take()).ok().flatten()
}

/// Records the status of the response the hooks returned.
pub(crate) fn set_last_status(status: StatusCode) {
    let _ = CALL.try_with(|c| *c.last_status.lock().expect("not poisoned") = Some(status));
}

/// The status of the last response in this call scope.
pub(crate) fn last_status() -> Option<StatusCode> {
    CALL.try_with(|c| *c.last_status.lock().expect("not poisoned")).ok().flatten()
}

/// The transport of a [`crate::Client`].
pub(crate) struct SyneriseTransport {
    pub(crate) config: Arc<crate::client::Config>,
}

impl SyneriseTransport {
    async fn prepare_request(&self, _request: &mut reqwest::Request, _op: &'static OperationMeta) -> Result<(), Error> {
        Ok(())
    }

    async fn send_request(&self, client: &reqwest::Client, request: reqwest::Request, _op: &'static OperationMeta) -> reqwest::Result<reqwest::Response> {
        let response = client.execute(request).await?;
        set_last_status(response.status());
        Ok(response)
    }
}

impl Transport for SyneriseTransport {
    fn prepare<'a>(&'a self, request: &'a mut reqwest::Request, op: &'static OperationMeta) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            self.prepare_request(request, op).await.map_err(|e| {
                let text = e.to_string();
                set_hook_error(e);
                text
            })
        })
    }

    fn send<'a>(&'a self, client: &'a reqwest::Client, request: reqwest::Request, op: &'static OperationMeta) -> BoxFuture<'a, reqwest::Result<reqwest::Response>> {
        Box::pin(self.send_request(client, request, op))
    }
}
