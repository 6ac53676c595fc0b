import type { Locator, Page } from '@playwright/test';
import { test, expect, hydrated, newEmail, onPath, PASSWORD } from './fixtures';

// Sign-up, sign-in, revoking a session and sign-out with the keyboard alone: no click, no
// fill. Every control is reached with Tab from where the focus is, as a keyboard user would.

/** Presses Tab until `target` has the focus; fails if it is not reachable within `max` presses. */
async function tabTo(page: Page, target: Locator, max = 20) {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  await expect(target).toBeFocused();
}

async function signUp(page: Page, email: string) {
  await page.goto('/signup');
  await hydrated(page);
  await tabTo(page, page.getByLabel('Email'));
  await page.keyboard.type(email);
  await tabTo(page, page.getByLabel('Password'));
  await page.keyboard.type(PASSWORD);
  await tabTo(page, page.getByRole('button', { name: 'Create account' }));
  await page.keyboard.press('Enter');
  await onPath(page, '/account');
  await expect(page.getByTestId('account-email')).toHaveText(email);
}

async function signIn(page: Page, email: string) {
  await page.goto('/login');
  await hydrated(page);
  await tabTo(page, page.getByLabel('Email'));
  await page.keyboard.type(email);
  await tabTo(page, page.getByLabel('Password'));
  await page.keyboard.type(PASSWORD);
  // Enter in a field submits its form.
  await page.keyboard.press('Enter');
  await onPath(page, '/account');
  await expect(page.getByTestId('account-email')).toHaveText(email);
}

test('sign up, sign in elsewhere, revoke that session and sign out, by keyboard alone', async ({ page, browser, baseURL }) => {
  test.setTimeout(60_000);
  const email = newEmail();
  await signUp(page, email);

  const laptopContext = await browser.newContext({ baseURL });
  const laptop = await laptopContext.newPage();
  await signIn(laptop, email);

  // To the sessions page through the account navigation.
  await tabTo(page, page.getByRole('navigation', { name: 'Account pages' }).getByRole('link', { name: 'Sessions' }));
  await page.keyboard.press('Enter');
  await onPath(page, '/account/sessions');
  const other = page.locator('.session-item[data-current="false"]');
  await expect(other).toHaveCount(1);
  // This device comes first, though the laptop signed in after it.
  await expect(page.locator('.session-item').first()).toHaveAttribute('data-current', 'true');
  await tabTo(page, other.getByRole('button', { name: 'Sign out this device' }));
  await page.keyboard.press('Enter');
  // The question takes the focus; Enter answers it.
  await expect(other.getByRole('button', { name: 'Yes, sign it out' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(other).toHaveCount(0);

  await laptop.reload();
  await onPath(laptop, '/login');
  await laptopContext.close();

  await tabTo(page, page.getByRole('button', { name: 'Sign out', exact: true }));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('link', { name: 'Sign in', exact: true })).toBeVisible();
  await expect(page.getByTestId('signed-in-as')).toHaveCount(0);
});

test('the revoke question can be declined with the keyboard', async ({ page, browser, baseURL }) => {
  const email = newEmail();
  await signUp(page, email);
  const laptopContext = await browser.newContext({ baseURL });
  await signIn(await laptopContext.newPage(), email);

  await page.goto('/account/sessions');
  await hydrated(page);
  const other = page.locator('.session-item[data-current="false"]');
  await tabTo(page, other.getByRole('button', { name: 'Sign out this device' }));
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  await expect(other.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Enter');
  // Declined: nothing ended, and the focus is back on the button that asked.
  await expect(other.getByRole('button', { name: 'Sign out this device' })).toBeFocused();
  await expect(other).toHaveCount(1);
  await laptopContext.close();
});
