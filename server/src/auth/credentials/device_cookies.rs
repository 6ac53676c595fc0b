//! Device cookies, as in OWASP's scheme against lockout abuse: a browser that signs in to an
//! account is given a value signed by the server and bound to that account. A later sign-in
//! that presents it has its failures counted on its own, not on the account's shared lock,
//! so five strangers' guesses cannot keep the owner out.
//!
//! The value is `nonce.mac`, both base64url: a random 128-bit nonce (the device's name for
//! the throttle) and HMAC-SHA-256 over the account's email and the nonce, under a key derived
//! from the server secret. It names no account in clear and cannot be forged or moved to
//! another account.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::auth::accounts::email::Email;

const NONCE_BYTES: usize = 16;

#[derive(Clone)]
pub struct DeviceCookies {
    key: [u8; 32],
}

impl DeviceCookies {
    pub fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    fn mac(&self, email: &Email, nonce: &[u8]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key size");
        mac.update(email.as_str().as_bytes());
        mac.update(b"\0");
        mac.update(nonce);
        mac
    }

    /// A new device cookie value for a browser that just signed in to `email`'s account.
    pub fn issue(&self, email: &Email) -> String {
        let mut nonce = [0u8; NONCE_BYTES];
        getrandom::fill(&mut nonce).expect("the OS random source is available");
        let mac = self.mac(email, &nonce).finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(nonce),
            URL_SAFE_NO_PAD.encode(mac)
        )
    }

    /// The device's name (its nonce) when `cookie` was issued by this server for `email`;
    /// `None` for anything else, forged, mangled or another account's.
    pub fn device<'c>(&self, cookie: &'c str, email: &Email) -> Option<&'c str> {
        let (nonce_text, mac_text) = cookie.split_once('.')?;
        let nonce = URL_SAFE_NO_PAD.decode(nonce_text).ok()?;
        let tag = URL_SAFE_NO_PAD.decode(mac_text).ok()?;
        if nonce.len() != NONCE_BYTES {
            return None;
        }
        self.mac(email, &nonce).verify_slice(&tag).ok()?;
        Some(nonce_text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(text: &str) -> Email {
        Email::parse(text).unwrap()
    }

    #[test]
    fn a_cookie_vouches_for_its_own_account_only() {
        let cookies = DeviceCookies::new([7; 32]);
        let ada = email("ada@example.com");
        let cookie = cookies.issue(&ada);
        let device = cookies.device(&cookie, &ada).expect("ours, for ada");
        assert!(cookie.starts_with(device));
        assert_eq!(cookies.device(&cookie, &email("bob@example.com")), None);
        assert_eq!(
            DeviceCookies::new([8; 32]).device(&cookie, &ada),
            None,
            "another secret"
        );
        assert_ne!(cookies.issue(&ada), cookie, "each browser gets its own nonce");
    }

    #[test]
    fn garbage_vouches_for_nothing() {
        let cookies = DeviceCookies::new([7; 32]);
        let ada = email("ada@example.com");
        let cookie = cookies.issue(&ada);
        let (nonce, mac) = cookie.split_once('.').unwrap();
        for bad in [
            "",
            ".",
            "garbage",
            &format!("{nonce}."),
            &format!(".{mac}"),
            &format!("{nonce}.{}", &mac[1..]),
            &format!("AAAA{nonce}.{mac}"),
            &format!("{nonce}.{mac}.{mac}"),
            "\u{0}\u{202E}.\u{FFFF}",
        ] {
            assert_eq!(cookies.device(bad, &ada), None, "{bad:?}");
        }
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn a_forged_or_mangled_cookie_vouches_for_nothing(
            forged in prop_oneof![any::<String>(), "[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}"],
            position in any::<prop::sample::Index>(),
            replacement in any::<char>(),
        ) {
            let cookies = DeviceCookies::new([7; 32]);
            let ada = Email::parse("ada@example.com").unwrap();
            prop_assert_eq!(cookies.device(&forged, &ada), None);

            // The genuine cookie with one character changed.
            let genuine = cookies.issue(&ada);
            let mut chars: Vec<char> = genuine.chars().collect();
            let at = position.index(chars.len());
            prop_assume!(chars[at] != replacement);
            chars[at] = replacement;
            let mangled: String = chars.into_iter().collect();
            prop_assert_eq!(cookies.device(&mangled, &ada), None, "{}", mangled);
        }
    }
}
