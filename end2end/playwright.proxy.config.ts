import { defineConfig } from '@playwright/test';
import base from './playwright.config';
import { clusterDir, instancePorts, origin, proxyPort } from './proxy/ports';

// The browser flows again, through nginx balancing over two release servers that share one
// PostgreSQL (scripts/proxy-cluster), plus the specs of the proxy itself (proxy/).
export default defineConfig({
  ...base,
  use: { ...base.use, baseURL: origin },
  projects: [
    {
      name: 'browser flows through nginx',
      testDir: './tests',
      // Sign-up and sign-in, reload, theft (a copied cookie), sign-out, tabs, revocation.
      testMatch: /\/(app|binding|session|theft)\.spec\.ts$/,
      // Those start a server of their own on its own port: nothing there would pass nginx.
      grepInvert: /@own-server/,
    },
    { name: 'nginx and two instances', testDir: './proxy' },
  ],
  webServer: {
    command: `./scripts/proxy-cluster run ${clusterDir}`,
    cwd: '..',
    url: `http://127.0.0.1:${proxyPort}/readyz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'pipe',
    stderr: 'pipe',
    // The script stops the instances, nginx and PostgreSQL on SIGTERM; a SIGKILL (Playwright's
    // default) would leave them running.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 30_000 },
    env: {
      PROXY_PORT: String(proxyPort),
      INSTANCE_PORTS: instancePorts.join(' '),
      LATCH_LOG: 'warn',
    },
  },
});
