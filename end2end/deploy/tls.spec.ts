// Latch as docs/deploy.md deploys it, from the shipped files: behind nginx (deploy/nginx) and
// behind Caddy (deploy/Caddyfile), on https for a host name, each instance run by
// deploy/latch-admin from deploy/latch.env with its secrets in files and mail through a relay.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { test, expect } from '@playwright/test';
import { hydrated, newEmail, onPath, PASSWORD } from '../tests/fixtures';
import { caddyHttp, caddyHttps, exampleDir, host, nginxHttp, nginxHttps } from './example';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request to the proxy on `port`, by host name, trusting only `ca` for its certificate. */
function overTls(port: number, ca: string, path: string): Promise<Answer> {
  return new Promise((done, fail) => {
    const request = httpsRequest(
      { host: '127.0.0.1', port, path, servername: host, headers: { host: `${host}:${port}` }, ca: readFileSync(ca) },
      (response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => done({ status: response.statusCode!, headers: response.headers, body }));
      },
    );
    request.on('error', fail);
    request.end();
  });
}

function plainHttp(port: number, path: string): Promise<Answer> {
  return new Promise((done, fail) => {
    const request = httpRequest({ host: '127.0.0.1', port, path, headers: { host } }, (response) => {
      response.resume();
      response.on('end', () => done({ status: response.statusCode!, headers: response.headers, body: '' }));
    });
    request.on('error', fail);
    request.end();
  });
}

/** The link to `path` in the newest mail the relay took for `to`. */
async function mailedLink(to: string, path: string): Promise<string> {
  let link: string | undefined;
  await expect
    .poll(
      () => {
        const folder = join(exampleDir, 'mail');
        const mails = readdirSync(folder)
          .filter((name) => name.endsWith('.json'))
          .sort()
          .map((name) => JSON.parse(readFileSync(join(folder, name), 'utf8')) as { to: string; text: string })
          .filter((mail) => mail.to === to);
        link = mails.at(-1)?.text.match(new RegExp(`https://[^\\s]+${path}#token=[^\\s]+`))?.[0];
        return link !== undefined;
      },
      { message: `a ${path} link mailed to ${to}` },
    )
    .toBe(true);
  return link!;
}

const proxies = [
  { name: 'nginx', http: nginxHttp, https: nginxHttps, ca: join(exampleDir, 'tls/ca.crt'), instance: 'behind-nginx' },
  {
    name: 'Caddy',
    http: caddyHttp,
    https: caddyHttps,
    ca: join(exampleDir, 'caddy/data/pki/authorities/local/root.crt'),
    instance: 'behind-caddy',
  },
];

for (const proxy of proxies) {
  test.describe(`behind ${proxy.name}`, () => {
    test.describe.configure({ mode: 'serial' });
    const origin = `https://${host}:${proxy.https}`;
    const email = newEmail();

    test('https answers for the host name with a certificate that verifies; http sends there', async () => {
      const health = await overTls(proxy.https, proxy.ca, '/healthz');
      expect(health.status).toBe(200);
      expect(health.headers['strict-transport-security']).toContain('max-age=');
      const plain = await plainHttp(proxy.http, '/account?tab=1');
      expect([301, 308]).toContain(plain.status);
      expect(plain.headers.location).toMatch(new RegExp(`^https://${host.replace(/\./g, '\\.')}(:\\d+)?/account\\?tab=1$`));
    });

    test('a browser signs up, confirms by mail, stays signed in, and is recorded at its own address', async ({
      browser,
    }) => {
      // Whatever the page's requests claim in X-Forwarded-For, the proxy's view wins.
      const context = await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-for': '203.0.113.7' } });
      const page = await context.newPage();
      await page.goto(`${origin}/signup`);
      await hydrated(page);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Create account' }).click();
      await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();

      const link = await mailedLink(email, '/verify-email');
      expect(link.startsWith(`${origin}/verify-email#token=`), 'the link names the public origin').toBe(true);
      await page.goto(link);
      await onPath(page, '/account');
      await expect(page.getByTestId('account-email')).toHaveText(email);
      const cookie = (await context.cookies()).find((c) => c.name === 'latch_refresh');
      expect(cookie, 'the refresh cookie').toMatchObject({ secure: true, httpOnly: true, sameSite: 'Strict' });

      await page.reload();
      await hydrated(page);
      await expect(page.getByTestId('account-email')).toHaveText(email);
      await page.goto(`${origin}/account/sessions`);
      await hydrated(page);
      await expect(page.getByText('from 127.0.0.1')).toBeVisible();
      await expect(page.getByText('203.0.113.7')).toHaveCount(0);
      await context.close();
    });

    test('latch-admin runs admin commands with the service\'s settings', async () => {
      const etc = join(exampleDir, proxy.instance, 'etc');
      const root = resolve(__dirname, '../..');
      const { stdout } = await promisify(execFile)(join(root, 'deploy/latch-admin'), ['users', 'show', email, '--json'], {
        env: {
          ...process.env,
          LATCH_ENV: join(etc, 'latch.env'),
          LATCH_BIN: join(root, 'target/release/server'),
          LATCH_USER: (await promisify(execFile)('id', ['-un'])).stdout.trim(),
        },
      });
      expect(JSON.parse(stdout)).toMatchObject({ email, disabled: false, sessions: 1 });
    });

    test('with its instance down, the API still answers in Latch\'s JSON shape', async () => {
      const pid = Number(readFileSync(join(exampleDir, `${proxy.instance}.pid`), 'utf8'));
      process.kill(pid, 'SIGTERM');
      await expect.poll(async () => (await overTls(proxy.https, proxy.ca, '/api/me')).status).toBe(503);
      const answer = await overTls(proxy.https, proxy.ca, '/api/me');
      expect(answer.headers['content-type']).toContain('application/json');
      expect(answer.headers['retry-after']).toBe('1');
      expect(JSON.parse(answer.body)).toEqual({ error: 'unavailable', message: expect.any(String) });
      const page = await overTls(proxy.https, proxy.ca, '/account');
      expect(page.status).toBe(503);
      expect(page.body).toContain('temporarily unavailable');
    });
  });
}
