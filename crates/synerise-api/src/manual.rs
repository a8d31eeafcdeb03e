//! Operations the generator cannot express, written on the generated [`Client`] so that they go
//! through the same hooks (Api-Version, authentication, retries) as every other call.

use progenitor_client::{
    ClientHooks, ClientInfo, Error, OperationInfo, ResponseValue, encode_path,
};

use crate::Client;

impl Client {
    /// Add items from CSV (`POST /catalogs/bags/{catalogId}/items/upload`, vendor id `uploadItems`).
    ///
    /// Uploads a CSV file of catalog items as `multipart/form-data`; `item_key` names the CSV
    /// column that holds the items' unique identifiers. Answers `true` on success.
    ///
    /// API consumers: Synerise User, Workspace. API key permission: `CATALOGS_CATALOG_UPDATE`.
    pub async fn upload_items(
        &self,
        catalog_id: i64,
        item_key: &str,
        file_name: &str,
        csv: impl Into<reqwest::Body>,
    ) -> Result<ResponseValue<bool>, Error<()>> {
        let url = format!(
            "{}/catalogs/bags/{}/items/upload",
            self.baseurl(),
            encode_path(&catalog_id.to_string())
        );
        let part = reqwest::multipart::Part::stream(csv)
            .file_name(file_name.to_string())
            .mime_str("text/csv")
            .map_err(Error::CommunicationError)?;
        let form = reqwest::multipart::Form::new()
            .text("itemKey", item_key.to_string())
            .part("file", part);
        let mut request = self
            .client()
            .post(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .multipart(form)
            .build()
            .map_err(Error::CommunicationError)?;
        let info = OperationInfo {
            operation_id: "upload_items",
        };
        self.pre(&mut request, &info).await?;
        let result = self.exec(request, &info).await;
        self.post(&result, &info).await?;
        let response = result.map_err(Error::CommunicationError)?;
        if response.status().is_success() {
            ResponseValue::from_response(response).await
        } else {
            Err(Error::UnexpectedResponse(response))
        }
    }
}
