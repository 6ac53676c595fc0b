//! A soft passkey: a WebAuthn platform authenticator and the browser around it, as tests hold it.
//! It takes the options JSON a server sends and answers with what `PublicKeyCredential.toJSON()`
//! gives a page, so the tests go through the server's real routes. Written from the WebAuthn
//! Level 3 and CTAP2 byte layouts, not with webauthn-rs, so that it checks the server's relying
//! party instead of agreeing with it by construction.
//!
//! It is deliberately more permissive than a browser: it never checks that the rp id suits the
//! origin, and its public knobs produce responses no honest authenticator would, so negative tests
//! reach the server's checks.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use ring::{
    digest::{SHA256, digest},
    rand::{SecureRandom, SystemRandom},
    signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair},
};
use serde_json::{Value, json};

// Authenticator data flags (WebAuthn §6.1).
const UP: u8 = 0x01;
const UV: u8 = 0x04;
const BE: u8 = 0x08;
const BS: u8 = 0x10;
const AT: u8 = 0x40;

/// COSE algorithm ES256: P-256 with SHA-256, the one algorithm every relying party offers.
const ES256: i64 = -7;

/// A discoverable credential: the authenticator keeps the user handle, which is how a sign-in
/// without a user name tells the server who is signing in.
pub struct Credential {
    pub id: Vec<u8>,
    pub rp_id: String,
    pub user_handle: Vec<u8>,
    /// The signature counter; set it lower than the server saw to look like a cloned key.
    pub sign_count: u32,
    key: EcdsaKeyPair,
}

pub struct SoftAuthenticator {
    pub credentials: Vec<Credential>,
    /// The UV flag: whether the user "unlocked" the passkey. Off, it answers anyway (a real one
    /// would fail when UV is required) so the test sees whether the server insists.
    pub user_verified: bool,
    /// BE and BS: synced passkeys (iCloud, Google) set both; a device-bound one sets neither.
    pub backup_eligible: bool,
    pub backed_up: bool,
    /// Hashes this instead of the real rp id into the authenticator data (wrong rpIdHash).
    pub rp_id_hash_of: Option<String>,
    /// Signs assertions with a key the server never saw.
    pub wrong_key: bool,
    /// Off, the count stays put (0 from creation) as synced passkeys' does: then the counter can't
    /// catch a replayed assertion, only the server's single-use challenge can.
    pub counts_signatures: bool,
    random: SystemRandom,
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Servers send binary members as base64url; a browser's `parse…OptionsFromJSON` decodes them, so
/// a server that sends anything else fails here as it would in a browser.
fn unb64(value: &Value, what: &str) -> Vec<u8> {
    let bytes = URL_SAFE_NO_PAD.decode(value.as_str().unwrap_or_default());
    bytes.unwrap_or_else(|e| panic!("{what} is not base64url ({e}): {value}"))
}

/// An array member of the options; absent is empty.
fn list(value: &Value) -> &[Value] {
    value.as_array().map_or(&[], Vec::as_slice)
}

/// The ids of a credential descriptor list (excludeCredentials, allowCredentials).
fn ids(descriptors: &Value, what: &str) -> Vec<Vec<u8>> {
    list(descriptors).iter().map(|d| unb64(&d["id"], what)).collect()
}

/// The rp id the options name, else the origin's host as a browser defaults it.
fn rp_id(named: &Value, origin: &str) -> String {
    let authority = origin.split_once("://").map_or(origin, |(_, rest)| rest);
    let host = authority.split([':', '/']).next();
    named.as_str().or(host).unwrap_or_default().to_owned()
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    digest(&SHA256, bytes).as_ref().to_vec()
}

/// The options themselves, whether given bare or wrapped as `{"publicKey": …}` (the form
/// `navigator.credentials.create/get` takes, and webauthn-rs sends).
fn public_key(options: &Value) -> &Value {
    options.get("publicKey").unwrap_or(options)
}

/// clientDataJSON, with `type` and `challenge` first as browsers serialise it: some relying
/// parties check that prefix rather than parse the JSON (WebAuthn §5.8.1.2).
fn client_data(kind: &str, challenge: &[u8], origin: &str) -> Vec<u8> {
    format!(
        r#"{{"type":"{kind}","challenge":"{}","origin":{},"crossOrigin":false}}"#,
        b64(challenge),
        Value::from(origin)
    )
    .into_bytes()
}

// The little CBOR the attestation object needs (RFC 8949), in CTAP2's canonical form: shortest
// lengths, map keys in the order given (callers give them sorted).
fn cbor_head(major: u8, n: u64, out: &mut Vec<u8>) {
    let major = major << 5;
    if n < 24 {
        return out.push(major | n as u8);
    }
    let (info, len) = match n {
        24..=0xff => (24, 1),
        0x100..=0xffff => (25, 2),
        0x1_0000..=0xffff_ffff => (26, 4),
        _ => (27, 8),
    };
    out.push(major | info);
    out.extend_from_slice(&n.to_be_bytes()[8 - len..]);
}

fn cbor_int(v: i64, out: &mut Vec<u8>) {
    // Major type 1 holds -1 - v, so -1 is 0x20 and -7 is 0x26.
    let (major, n) = if v < 0 { (1, -1 - v) } else { (0, v) };
    cbor_head(major, n as u64, out)
}

/// A byte string (major type 2) or a text string (3).
fn cbor_string(major: u8, bytes: &[u8], out: &mut Vec<u8>) {
    cbor_head(major, bytes.len() as u64, out);
    out.extend_from_slice(bytes);
}

/// The credential public key as a COSE_Key (RFC 9053 §7.1.1): kty EC2, alg ES256, crv P-256, x, y.
fn cose_key(point: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    cbor_head(5, 5, &mut out);
    for (label, value) in [(1, 2), (3, ES256), (-1, 1)] {
        cbor_int(label, &mut out);
        cbor_int(value, &mut out);
    }
    // The uncompressed point is 04 ‖ x ‖ y.
    cbor_int(-2, &mut out);
    cbor_string(2, &point[1..33], &mut out);
    cbor_int(-3, &mut out);
    cbor_string(2, &point[33..65], &mut out);
    out
}

impl SoftAuthenticator {
    /// A synced platform passkey that verifies its user: the common case in browsers today.
    pub fn new() -> Self {
        Self {
            credentials: Vec::new(),
            user_verified: true,
            backup_eligible: true,
            backed_up: true,
            rp_id_hash_of: None,
            wrong_key: false,
            counts_signatures: true,
            random: SystemRandom::new(),
        }
    }

    fn new_key(&self) -> EcdsaKeyPair {
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &self.random).unwrap();
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &self.random).unwrap()
    }

    /// rpIdHash ‖ flags ‖ signCount, the part of the authenticator data every ceremony signs.
    fn auth_data(&self, rp_id: &str, flags: u8, sign_count: u32) -> Vec<u8> {
        let hashed = self.rp_id_hash_of.as_deref().unwrap_or(rp_id);
        let flag = |on: bool, bit: u8| if on { bit } else { 0 };
        let flags = flags
            | UP
            | flag(self.user_verified, UV)
            | flag(self.backup_eligible, BE)
            | flag(self.backed_up, BS);
        let mut data = sha256(hashed.as_bytes());
        data.push(flags);
        data.extend_from_slice(&sign_count.to_be_bytes());
        data
    }

    /// `navigator.credentials.create()`: a new credential for `options` (the creation options
    /// JSON) as seen from `origin`, answered as RegistrationResponseJSON. Errs with the
    /// DOMException name a browser would throw.
    pub fn create(&mut self, options: &Value, origin: &str) -> Result<Value, &'static str> {
        let options = public_key(options);
        let rp_id = rp_id(&options["rp"]["id"], origin);
        let algorithms = list(&options["pubKeyCredParams"]);
        if !algorithms.iter().any(|p| p["alg"] == ES256) {
            return Err("NotSupportedError");
        }
        // excludeCredentials is how a server says "this user already has a passkey here": the
        // authenticator must refuse rather than make a second one.
        let excluded = ids(&options["excludeCredentials"], "excludeCredentials[].id");
        let held = |c: &Credential| c.rp_id == rp_id && excluded.contains(&c.id);
        if self.credentials.iter().any(held) {
            return Err("InvalidStateError");
        }
        let challenge = unb64(&options["challenge"], "challenge");
        let user_handle = unb64(&options["user"]["id"], "user.id");

        let mut id = vec![0; 32];
        self.random.fill(&mut id).unwrap();
        let key = self.new_key();
        let point = key.public_key().as_ref().to_vec();

        // Attested credential data: a zero AAGUID (no attestation), the id, the public key.
        let mut auth_data = self.auth_data(&rp_id, AT, 0);
        auth_data.extend_from_slice(&[0; 16]);
        auth_data.extend_from_slice(&(id.len() as u16).to_be_bytes());
        auth_data.extend_from_slice(&id);
        auth_data.extend_from_slice(&cose_key(&point));

        // Attestation "none": nothing to sign, the statement is empty.
        let mut attestation = Vec::new();
        cbor_head(5, 3, &mut attestation);
        cbor_string(3, b"fmt", &mut attestation);
        cbor_string(3, b"none", &mut attestation);
        cbor_string(3, b"attStmt", &mut attestation);
        cbor_head(5, 0, &mut attestation);
        cbor_string(3, b"authData", &mut attestation);
        cbor_string(2, &auth_data, &mut attestation);

        // Browsers answer credProps themselves; every credential made here is discoverable.
        let mut extensions = json!({});
        if options["extensions"]["credProps"] == true {
            extensions["credProps"] = json!({"rk": true});
        }
        let response = json!({
            "id": b64(&id),
            "rawId": b64(&id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(client_data("webauthn.create", &challenge, origin)),
                "attestationObject": b64(&attestation),
                "authenticatorData": b64(&auth_data),
                "publicKeyAlgorithm": ES256,
                "transports": ["internal", "hybrid"],
            },
            "clientExtensionResults": extensions,
            "authenticatorAttachment": "platform",
        });
        self.credentials.push(Credential {
            id,
            rp_id,
            user_handle,
            sign_count: 0,
            key,
        });
        Ok(response)
    }

    /// `navigator.credentials.get()`: an assertion for `options` (the request options JSON) as
    /// seen from `origin`, answered as AuthenticationResponseJSON. With an empty allowCredentials
    /// (a sign-in without a user name) it uses the newest credential for the rp id, as a user
    /// picking the first passkey offered would.
    pub fn get(&mut self, options: &Value, origin: &str) -> Result<Value, &'static str> {
        let options = public_key(options);
        let rp_id = rp_id(&options["rpId"], origin);
        let allowed = ids(&options["allowCredentials"], "allowCredentials[].id");
        let challenge = unb64(&options["challenge"], "challenge");
        let index = self
            .credentials
            .iter()
            .rposition(|c| c.rp_id == rp_id && (allowed.is_empty() || allowed.contains(&c.id)))
            .ok_or("NotAllowedError")?;

        self.credentials[index].sign_count += u32::from(self.counts_signatures);
        let auth_data = self.auth_data(&rp_id, 0, self.credentials[index].sign_count);
        let client_data = client_data("webauthn.get", &challenge, origin);

        // The signature covers authenticatorData ‖ SHA-256(clientDataJSON), ASN.1 DER encoded.
        let signed = [auth_data.clone(), sha256(&client_data)].concat();
        let stranger = self.wrong_key.then(|| self.new_key());
        let key = stranger.as_ref().unwrap_or(&self.credentials[index].key);
        let signature = key.sign(&self.random, &signed).unwrap();

        let credential = &self.credentials[index];
        Ok(json!({
            "id": b64(&credential.id),
            "rawId": b64(&credential.id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(&client_data),
                "authenticatorData": b64(&auth_data),
                "signature": b64(signature.as_ref()),
                "userHandle": b64(&credential.user_handle),
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }))
    }
}
