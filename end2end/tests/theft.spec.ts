import {
  test, expect, hydrated, newEmail, signUpThroughTheForm, signInThroughTheForm, refreshCookie, OwnServer, onPath,
  PASSWORD,
} from './fixtures';

test('a stolen refresh token revokes the session for thief and victim, and the victim is told', async ({ browser }) => {
  // A short grace window, so the thief's replay a moment later counts as reuse.
  const server = new OwnServer(3131, { LATCH_REFRESH_GRACE: '1' });
  await server.start();
  const victimContext = await browser.newContext({ baseURL: server.origin });
  const thiefContext = await browser.newContext({ baseURL: server.origin });
  try {
    const victim = await victimContext.newPage();
    const email = newEmail();
    await signUpThroughTheForm(victim, email);
    const stolen = (await refreshCookie(victimContext))!;
    await thiefContext.addCookies([stolen]);

    // The victim carries on: a reload rotates the refresh token.
    await victim.reload();
    await expect(victim.getByTestId('account-email')).toHaveText(email);
    expect((await refreshCookie(victimContext))!.value).not.toBe(stolen.value);
    await victim.waitForTimeout(1_500);

    // The thief replays the copy: not signed in, and the session is gone for everyone.
    const thief = await thiefContext.newPage();
    await thief.goto('/account');
    await expect(thief).toHaveURL(/\/login/);
    await expect(thief.getByTestId('account-email')).toHaveCount(0);

    await victim.reload();
    await expect(victim).toHaveURL(/\/login/);
    await expect(victim.getByRole('alert')).toContainText('used from somewhere else');

    // Signing in again, the victim sees what happened.
    await signInThroughTheForm(victim, email);
    await onPath(victim, '/account');
    await expect(victim.getByTestId('account-email')).toHaveText(email);
    await victim.goto('/account/security');
    await expect(victim.locator('[data-kind="refresh_token_reuse"]')).toContainText('possible theft');
  } finally {
    await victimContext.close();
    await thiefContext.close();
    await server.stop();
  }
});

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
  await expect(others).toHaveCount(0);

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
