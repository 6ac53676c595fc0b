//! Building the in-memory ring from the stored keys, and refusing rows this server did not
//! write: each row's sealed private half must open under the server secret and match the
//! stored public key and key id. A row written by someone with database access but without
//! the secret (their own public key, to have their tokens accepted) fails loudly at load.
//!
//! A key superseded by a newer one keeps verifying (and stays in the JWKS) only while a token
//! it signed could still be valid: every instance has switched to the newer key within
//! `SWITCH_TIME` of its creation, and no token lives longer than `longest_token`.

use std::{collections::HashMap, time::Duration};

use anyhow::{Context, anyhow, bail};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use ed25519_dalek::{Signer, SigningKey};
use jsonwebtoken::{
    Algorithm, DecodingKey, Header,
    jwk::{
        AlgorithmParameters, CommonParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm,
        OctetKeyPairParameters, OctetKeyPairType, PublicKeyUse,
    },
};

use super::{
    seal::unseal,
    store::{StoredKey, key_id},
};

/// How long after a key is created every running instance signs with it: they re-read the
/// keys every `super::REFRESH_EVERY`; twice that leaves room for one failed re-read.
pub const SWITCH_TIME: Duration = Duration::from_secs(2 * super::REFRESH_EVERY.as_secs());

pub struct Ring {
    pub signing_kid: String,
    /// Kept expanded, public half included: jsonwebtoken's `encode` takes the key in DER and
    /// derives the public half again at every signature, a second scalar multiplication as
    /// costly as the signature itself.
    signing: SigningKey,
    pub decoding: HashMap<String, DecodingKey>,
    /// Newest first.
    pub published: JwkSet,
}

/// The ring at `now` (Unix ms) from `rows`, newest generation first.
pub fn build(
    rows: &[StoredKey],
    seal_key: &[u8; 32],
    now: i64,
    longest_token: Duration,
) -> anyhow::Result<Ring> {
    let newest = rows.first().ok_or_else(|| anyhow!("no signing key stored"))?;
    let keep_ms = i64::try_from((SWITCH_TIME + longest_token).as_millis()).unwrap_or(i64::MAX);
    let mut decoding = HashMap::new();
    let mut published = Vec::new();
    let mut signing = None;
    // The creation of the next newer key is when a key stopped being the one that signs.
    let superseded_at = std::iter::once(None).chain(rows.iter().map(|row| Some(row.created_at)));
    for (row, superseded_at) in rows.iter().zip(superseded_at) {
        let seed = checked_seed(row, seal_key)?;
        if row.kid == newest.kid {
            signing = Some(seed);
        }
        if superseded_at.is_some_and(|at| now >= at.saturating_add(keep_ms)) {
            continue; // retired: nothing it signed can still be valid
        }
        let jwk = public_jwk(row)?;
        decoding.insert(row.kid.clone(), DecodingKey::from_jwk(&jwk)?);
        published.push(jwk);
    }
    let seed = signing.expect("the newest row was checked first");
    Ok(Ring {
        signing_kid: newest.kid.clone(),
        signing: SigningKey::from_bytes(&seed),
        decoding,
        published: JwkSet { keys: published },
    })
}

impl Ring {
    /// `claims` as a compact JWS (RFC 7515) signed by the newest key, its `kid` in `header`:
    /// byte for byte what `jsonwebtoken::encode` makes of them (Ed25519 is deterministic).
    pub fn sign(&self, header: &Header, claims: &impl serde::Serialize) -> anyhow::Result<String> {
        if header.alg != Algorithm::EdDSA {
            bail!("the signing keys are Ed25519; cannot sign {:?}", header.alg);
        }
        let header = Header {
            kid: Some(self.signing_kid.clone()),
            ..header.clone()
        };
        let part = |json: Vec<u8>| URL_SAFE_NO_PAD.encode(json);
        let message = format!(
            "{}.{}",
            part(serde_json::to_vec(&header)?),
            part(serde_json::to_vec(claims)?)
        );
        let signature = self.signing.sign(message.as_bytes());
        Ok(format!(
            "{message}.{}",
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        ))
    }
}

/// The row's private seed, once it is proven to belong to its public key and key id.
fn checked_seed(row: &StoredKey, seal_key: &[u8; 32]) -> anyhow::Result<[u8; 32]> {
    let seed = unseal(seal_key, &row.kid, &row.sealed_private_key).with_context(|| {
        format!(
            "signing key {} in the database was not sealed with this server's secret: it was \
             written by someone else (or LATCH_SECRET changed); refusing to trust any key",
            row.kid
        )
    })?;
    let public = SigningKey::from_bytes(&seed).verifying_key().to_bytes();
    if row.public_key != public || row.kid != key_id(&public) {
        bail!(
            "signing key {}: the stored public key or key id does not match its sealed private \
             half; the row was altered in the database. Refusing to trust any key.",
            row.kid
        );
    }
    Ok(seed)
}

/// A stored public key as a JWK (RFC 8037 `OKP`/`Ed25519`).
fn public_jwk(row: &StoredKey) -> anyhow::Result<Jwk> {
    let x: [u8; 32] = row
        .public_key
        .as_slice()
        .try_into()
        .map_err(|_| anyhow!("stored public key {} has the wrong length", row.kid))?;
    Ok(Jwk {
        common: CommonParameters {
            public_key_use: Some(PublicKeyUse::Signature),
            key_algorithm: Some(KeyAlgorithm::EdDSA),
            key_id: Some(row.kid.clone()),
            ..CommonParameters::default()
        },
        algorithm: AlgorithmParameters::OctetKeyPair(OctetKeyPairParameters {
            key_type: OctetKeyPairType::OctetKeyPair,
            curve: EllipticCurve::Ed25519,
            x: URL_SAFE_NO_PAD.encode(x),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::tokens::keys::store::new_key;

    const SEAL: [u8; 32] = [9; 32];
    const HOUR_MS: i64 = 3600 * 1000;

    fn kids(ring: &Ring) -> Vec<String> {
        ring.published
            .keys
            .iter()
            .filter_map(|k| k.common.key_id.clone())
            .collect()
    }

    #[test]
    fn a_superseded_key_leaves_once_nothing_it_signed_can_be_valid() {
        let old = new_key(&SEAL, 1, 0).unwrap();
        let new = new_key(&SEAL, 2, HOUR_MS).unwrap();
        let rows = [new, old];
        let token = Duration::from_secs(600);
        let keep = i64::try_from((SWITCH_TIME + token).as_millis()).unwrap();

        let before = build(&rows, &SEAL, HOUR_MS + keep - 1, token).unwrap();
        assert_eq!(kids(&before), [rows[0].kid.clone(), rows[1].kid.clone()]);
        let after = build(&rows, &SEAL, HOUR_MS + keep, token).unwrap();
        assert_eq!(kids(&after), [rows[0].kid.clone()]);
        assert!(!after.decoding.contains_key(&rows[1].kid), "nor does it verify");
        assert_eq!(after.signing_kid, rows[0].kid);
    }

    #[test]
    fn a_token_is_signed_exactly_as_jsonwebtoken_signs_it_and_verifies_with_the_published_key() {
        use ed25519_dalek::pkcs8::EncodePrivateKey;
        let row = new_key(&SEAL, 1, 0).unwrap();
        let ring = build(std::slice::from_ref(&row), &SEAL, 0, Duration::ZERO).unwrap();
        let claims = serde_json::json!({"sub": "u", "exp": 4_000_000_000u64, "aud": "a", "note": "é\"/"});
        let header = Header {
            typ: Some("at+jwt".into()),
            ..Header::new(Algorithm::EdDSA)
        };

        let token = ring.sign(&header, &claims).unwrap();

        let der = ring.signing.to_pkcs8_der().unwrap();
        let reference = Header {
            kid: Some(row.kid.clone()),
            ..header.clone()
        };
        let expected = jsonwebtoken::encode(
            &reference,
            &claims,
            &jsonwebtoken::EncodingKey::from_ed_der(der.as_bytes()),
        );
        assert_eq!(token, expected.unwrap());
        let mut validation = jsonwebtoken::Validation::new(Algorithm::EdDSA);
        validation.set_audience(&["a"]);
        let decoded =
            jsonwebtoken::decode::<serde_json::Value>(&token, &ring.decoding[&row.kid], &validation);
        assert_eq!(decoded.unwrap().claims, claims);
        let hmac = Header::new(Algorithm::HS256);
        assert!(ring.sign(&hmac, &claims).is_err(), "only EdDSA");
    }

    #[test]
    fn a_row_not_written_with_the_secret_fails_loudly() {
        let honest = new_key(&SEAL, 1, 0).unwrap();
        let foreign = new_key(&[1; 32], 2, 0).unwrap();
        let err = build(&[foreign, honest], &SEAL, 0, Duration::ZERO).err().unwrap();
        assert!(
            format!("{err:#}").contains("not sealed with this server's secret"),
            "{err:#}"
        );
    }

    #[test]
    fn a_public_key_swapped_under_a_genuine_sealed_key_fails_loudly() {
        let genuine = new_key(&SEAL, 1, 0).unwrap();
        let attacker = new_key(&SEAL, 2, 0).unwrap();
        let altered = StoredKey {
            public_key: attacker.public_key.clone(),
            ..new_key(&SEAL, 1, 0).unwrap()
        };
        assert!(build(&[genuine], &SEAL, 0, Duration::ZERO).is_ok());
        let err = build(&[altered], &SEAL, 0, Duration::ZERO).err().unwrap();
        assert!(
            err.to_string().contains("does not match its sealed private half"),
            "{err}"
        );
    }
}
