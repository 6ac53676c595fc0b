import { test, expect, hydrated, newEmail, onPath, signInThroughTheForm } from '../tests/fixtures';
import { confirmedAccount, hasLink, linkIn, newBrowserPage, nextMail } from './mail';

const NEW_PASSWORD = 'harbour quilt meadow falcon';

test('a new address is confirmed from its mail; the old address is told and can undo it, signing out everywhere', async ({
  page,
  browser,
  baseURL,
  request,
}) => {
  test.setTimeout(90_000);
  const old = newEmail();
  await confirmedAccount(page, request, old);
  const laptop = await newBrowserPage(browser, baseURL);
  await laptop.goto('/login');
  await signInThroughTheForm(laptop, old);
  await onPath(laptop, '/account');

  // Asked for from the account pages, with the current password.
  const moved = newEmail();
  await page.getByRole('navigation', { name: 'Account pages' }).getByRole('link', { name: 'Email' }).click();
  await onPath(page, '/account/email');
  await page.getByLabel('New email address').fill(moved);
  await page.getByLabel('Current password').fill('not the password at all');
  await page.getByRole('button', { name: 'Send confirmation link' }).click();
  await expect(page.locator('#current_password-error')).toBeVisible();
  await page.getByLabel('Current password').fill('correct horse battery staple');
  await page.getByRole('button', { name: 'Send confirmation link' }).click();
  await expect(page.getByTestId('email-change-sent')).toContainText('Check your new address for a confirmation link');
  // Nothing changes until the new address's link is opened.
  await page.goto('/account');
  await expect(page.getByTestId('account-email')).toHaveText(old);

  await page.goto(linkIn(await nextMail(request, moved, hasLink('/confirm-email'), 'the confirmation link'), '/confirm-email'));
  expect(page.url()).not.toContain('token');
  await expect(page.getByTestId('email-confirmed')).toContainText(`Your address is now ${moved}`);
  await page.goto('/account');
  await expect(page.getByTestId('account-email')).toHaveText(moved);
  await expect(page.getByTestId('signed-in-as')).toHaveText(moved);
  await page.goto('/account/security');
  const changed = page.locator('[data-kind="email_changed"]');
  await expect(changed).toContainText('Address changed');
  await expect(changed).toContainText("If this wasn't you");

  // The old address was told, with a link to undo; it asks first, then signs out everywhere.
  const undoLink = linkIn(await nextMail(request, old, hasLink('/undo-email'), 'the undo link'), '/undo-email');
  const mailbox = await newBrowserPage(browser, baseURL);
  await mailbox.goto(undoLink);
  expect(mailbox.url()).not.toContain('token');
  await hydrated(mailbox);
  await mailbox.getByRole('button', { name: 'Undo the change and sign out everywhere' }).click();
  await expect(mailbox.getByTestId('email-change-undone')).toContainText('every device was signed out');
  await expect(mailbox.getByRole('link', { name: 'Reset your password' })).toHaveAttribute('href', '/forgot-password');

  for (const device of [page, laptop]) {
    await device.reload();
    await onPath(device, '/login');
  }
  // Whoever moved the account may know the password: it no longer opens the account.
  await signInThroughTheForm(laptop, old);
  await expect(laptop.getByRole('alert')).toContainText('email or password is not correct');
  await onPath(laptop, '/login');
  // The old address gets a link to set a new one, and signs in with it.
  const setLink = linkIn(await nextMail(request, old, hasLink('/reset-password'), 'the set-a-password link'), '/reset-password');
  await mailbox.goto(setLink);
  await hydrated(mailbox);
  await mailbox.getByLabel('New password').fill(NEW_PASSWORD);
  await mailbox.getByRole('button', { name: 'Set new password' }).click();
  await expect(mailbox.getByTestId('password-reset-done')).toBeVisible();
  await signInThroughTheForm(laptop, old, NEW_PASSWORD);
  await onPath(laptop, '/account');
  await expect(laptop.getByTestId('account-email')).toHaveText(old);

  // The undo link did its work once.
  await mailbox.goto('about:blank');
  await mailbox.goto(undoLink);
  await hydrated(mailbox);
  await mailbox.getByRole('button', { name: 'Undo the change and sign out everywhere' }).click();
  await expect(mailbox.getByTestId('link-expired')).toBeVisible();
  await laptop.context().close();
  await mailbox.context().close();
});
