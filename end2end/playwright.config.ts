import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mainPort as port, recoveryOrigin, recoveryPort, serviceOrigin, servicePort } from './recovery/origin';

// The release server built by scripts/test, twice, each on its own port, SQLite file and mail
// outbox: tests/ against instant sign-up, recovery/ against sign-up confirmed by mail.
function server(port: number, name: string, emailVerification: 'off' | 'required', services = '') {
  const dataDir = mkdtempSync(join(tmpdir(), `latch-${name}-`));
  return {
    command: './target/release/server',
    cwd: '..',
    url: `http://127.0.0.1:${port}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe' as const,
    stderr: 'pipe' as const,
    env: {
      LATCH_LISTEN: `127.0.0.1:${port}`,
      LATCH_PUBLIC_ORIGIN: `http://localhost:${port}`,
      DATABASE_URL: `sqlite:${join(dataDir, 'latch.db')}`,
      LATCH_SECRET_FILE: join(dataDir, 'latch.secret'),
      LATCH_MAIL_OUTBOX: join(dataDir, 'outbox'),
      LATCH_EMAIL_VERIFICATION: emailVerification,
      ...(services ? { LATCH_SERVICE_ORIGINS: services } : {}),
      LEPTOS_SITE_ROOT: 'target/site',
      LATCH_LOG: 'warn',
      // Every spec signs up its own accounts, all from 127.0.0.1.
      LATCH_SIGNUPS_PER_ADDRESS: '1000',
    },
  };
}

export default defineConfig({
  testDir: './tests',
  fullyParallel: true,
  workers: 2,
  forbidOnly: true,
  retries: 0,
  reporter: [['list']],
  timeout: 30_000,
  expect: { timeout: 10_000 },
  use: {
    // localhost (not 127.0.0.1 or another name): a secure context over plain http, so the
    // Secure refresh cookie is kept, exactly as in production over https.
    baseURL: `http://localhost:${port}`,
    browserName: 'chromium',
    launchOptions: {
      // Playwright's own browser download does not work here: use Debian's Chromium.
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
    trace: 'retain-on-failure',
  },
  projects: [
    { name: 'instant sign-up', testDir: './tests' },
    { name: 'sign-up confirmed by mail', testDir: './recovery', use: { baseURL: recoveryOrigin } },
  ],
  webServer: [
    server(port, 'e2e', 'off', serviceOrigin),
    server(recoveryPort, 'e2e-recovery', 'required'),
    {
      // Built by `cargo test` beside the server; it checks tokens with Latch's JWKS.
      command: './target/release/examples/second_service',
      cwd: '..',
      // Unauthenticated, it answers 401: up.
      url: `${serviceOrigin}/v1/me`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe' as const,
      stderr: 'pipe' as const,
      env: {
        SECOND_SERVICE_LISTEN: `127.0.0.1:${servicePort}`,
        SECOND_SERVICE_LATCH: `http://localhost:${port}`,
        SECOND_SERVICE_ORIGIN: serviceOrigin,
        RUST_LOG: 'warn',
      },
    },
  ],
});
