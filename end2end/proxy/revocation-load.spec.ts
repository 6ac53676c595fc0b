// The promise of several instances under load: a session revoked at one instance is refused by
// the other within a second, while both are busy serving protected requests through nginx.
import { Agent } from 'node:http';
import { test, expect } from '@playwright/test';
import { call, instancePorts, proxyPort, sessionIdOf, sleep, startSession } from './cluster';

const CONNECTIONS = 16;
const LOAD_MS = 4_000;

test('a session revoked at one instance is refused by the other within a second, under load', async () => {
  test.setTimeout(60_000);
  const [a, b] = instancePorts;
  const owner = await startSession();
  const busy = await Promise.all(Array.from({ length: 4 }, () => startSession(owner.email)));
  const victim = await startSession(owner.email);
  const victimId = await sessionIdOf(victim.token);
  expect((await call(b, 'GET', '/api/me', { token: victim.token })).status).toBe(200);

  // Sixteen keep-alive connections through nginx, each asking as fast as it is answered.
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const statuses = new Map<number, number>();
  let served = 0;
  let loading = true;
  const load = Array.from({ length: CONNECTIONS }, async (_, i) => {
    while (loading) {
      const answer = await call(proxyPort, 'GET', '/api/me', { token: busy[i % busy.length].token, agent });
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      served += 1;
    }
  });
  const started = performance.now();

  await sleep(LOAD_MS / 2);
  const servedBefore = served;
  const revoke = await call(a, 'DELETE', `/api/sessions/${victimId}`, { token: owner.token });
  expect(revoke.status).toBe(204);
  const revokedAt = performance.now();
  let refusedAfterMs = Infinity;
  let polls = 0;
  while (performance.now() - revokedAt < 5_000) {
    polls += 1;
    if ((await call(b, 'GET', '/api/me', { token: victim.token })).status === 401) {
      refusedAfterMs = performance.now() - revokedAt;
      break;
    }
  }

  await sleep(Math.max(0, started + LOAD_MS - performance.now()));
  loading = false;
  await Promise.all(load);
  agent.destroy();
  const seconds = (performance.now() - started) / 1000;
  test.info().annotations.push({
    type: 'figures',
    description:
      `${served} GET /api/me through nginx in ${seconds.toFixed(1)} s (${Math.round(served / seconds)}/s, ` +
      `${CONNECTIONS} connections); instance B refused the revoked session ${refusedAfterMs.toFixed(1)} ms ` +
      `after instance A's 204, at poll ${polls}`,
  });
  console.log(`revocation under load: ${test.info().annotations.at(-1)!.description}`);

  expect(refusedAfterMs).toBeLessThan(1_000);
  expect(Object.fromEntries(statuses), 'every load request succeeded').toEqual({ 200: served });
  // The load was really there, before the revocation and after it.
  expect(servedBefore).toBeGreaterThan(100);
  expect(served - servedBefore).toBeGreaterThan(100);
  expect((await call(a, 'GET', '/api/me', { token: victim.token })).status).toBe(401);
  expect((await call(b, 'GET', '/api/me', { token: owner.token })).status).toBe(200);
});
