//! Where a workspace lives: Synerise runs three regional API hosts.

use std::fmt;

/// The regional API host of a workspace.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Region {
    /// Microsoft Azure, Europe: `https://api.synerise.com` (the default).
    #[default]
    AzureEu,
    /// Microsoft Azure, United States: `https://api.azu.synerise.com`.
    AzureUs,
    /// Google Cloud Platform: `https://api.geb.synerise.com`.
    Gcp,
    /// Any other base URL, e.g. a `synerise-mock` server or a proxy.
    Custom(String),
}

impl Region {
    /// The base URL requests go to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        match self {
            Region::AzureEu => "https://api.synerise.com",
            Region::AzureUs => "https://api.azu.synerise.com",
            Region::Gcp => "https://api.geb.synerise.com",
            Region::Custom(url) => url.trim_end_matches('/'),
        }
    }

    /// Parses `azure-eu`, `azure-us`, `gcp` (case-insensitive) or an `http(s)://` URL.
    pub fn parse(text: &str) -> Option<Region> {
        match text.trim().to_ascii_lowercase().as_str() {
            "azure-eu" | "azure_eu" | "azureeu" | "eu" => Some(Region::AzureEu),
            "azure-us" | "azure_us" | "azureus" | "us" | "azu" => Some(Region::AzureUs),
            "gcp" | "geb" => Some(Region::Gcp),
            t if t.starts_with("http://") || t.starts_with("https://") => {
                Some(Region::Custom(text.trim().to_string()))
            }
            _ => None,
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.base_url())
    }
}

#[cfg(test)]
mod tests {
    use super::Region;

    #[test]
    fn regions_map_to_hosts() {
        assert_eq!(Region::AzureEu.base_url(), "https://api.synerise.com");
        assert_eq!(Region::AzureUs.base_url(), "https://api.azu.synerise.com");
        assert_eq!(Region::Gcp.base_url(), "https://api.geb.synerise.com");
        assert_eq!(
            Region::Custom("http://127.0.0.1:9/".into()).base_url(),
            "http://127.0.0.1:9"
        );
        assert_eq!(Region::parse("GCP"), Some(Region::Gcp));
        assert_eq!(Region::parse("azure-us"), Some(Region::AzureUs));
        assert_eq!(Region::parse("mars"), None);
    }
}
