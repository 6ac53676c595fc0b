//! Email addresses as account names: trimmed, lower-cased, and plausibly deliverable.

use std::fmt;

const MAX_LEN: usize = 254;

/// A normalised email address. Two spellings that differ only in case or surrounding
/// whitespace are the same `Email`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err("Enter your email address.");
        }
        if email.len() > MAX_LEN {
            return Err("That email address is too long.");
        }
        // Invisible and control characters make look-alike accounts; spaces are never valid.
        if email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || is_invisible(c))
        {
            return Err("An email address cannot contain spaces or invisible characters.");
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Err("An email address needs an @, like name@example.com.");
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .split('.')
                .all(|label| !label.is_empty() && !label.starts_with('-'));
        if local.is_empty() || local.len() > 64 || local.contains('@') || !domain_ok {
            return Err("That does not look like an email address (name@example.com).");
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Zero-width and formatting characters that render as nothing.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_and_surrounding_space_do_not_matter() {
        assert_eq!(
            Email::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
    }

    #[test]
    fn nonsense_is_refused() {
        for bad in [
            "",
            "   ",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada@.com",
            "ada@example..com",
            "a da@example.com",
            "ada@exa\u{200B}mple.com",
            "ada@@example.com",
            "ada\n@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn international_addresses_are_accepted() {
        assert!(Email::parse("zoë@exämple.org").is_ok());
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    /// Strings shaped like addresses, with the oddities clients send: case, padding, dots,
    /// hyphens, non-ASCII letters and the odd invisible character.
    fn address_like() -> impl Strategy<Value = String> {
        "[ \t]{0,2}[a-zA-Z0-9._+\\-äÉİ\u{200B}]{1,20}@[a-zA-Z0-9\\-äÉ]{1,10}(\\.[a-zA-Z0-9\\-]{0,6}){0,3}[ \t]{0,2}"
    }

    proptest! {
        #[test]
        fn any_text_is_parsed_or_refused_without_panicking(raw in any::<String>()) {
            if let Ok(email) = Email::parse(&raw) {
                let text = email.as_str();
                prop_assert!(text.len() <= MAX_LEN);
                prop_assert_eq!(text.matches('@').count(), 1);
                prop_assert!(!text.chars().any(|c| c.is_whitespace() || c.is_control() || is_invisible(c)));
            }
        }

        #[test]
        fn normalising_twice_changes_nothing(raw in prop_oneof![address_like(), any::<String>()]) {
            if let Ok(email) = Email::parse(&raw) {
                prop_assert_eq!(Email::parse(email.as_str()), Ok(email));
            }
        }

        #[test]
        fn ascii_case_and_padding_name_the_same_account(raw in address_like()) {
            let shouted = format!(" \t{}  ", raw.to_ascii_uppercase());
            prop_assert_eq!(Email::parse(&shouted), Email::parse(&raw.to_ascii_lowercase()));
        }
    }
}
