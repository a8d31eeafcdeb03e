//! How the generated operations turn a successful response into a [`ResponseValue`].
//!
//! progenitor's own `ResponseValue::from_response` and `ResponseValue::empty` copy the response
//! headers although they own the response; these move them instead (one header map fewer per
//! call). `cargo xtask codegen` points the generated code here (`xtask/src/generated_fixes.rs`).
//! The outcome is the same, errors included.

use progenitor_client::{Error, ResponseValue};
use serde::de::DeserializeOwned;

/// A JSON body decoded into `T`, with the status and headers.
pub async fn json<T: DeserializeOwned, E>(
    mut response: reqwest::Response,
) -> Result<ResponseValue<T>, Error<E>> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let full = response.bytes().await.map_err(Error::ResponseBodyError)?;
    let inner =
        serde_json::from_slice(&full).map_err(|e| Error::InvalidResponsePayload(full, e))?;
    Ok(ResponseValue::new(inner, status, headers))
}

/// A response whose body is not read, with the status and headers.
pub fn empty(mut response: reqwest::Response) -> ResponseValue<()> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    ResponseValue::new((), status, headers)
}
