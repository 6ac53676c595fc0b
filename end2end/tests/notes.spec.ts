// The worked example built on Latch's client and server APIs (app/src/notes, server/src/notes).
import { test, expect, hydrated, newEmail, onPath, signInThroughTheForm, signUpThroughTheForm } from './fixtures';
import { serviceOrigin } from '../recovery/origin';

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

test('the notes page calls a second service across origins, which verifies the token and this browser\'s key itself', async ({
  page,
}) => {
  const email = newEmail();
  await signUpThroughTheForm(page, email);
  await page.goto('/notes');
  await hydrated(page);
  const calls: { url: string; dpop: boolean; authorization: string }[] = [];
  page.on('request', (request) => {
    if (request.url().startsWith(serviceOrigin)) {
      const headers = request.headers();
      calls.push({ url: request.url(), dpop: 'dpop' in headers, authorization: (headers['authorization'] ?? '').split(' ')[0] });
    }
  });
  await page.getByRole('button', { name: 'Ask it who I am' }).click();
  await expect(page.getByTestId('elsewhere-answer')).toHaveText("It verified you, with this browser's key.");
  // After a reload, the token comes from the silent refresh; the service accepts the new one.
  await page.reload();
  await hydrated(page);
  await page.getByRole('button', { name: 'Ask it who I am' }).click();
  await expect(page.getByTestId('elsewhere-answer')).toHaveText("It verified you, with this browser's key.");
  const sent = calls.filter((call) => call.authorization !== '');
  expect(sent.length).toBe(2);
  for (const call of sent) expect(call).toEqual({ url: `${serviceOrigin}/v1/me`, dpop: true, authorization: 'DPoP' });
});
