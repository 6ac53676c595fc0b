import type { CDPSession, Page } from '@playwright/test';

/**
 * A platform authenticator that verifies its user (a fingerprint, say), made by Chromium's
 * DevTools for `page`: Playwright has no WebAuthn API of its own. It answers every request
 * at once, as a user who touches the sensor would.
 */
export async function virtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; id: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, id: authenticatorId };
}

/** The passkeys the authenticator holds. */
export async function heldPasskeys(authenticator: { cdp: CDPSession; id: string }) {
  const { credentials } = await authenticator.cdp.send('WebAuthn.getCredentials', { authenticatorId: authenticator.id });
  return credentials;
}
