//! A browser's DBSC key as the tests hold it, in software: what a TPM or the Secure Enclave
//! holds for Chrome. ES256 (a fresh P-256 key) or RS256 (the RSA-2048 test key below, made
//! once with `openssl genpkey -algorithm RSA`: generating RSA keys is slow, and ring cannot).

use base64::{
    Engine,
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
};
use ring::{
    rand::SystemRandom,
    signature::{
        ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
        RsaPublicKeyComponents,
    },
};
use serde_json::{Value, json};

/// PKCS #1 (RSAPrivateKey DER), base64: a test key, never used for anything else.
const RSA_TEST_KEY: &str = "
MIIEogIBAAKCAQEAjkMlwwNaqWJtX8fUCgm5IsNDbQnvP8hhkzu2KT2NZyLe2LoImT/WVZTlXTarfxM1QYrFOLpx9A8h8FTw
+TtqhPYs22Wb1a80vPrhbCUbkk0sffISKjDA1scfp0YBMfDX/7NvOfivkssKBQyCDyxRLsDiW79KjpD+J+0duDM+TWtd/J1R
CZmvOAcWtrt/LvG6CxN/q1VrHjcgyHTEdZC3fT0chWuYuOtlq9JiZ/d87u0FBnDDjfG3Rz7K9lXOj9e/zk3jTvs77CDokKVF
vS30RcjVJreeZ2yUwk1d+hBE+bVsU4d3MGg+P9uR7ag9QXQC6lgYcTwC/RyXNIsHp8IUtQIDAQABAoIBACnAIBly5w0V81Zs
PVjy0JAYsTWTeFEGPEiq+gNxaonNrIv7UOG03/C+4W9xR3RkTTleghHredzwAfxX2V6zpse9vZ1n3Quhvz8E+9oyq7xMhNWz
kMwsAbQmvS3ouBoRfjqvTOG9D73rc5XWvWa5kVvAxM27PqTHfad3CcVQ2KR8gYBverVbQqVsKB6YEp5BV4mB+3W/vqS14SAM
0D9JcY10V/fqLGXiFHhAgkIk6B2jaCa0Yn3rAYD9+mS6l/RxY3mpGpo1MGdnIvXXB9gkwMEpz2yYJHURpZeteUCTnRcxUuxF
d8+3dUnI61VLsQWL1NgcvrgsD4zAGYnb0ZczP3MCgYEAxlJohdN8xKYi7Lf4nNIRui83HpzpQblXFSoleUzQ6LKE4XCaS0iu
K72i9QTBjHx2UR2Dvs5R234DmAtxenXG/bYOeD/DXkw7Ir6tapDrlxBdYFUHaqLHHclxBV1SbCKqmjcsdMcr+M+qAKT/Pg6r
UYy5yDvVk5gZ/Ids/52T8KMCgYEAt6Lz1PaVjyCC/+snJX6fkWZ1ciFQQHe8PJm9EJR99v1hGpTMj1e6mJ7qzNvidiBpyA2g
xNshO914MankZINALTGhCabjw6l5QCWmIuKsSYz+JVh/tMYJLpL4kIOZv27/jxEESUqm4OWow78KORZopFKR4JPrDCZ2xxRO
S2boQscCgYByn3KV1nQIXFVXJ8VjLe7dAykCYoJWYD66ls9t2j3sIDG48pHa7TjtQv+KSaNsBQuFOl/Iygp5p81/9S0zMBtA
zBZ03bWXLMwI+tfT/cqMVwMBCGPu+AHJb4IJLbTTlv2vgDALlooNlkiVcserIGNYENPXrO12DrUGRWd0HalBrQKBgBjlYbNM
nughm0EA63S83vtCbcfEVnH3CbEZkrVNvGog3epRpA4G8chBO0n8wY4MROsXVeV6Y94O3320L7+kv62g3dlGI/jh4AtfT0/J
dVwfXlFH10B13MbQrBxDizOV49XMk80v7sHswN2Q59znedZVT2uoAiTKji3dReQZFoH/AoGAAWqex8am5hScAbuQ54A7SRf+
Nq02H+pEkiqBt0spXvVA1ktEfPVhtyXUv7UtmqAcxUJ3QiS3ACsZhhQGbfR1queufKsaUfYodG7+DJD/dLcZ1LUOuq3sLLOM
+3Psspmt24OXe8efEdXwnQ3VCqfg+mq3DYV+8EL3vw5Mk6/SWLo=
";

pub enum DbscKey {
    Es256(EcdsaKeyPair),
    Rs256(RsaKeyPair),
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

#[allow(dead_code)]
impl DbscKey {
    pub fn es256() -> Self {
        let random = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &random).unwrap();
        DbscKey::Es256(
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &random).unwrap(),
        )
    }

    pub fn rs256() -> Self {
        let der: String = RSA_TEST_KEY.split_whitespace().collect();
        DbscKey::Rs256(RsaKeyPair::from_der(&STANDARD.decode(der).unwrap()).unwrap())
    }

    pub fn alg(&self) -> &'static str {
        match self {
            DbscKey::Es256(_) => "ES256",
            DbscKey::Rs256(_) => "RS256",
        }
    }

    pub fn jwk(&self) -> Value {
        match self {
            DbscKey::Es256(key) => {
                let point = key.public_key().as_ref();
                json!({"kty": "EC", "crv": "P-256", "x": b64(&point[1..33]), "y": b64(&point[33..])})
            }
            DbscKey::Rs256(key) => {
                let public: RsaPublicKeyComponents<Vec<u8>> = key.public().into();
                json!({"kty": "RSA", "n": b64(&public.n), "e": b64(&public.e)})
            }
        }
    }

    /// Signs any header and claims: for responses that are wrong on purpose.
    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        let input = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
        let random = SystemRandom::new();
        let signature = match self {
            DbscKey::Es256(key) => key.sign(&random, input.as_bytes()).unwrap().as_ref().to_vec(),
            DbscKey::Rs256(key) => {
                let mut signature = vec![0; key.public().modulus_len()];
                key.sign(&RSA_PKCS1_SHA256, &random, input.as_bytes(), &mut signature)
                    .unwrap();
                signature
            }
        };
        format!("{input}.{}", b64(signature))
    }

    /// The `Secure-Session-Response` of a registration, as Chromium writes it.
    pub fn registration(&self, challenge: &str) -> String {
        self.sign(
            &json!({"alg": self.alg(), "typ": "dbsc+jwt", "jwk": self.jwk()}),
            &json!({"jti": challenge}),
        )
    }

    /// The `Secure-Session-Response` of a renewal: no key in the header.
    pub fn renewal(&self, challenge: &str) -> String {
        self.sign(
            &json!({"alg": self.alg(), "typ": "dbsc+jwt"}),
            &json!({"jti": challenge}),
        )
    }
}
