// Two instances behind nginx behave as one Latch: any of them accepts any token, a revocation
// made at one is honoured by the other, and a session's rotation goes on whichever instance
// each refresh lands on.
import { test, expect } from '@playwright/test';
import { call, instancePorts, origin, proxyPort, servedBy, sessionIdOf, startSession, refreshCookieOf } from './cluster';

/** GET /api/me through nginx `times` times in a row: the statuses, and which instance answered each. */
async function me(token: string, times: number): Promise<{ statuses: number[]; instances: Set<number | null> }> {
  const statuses: number[] = [];
  const instances = new Set<number | null>();
  for (let i = 0; i < times; i++) {
    const answer = await call(proxyPort, 'GET', '/api/me', { token });
    statuses.push(answer.status);
    instances.add(await servedBy(answer));
  }
  return { statuses, instances };
}

test('consecutive requests through nginx are spread over both instances', async () => {
  const { token } = await startSession();
  const { statuses, instances } = await me(token, 20);
  expect(statuses).toEqual(Array(20).fill(200));
  expect([...instances].sort()).toEqual([...instancePorts].sort());
});

test('a session revoked through one instance is refused by it at once, by the other within a second, then everywhere', async () => {
  const victim = await startSession();
  const owner = await startSession(victim.email);
  expect((await me(victim.token, 2)).statuses).toEqual([200, 200]);

  const revoke = await call(proxyPort, 'DELETE', `/api/sessions/${await sessionIdOf(victim.token)}`, { token: owner.token });
  expect(revoke.status).toBe(204);
  const answered = Date.now();
  const revokedAt = await servedBy(revoke);
  expect(revokedAt, 'nginx logged which instance answered').not.toBeNull();
  const other = instancePorts.find((port) => port !== revokedAt)!;

  // The instance that revoked it put it in its own set before answering.
  expect((await call(revokedAt!, 'GET', '/api/me', { token: victim.token })).status).toBe(401);
  // The other hears it through PostgreSQL's NOTIFY, sent when the revocation commits: a request
  // that reaches it in the same millisecond as the 204 can still pass, so it is polled.
  let polls = 0;
  for (;;) {
    polls++;
    if ((await call(other, 'GET', '/api/me', { token: victim.token })).status === 401) break;
    expect(Date.now() - answered, 'the other instance refused the session within a second').toBeLessThan(1000);
  }
  console.log(`revocation: the other instance refused the session ${Date.now() - answered} ms after the 204, at poll ${polls}`);

  // From then on, whichever instance each request lands on, the token is dead.
  const after = await me(victim.token, 6);
  expect(after.statuses).toEqual(Array(6).fill(401));
  expect(after.instances, 'some of them landed on the instance that did not revoke').toContain(other);
  expect((await me(owner.token, 2)).statuses).toEqual([200, 200]);
});

test('refresh rotation carries on across instances, and a replayed old token ends the session on both', async () => {
  const session = await startSession();
  const refresh = (cookie: string) =>
    call(proxyPort, 'POST', '/api/auth/refresh', { cookie, headers: { origin, 'user-agent': 'latch-proxy-spec' } });

  const cookies = [session.cookie];
  const rotatedBy = new Set<number | null>();
  let token = session.token;
  for (let i = 0; i < 6; i++) {
    const answer = await refresh(cookies[cookies.length - 1]);
    expect(answer.status).toBe(200);
    rotatedBy.add(await servedBy(answer));
    cookies.push(refreshCookieOf(answer));
    token = answer.json.access_token;
  }
  expect([...rotatedBy].sort(), 'both instances rotated the session').toEqual([...instancePorts].sort());
  expect(new Set(cookies).size, 'every refresh issued a new token').toBe(cookies.length);
  for (const port of instancePorts) expect((await call(port, 'GET', '/api/me', { token })).status).toBe(200);

  // The just-retired token, within the grace window: the same successor, from either instance.
  for (let i = 0; i < 2; i++) {
    const retry = await refresh(cookies[cookies.length - 2]);
    expect(retry.status).toBe(200);
    expect(refreshCookieOf(retry) === cookies[cookies.length - 1], 'the same successor').toBe(true);
  }

  // An older one is a copy in someone else's hands: the session ends, everywhere.
  const replay = await refresh(cookies[0]);
  expect(replay.status).toBe(401);
  expect(replay.json.error).toBe('refresh_token_reuse');
  expect((await refresh(cookies[cookies.length - 1])).status).toBe(401);
  for (const port of instancePorts) expect((await call(port, 'GET', '/api/me', { token })).status).toBe(401);
});
