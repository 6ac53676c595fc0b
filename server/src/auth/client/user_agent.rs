//! Browser and OS from a User-Agent header, for the sessions page and the security mails.
//! Parsing is woothee's (a maintained, data-free parser); this only phrases the result.

/// "Firefox 128 on Linux", or "Unknown browser" when nothing is recognised.
pub fn describe(user_agent: &str) -> String {
    match woothee::parser::Parser::new().parse(user_agent) {
        Some(ua) if ua.name != "UNKNOWN" => {
            let major = ua.version.split('.').next().unwrap_or_default();
            let browser = if major.is_empty() || major == "UNKNOWN" {
                ua.name.to_string()
            } else {
                format!("{} {major}", ua.name)
            };
            if ua.os == "UNKNOWN" {
                browser
            } else {
                format!("{browser} on {}", ua.os)
            }
        }
        _ => "Unknown browser".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHROME_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
    const FIREFOX_WINDOWS: &str =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";

    #[test]
    fn common_browsers_are_named() {
        assert_eq!(describe(CHROME_LINUX), "Chrome 156 on Linux");
        assert!(
            describe(FIREFOX_WINDOWS).starts_with("Firefox 128 on Windows"),
            "{}",
            describe(FIREFOX_WINDOWS)
        );
        assert_eq!(describe(""), "Unknown browser");
        assert!(describe("curl/8.0").contains("curl"));
        assert_eq!(describe("\u{0}\u{202E}garbage"), "Unknown browser");
    }
}
