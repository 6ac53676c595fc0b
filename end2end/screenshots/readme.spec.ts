import type { Page } from '@playwright/test';
import { test, expect, hydrated, newEmail, signInThroughTheForm, refreshCookie, onPath } from '../tests/fixtures';
import { hasLink, linkIn, nextMail, signUpForMail } from '../recovery/mail';

// Writes docs/screenshots/<page>-<theme>[-phone].png: sign-in, forgot password, check your email,
// account, sessions, security, the theft notice, your data and a reset link's page, light and dark, at a desktop width and a
// 360 px phone.

const OUT = '../docs/screenshots';
const SIZES = { desktop: { width: 1100, height: 760 }, phone: { width: 360, height: 740 } };

async function shoot(page: Page, name: string) {
  await hydrated(page);
  await expect(page.getByText(/Loading|Checking/)).toHaveCount(0);
  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme });
    for (const [size, viewport] of Object.entries(SIZES)) {
      await page.setViewportSize(viewport);
      const suffix = size === 'phone' ? '-phone' : '';
      await page.screenshot({ path: `${OUT}/${name}-${theme}${suffix}.png`, fullPage: true });
    }
  }
  await page.setViewportSize(SIZES.desktop);
}

test('screenshots of the pages people use', async ({ page, browser, baseURL, request }) => {
  test.setTimeout(120_000);
  const email = newEmail().replace(/^user-\d+-/, 'ada.');
  await page.goto('/login');
  await shoot(page, 'sign-in');
  await page.goto('/forgot-password');
  await shoot(page, 'forgot-password');
  // Signing up as in production: the address is confirmed from the mail.
  await signUpForMail(page, email);
  await shoot(page, 'check-your-email');
  await page.goto(linkIn(await nextMail(request, email, hasLink('/verify-email'), 'the link'), '/verify-email'));
  await onPath(page, '/account');
  const laptop = await (await browser.newContext({ baseURL, userAgent: FIREFOX })).newPage();
  await laptop.goto('/login');
  await signInThroughTheForm(laptop, email);
  await page.goto('/account');
  await shoot(page, 'account');
  await page.goto('/account/sessions');
  await shoot(page, 'sessions');

  // A stolen session, detected: the notice, then the security page.
  const old = (await refreshCookie(page.context()))!;
  for (let i = 0; i < 2; i++) {
    await page.reload();
    await expect(page.getByTestId('signed-in-as')).toBeVisible();
  }
  await page.context().addCookies([old]);
  await page.reload();
  await onPath(page, '/login');
  await expect(page.getByTestId('theft-notice')).toBeVisible();
  await shoot(page, 'theft-notice');
  await signInThroughTheForm(page, email);
  await onPath(page, '/account/security');
  await shoot(page, 'security');

  // The worked example built on Latch: a page of notes.
  await page.goto('/notes');
  await hydrated(page);
  for (const text of ['Ask Bo about the quarterly numbers', 'Buy milk, eggs and a very long loaf of bread for the weekend']) {
    await page.getByLabel('New note').fill(text);
    await page.getByRole('button', { name: 'Add note' }).click();
    await expect(page.locator('.note-text', { hasText: text })).toBeVisible();
  }
  await shoot(page, 'notes');

  // Your data, with the deletion step open.
  await page.goto('/account/data');
  await hydrated(page);
  await page.getByRole('button', { name: 'Delete my account…' }).click();
  await shoot(page, 'your-data');

  // A reset link's page: a new password, or a passkey in its place.
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await onPath(page, '/');
  await page.goto('/forgot-password');
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await page.goto(linkIn(await nextMail(request, email, hasLink('/reset-password'), 'the reset link'), '/reset-password'));
  await expect(page.getByRole('button', { name: 'Use a passkey instead' })).toBeVisible();
  await shoot(page, 'reset-password');
});

const FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0';
