import { defineConfig } from '@playwright/test';
import { join } from 'node:path';
import base from './playwright.config';
import { cookieLifetime, dir, instancePort, origin, spki } from './dbsc/tls';

// Device Bound Session Credentials in Debian's Chromium: software keys stand in for the TPM
// (Chrome on Windows and macOS uses hardware), over HTTPS through nginx (dbsc/tls.ts).
export default defineConfig({
  ...base,
  testDir: './dbsc',
  projects: [{ name: 'DBSC in Chromium' }],
  workers: 1,
  use: {
    ...base.use,
    baseURL: origin,
    launchOptions: {
      ...base.use!.launchOptions,
      args: [
        ...base.use!.launchOptions!.args!,
        '--enable-features=DeviceBoundSessions,EnableBoundSessionCredentialsSoftwareKeysForManualTesting',
        `--ignore-certificate-errors-spki-list=${spki}`,
      ],
    },
  },
  webServer: [
    {
      command: './target/release/server',
      cwd: '..',
      url: `http://127.0.0.1:${instancePort}/readyz`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe',
      stderr: 'pipe',
      env: {
        LATCH_LISTEN: `127.0.0.1:${instancePort}`,
        LATCH_PUBLIC_ORIGIN: origin,
        LATCH_TRUSTED_PROXIES: '127.0.0.1/32',
        DATABASE_URL: `sqlite:${join(dir, 'latch.db')}`,
        LATCH_SECRET_FILE: join(dir, 'latch.secret'),
        LATCH_MAIL_OUTBOX: join(dir, 'outbox'),
        LATCH_EMAIL_VERIFICATION: 'off',
        LATCH_DBSC_COOKIE_LIFETIME: String(cookieLifetime),
        LEPTOS_SITE_ROOT: 'target/site',
        LATCH_LOG: 'warn',
      },
    },
    {
      // Debian keeps nginx in /usr/sbin, which a user's PATH may not name.
      command: `"$(command -v nginx || echo /usr/sbin/nginx)" -c ${join(dir, 'nginx', 'nginx.conf')} -p ${join(dir, 'nginx')}`,
      url: `${origin}/readyz`,
      ignoreHTTPSErrors: true,
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: 'pipe',
      stderr: 'pipe',
      gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
    },
  ],
});
