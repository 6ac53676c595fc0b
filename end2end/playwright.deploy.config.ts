import { defineConfig } from '@playwright/test';
import base from './playwright.config';
import { caddyHttp, caddyHttps, exampleDir, host, instancePorts, nginxHttp, nginxHttps, smtpPort } from './deploy/example';

// Latch deployed from the shipped files (deploy/) behind nginx and behind Caddy, with TLS for
// a host name (scripts/deploy-example). The browser resolves that name to loopback; the
// certificates are checked by the spec against their authorities, so the browser is told to
// accept them rather than taught a test authority.
export default defineConfig({
  ...base,
  workers: 1,
  projects: [{ name: 'deployment behind nginx and Caddy', testDir: './deploy' }],
  use: {
    ...base.use,
    baseURL: undefined,
    ignoreHTTPSErrors: true,
    launchOptions: {
      ...base.use!.launchOptions,
      args: [...base.use!.launchOptions!.args!, `--host-resolver-rules=MAP ${host} 127.0.0.1`],
    },
  },
  webServer: {
    command: `./scripts/deploy-example run ${exampleDir}`,
    cwd: '..',
    // nginx starts last, so its answer means everything is up. (By address: the runner cannot
    // resolve the host name, and it is nginx's only site on the port anyway.)
    url: `https://127.0.0.1:${nginxHttps}/healthz`,
    ignoreHTTPSErrors: true,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'pipe',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 30_000 },
    env: {
      NGINX_PORTS: `${nginxHttp} ${nginxHttps}`,
      CADDY_PORTS: `${caddyHttp} ${caddyHttps}`,
      INSTANCE_PORTS: instancePorts.join(' '),
      SMTP_PORT: String(smtpPort),
    },
  },
});
