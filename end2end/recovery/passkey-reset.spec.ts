import { test, expect, hydrated, newEmail, onPath } from '../tests/fixtures';
import { heldPasskeys, virtualAuthenticator } from '../tests/webauthn';
import { askForReset, confirmedAccount, hasLink, linkIn, nextMail } from './mail';

/** Sign-in without autofill, so that the sign-in page stays put until the button is pressed. */
async function noAutofill(page: import('@playwright/test').Page) {
  await page.addInitScript(() => {
    PublicKeyCredential.isConditionalMediationAvailable = async () => false;
  });
}

test('a passkey-only account recovers by mail with a new passkey, and the old one is forgotten', async ({
  page,
  request,
}) => {
  test.setTimeout(60_000);
  await noAutofill(page);
  // The browser's Signal API calls, recorded (Chromium's virtual authenticator ignores them).
  await page.addInitScript(() => {
    const calls: unknown[] = [];
    (window as unknown as { signals: unknown[] }).signals = calls;
    for (const name of ['signalUnknownCredential', 'signalAllAcceptedCredentials'] as const) {
      (PublicKeyCredential as unknown as Record<string, unknown>)[name] = async (options: unknown) => {
        calls.push({ name, options });
      };
    }
  });
  const authenticator = await virtualAuthenticator(page);
  const email = newEmail();
  await confirmedAccount(page, request, email);
  await page.goto('/account/passkeys');
  await hydrated(page);
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  await expect(page.locator('.passkey-item')).toHaveCount(1);
  const [old] = await heldPasskeys(authenticator);

  // Passkeys only: once the password is gone, the page no longer offers to remove it.
  await page.getByRole('button', { name: 'Remove my password' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your password was removed' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Remove my password' })).toHaveCount(0);
  await page.reload();
  await expect(page.locator('.passkey-item')).toHaveCount(1);
  await expect(page.getByRole('button', { name: 'Remove my password' })).toHaveCount(0);

  // The device is lost: the owner asks for a link and makes a new passkey from it.
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await onPath(page, '/');
  await page.goto('/forgot-password');
  await askForReset(page, email);
  const link = linkIn(await nextMail(request, email, hasLink('/reset-password'), 'the reset link'), '/reset-password');
  await page.goto(link);
  await hydrated(page);
  await page.getByRole('button', { name: 'Use a passkey instead' }).click();
  await expect(page.getByTestId('password-reset-done')).toContainText('Your new passkey is now the only way in');
  // Same account, same user handle: the authenticator replaced the old passkey with the new.
  const held = await heldPasskeys(authenticator);
  expect(held).toHaveLength(1);
  const [fresh] = held;
  expect(fresh.credentialId).not.toBe(old.credentialId);

  // Another device still holds the old passkey: it no longer signs in, and the browser is
  // told to forget it.
  await page.goto('/login');
  await hydrated(page);
  const swap = async (out: typeof old, into: typeof old) => {
    await authenticator.cdp.send('WebAuthn.removeCredential', { authenticatorId: authenticator.id, credentialId: out.credentialId });
    await authenticator.cdp.send('WebAuthn.addCredential', { authenticatorId: authenticator.id, credential: into });
  };
  await swap(fresh, old);
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(page.getByRole('alert')).toContainText('This passkey is not on any account here');
  const unknown = await page.evaluate(() => (window as unknown as { signals: { name: string; options: { credentialId: string; rpId: string } }[] }).signals);
  expect(unknown).toEqual([
    { name: 'signalUnknownCredential', options: { rpId: 'localhost', credentialId: toBase64Url(old.credentialId) } },
  ]);

  await swap(old, fresh);
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await onPath(page, '/account');
  await expect(page.getByTestId('account-email')).toHaveText(email);

  // The passkeys page tells the browser which passkeys still sign in: the new one alone.
  await page.goto('/account/passkeys');
  await expect(page.locator('.passkey-item')).toHaveCount(1);
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { signals: { name: string; options: { allAcceptedCredentialIds: string[] } }[] }).signals))
    .toEqual([
      {
        name: 'signalAllAcceptedCredentials',
        options: expect.objectContaining({ allAcceptedCredentialIds: [toBase64Url(fresh.credentialId)] }),
      },
    ]);
});

/** DevTools gives credential ids in base64; WebAuthn's JSON forms use base64url. */
function toBase64Url(base64: string): string {
  return base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
