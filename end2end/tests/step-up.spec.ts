import { test, expect, hydrated, newEmail, signUpThroughTheForm, PASSWORD, OwnServer } from './fixtures';
import { expectNoViolations } from './axe';

// A sign-in counts as recent for 3 s on this server (five minutes by default), so the test
// can outlive it without waiting minutes.
const RECENT_SECS = '3';
const NEW_PASSWORD = 'violet umbrella quietly folding maps';

test('a change long after signing in asks for the password in place and keeps what was typed', { tag: '@own-server' }, async ({ page }) => {
  const server = new OwnServer(3161, { LATCH_RECENT_AUTH: RECENT_SECS });
  await server.start();
  try {
    const email = newEmail();
    await signUpThroughTheForm(page, email, server.origin);
    await page.goto(`${server.origin}/account/password`);
    await hydrated(page);
    await page.waitForTimeout(3_500);

    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    const dialog = page.getByRole('dialog', { name: 'Confirm it is you' });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByLabel('Password', { exact: true })).toBeFocused();
    // Behind the dialog, what was typed is still there.
    await expect(page.getByLabel('New password')).toHaveValue(NEW_PASSWORD);

    // A wrong password is said in the dialog; the form is not sent.
    await dialog.getByLabel('Password', { exact: true }).fill('not my password at all');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await expect(dialog.getByRole('alert')).toContainText('not correct');
    await expect(dialog).toBeVisible();

    // The right one closes it and the change goes through, from the keyboard alone.
    await dialog.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.keyboard.press('Enter');
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('status').filter({ hasText: 'Password changed' })).toBeVisible();
  } finally {
    await server.stop();
  }
});

test('cancelling the dialog changes nothing and says so nowhere else', { tag: '@own-server' }, async ({ page }) => {
  const server = new OwnServer(3162, { LATCH_RECENT_AUTH: RECENT_SECS });
  await server.start();
  try {
    await signUpThroughTheForm(page, newEmail(), server.origin);
    await page.goto(`${server.origin}/account/email`);
    await hydrated(page);
    await page.waitForTimeout(3_500);
    await page.getByLabel('New email address').fill(newEmail());
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Send confirmation link' }).click();
    const dialog = page.getByRole('dialog', { name: 'Confirm it is you' });
    await expect(dialog).toBeVisible();
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      await expectNoViolations(page, `the "Confirm it is you" dialog (${colorScheme})`);
    }
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId('email-change-sent')).toHaveCount(0);
    await expect(page.getByLabel('Current password')).toHaveValue(PASSWORD);
  } finally {
    await server.stop();
  }
});
