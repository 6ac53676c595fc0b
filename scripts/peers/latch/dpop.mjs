// A browser's side of Latch's device binding, for scripts/bench-peers: signs DPoP proofs
// (RFC 9449) with WebCrypto as the app does in the browser (ECDSA P-256, ES256, r||s).
//
//   node dpop.mjs session BASE ORIGIN DIR
//     Signs up (verification `required`: 202), opens the link from the development outbox,
//     and gets a session bound to a fresh key. Keeps the key, token and expiry in DIR.
//   node dpop.mjs proofs BASE ORIGIN DIR COUNT THREADS PREFIX SECONDS
//     Signs COUNT proofs for `GET /api/me` ahead of the run (the server refuses a reused
//     `jti`, and signing during the run would take CPU from the server and wrk), split over
//     PREFIX.0 … PREFIX.<THREADS-1>, one per line, one file per wrk thread.
//
// BASE is where to connect (http://127.0.0.1:PORT); ORIGIN the server's public origin, which
// proofs must name in `htu`. Nothing secret is printed: DIR is the caller's private folder.
import { createWriteStream } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { once } from "node:events";

const { subtle } = globalThis.crypto;
const [command, base, origin, dir, ...rest] = process.argv.slice(2);
const ECDSA = { name: "ECDSA", namedCurve: "P-256" };
const SIGN = { name: "ECDSA", hash: "SHA-256" };

const b64url = (bytes) => Buffer.from(bytes).toString("base64url");
const json64 = (value) => b64url(JSON.stringify(value));
const fail = (message) => {
  console.error(`dpop.mjs: ${message}`);
  process.exit(1);
};

// The proof's header is the same for every proof of a key: made once.
function signer(privateKey, { kty, crv, x, y }) {
  const header = json64({ typ: "dpop+jwt", alg: "ES256", jwk: { kty, crv, x, y } });
  return async (htm, path, nonce, token) => {
    const claims = {
      htm,
      htu: `${origin}${path}`,
      iat: Math.floor(Date.now() / 1000),
      jti: b64url(crypto.getRandomValues(new Uint8Array(16))),
      nonce,
    };
    if (token) claims.ath = b64url(await subtle.digest("SHA-256", Buffer.from(token)));
    const input = `${header}.${json64(claims)}`;
    return `${input}.${b64url(await subtle.sign(SIGN, privateKey, Buffer.from(input)))}`;
  };
}

// Every /api/ answer carries the nonce proofs must name; an anonymous GET is answered 401.
async function nonce() {
  const answer = await fetch(`${base}/api/session`);
  return answer.headers.get("dpop-nonce") ?? fail(`no DPoP-Nonce (status ${answer.status})`);
}

async function post(path, body, proof) {
  return fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", origin, dpop: proof },
    body: JSON.stringify(body),
  });
}

async function session() {
  const keys = await subtle.generateKey(ECDSA, true, ["sign", "verify"]);
  const sign = signer(keys.privateKey, await subtle.exportKey("jwk", keys.publicKey));
  const email = `bench-${Buffer.from(crypto.getRandomValues(new Uint8Array(6))).toString("hex")}@example.test`;
  const password = b64url(crypto.getRandomValues(new Uint8Array(24)));

  const signup = await post("/api/auth/signup", { email, password }, await sign("POST", "/api/auth/signup", await nonce()));
  if (signup.status !== 202) fail(`signup answered ${signup.status}, not 202 (verification required)`);

  // The mail is written by the sign-up request, but poll briefly in case it lags.
  let link;
  for (let i = 0; i < 50 && !link; i++) {
    const mail = await fetch(`${base}/dev/outbox/latest.json?to=${encodeURIComponent(email)}`);
    if (mail.ok) link = /#token=([\w.~-]+)/.exec((await mail.json()).text)?.[1];
    else await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (!link) fail("no verification link in the development outbox");

  const verify = await post("/api/auth/verify-email", { token: link }, await sign("POST", "/api/auth/verify-email", await nonce()));
  if (verify.status !== 200) fail(`verify-email answered ${verify.status}, not 200`);
  const body = await verify.json();
  if (body.token_type !== "DPoP") fail(`the session is ${body.token_type}, not DPoP-bound`);
  const token = body.access_token;

  // The run measures the protected GET only if it answers the key's holder, and only them.
  const me = (proof, scheme = "DPoP") =>
    fetch(`${base}/api/me`, { headers: { authorization: `${scheme} ${token}`, ...(proof && { dpop: proof }) } });
  const proof = await sign("GET", "/api/me", await nonce(), token);
  const ok = await me(proof);
  if (ok.status !== 200 || (await ok.json()).email !== email) fail(`GET /api/me with a proof answered ${ok.status}`);
  if ((await me(proof)).status !== 401) fail("a replayed proof was not refused");
  if ((await me(undefined)).status !== 401) fail("a bound token without a proof was not refused");
  if ((await me(undefined, "Bearer")).status !== 401) fail("a bound token as Bearer was not refused");

  await writeFile(`${dir}/key.jwk`, JSON.stringify(await subtle.exportKey("jwk", keys.privateKey)));
  await writeFile(`${dir}/token`, token);
  await writeFile(`${dir}/expires_at`, String(Date.now() + body.expires_in * 1000));
  console.log(`DPoP-bound session; its access token lasts ${body.expires_in} s`);
}

async function proofs(count, threads, prefix, seconds) {
  const token = await readFile(`${dir}/token`, "utf8");
  // Proofs bind to this token (`ath`): it must outlive the run, or every request would be 401.
  const left = (Number(await readFile(`${dir}/expires_at`, "utf8")) - Date.now()) / 1000;
  if (left < seconds + 30) fail(`the access token has ${left.toFixed(0)} s left, the run needs ${seconds}`);
  const jwk = JSON.parse(await readFile(`${dir}/key.jwk`, "utf8"));
  const privateKey = await subtle.importKey("jwk", jwk, ECDSA, false, ["sign"]);
  const sign = signer(privateKey, jwk); // the header takes only the public members
  // A nonce is good for its five-minute bucket and the next: for the whole run.
  const current = await nonce();
  const files = Array.from({ length: threads }, (_, i) => createWriteStream(`${prefix}.${i}`));
  // In batches: WebCrypto signs off the main thread, on libuv's pool, so both cores sign.
  for (let done = 0; done < count; ) {
    const batch = Math.min(2000, count - done);
    const signed = await Promise.all(Array.from({ length: batch }, () => sign("GET", "/api/me", current, token)));
    for (const [i, proof] of signed.entries()) {
      const file = files[(done + i) % threads];
      if (!file.write(`${proof}\n`)) await once(file, "drain");
    }
    done += batch;
  }
  await Promise.all(files.map((file) => new Promise((resolve) => file.end(resolve))));
}

if (command === "session") await session();
else if (command === "proofs") await proofs(...rest.map(Number).slice(0, 2), rest[2], Number(rest[3]));
else fail("usage: dpop.mjs session|proofs BASE ORIGIN DIR …");
