// Device Bound Session Credentials in a real Chromium (software keys for the TPM): the browser
// registers the key Latch offers, renews the short cookie with it, and a copy of the cookie,
// even with a proof from the profile's own DPoP key, stops working at the end of its stretch,
// while the owner, coming back, is renewed and stays signed in.
import { request, type Page } from '@playwright/test';
import { test, expect, hydrated, newEmail, onPath, signUpThroughTheForm } from '../tests/fixtures';
import { cookieLifetime, origin } from './tls';

const BADGE = "Bound to this device's hardware";

/** What malware that copied the profile can make: a DPoP proof for a refresh, signed in the
 *  page with the key from IndexedDB (usable by script, never exportable), nonce included. */
async function proofFromTheProfile(page: Page): Promise<string> {
  return page.evaluate(async (htu) => {
    const stored: { jwk: string; privateKey: CryptoKey } = await new Promise((ok, fail) => {
      const opened = indexedDB.open('latch');
      opened.onerror = fail;
      opened.onsuccess = () => {
        const read = opened.result.transaction('device').objectStore('device').get('key');
        read.onerror = fail;
        read.onsuccess = () => ok(read.result);
      };
    });
    const nonce = (await fetch('/api/me')).headers.get('dpop-nonce');
    const b64 = (bytes: ArrayBuffer | Uint8Array) =>
      btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const part = (value: object) => b64(new TextEncoder().encode(JSON.stringify(value)));
    const input = `${part({ typ: 'dpop+jwt', alg: 'ES256', jwk: JSON.parse(stored.jwk) })}.${part({
      htm: 'POST', htu, iat: Math.floor(Date.now() / 1000), jti: crypto.randomUUID(), nonce,
    })}`;
    const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, stored.privateKey, new TextEncoder().encode(input));
    return `${input}.${b64(signature)}`;
  }, `${origin}/api/auth/refresh`);
}

async function refreshCookie(page: Page) {
  return (await page.context().cookies()).find((cookie) => cookie.name === 'latch_refresh');
}

test('Chromium binds the refresh cookie to its key; a copy dies with its stretch, the owner is renewed', async ({ page }) => {
  test.setTimeout(cookieLifetime * 1000 + 90_000);
  await signUpThroughTheForm(page, newEmail());
  await page.goto('/account/sessions');
  await hydrated(page);
  // The browser registers right after the sign-up's answer; the page may have been quicker.
  await expect(async () => {
    await page.reload();
    await expect(page.getByText(BADGE)).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 20_000 });
  const copied = (await refreshCookie(page))!;
  expect(copied.expires - Date.now() / 1000, 'the bound cookie lives one stretch').toBeLessThanOrEqual(cookieLifetime);
  const proof = await proofFromTheProfile(page);

  // The owner leaves (no page, so nothing renews); the stretch runs out.
  await page.goto('about:blank');
  await page.waitForTimeout((copied.expires - Date.now() / 1000 + 8) * 1000);
  const thief = await request.newContext({ ignoreHTTPSErrors: true });
  const stolen = await thief.post(`${origin}/api/auth/refresh`, {
    headers: { Cookie: `latch_refresh=${copied.value}`, DPoP: proof, Origin: origin },
  });
  expect(stolen.status(), 'the copy, with the profile key\'s proof, after its stretch').toBe(401);
  expect((await stolen.json()).error).toBe('invalid_refresh_token');
  await thief.dispose();

  // The owner comes back: Chrome renews with the device key first, and the session goes on.
  await page.goto('/account/sessions');
  await onPath(page, '/account/sessions');
  await hydrated(page);
  await expect(page.getByText(BADGE)).toBeVisible();
  await expect(page.locator('.session-item')).toHaveCount(1);
  const renewed = (await refreshCookie(page))!;
  expect(renewed.value).not.toBe(copied.value);
  expect(renewed.expires - Date.now() / 1000).toBeGreaterThan(cookieLifetime - 30);
});
