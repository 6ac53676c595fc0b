import type { Page } from '@playwright/test';
import { expectNoViolations, settled } from './axe';
import { test, expect, hydrated, newEmail, signUpThroughTheForm, signInThroughTheForm, refreshCookie, onPath } from './fixtures';

// Every page, in both themes, against WCAG 2.2 A and AA as axe-core checks it; and at a 360 px
// phone width, nothing scrolls sideways.

// The landing pages of mailed links, opened without one, say where to get one.
const SIGNED_OUT = [
  '/', '/login', '/signup', '/forgot-password', '/no-such-page',
  '/verify-email', '/reset-password', '/confirm-email', '/undo-email',
];
const SIGNED_IN = ['/account', '/account/sessions', '/account/security', '/account/email', '/account/password', '/account/passkeys', '/account/data', '/notes'];

for (const colorScheme of ['light', 'dark'] as const) {
  test(`every page passes axe in the ${colorScheme} theme`, async ({ page, browser, baseURL }) => {
    test.setTimeout(60_000);
    await page.emulateMedia({ colorScheme });
    for (const path of SIGNED_OUT) {
      await page.goto(path);
      await settled(page);
      await expectNoViolations(page, `${path} (${colorScheme})`);
    }
    // A weak password's feedback, shown under its field.
    await page.goto('/signup');
    await hydrated(page);
    await page.getByLabel('Email').fill(newEmail());
    await page.getByLabel('Password').fill('password123');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.locator('#password-error')).toContainText('weak');
    await expectNoViolations(page, `/signup with a weak password (${colorScheme})`);
    // "Check your email" after asking for a reset link (any address gets it).
    await page.goto('/forgot-password');
    await hydrated(page);
    await page.getByLabel('Email').fill(newEmail());
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await expect(page.getByRole('heading', { name: 'Check your email' })).toBeFocused();
    await expectNoViolations(page, `/forgot-password, check your email (${colorScheme})`);

    const email = newEmail();
    await signUpThroughTheForm(page, email);
    // A second device, so the sessions page shows its revoke buttons.
    const laptop = await (await browser.newContext({ baseURL })).newPage();
    await laptop.goto('/login');
    await signInThroughTheForm(laptop, email);
    for (const path of SIGNED_IN) {
      await page.goto(path);
      await settled(page);
      await expectNoViolations(page, `${path} (${colorScheme})`);
    }
    await page.goto('/account/sessions');
    await page.getByRole('button', { name: 'Sign out this device' }).click();
    await expectNoViolations(page, `the revoke confirmation (${colorScheme})`);
    await laptop.context().close();
  });
}

/** Makes the server see a refresh token used twice: the theft notice after it, then the
 * highlighted event on the security page. The owner's own browser replays its older cookie,
 * which only the key's holder could do; to the server it is reuse all the same. */
async function detectReuse(page: Page) {
  const old = (await refreshCookie(page.context()))!;
  await page.reload();
  await expect(page.getByTestId('account-email')).toBeVisible();
  await page.reload();
  await expect(page.getByTestId('account-email')).toBeVisible();
  await page.context().addCookies([old]);
  await page.reload();
  await onPath(page, '/login');
}

test('after a stolen session is ended: a plain-words notice, then the security page with what to do', async ({ page }) => {
  const email = newEmail();
  await signUpThroughTheForm(page, email);
  await detectReuse(page);
  const notice = page.getByTestId('theft-notice');
  await expect(notice).toContainText('We signed you out to protect your account');
  await expect(notice).toHaveAttribute('role', 'alert');
  await expectNoViolations(page, 'the theft notice');

  await signInThroughTheForm(page, email);
  await onPath(page, '/account/security');
  const reuse = page.locator('[data-kind="refresh_token_reuse"]');
  await expect(reuse).toContainText('Suspicious');
  await expect(reuse.getByRole('button', { name: 'Sign out everywhere' })).toBeVisible();
  await expect(reuse.getByRole('link', { name: 'Change password' })).toHaveAttribute('href', '/account/password');
  await expectNoViolations(page, 'the security page after a theft');
});

test('at 360 px nothing scrolls sideways, even with a long email', async ({ page }) => {
  test.setTimeout(60_000);
  await page.setViewportSize({ width: 360, height: 740 });
  const email = `a-rather-long-name-${newEmail()}`;
  for (const path of SIGNED_OUT) {
    await page.goto(path);
    await settled(page);
    await expectNoSidewaysScroll(page, path);
  }
  await signUpThroughTheForm(page, email);
  for (const path of SIGNED_IN) {
    await page.goto(path);
    await settled(page);
    await expectNoSidewaysScroll(page, path);
  }
});

async function expectNoSidewaysScroll(page: Page, path: string) {
  const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  expect(widths[0], `${path} is ${widths[0]} px wide in a ${widths[1]} px window`).toBeLessThanOrEqual(widths[1]);
  // Nor does anything stick out of the page's column (an input wider than its form, say).
  const outside = await page.evaluate(() => {
    const column = document.querySelector('main')!.getBoundingClientRect();
    return [...document.querySelectorAll('main *')]
      .filter((el) => el.getBoundingClientRect().right > column.right + 0.5)
      .map((el) => `${el.tagName.toLowerCase()}#${el.id}.${el.className}`);
  });
  expect(outside, `${path}: wider than the page's column`).toEqual([]);
}

test('the account pages mark the one shown, and times read as people say them', async ({ page }) => {
  await signUpThroughTheForm(page, newEmail());
  await page.goto('/account/sessions');
  const nav = page.getByRole('navigation', { name: 'Account pages' });
  await expect(nav.getByRole('link', { name: 'Sessions' })).toHaveAttribute('aria-current', 'page');
  await expect(nav.getByRole('link', { name: 'Account', exact: true })).not.toHaveAttribute('aria-current');
  const time = page.locator('.session-item[data-current="true"] time').first();
  await expect(time).toHaveText(/just now|ago/);
  // The exact moment on hover, in the browser's locale and zone, not the server's ISO string.
  const title = await time.getAttribute('title');
  expect(title).toBeTruthy();
  expect(title).not.toMatch(/\d{4}-\d\d-\d\dT/);
  expect(await time.getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
});

test('a password can be shown and hidden; a weak one is explained under its field', async ({ page }) => {
  await page.goto('/signup');
  await hydrated(page);
  const password = page.getByLabel('Password');
  await password.fill('password123');
  await page.getByRole('button', { name: 'Show password' }).click();
  await expect(password).toHaveAttribute('type', 'text');
  await page.getByRole('button', { name: 'Hide password' }).click();
  await expect(password).toHaveAttribute('type', 'password');

  await page.getByLabel('Email').fill(newEmail());
  await page.getByRole('button', { name: 'Create account' }).click();
  const error = page.locator('#password-error');
  // zxcvbn's warning and its suggestion, both.
  await expect(error).toContainText('common password');
  await expect(error).toContainText('Add another word');
  await expect(password).toHaveAttribute('aria-describedby', /password-error/);
  await expect(password).toHaveAttribute('aria-invalid', 'true');
});

test('without JavaScript the forms are disabled and a notice says why', async ({ browser, baseURL }) => {
  const context = await browser.newContext({ baseURL, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/login');
  const notice = page.locator('p.noscript');
  await expect(notice).toBeVisible();
  await expect(notice).toContainText('Latch needs JavaScript to sign you in');
  await expect(page.getByLabel('Email')).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeDisabled();
  await context.close();
});
