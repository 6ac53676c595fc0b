import { test, expect, newEmail, signUpThroughTheForm } from './fixtures';

// A figure the test command prints: what device binding costs the browser per API call, i.e.
// making the DPoP proof (the claims, the token's SHA-256 for `ath` (worked out once per
// token), base64url, the WebCrypto ECDSA P-256 signature), as the client itself times it:
// from asking for a proof to holding it, the waits for WebCrypto included. Each proof leaves
// a User Timing entry named for its request, never the token. Reported, not asserted (the
// machine's speed is not the product's behaviour); what is asserted is that the figure covers
// every API call the page made and that each of them carried a proof, so the spec fails
// rather than print a figure of nothing.

const PROOF_TIMING = 'latch:dpop-proof';
const CALLS = 50;

/** An API call made with the access token (not a sign-in, refresh or sign-out). */
const isApiCall = (path: string) => path.startsWith('/api/') && !path.startsWith('/api/auth/');

test('DPoP proof per API call: the median of 50 calls is printed', async ({ page }) => {
  test.setTimeout(60_000);
  // Every API call of the page from its first request on (one document throughout: the
  // sign-up form moves to the account page without a reload).
  const calls: Promise<boolean>[] = [];
  page.on('request', (request) => {
    if (isApiCall(new URL(request.url()).pathname)) {
      calls.push(request.headerValue('dpop').then((proof) => proof !== null));
    }
  });
  await signUpThroughTheForm(page, newEmail());

  // `latch:dpop-proof GET /api/me`: the proof's duration, and the request it was made for.
  const timed = () =>
    page.evaluate(
      (prefix) =>
        performance
          .getEntriesByType('measure')
          .filter((entry) => entry.name.startsWith(prefix))
          .map((entry) => ({ path: entry.name.split(' ')[2], ms: entry.duration })),
      `${PROOF_TIMING} `,
    );
  // Moving between two account pages: each visit reads its data and the security events.
  const nav = page.getByRole('navigation', { name: 'Account pages' });
  for (let round = 0; round < 40 && (await timed()).filter((t) => isApiCall(t.path)).length < CALLS; round++) {
    for (const [link, path] of [
      ['Sessions', '/api/sessions'],
      ['Account', '/api/me'],
    ]) {
      await Promise.all([
        page.waitForResponse((r) => new URL(r.url()).pathname === path),
        nav.getByRole('link', { name: link, exact: true }).click(),
      ]);
    }
  }
  // One timing per API call sent (the last requests' events may still be on their way here).
  await expect
    .poll(async () => (await timed()).filter((t) => isApiCall(t.path)).length - calls.length)
    .toBe(0);
  const proofs = (await timed()).filter((t) => isApiCall(t.path));
  expect(proofs.length, 'API calls timed').toBeGreaterThanOrEqual(CALLS);
  expect((await Promise.all(calls)).every(Boolean), 'every API call carried a DPoP proof').toBe(true);

  const times = proofs
    .slice(0, CALLS)
    .map((t) => t.ms)
    .sort((a, b) => a - b);
  const median = (times[CALLS / 2 - 1] + times[CALLS / 2]) / 2;
  console.log(
    `[figure] DPoP proof per API call (WebCrypto ES256, claims to signed JWT): median ${median.toFixed(2)} ms ` +
      `(fastest ${times[0].toFixed(2)}, slowest ${times[CALLS - 1].toFixed(2)}; ${CALLS} calls)`,
  );
});
