//! What counts as an origin: the public one, and the product's services the pages may call.

use url::Url;

/// `scheme://host[:port]` and nothing more, over http(s).
pub(super) fn is_bare_origin(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        && url.username().is_empty()
        && url.password().is_none()
}

/// A service's origin, as `Origin` headers and CSP sources write it.
pub(super) fn parse_service_origin(value: &str) -> Result<String, String> {
    let url = Url::parse(value.trim()).map_err(|_| format!("{value:?} is not a URL"))?;
    if !is_bare_origin(&url) {
        return Err(format!(
            "{value:?} must be an origin, such as https://api.example.com"
        ));
    }
    if url.scheme() == "http" && !is_loopback_name(url.host_str().unwrap_or_default()) {
        return Err(format!("{value:?} must use https (plain http only on loopback)"));
    }
    Ok(url.origin().ascii_serialization())
}

/// Browsers treat these hosts as secure contexts, so Secure cookies work over plain http.
pub(super) fn is_loopback_name(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "[::1]") || host.ends_with(".localhost")
}
