//! Where a request came from, as a person reads it.

use std::net::IpAddr;

/// The address, with what kind of place it is when that says something: the server's own
/// machine or a private network.
pub fn address(ip: &str) -> String {
    let Ok(parsed) = ip.parse::<IpAddr>() else {
        return ip.to_string();
    };
    let kind = match parsed {
        IpAddr::V4(v4) if v4.is_loopback() => Some("this machine"),
        IpAddr::V6(v6) if v6.is_loopback() => Some("this machine"),
        IpAddr::V4(v4) if v4.is_private() || v4.is_link_local() => Some("local network"),
        IpAddr::V6(v6) if v6.is_unique_local() || v6.is_unicast_link_local() => Some("local network"),
        _ => None,
    };
    match kind {
        Some(kind) => format!("{ip} ({kind})"),
        None => ip.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::address;

    #[test]
    fn addresses_say_what_kind_of_place_they_are() {
        assert_eq!(address("127.0.0.1"), "127.0.0.1 (this machine)");
        assert_eq!(address("::1"), "::1 (this machine)");
        assert_eq!(address("192.168.1.20"), "192.168.1.20 (local network)");
        assert_eq!(address("fd00::1"), "fd00::1 (local network)");
        assert_eq!(address("203.0.113.9"), "203.0.113.9");
        assert_eq!(address("unknown"), "unknown");
    }
}
