import { test, expect, hydrated, newEmail, onPath, signUpThroughTheForm, PASSWORD, OwnServer } from './fixtures';
import { expectNoViolations } from './axe';
import { heldPasskeys, virtualAuthenticator } from './webauthn';

async function addPasskey(page: import('@playwright/test').Page, name?: string) {
  if (name) await page.getByLabel('Name (optional)').fill(name);
  await page.getByRole('button', { name: 'Add a passkey' }).click();
}

/** Signs out, then opens the sign-in page (where autofill may sign in again at once: then
 * pass `landing`, the page that follows). */
async function signOut(page: import('@playwright/test').Page, landing = '/login') {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await onPath(page, '/');
  await page.goto('/login');
  await onPath(page, landing);
  await hydrated(page);
}

test('a passkey added on the account page signs in by autofill and by the button', async ({ page }) => {
  const authenticator = await virtualAuthenticator(page);
  const email = newEmail();
  await signUpThroughTheForm(page, email);
  await page.goto('/account/passkeys');
  await hydrated(page);
  await expect(page.getByTestId('no-passkeys')).toBeVisible();

  await addPasskey(page, 'Test laptop');
  await expect(page.getByRole('status').filter({ hasText: 'Passkey “Test laptop” added' })).toBeVisible();
  await expect(page.locator('.passkey-item')).toHaveCount(1);
  await expect(page.locator('.passkey-item')).toContainText('not used yet');
  const held = await heldPasskeys(authenticator);
  expect(held).toHaveLength(1);
  expect(held[0].isResidentCredential).toBe(true);
  expect(Buffer.from(held[0].userHandle!, 'base64').toString('utf8')).not.toContain(email);

  // Autofill: the sign-in page asks for a passkey in the address field's autofill as it loads,
  // and this authenticator answers at once, as a user picking it would.
  const login = await page.request.get('/login');
  expect(await login.text()).toContain('autocomplete="username webauthn"');
  await signOut(page, '/account');
  await expect(page.getByTestId('account-email')).toHaveText(email);

  // The button, for browsers without autofill.
  await page.addInitScript(() => {
    PublicKeyCredential.isConditionalMediationAvailable = async () => false;
  });
  await signOut(page);
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await onPath(page, '/account');
  await page.goto('/account/passkeys');
  await expect(page.locator('.passkey-item')).toContainText('last used');
});

test('deleting a passkey long after signing in asks to confirm with the passkey itself', { tag: '@own-server' }, async ({ page }) => {
  // A sign-in counts as recent for 3 s on this server (five minutes by default).
  const server = new OwnServer(3163, { LATCH_RECENT_AUTH: '3' });
  await server.start();
  try {
    const authenticator = await virtualAuthenticator(page);
    await signUpThroughTheForm(page, newEmail(), server.origin);
    await page.goto(`${server.origin}/account/passkeys`);
    await hydrated(page);
    await page.waitForTimeout(3_500);

    // Adding asks first; the password confirms it, and the passkey is made.
    await addPasskey(page);
    const dialog = page.getByRole('dialog', { name: 'Confirm it is you' });
    await expect(dialog).toBeVisible();
    await dialog.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await expect(page.locator('.passkey-item')).toHaveCount(1);
    expect(await heldPasskeys(authenticator)).toHaveLength(1);

    await page.waitForTimeout(3_500);
    await page.getByRole('button', { name: 'Delete' }).click();
    await expect(dialog).toBeVisible();
    await dialog.getByRole('button', { name: 'Use a passkey' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('status').filter({ hasText: 'deleted' })).toBeVisible();
    await expect(page.getByTestId('no-passkeys')).toBeVisible();
  } finally {
    await server.stop();
  }
});

test('the passkeys page has no accessibility violations in either theme, and works from the keyboard', async ({ page }) => {
  await virtualAuthenticator(page);
  await signUpThroughTheForm(page, newEmail());
  await page.goto('/account/passkeys');
  await hydrated(page);
  await page.getByLabel('Name (optional)').focus();
  await page.keyboard.type('Keyboard key');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await expect(page.locator('.passkey-item')).toContainText('Keyboard key');
  await page.getByRole('button', { name: 'Rename' }).click();
  await page.getByLabel('New name').fill('Renamed key');
  await page.getByRole('button', { name: 'Save name' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Passkey renamed.' })).toBeVisible();
  await expect(page.locator('.passkey-item strong')).toHaveText('Renamed key');
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await expectNoViolations(page, `/account/passkeys with a passkey (${colorScheme})`);
  }
  // Without autofill, so that the sign-in page stays put for the checks.
  await page.addInitScript(() => {
    PublicKeyCredential.isConditionalMediationAvailable = async () => false;
  });
  await signOut(page);
  await expect(page.getByRole('button', { name: 'Sign in with a passkey' })).toBeVisible();
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await expectNoViolations(page, `/login with a passkey button (${colorScheme})`);
  }
});

test('the account page offers a passkey once, and never again in this browser', async ({ page }) => {
  const authenticator = await virtualAuthenticator(page);
  await signUpThroughTheForm(page, newEmail());
  const offer = page.getByTestId('passkey-offer');
  await expect(offer).toBeVisible();
  await offer.getByRole('button', { name: 'Add a passkey' }).click();
  await expect(offer.getByRole('status')).toContainText('added');
  expect(await heldPasskeys(authenticator)).toHaveLength(1);

  await page.reload();
  await expect(page.getByTestId('member-since')).toBeVisible();
  await page.waitForLoadState('networkidle');
  await expect(offer).toHaveCount(0);
});

test('declining the offer is remembered', async ({ page }) => {
  await virtualAuthenticator(page);
  await signUpThroughTheForm(page, newEmail());
  const offer = page.getByTestId('passkey-offer');
  await offer.getByRole('button', { name: 'Not now' }).click();
  await expect(offer).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('member-since')).toBeVisible();
  await page.waitForLoadState('networkidle');
  await expect(offer).toHaveCount(0);
});
