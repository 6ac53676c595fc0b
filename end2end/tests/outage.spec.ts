import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test, expect, newEmail, onPath, OwnServer, PASSWORD, signUpThroughTheForm } from './fixtures';

const pgCluster = (command: string, dir: string) =>
  execFileSync(resolve(__dirname, '..', '..', 'scripts', 'pg-cluster'), [command, dir], { encoding: 'utf8' }).trim();

/** Flags, in sessionStorage, any moment the page shows a way to sign in: it must never. */
function watchForSignedOutUi() {
  const flag = () => {
    if (document.querySelector('a[href="/login"], a[href="/signup"], form input[type=password]')) {
      sessionStorage.setItem('saw-signed-out-ui', 'yes');
    }
  };
  new MutationObserver(flag).observe(document, { childList: true, subtree: true });
  document.addEventListener('DOMContentLoaded', flag);
}

test('PostgreSQL stopped for 30 seconds: 503s and "Reconnecting…", never the sign-in form, then signed in again', { tag: '@own-server' }, async ({ page }) => {
  test.setTimeout(180_000);
  // Not mkdtemp: its 0700 parent would keep out the postgres user the cluster runs as.
  const dir = join(tmpdir(), `latch-outage-${process.pid}-${Date.now()}`);
  const url = pgCluster('start', dir);
  // Short access tokens, so the client must refresh (and meet the database) during the outage.
  // Binding `allow`, so the keyless sign-in below reaches the database (the page still binds).
  const server = new OwnServer(3141, { DATABASE_URL: url, LATCH_ACCESS_TOKEN_TTL: '4', LATCH_DEVICE_BINDING: 'allow' });
  await server.start();
  try {
    const email = newEmail();
    await signUpThroughTheForm(page, email, server.origin);
    await page.addInitScript(watchForSignedOutUi);
    await page.evaluate(watchForSignedOutUi);

    pgCluster('pause', dir);
    const down = Date.now();
    const ready = await page.request.get(`${server.origin}/readyz`);
    expect(ready.status()).toBe(503);
    const login = await page.request.post(`${server.origin}/api/auth/login`, { data: { email, password: PASSWORD } });
    expect(login.status()).toBe(503);
    expect((await login.json()).error).toBe('unavailable');

    await expect(page.getByTestId('reconnecting')).toBeVisible({ timeout: 15_000 });
    await expect(page.getByTestId('signed-in-as')).toHaveText(email);
    // A reload in the middle of the outage: still no sign-in form, still reconnecting.
    await page.reload();
    await expect(page.getByTestId('reconnecting')).toBeVisible({ timeout: 15_000 });
    await onPath(page, '/account');

    await page.waitForTimeout(Math.max(0, 30_000 - (Date.now() - down)));
    pgCluster('resume', dir);
    await expect(page.getByTestId('reconnecting')).toBeHidden({ timeout: 45_000 });
    await expect(page.getByTestId('signed-in-as')).toHaveText(email);
    await expect(page.getByTestId('account-email')).toHaveText(email);
    expect(await page.evaluate(() => sessionStorage.getItem('saw-signed-out-ui'))).toBeNull();
  } finally {
    await server.stop();
    pgCluster('stop', dir);
  }
});
