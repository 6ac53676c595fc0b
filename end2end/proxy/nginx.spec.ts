// What nginx (scripts/nginx.conf.template) must do for Latch's contract to hold behind it.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { test, expect } from '@playwright/test';
import { newEmail, PASSWORD } from '../tests/fixtures';
import { call, instancePorts, origin, proxyPort, servedBy, sleep, startSession, type Answer } from './cluster';

async function recordedAddress(token: string): Promise<{ session: string; signedUp: string }> {
  const sessions = await call(proxyPort, 'GET', '/api/sessions', { token });
  const events = await call(proxyPort, 'GET', '/api/security-events', { token });
  expect([sessions.status, events.status]).toEqual([200, 200]);
  return {
    session: sessions.json.find((s: { current: boolean }) => s.current).ip,
    signedUp: events.json.find((e: { kind: string }) => e.kind === 'signed_up')?.ip,
  };
}

test('Latch records the address nginx saw, not one the client wrote in X-Forwarded-For', async () => {
  // 127.0.0.2 is a client like any other; only nginx's own 127.0.0.1 is a trusted proxy.
  const spoofing = { localAddress: '127.0.0.2', headers: { 'x-forwarded-for': '203.0.113.7' } };
  const { token } = await startSession(undefined, spoofing);
  expect(await recordedAddress(token)).toEqual({ session: '127.0.0.2', signedUp: '127.0.0.2' });

  // Straight to an instance, the header is not believed at all: the peer is no proxy of ours.
  const direct = await call(instancePorts[0], 'POST', '/api/auth/signup', {
    ...spoofing,
    body: { email: newEmail(), password: PASSWORD },
  });
  expect(direct.status).toBe(201);
  expect((await recordedAddress(direct.json.access_token)).session).toBe('127.0.0.2');
});

test('nginx sends the address it saw, even for a client on an address Latch trusts as a proxy', async () => {
  // This client connects from 127.0.0.1, nginx's own (trusted) address. Were nginx to pass on
  // what it wrote, Latch would walk past the trusted entry to the forged one.
  const { token } = await startSession(undefined, { headers: { 'x-forwarded-for': '198.51.100.4, 203.0.113.7' } });
  expect(await recordedAddress(token)).toEqual({ session: '127.0.0.1', signedUp: '127.0.0.1' });
});

test('a body over 16 KiB passes nginx and gets Latch\'s own JSON 413', async () => {
  const answer = await call(proxyPort, 'POST', '/api/auth/login', {
    headers: { origin },
    body: { email: newEmail(), password: 'x'.repeat(20 * 1024) },
  });
  expect(answer.status).toBe(413);
  expect(answer.headers['content-type']).toContain('application/json');
  expect(answer.json).toEqual({ error: 'payload_too_large', message: expect.any(String) });
  expect(instancePorts, 'an instance answered, not nginx').toContain(await servedBy(answer));
});

test('a body over nginx\'s own cap gets the same JSON 413, from nginx', async () => {
  const answer = await call(proxyPort, 'POST', '/api/auth/login', {
    headers: { origin },
    body: { email: newEmail(), password: 'x'.repeat(2 * 1024 * 1024) },
  });
  expect(answer.status).toBe(413);
  expect(answer.headers['content-type']).toBe('application/json');
  expect(answer.json).toEqual({ error: 'payload_too_large', message: expect.any(String) });
  expect(await servedBy(answer)).toBeNull();
});

/** Sends `head` as it is (no client would write it) and returns the answer's status line and body. */
function raw(head: string): Promise<{ statusLine: string; body: string }> {
  return new Promise((done, fail) => {
    const socket = connect(proxyPort, '127.0.0.1', () => socket.end(head));
    let text = '';
    socket.on('data', (chunk) => (text += chunk));
    // nginx may reset the connection while the rest of an oversized head is still arriving:
    // what it answered before that is what counts.
    socket.on('error', (error) => text || fail(error));
    socket.on('close', () => done({ statusLine: text.split('\r\n')[0], body: text.split('\r\n\r\n')[1] ?? '' }));
  });
}

test('nginx refuses a request head it cannot read or hold in Latch\'s JSON shape too', async () => {
  const garbled = await raw('GARBAGE\r\n\r\n');
  expect(garbled.statusLine).toMatch(/^HTTP\/1\.1 400 /);
  expect(JSON.parse(garbled.body)).toEqual({ error: 'malformed_request', message: expect.any(String) });
  // Over every limit of Latch's as well (its own answer would be an empty 431).
  const huge = await raw(`GET /api/me HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(600_000)}\r\n\r\n`);
  expect(huge.statusLine).toMatch(/^HTTP\/1\.1 431 /);
  expect(JSON.parse(huge.body)).toEqual({ error: 'malformed_request', message: expect.any(String) });
});

/** Stand-ins for two instances that die with every request in hand (only the probe is answered). */
async function withDyingInstances(run: (port: number, received: string[]) => Promise<void>) {
  const received: string[] = [];
  const listen = () =>
    new Promise<Server>((done) => {
      const server = createServer((req, res) => {
        if (req.url === '/healthz') return void res.end('ok');
        received.push(`${req.method} ${req.url}`);
        req.socket.destroy();
      });
      server.listen(0, '127.0.0.1', () => done(server));
    });
  const servers = [await listen(), await listen(), await listen()];
  const [proxy, ...upstreams] = servers.map((s) => (s.address() as AddressInfo).port);
  // The first server only found a free port for nginx.
  await new Promise((done) => servers[0].close(done));
  // Not execFileSync: these stand-ins live in this process and must answer nginx's probe.
  const script = (...args: string[]) => promisify(execFile)(resolve(__dirname, '..', '..', 'scripts', 'proxy-cluster'), args);
  const dir = join(tmpdir(), `latch-nginx-${process.pid}-${Date.now()}`);
  await script('proxy', dir, String(proxy), ...upstreams.map(String));
  try {
    await run(proxy, received);
  } finally {
    await script('stop', dir);
    for (const server of servers.slice(1)) server.close();
  }
}

function expectUnavailable(answer: Answer) {
  expect(answer.status).toBe(503);
  expect(answer.headers['content-type']).toBe('application/json');
  expect(answer.headers['retry-after']).toBe('1');
  expect(answer.json).toEqual({ error: 'unavailable', message: expect.any(String) });
}

test('with both instances failing, nginx answers /api in Latch\'s JSON: 503 unavailable', async () => {
  await withDyingInstances(async (port, received) => {
    expectUnavailable(await call(port, 'GET', '/api/me', { token: 'x' }));
    // A GET is safe to repeat, so nginx tried the other instance too.
    expect(received).toEqual(['GET /api/me', 'GET /api/me']);
    const page = await call(port, 'GET', '/account');
    expect(page.status).toBe(503);
    expect(page.headers['content-type']).toBe('text/plain');
  });
});

test('a refresh that reached an instance is never replayed to the other', async () => {
  await withDyingInstances(async (port, received) => {
    const refresh = await call(port, 'POST', '/api/auth/refresh', { cookie: 'x', headers: { origin: `http://localhost:${port}` } });
    expectUnavailable(refresh);
    // A replay would present the same refresh token twice: a rotation, then a theft alarm.
    expect(received).toEqual(['POST /api/auth/refresh']);
    await sleep(100);
    expect(received).toHaveLength(1);
  });
});
