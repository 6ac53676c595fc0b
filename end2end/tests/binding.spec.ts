import { test, expect, newEmail, onPath, OwnServer, PASSWORD, refreshCookie, signUpThroughTheForm } from './fixtures';
import { expectNoViolations } from './axe';

/** The device key as the page stores it in IndexedDB. */
async function storedKey(page: import('@playwright/test').Page) {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const opened = indexedDB.open('latch');
      opened.onsuccess = () => resolve(opened.result);
      opened.onerror = () => reject(opened.error);
    });
    const stored = await new Promise<{ privateKey: CryptoKey } | undefined>((resolve, reject) => {
      const read = db.transaction('device').objectStore('device').get('key');
      read.onsuccess = () => resolve(read.result);
      read.onerror = () => reject(read.error);
    });
    db.close();
    if (!stored) return null;
    const exported = await crypto.subtle.exportKey('pkcs8', stored.privateKey).then(
      () => 'exported',
      (error: Error) => `refused: ${error.name}`,
    );
    return {
      extractable: stored.privateKey.extractable,
      algorithm: (stored.privateKey.algorithm as EcKeyAlgorithm).namedCurve,
      exported,
    };
  });
}

test('the device key is a P-256 key that cannot be exported', async ({ page }) => {
  await signUpThroughTheForm(page, newEmail());
  const key = await storedKey(page);
  expect(key).toEqual({ extractable: false, algorithm: 'P-256', exported: 'refused: InvalidAccessError' });
});

test('a reload refreshes with one request: the page hands out the first nonce', async ({ page }) => {
  const email = newEmail();
  await signUpThroughTheForm(page, email);
  const refreshes: number[] = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname === '/api/auth/refresh') refreshes.push(r.status());
  });
  await page.reload();
  await expect(page.getByTestId('account-email')).toHaveText(email);
  expect(refreshes).toEqual([200]);
});

test('a copied refresh cookie is refused elsewhere; the owner keeps working and is told', async ({ browser, page, context, baseURL }) => {
  const email = newEmail();
  await signUpThroughTheForm(page, email);
  const stolen = (await refreshCookie(context))!;

  const thiefContext = await browser.newContext({ baseURL });
  await thiefContext.addCookies([stolen]);
  // The thief's own tooling presents the cookie: refused, and nothing is rotated or ended.
  const attempt = await thiefContext.request.post('/api/auth/refresh', {
    headers: { Origin: baseURL!, 'User-Agent': 'ThiefBot/1.0' },
  });
  expect(attempt.status()).toBe(401);
  expect((await attempt.json()).error).toBe('invalid_dpop_proof');
  // And in a browser: no key there, so no session either.
  const thief = await thiefContext.newPage();
  await thief.goto('/account');
  await onPath(thief, '/login');
  await thiefContext.close();

  // The owner's tab goes on without a reload, and hears about the attempt.
  await page.getByRole('link', { name: 'Sessions' }).click();
  await expect(page.locator('.session-item[data-current="true"]')).toBeVisible();
  const notice = page.getByTestId('blocked-attempt');
  await expect(notice).toContainText('blocked');
  await expect(notice.getByRole('link', { name: 'Change password' })).toBeVisible();
  await page.getByRole('link', { name: 'Security activity', exact: true }).click();
  await expect(page.locator('[data-kind="refresh_without_device_key"]').first()).toContainText('Blocked');

  // Reloads keep the owner signed in; dismissing the notice keeps it dismissed.
  await notice.getByRole('button', { name: 'Dismiss' }).click();
  for (let round = 0; round < 3; round++) {
    await page.reload();
    await expect(page.locator('[data-kind="refresh_without_device_key"]').first()).toBeVisible();
  }
  await expect(page.getByTestId('signed-in-as')).toHaveText(email);
  await expect(notice).toHaveCount(0);
});

test('a thief retrying a copied cookie is one entry with its count, and the history stays', async ({ browser, page, context, baseURL }) => {
  await signUpThroughTheForm(page, newEmail());
  const stolen = (await refreshCookie(context))!;
  const thiefContext = await browser.newContext({ baseURL });
  await thiefContext.addCookies([stolen]);
  // Fewer than the server records per session and minute (10), so each attempt is counted.
  for (let attempt = 0; attempt < 5; attempt++) {
    const refused = await thiefContext.request.post('/api/auth/refresh', {
      headers: { Origin: baseURL!, 'User-Agent': 'ThiefBot/1.0' },
    });
    expect(refused.status()).toBe(401);
  }
  await thiefContext.close();

  await page.getByRole('link', { name: 'Security activity', exact: true }).click();
  const blocked = page.locator('[data-kind="refresh_without_device_key"]');
  await expect(blocked).toHaveCount(1);
  await expect(blocked).toHaveAttribute('data-count', '5');
  await expect(blocked.locator('.badge.count')).toContainText('× 5');
  await expect(blocked.locator('.meta').first()).toContainText('Latest');
  await expect(page.locator('[data-kind="signed_up"]')).toBeVisible();
  // One page holds it all: nothing older to ask for.
  await expect(page.getByRole('button', { name: 'Show older events' })).toHaveCount(0);
  await expectNoViolations(page, 'the security page with a counted entry');
});

test('clearing site storage but not cookies asks for a fresh sign-in, with no theft notice', async ({ page }) => {
  const email = newEmail();
  await signUpThroughTheForm(page, email);
  await page.evaluate(
    () => new Promise((resolve, reject) => {
      const deleted = indexedDB.deleteDatabase('latch');
      deleted.onsuccess = resolve;
      deleted.onerror = reject;
    }),
  );
  await page.reload();
  await onPath(page, '/login');
  await expect(page.getByRole('alert')).toHaveCount(0);
  await expect(page.getByTestId('blocked-attempt')).toHaveCount(0);
});

test('under LATCH_DEVICE_BINDING=allow, a keyless session is marked "not device-bound"', { tag: '@own-server' }, async ({ page }) => {
  const server = new OwnServer(3151, { LATCH_DEVICE_BINDING: 'allow' });
  await server.start();
  try {
    const email = newEmail();
    await signUpThroughTheForm(page, email, server.origin);
    // An API client without a key signs in too.
    const keyless = await fetch(`${server.origin}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'User-Agent': 'curl/8.5.0' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    expect((await keyless.json()).token_type).toBe('Bearer');

    await page.getByRole('link', { name: 'Sessions' }).click();
    await expect(page.locator('.session-item[data-current="true"]')).not.toContainText(/not device-bound/i);
    await expect(page.locator('.session-item[data-current="false"]')).toContainText(/not device-bound/i);
  } finally {
    await server.stop();
  }
});

test('under LATCH_DEVICE_BINDING=allow, a browser without IndexedDB keeps its unbound session across reloads', { tag: '@own-server' }, async ({ page }) => {
  const server = new OwnServer(3152, { LATCH_DEVICE_BINDING: 'allow' });
  await server.start();
  try {
    // WebCrypto works, but there is nowhere to keep a key (some private modes, some embedders).
    await page.addInitScript(() => {
      Object.defineProperty(window, 'indexedDB', { get: () => undefined, configurable: true });
    });
    const email = newEmail();
    await signUpThroughTheForm(page, email, server.origin);
    await expect(page.getByTestId('signed-in-as')).toHaveText(email);
    await page.reload();
    await expect(page.getByTestId('signed-in-as')).toHaveText(email);
    expect(new URL(page.url()).pathname).not.toBe('/login');
  } finally {
    await server.stop();
  }
});
