import { test, expect, hydrated, newEmail, onPath, PASSWORD, signInThroughTheForm } from '../tests/fixtures';
import { askForReset, confirmedAccount, hasLink, linkIn, newBrowserPage, nextMail } from './mail';

const NEW_PASSWORD = 'lantern orchard pebble violin';

test('a password reset from a mailed link signs out every device, and the link works once', async ({
  page: phone,
  browser,
  baseURL,
  request,
}) => {
  test.setTimeout(90_000);
  const email = newEmail();
  await confirmedAccount(phone, request, email);
  const laptop = await newBrowserPage(browser, baseURL);
  await laptop.goto('/login');
  await signInThroughTheForm(laptop, email);
  await onPath(laptop, '/account');

  // A third browser, signed out, asks for a reset from the sign-in page.
  const third = await newBrowserPage(browser, baseURL);
  await third.goto('/login');
  await hydrated(third);
  await third.getByRole('link', { name: 'Forgot your password?' }).click();
  await onPath(third, '/forgot-password');
  await askForReset(third, email);

  const link = linkIn(await nextMail(request, email, hasLink('/reset-password'), 'the reset link'), '/reset-password');
  await third.goto(link);
  expect(third.url()).not.toContain('token');
  await hydrated(third);
  await third.getByLabel('New password').fill(NEW_PASSWORD);
  await third.getByRole('button', { name: 'Set new password' }).click();
  await expect(third.getByTestId('password-reset-done')).toContainText(
    'Your password was changed; every device was signed out',
  );

  // Both signed-in browsers are signed out.
  for (const device of [phone, laptop]) {
    await device.reload();
    await onPath(device, '/login');
  }

  // The old password is refused, the new one works.
  await third.getByRole('link', { name: 'Sign in', exact: true }).last().click();
  await onPath(third, '/login');
  await signInThroughTheForm(third, email, PASSWORD);
  await expect(third.getByRole('alert')).toBeVisible();
  await onPath(third, '/login');
  await signInThroughTheForm(third, email, NEW_PASSWORD);
  await onPath(third, '/account');

  // The link did its work once.
  await laptop.goto(link);
  await hydrated(laptop);
  await laptop.getByLabel('New password').fill('another long passphrase entirely');
  await laptop.getByRole('button', { name: 'Set new password' }).click();
  await expect(laptop.getByTestId('link-expired')).toContainText('This link no longer works');
  await expect(laptop.getByTestId('link-expired').getByRole('link', { name: 'Ask for a new link' })).toHaveAttribute(
    'href',
    '/forgot-password',
  );
  await laptop.context().close();
  await third.context().close();
});

test('asking for a reset of an address without an account looks the same', async ({ page }) => {
  await page.goto('/forgot-password');
  await askForReset(page, newEmail());
});

test('a weak new password is explained under its field, and the link still works after', async ({
  page,
  browser,
  baseURL,
  request,
}) => {
  test.setTimeout(60_000);
  const email = newEmail();
  await confirmedAccount(page, request, email);
  const other = await newBrowserPage(browser, baseURL);
  await other.goto('/forgot-password');
  await askForReset(other, email);
  const mail = await nextMail(request, email, hasLink('/reset-password'), 'the reset link');
  await other.goto(linkIn(mail, '/reset-password'));
  await hydrated(other);
  const field = other.getByLabel('New password');
  await field.fill('password123');
  await other.getByRole('button', { name: 'Show new password' }).click();
  await expect(field).toHaveAttribute('type', 'text');
  await other.getByRole('button', { name: 'Set new password' }).click();
  await expect(other.locator('#new_password-error')).toContainText('common password');
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  await field.fill(NEW_PASSWORD);
  await other.getByRole('button', { name: 'Set new password' }).click();
  await expect(other.getByTestId('password-reset-done')).toBeVisible();
  await other.context().close();
});
