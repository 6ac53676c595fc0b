import { readFileSync } from 'node:fs';
import { test, expect, hydrated, newEmail, onPath, signUpThroughTheForm } from './fixtures';

test("the account's data downloads as JSON, and deleting it signs out and frees the address", async ({ page }) => {
  const email = newEmail();
  await signUpThroughTheForm(page, email);
  await page.goto('/account/data');
  await hydrated(page);

  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download my data' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('latch-account.json');
  const exported = JSON.parse(readFileSync((await download.path())!, 'utf8'));
  expect(exported.account.email).toBe(email);
  expect(exported.sessions).toHaveLength(1);
  expect(exported.sessions[0].current).toBe(true);
  expect(exported.security_events.map((event: { kind: string }) => event.kind)).toContain('signed_up');

  // Deleting takes a second, deliberate step: the address typed again.
  await page.getByRole('button', { name: 'Delete my account…' }).click();
  await page.getByLabel('Your email address').fill('someone-else@example.com');
  await page.getByRole('button', { name: 'Delete my account forever' }).click();
  await expect(page.locator('#confirm_email-error')).toContainText('Type your account');
  await page.getByLabel('Your email address').fill(email);
  await page.getByRole('button', { name: 'Delete my account forever' }).click();
  await onPath(page, '/login');
  await expect(page.getByTestId('account-deleted')).toBeVisible();

  // Signed out for good, here and on reload; the address can sign up again.
  await page.goto('/account');
  await onPath(page, '/login');
  await signUpThroughTheForm(page, email);
  await expect(page.getByTestId('account-email')).toHaveText(email);
});
