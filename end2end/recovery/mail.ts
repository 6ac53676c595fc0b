import { expect, type APIRequestContext, type Browser, type Page } from '@playwright/test';
import { hydrated, onPath, PASSWORD } from '../tests/fixtures';
import { recoveryOutbox } from './origin';

/** A mail as the development outbox's `latest.json` gives it. */
export interface Mail {
  to: string;
  subject: string;
  date: string;
  text: string;
}

/** The newest mail to `to`, once it is the one `wanted` (`hasLink('/verify-email')`): "opening
 * the mail". Polls, since a mail is stored just after its request is answered, and another mail
 * (a new-device notice, say) may be the newest for a moment. */
export async function nextMail(
  request: APIRequestContext,
  to: string,
  wanted: (mail: Mail) => boolean,
  what: string,
): Promise<Mail> {
  let mail: Mail | undefined;
  await expect
    .poll(
      async () => {
        const response = await request.get(`${recoveryOutbox}?to=${encodeURIComponent(to)}`);
        if (!response.ok()) return `none yet (${response.status()})`;
        mail = (await response.json()) as Mail;
        return wanted(mail) ? 'found' : `the newest is "${mail.subject}"`;
      },
      { message: `${what}, mailed to ${to}`, timeout: 10_000 },
    )
    .toBe('found');
  return mail!;
}

/** Whether a mail carries a link to `path`. */
export function hasLink(path: string): (mail: Mail) => boolean {
  return (mail) => mail.text.includes(`${path}#token=`);
}

/** The mail's link to `path` (`/verify-email#token=…`). */
export function linkIn(mail: Mail, path: string): string {
  const link = mail.text.match(new RegExp(`https?://[^\\s<>"]+${path}#token=[^\\s<>"]+`))?.[0];
  expect(link, `a ${path} link in "${mail.subject}"`).toBeTruthy();
  return link!;
}

/** The token part of a link, to look for it where it must never be (never printed). */
export function tokenOf(link: string): string {
  return link.slice(link.indexOf('#token=') + '#token='.length);
}

/** Fills and submits the sign-up form; the server mails a link instead of signing in. */
export async function signUpForMail(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.goto('/signup');
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();
  await expect(page.getByTestId('mail-sent-to')).toHaveText(email);
}

/** Asks for a reset link for `email` on the forgot-password page `page` is on, and waits for
 * "check your email", which names the address whether or not it has an account. */
export async function askForReset(page: Page, email: string): Promise<void> {
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();
  await expect(page.getByTestId('mail-sent-to')).toHaveText(email);
}

/** A confirmed account, signed in on `page` by its confirmation link; returns that mail. */
export async function confirmedAccount(page: Page, request: APIRequestContext, email: string): Promise<Mail> {
  await signUpForMail(page, email);
  const mail = await nextMail(request, email, hasLink('/verify-email'), 'the confirmation link');
  await page.goto(linkIn(mail, '/verify-email'));
  await onPath(page, '/account');
  await expect(page.getByTestId('account-email')).toHaveText(email);
  return mail;
}

/** A page in a browser of its own (its own cookies and device key). */
export async function newBrowserPage(browser: Browser, baseURL: string | undefined): Promise<Page> {
  return (await browser.newContext({ baseURL })).newPage();
}
