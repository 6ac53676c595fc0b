import {
  test, expect, hydrated, newEmail, signUpThroughTheForm, signInThroughTheForm, refreshCookie, OwnServer, onPath,
  PASSWORD,
} from './fixtures';

test('sign-up lands on the account page', async ({ page }) => {
  const email = newEmail();
  await signUpThroughTheForm(page, email);
  await expect(page.getByTestId('signed-in-as')).toHaveText(email);
});

test('sign-up explains a weak password next to the field', async ({ page }) => {
  await page.goto('/signup');
  await hydrated(page);
  await page.getByLabel('Email').fill(newEmail());
  await page.getByLabel('Password').fill('password123');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.locator('#password-error')).toContainText('weak');
  await expect(page.getByLabel('Password')).toHaveAttribute('aria-invalid', 'true');
  await expect(page).toHaveURL(/\/signup$/);
});

test('the refresh cookie is HttpOnly, Secure, SameSite=Strict and scoped to /api/auth', async ({ page, context }) => {
  await signUpThroughTheForm(page, newEmail());
  const cookie = await refreshCookie(context);
  expect(cookie).toBeDefined();
  expect(cookie!.httpOnly).toBe(true);
  expect(cookie!.secure).toBe(true);
  expect(cookie!.sameSite).toBe('Strict');
  expect(cookie!.path).toBe('/api/auth');
  expect(cookie!.expires).toBeGreaterThan(Date.now() / 1000 + 6 * 24 * 3600);
  expect(await page.evaluate(() => document.cookie)).toBe('');
});

test('the access token is in no storage, cookie, DOM or window property', async ({ page, context }) => {
  const tokens: string[] = [];
  page.on('response', async (response) => {
    if (/\/api\/auth\/(signup|login|refresh)$/.test(response.url()) && response.ok()) {
      tokens.push((await response.json()).access_token);
    }
  });
  const email = newEmail();
  await signUpThroughTheForm(page, email);
  await page.reload();
  await expect(page.getByTestId('account-email')).toHaveText(email);
  await expect.poll(() => tokens.length).toBeGreaterThanOrEqual(2);
  const refresh = (await refreshCookie(context))!.value;

  const found = await page.evaluate(async (secrets: string[]) => {
    const places: string[] = [];
    const check = (where: string, text: string | null | undefined) => {
      if (text && secrets.some((s) => text.includes(s))) places.push(where);
    };
    for (const storage of [localStorage, sessionStorage]) {
      for (let i = 0; i < storage.length; i++) {
        const key = storage.key(i)!;
        check(`storage ${key}`, key + storage.getItem(key));
      }
    }
    // IndexedDB holds the device key (a CryptoKey, which serialises to nothing) and no token.
    for (const { name } of await indexedDB.databases()) {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const opened = indexedDB.open(name!);
        opened.onsuccess = () => resolve(opened.result);
        opened.onerror = () => reject(opened.error);
      });
      for (const store of Array.from(db.objectStoreNames)) {
        const values = await new Promise<unknown[]>((resolve, reject) => {
          const all = db.transaction(store).objectStore(store).getAll();
          all.onsuccess = () => resolve(all.result);
          all.onerror = () => reject(all.error);
        });
        check(`indexedDB ${name}/${store}`, JSON.stringify(values));
      }
      db.close();
    }
    check('document.cookie', document.cookie);
    check('DOM', document.documentElement.outerHTML);
    check('URL', location.href);
    for (const name of Object.getOwnPropertyNames(window)) {
      try {
        const value = (window as any)[name];
        if (typeof value === 'string') check(`window.${name}`, value);
        else if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
          check(`window.${name}`, JSON.stringify(value));
        }
      } catch {
        // cross-origin or throwing getters hold nothing of ours
      }
    }
    return places;
  }, [...tokens, refresh]);
  expect(found).toEqual([]);
});

test('reload keeps me signed in, and the sign-in form never appears meanwhile', async ({ page }) => {
  const email = newEmail();
  await signUpThroughTheForm(page, email);
  // Watch every DOM change from the first byte of each load for anything signed-out.
  await page.addInitScript(() => {
    const flag = () => {
      if (document.querySelector('a[href="/login"], a[href="/signup"], form input[type=password]')) {
        sessionStorage.setItem('saw-signed-out-ui', 'yes');
      }
    };
    new MutationObserver(flag).observe(document, { childList: true, subtree: true });
    document.addEventListener('DOMContentLoaded', flag);
  });
  for (let i = 0; i < 3; i++) {
    await page.reload();
    await expect(page.getByTestId('account-email')).toHaveText(email);
    await expect(page.getByTestId('signed-in-as')).toHaveText(email);
  }
  expect(await page.evaluate(() => sessionStorage.getItem('saw-signed-out-ui'))).toBeNull();
});

test('the server renders a neutral checking state, not a sign-in form', async ({ request }) => {
  const html = await (await request.get('/account')).text();
  expect(html).toContain('Checking session');
  expect(html).not.toContain('type="password"');
});

test('a new tab is signed in', async ({ page, context }) => {
  const email = newEmail();
  await signUpThroughTheForm(page, email);
  const tab = await context.newPage();
  await tab.goto('/account');
  await expect(tab.getByTestId('account-email')).toHaveText(email);
});

test('a protected page sends a signed-out visitor to sign in, and back afterwards', async ({ browser, page, baseURL }) => {
  const email = newEmail();
  const elsewhere = await browser.newContext({ baseURL });
  await signUpThroughTheForm(await elsewhere.newPage(), email);
  await elsewhere.close();

  await page.goto('/account');
  await expect(page).toHaveURL(/\/login\?next=(%2F|\/)account$/);
  await signInThroughTheForm(page, email);
  await onPath(page, '/account');
  await expect(page.getByTestId('account-email')).toHaveText(email);
});

test('a wrong password gets a clear message and no session', async ({ page, context }) => {
  await page.goto('/login');
  await signInThroughTheForm(page, newEmail(), 'not the password at all');
  await expect(page.getByRole('alert')).toContainText('email or password is not correct');
  expect(await refreshCookie(context)).toBeUndefined();
});

test('sign-out revokes the session: the old refresh cookie is refused afterwards', async ({ page, context, request, baseURL }) => {
  await signUpThroughTheForm(page, newEmail());
  const old = (await refreshCookie(context))!.value;

  await page.getByRole('button', { name: 'Sign out' }).click();
  await onPath(page, '/');
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
  expect(await refreshCookie(context)).toBeUndefined();

  const replay = await request.post('/api/auth/refresh', {
    headers: { cookie: `latch_refresh=${old}`, origin: baseURL! },
  });
  expect(replay.status()).toBe(401);
  expect((await replay.json()).error).toBe('session_revoked');
});

test('an expired access token is refreshed once, even when two calls meet it together', { tag: '@own-server' }, async ({ page }) => {
  // Tokens live 4 s (plus the server's 5 s leeway). The page's clock is frozen, so the
  // client neither refreshes proactively nor sees the token age: it must meet the 401.
  const server = new OwnServer(3121, { LATCH_ACCESS_TOKEN_TTL: '4' });
  await server.start();
  try {
    const calls: string[] = [];
    let refreshed!: () => void;
    const aRefreshAnswered = new Promise<void>((resolve) => { refreshed = resolve; });
    page.on('response', (r) => {
      const path = new URL(r.url()).pathname;
      if (path === '/api/me' || path === '/api/auth/refresh') calls.push(`${r.request().method()} ${path} ${r.status()}`);
      if (path === '/api/auth/refresh' && r.status() === 200) refreshed();
    });
    await page.clock.install();
    await page.goto(`${server.origin}/signup`);
    await hydrated(page);
    await page.clock.pauseAt(await page.evaluate(() => Date.now() + 1000));
    const email = newEmail();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.getByTestId('account-email')).toHaveText(email);

    // Expired by the server's reckoning: 4 s of life, 5 s of leeway, whole-second rounding.
    await page.waitForTimeout(11_000);
    calls.length = 0;
    // The account page makes more than one call with the token. Hold /api/me's refusal until
    // another call's refresh has answered (or 3 s have passed, if no other call refreshes):
    // the late refusal must not start a second rotation of the same session.
    await page.route('**/api/me', async (route) => {
      const response = await route.fetch();
      if (response.status() === 401) await Promise.race([aRefreshAnswered, new Promise((r) => setTimeout(r, 3000))]);
      await route.fulfill({ response });
    });
    await page.getByRole('link', { name: 'Latch' }).click();
    await page.getByTestId('signed-in-as').click();
    await expect(page.getByTestId('account-email')).toHaveText(email);
    // The email is the session's; the account's own details come from /api/me.
    await expect(page.getByTestId('member-since')).toBeVisible();
    expect(calls.filter((call) => call.startsWith('POST'))).toEqual(['POST /api/auth/refresh 200']);
    expect(calls.filter((call) => call.startsWith('GET'))).toEqual(['GET /api/me 401', 'GET /api/me 200']);
  } finally {
    await server.stop();
  }
});

test('the server going down for a moment does not sign me out', { tag: '@own-server' }, async ({ page }) => {
  // Short tokens, so a proactive refresh falls inside the outage.
  const server = new OwnServer(3122, { LATCH_ACCESS_TOKEN_TTL: '4' });
  await server.start();
  try {
    const email = newEmail();
    await signUpThroughTheForm(page, email, server.origin);

    await server.stop();
    await expect(page.getByTestId('reconnecting')).toBeVisible({ timeout: 15_000 });
    await expect(page.getByTestId('signed-in-as')).toHaveText(email);
    await onPath(page, '/account');

    await server.start();
    await expect(page.getByTestId('reconnecting')).toBeHidden({ timeout: 20_000 });
    await expect(page.getByTestId('signed-in-as')).toHaveText(email);
    await page.getByRole('link', { name: 'Latch' }).click();
    await page.getByTestId('signed-in-as').click();
    await expect(page.getByTestId('account-email')).toHaveText(email);
  } finally {
    await server.stop();
  }
});

test('a refresh whose answer is lost four times in a row still keeps me signed in', async ({ page }) => {
  const email = newEmail();
  await signUpThroughTheForm(page, email);

  // The server receives each refresh and rotates; the first four successful answers never
  // reach the page, so its retries present the just-retired token. The session is bound to the
  // page's key, so the retries get the same successor however late they come.
  let lost = 0;
  await page.route('**/api/auth/refresh', async (route) => {
    const request = route.request();
    const headers = Object.fromEntries(
      Object.entries(await request.allHeaders()).filter(([name]) => !['host', 'connection', 'content-length'].includes(name)),
    );
    const answered = await fetch(request.url(), { method: 'POST', headers });
    if (answered.status === 200 && lost < 4) {
      lost += 1;
      return route.abort('connectionreset');
    }
    // Anything else (a nonce to retry with, the fifth answer) reaches the page as it was.
    await route.fulfill({ status: answered.status, headers: Object.fromEntries(answered.headers), body: await answered.text() });
  });
  await page.reload();

  await expect(page.getByTestId('signed-in-as')).toHaveText(email, { timeout: 20_000 });
  await expect(page.getByTestId('account-email')).toHaveText(email);
  expect(lost).toBe(4);
});
