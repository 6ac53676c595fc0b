import { test, expect, hydrated, newEmail, onPath, refreshCookie, PASSWORD } from '../tests/fixtures';
import { expectNoViolations } from '../tests/axe';
import { confirmedAccount, hasLink, linkIn, newBrowserPage, nextMail, signUpForMail, tokenOf, type Mail } from './mail';

// Against a server that requires mail confirmation (LATCH_EMAIL_VERIFICATION=required).

test('sign-up waits for the mailed link, which signs me in and leaves no token in the URL or the history', async ({
  page,
  request,
}) => {
  test.setTimeout(60_000);
  const email = newEmail();
  await signUpForMail(page, email);
  expect(await refreshCookie(page.context()), 'no session before the link is opened').toBeUndefined();
  const mail = await nextMail(request, email, hasLink('/verify-email'), 'the confirmation link');
  const link = linkIn(mail, '/verify-email');
  const token = tokenOf(link);

  const referers: string[] = [];
  page.on('request', (r) => referers.push(r.headers()['referer'] ?? ''));
  await page.goto(link);
  await onPath(page, '/account');
  await expect(page.getByTestId('account-email')).toHaveText(email);
  await expect(page.getByTestId('email-unconfirmed')).toHaveCount(0);
  expect(await refreshCookie(page.context())).toBeDefined();

  // Gone from the address bar, the page's memory and every request it made.
  expect(page.url().includes(token), 'the token in page.url()').toBe(false);
  expect(page.url()).not.toContain('#token');
  expect((await page.evaluate(() => location.href)).includes(token), 'the token in location').toBe(false);
  expect(await page.evaluate(() => '__latchLink' in window), 'the hand-over global is deleted').toBe(false);
  expect(referers.some((referer) => referer.includes(token)), 'the token in a Referer').toBe(false);
  const stored = await page.evaluate(() => JSON.stringify([{ ...localStorage }, { ...sessionStorage }, document.cookie]));
  expect(stored.includes(token), 'the token in storage').toBe(false);
  const cookies = JSON.stringify(await page.context().cookies());
  expect(cookies.includes(token), 'the token in a cookie').toBe(false);

  // And from the history: every entry back from here is free of it. (goBack answers null for
  // an entry of the same document, so walk by the history's length, not by its answers.)
  // Every URL the page shows on the way is recorded as it is shown: signed in now, the
  // sign-up page forwards to the account at once, sometimes before a read could see it.
  const length = await page.evaluate(() => history.length);
  const visited: string[] = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) visited.push(frame.url());
  });
  for (let step = 1; step < length; step++) {
    await page.goBack();
    visited.push(page.url(), await page.evaluate(() => location.href));
  }
  expect(visited.some((url) => url.endsWith('/signup')), 'went back to the sign-up page').toBe(true);
  expect(visited.some((url) => url.includes('token=')), 'a history entry with the token').toBe(false);
});

test('the token leaves the URL before anything else loads, even if the app never does', async ({ page, request }) => {
  const email = newEmail();
  await signUpForMail(page, email);
  const link = linkIn(await nextMail(request, email, hasLink('/verify-email'), 'the link'), '/verify-email');
  // No stylesheet, JavaScript or WASM: only the document and its first, inline script.
  await page.route('**/pkg/**', (route) => route.abort());
  await page.goto(link);
  expect(page.url().includes(tokenOf(link))).toBe(false);
  expect(await page.evaluate(() => location.pathname + location.search + location.hash)).toBe('/verify-email');
  await page.unroute('**/pkg/**');
  // Leave first: the same URL again would only change the fragment of the page already there.
  await page.goto('about:blank');
  // The link was not used: the app, once it loads, still has the token (handed over in memory).
  await page.goto(link);
  await onPath(page, '/account');
  await expect(page.getByTestId('account-email')).toHaveText(email);
});

test('signing up again with a used address shows the same page; the mail says to sign in', async ({
  page,
  browser,
  baseURL,
  request,
}) => {
  test.setTimeout(60_000);
  const email = newEmail();
  await confirmedAccount(page, request, email);
  const stranger = await newBrowserPage(browser, baseURL);
  await signUpForMail(stranger, email, 'another quite long passphrase here');
  const already = (mail: Mail) => /already (have|has) (a Latch |an )account/i.test(`${mail.subject}\n${mail.text}`);
  const mail = await nextMail(request, email, already, 'a mail saying the account exists');
  expect(mail.text).toContain('/login');
  await stranger.context().close();
});

test('signing in before the address is confirmed says to open the mail first', async ({ page, request }) => {
  const email = newEmail();
  await signUpForMail(page, email);
  await nextMail(request, email, hasLink('/verify-email'), 'the confirmation link');
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('Confirm your email address first');
  await onPath(page, '/login');
});

test('a used confirmation link says it no longer works, and where to go', async ({ page, browser, baseURL, request }) => {
  const email = newEmail();
  const mail = await confirmedAccount(page, request, email);
  const other = await newBrowserPage(browser, baseURL);
  await other.goto(linkIn(mail, '/verify-email'));
  await expect(other.getByTestId('link-expired')).toContainText('This link no longer works');
  const expired = other.getByTestId('link-expired');
  await expect(expired.getByRole('link', { name: 'sign in' })).toHaveAttribute('href', '/login');
  await expect(expired.getByRole('link', { name: 'sign up again' })).toHaveAttribute('href', '/signup');
  await other.context().close();
});

test('a confirmation link opened in a browser signed in to another account asks before switching', async ({
  page,
  browser,
  baseURL,
  request,
}) => {
  test.setTimeout(60_000);
  const mine = newEmail();
  await confirmedAccount(page, request, mine);
  const theirs = newEmail();
  const elsewhere = await newBrowserPage(browser, baseURL);
  await signUpForMail(elsewhere, theirs);
  const link = linkIn(await nextMail(request, theirs, hasLink('/verify-email'), 'the confirmation link'), '/verify-email');

  await page.goto(link);
  const asked = page.getByTestId('switch-account');
  await expect(asked).toContainText(`signed in as ${mine}`);
  await page.getByRole('link', { name: `Stay signed in as ${mine}` }).click();
  await onPath(page, '/account');
  await expect(page.getByTestId('account-email')).toHaveText(mine);

  // The link was not used: opened again, it switches once asked to.
  await page.goto(link);
  await expect(asked).toBeVisible();
  await page.getByRole('button', { name: 'Sign out and confirm the other account' }).click();
  await onPath(page, '/account');
  await expect(page.getByTestId('account-email')).toHaveText(theirs);
  await elsewhere.context().close();
});

for (const colorScheme of ['light', 'dark'] as const) {
  test(`check your email, and a new password from a link, pass axe in the ${colorScheme} theme`, async ({
    page,
  }) => {
    await page.emulateMedia({ colorScheme });
    const email = newEmail();
    await signUpForMail(page, email);
    await expect(page.getByRole('heading', { name: 'Check your email' })).toBeFocused();
    await expectNoViolations(page, `sign-up, check your email (${colorScheme})`);
    // A reset link's page after the server refused what was sent (a weak password, or the
    // made-up link, whichever it finds first).
    await page.goto('/reset-password#token=not-a-real-one');
    await hydrated(page);
    await page.getByLabel('New password').fill('password123');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect(page.getByRole('alert').first()).toBeVisible();
    await expectNoViolations(page, `/reset-password after a refusal (${colorScheme})`);
  });
}
