import { test as base, expect, type Page, type BrowserContext } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const PASSWORD = 'correct horse battery staple';

/** Waits until the WASM client has hydrated the page; clicks before that do nothing. */
export async function hydrated(page: Page): Promise<void> {
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}

/** Waits until the page's path (not its query string) is `path`. */
export async function onPath(page: Page, path: string): Promise<void> {
  await expect(page).toHaveURL((url) => url.pathname === path);
}

/** Fills and submits the sign-in form, waiting for the server's answer. */
export async function signInThroughTheForm(page: Page, email: string, password = PASSWORD): Promise<void> {
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/auth/login')),
    page.getByRole('button', { name: 'Sign in', exact: true }).click(),
  ]);
}

/** A fresh address per call, so parallel tests never share an account. */
export function newEmail(): string {
  return `user-${Date.now()}-${Math.random().toString(36).slice(2, 10)}@example.com`;
}

/** Signs up through the form, on the suite's server or on `origin` (an `OwnServer`'s). */
export async function signUpThroughTheForm(page: Page, email: string, origin = ''): Promise<void> {
  await page.goto(`${origin}/signup`);
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await onPath(page, '/account');
  await expect(page.getByTestId('account-email')).toHaveText(email);
}

export async function refreshCookie(context: BrowserContext) {
  return (await context.cookies()).find((cookie) => cookie.name === 'latch_refresh');
}

/**
 * A Latch server of the test's own, on its own port and database, that it may stop and start.
 * Tag a test that uses one `@own-server`: the run through nginx (playwright.proxy.config.ts)
 * leaves it out, since nothing of it would pass the proxy.
 */
export class OwnServer {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'latch-own-'));
  private child?: ChildProcess;
  constructor(readonly port: number, private readonly extraEnv: Record<string, string> = {}) {}

  get origin(): string {
    return `http://localhost:${this.port}`;
  }

  async start(): Promise<void> {
    const root = resolve(__dirname, '..', '..');
    this.child = spawn(join(root, 'target/release/server'), [], {
      cwd: root,
      stdio: ['ignore', this.log(), this.log()],
      env: {
        ...process.env,
        LATCH_LISTEN: `127.0.0.1:${this.port}`,
        LATCH_PUBLIC_ORIGIN: this.origin,
        DATABASE_URL: `sqlite:${join(this.dataDir, 'latch.db')}`,
        LATCH_SECRET_FILE: join(this.dataDir, 'latch.secret'),
        LEPTOS_SITE_ROOT: 'target/site',
        LATCH_LOG: process.env.LATCH_E2E_LOG ?? 'warn',
        LATCH_LOG_FORMAT: 'text',
        // Specs sign up through the form and expect to be signed in at once.
        LATCH_EMAIL_VERIFICATION: 'off',
        LATCH_MAIL_OUTBOX: join(this.dataDir, 'outbox'),
        ...this.extraEnv,
      },
    });
    for (let i = 0; i < 200; i++) {
      try {
        const response = await fetch(`http://127.0.0.1:${this.port}/readyz`);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`server on port ${this.port} did not become ready`);
  }

  /** The server's output, kept in its data directory for a failing test to show. */
  private log(): number {
    return openSync(join(this.dataDir, 'server.log'), 'a');
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

/** Fails the test on any console error or uncaught exception (a broken hydration shows here). */
export const test = base.extend<{ consoleErrors: string[] }>({
  consoleErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on('console', (msg) => {
        // A signed-out visitor's silent refresh is answered 401, which Chromium logs; that
        // is the protocol working, not an error of the page.
        const expected = msg.text().includes('the server responded with a status of 401');
        if (msg.type() === 'error' && !expected) errors.push(msg.text());
      });
      page.on('pageerror', (err) => errors.push(err.message));
      await use(errors);
    },
    { auto: true },
  ],
});

export { expect };
