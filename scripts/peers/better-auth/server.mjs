// Better Auth peer for scripts/bench-peers: the smallest server that does what Latch's
// protected GET does with Better Auth's own recommended pieces, so the figures compare.
//
//   PORT, PEER_DB (SQLite file), BETTER_AUTH_SECRET: set by scripts/bench-peers.
//
// One Node process: Node runs JavaScript on one thread, and Better Auth's docs say nothing
// about clustering, so this is how it is deployed by default (the machine has 2 cores, and
// wrk takes its share of them, as Latch's load driver does).
import http from "node:http";
import Database from "better-sqlite3";
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { toNodeHandler } from "better-auth/node";
import { jwt } from "better-auth/plugins";
import { createLocalJWKSet, jwtVerify, errors } from "jose";

const port = Number(process.env.PORT ?? 3000);
const baseURL = `http://127.0.0.1:${port}`;

const auth = betterAuth({
  baseURL,
  secret: process.env.BETTER_AUTH_SECRET,
  database: new Database(process.env.PEER_DB ?? "peer.db"),
  emailAndPassword: { enabled: true },
  plugins: [jwt()], // defaults: EdDSA (Ed25519) keys in the database, 15-minute tokens
  // The limiter is on by default in production (100 requests per 10 s per IP) and wrk is
  // one IP: left on, the /api/auth/ok floor would measure 429s. The protected GET below
  // does not pass through it either way.
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
});

// Tables for email+password and the JWT plugin (what `npx @better-auth/cli migrate` does).
await (await getMigrations(auth.options)).runMigrations();

// The docs' recommended check ("Verifying the token"): jose against the JWKS, which "can be
// cached indefinitely", fetched again only when a token names a key ID not in it. Here the
// JWKS comes from the same process (this call mints the first key), kept in memory.
let jwks = createLocalJWKSet(await auth.api.getJwks());
async function verify(token) {
  const opts = { issuer: baseURL, audience: baseURL }; // the plugin's defaults: BASE_URL
  try {
    return (await jwtVerify(token, jwks, opts)).payload;
  } catch (e) {
    if (!(e instanceof errors.JWKSNoMatchingKey)) throw e;
    jwks = createLocalJWKSet(await auth.api.getJwks());
    return (await jwtVerify(token, jwks, opts)).payload;
  }
}

const authHandler = toNodeHandler(auth);
const json = (res, status, body) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
};

http
  .createServer(async (req, res) => {
    if (req.url.startsWith("/api/auth/")) return authHandler(req, res);
    if (req.method === "GET" && req.url === "/healthz") return json(res, 200, { ok: true });
    if (req.method === "GET" && req.url === "/api/me") {
      const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
      if (!m) return json(res, 401, { error: "unauthorized" });
      try {
        const payload = await verify(m[1]);
        return json(res, 200, { id: payload.sub }); // sub is the user id by default
      } catch {
        return json(res, 401, { error: "unauthorized" });
      }
    }
    json(res, 404, { error: "not found" });
  })
  .listen(port, "127.0.0.1", () => console.log(`better-auth peer on ${baseURL}`));
