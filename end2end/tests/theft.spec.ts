import { test, expect, hydrated, newEmail, signUpThroughTheForm, signInThroughTheForm, onPath, PASSWORD } from './fixtures';

test('two tabs reloading at the same moment, 20 times, both stay signed in', async ({ page, context }) => {
  // Forty page loads: generous time on a busy 2-core machine (seen at 33 s there, 23 s idle).
  test.setTimeout(90_000);
  const email = newEmail();
  await signUpThroughTheForm(page, email);
  const other = await context.newPage();
  await other.goto('/account');
  await expect(other.getByTestId('account-email')).toHaveText(email);

  for (let round = 0; round < 20; round++) {
    await Promise.all([page.reload(), other.reload()]);
    await expect(page.getByTestId('account-email')).toHaveText(email);
    await expect(other.getByTestId('account-email')).toHaveText(email);
  }
});

test('signing out in one tab signs out the others', async ({ page, context }) => {
  const email = newEmail();
  await signUpThroughTheForm(page, email);
  const other = await context.newPage();
  await other.goto('/account');
  await expect(other.getByTestId('account-email')).toHaveText(email);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(other).toHaveURL(/\/login/, { timeout: 5_000 });
  await expect(other.getByRole('link', { name: 'Sign in' })).toBeVisible();
});

test('signing in in one tab signs in the others', async ({ page, context }) => {
  const email = newEmail();
  await signUpThroughTheForm(page, email);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();

  // A second tab, signed out, waiting on the sign-in page for the account page.
  const other = await context.newPage();
  await other.goto('/account');
  await onPath(other, '/login');
  await hydrated(other);
  // Proves below that the tab followed on its own, without a reload.
  await other.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

  await page.goto('/login');
  await signInThroughTheForm(page, email);
  await onPath(page, '/account');

  await onPath(other, '/account');
  await expect(other.getByTestId('account-email')).toHaveText(email);
  await expect(other.getByTestId('signed-in-as')).toHaveText(email);
  expect(await other.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
});

test('revoking a session on the sessions page signs that browser out', async ({ browser, page, baseURL }) => {
  const email = newEmail();
  await signUpThroughTheForm(page, email);

  const laptopContext = await browser.newContext({ baseURL });
  const laptop = await laptopContext.newPage();
  await laptop.goto('/login');
  await signInThroughTheForm(laptop, email);
  await expect(laptop.getByTestId('account-email')).toHaveText(email);

  await page.goto('/account/sessions');
  const others = page.locator('.session-item[data-current="false"]');
  await expect(others).toHaveCount(1);
  await expect(page.locator('.session-item[data-current="true"]')).toContainText('Chrome');
  await others.getByRole('button', { name: 'Sign out this device' }).click();
  // Asked first, with the keyboard's focus on the answer that acts.
  const yes = others.getByRole('button', { name: 'Yes, sign it out' });
  await expect(yes).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(others).toHaveCount(0);
  await expect(page.getByRole('status')).toHaveText('That device was signed out.');

  // The laptop's next request meets the revocation and it is signed out.
  await laptop.getByRole('link', { name: 'Sessions' }).click();
  await expect(laptop).toHaveURL(/\/login/);
  await laptopContext.close();
});

test('changing the password signs out the other browser', async ({ browser, page, baseURL }) => {
  const email = newEmail();
  await signUpThroughTheForm(page, email);
  const otherContext = await browser.newContext({ baseURL });
  const other = await otherContext.newPage();
  await other.goto('/login');
  await signInThroughTheForm(other, email);
  await expect(other.getByTestId('account-email')).toHaveText(email);

  await page.goto('/account/password');
  await hydrated(page);
  await page.getByLabel('Current password').fill(PASSWORD);
  await page.getByLabel('New password').fill('violet umbrella quietly folding maps');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Password changed' })).toBeVisible();

  await other.reload();
  await expect(other).toHaveURL(/\/login/);
  await expect(page.getByTestId('signed-in-as')).toHaveText(email);
  await otherContext.close();
});

test('a second refresh cookie planted for this site ends with a clear message and a way back in', async ({ page, context, baseURL }) => {
  const email = newEmail();
  await signUpThroughTheForm(page, email);
  await onPath(page, '/account');
  // What a sibling subdomain can do: another `latch_refresh` that the browser sends along.
  await context.addCookies([
    { name: 'latch_refresh', value: 'A'.repeat(43), domain: new URL(baseURL!).hostname, path: '/api', httpOnly: true, sameSite: 'Strict' },
  ]);
  await page.reload();
  await onPath(page, '/login');
  await expect(page.getByTestId('duplicated-cookie')).toContainText('two session cookies');
  await expect(page.getByTestId('reconnecting')).toHaveCount(0);

  // The way out the message gives: clear this site's cookies, sign in again.
  await context.clearCookies();
  await signInThroughTheForm(page, email);
  await onPath(page, '/account');
  await page.reload();
  await expect(page.getByTestId('signed-in-as')).toHaveText(email);
});
