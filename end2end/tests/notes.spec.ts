// The worked example built on Latch's client and server APIs (app/src/notes, server/src/notes).
import { test, expect, hydrated, newEmail, onPath, signInThroughTheForm, signUpThroughTheForm } from './fixtures';

test('notes are added, survive a reload through the silent refresh, and are deleted; nobody else sees them', async ({
  page,
  browser,
}) => {
  await signUpThroughTheForm(page, newEmail());
  await page.getByRole('link', { name: 'Your notes' }).click();
  await onPath(page, '/notes');
  await hydrated(page);
  await expect(page.getByTestId('no-notes')).toBeVisible();

  await page.getByRole('button', { name: 'Add note' }).click();
  await expect(page.locator('#text-error')).toHaveText('Write something first.');
  for (const text of ['buy milk', 'call the bank']) {
    await page.getByLabel('New note').fill(text);
    await page.getByRole('button', { name: 'Add note' }).click();
    await expect(page.getByLabel('New note')).toHaveValue('');
  }
  const listed = page.locator('.note-text');
  await expect(listed).toHaveText(['call the bank', 'buy milk']);

  // A reload starts with no token in memory: the list comes back through the refresh cookie.
  await page.reload();
  await hydrated(page);
  await expect(listed).toHaveText(['call the bank', 'buy milk']);
  await page.getByRole('button', { name: 'Delete “buy milk”' }).click();
  await expect(listed).toHaveText(['call the bank']);
  // Deleting them all is asked about first.
  await page.getByRole('button', { name: 'Delete every note…' }).click();
  await page.getByRole('button', { name: 'Keep them' }).click();
  await expect(listed).toHaveText(['call the bank']);
  await page.getByRole('button', { name: 'Delete every note…' }).click();
  await page.getByRole('button', { name: 'Yes, delete them all' }).click();
  await expect(page.getByTestId('no-notes')).toBeVisible();

  const other = await browser.newContext();
  const stranger = await other.newPage();
  await signUpThroughTheForm(stranger, newEmail());
  await stranger.goto('/notes');
  await hydrated(stranger);
  await expect(stranger.getByTestId('no-notes')).toBeVisible();
  await other.close();
});

test('signed out, the notes page sends to sign in, and back to the notes afterwards', async ({ page, browser }) => {
  const email = newEmail();
  const first = await browser.newContext();
  await signUpThroughTheForm(await first.newPage(), email);
  await first.close();

  await page.goto('/notes');
  await onPath(page, '/login');
  expect(new URL(page.url()).searchParams.get('next')).toBe('/notes');
  await signInThroughTheForm(page, email);
  await onPath(page, '/notes');
  await expect(page.getByRole('heading', { name: 'Your notes' })).toBeVisible();
});
