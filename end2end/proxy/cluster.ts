// The cluster playwright.proxy.config.ts starts (scripts/proxy-cluster): nginx in front of two
// Latch instances on one PostgreSQL, and plain HTTP helpers for the specs that talk to it.
// Node's own http client, not Playwright's: a spec must choose its source address and see
// every answer exactly as sent, and the load spec needs its own keep-alive pool.
import { readFileSync } from 'node:fs';
import { request, type Agent, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { expect } from '@playwright/test';
import { newEmail, PASSWORD } from '../tests/fixtures';
import { clusterDir, origin, proxyPort } from './ports';

export { clusterDir, instancePorts, origin, proxyPort } from './ports';

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: any;
}

export interface CallOptions {
  token?: string;
  cookie?: string;
  /** Sent as JSON unless it is already a string. */
  body?: unknown;
  headers?: Record<string, string>;
  /** The source address of the connection (any of 127.0.0.0/8 works on Linux). */
  localAddress?: string;
  agent?: Agent;
}

/** One request to 127.0.0.1:`port`. Each gets a new connection unless `agent` keeps some. */
export function call(port: number, method: string, path: string, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.cookie) headers.cookie = `latch_refresh=${options.cookie}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method, path, headers, localAddress: options.localAddress, agent: options.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: any;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    // A server may answer an oversized body before reading it all, then close: the answer
    // has already settled the promise, so a later write error changes nothing.
    req.on('error', reject);
    req.end(body);
  });
}

/** The refresh cookie an answer sets (its value only). */
export function refreshCookieOf(answer: Answer): string {
  const line = (answer.headers['set-cookie'] ?? []).find((c) => c.startsWith('latch_refresh='));
  expect(line, 'the answer sets the refresh cookie').toBeDefined();
  return line!.slice('latch_refresh='.length).split(';')[0];
}

export interface Session {
  email: string;
  token: string;
  cookie: string;
}

/** Signs up (or in, with `email`) through nginx, as a keyless API client. */
export async function startSession(email?: string, options: CallOptions = {}): Promise<Session> {
  const path = email ? '/api/auth/login' : '/api/auth/signup';
  const expected = email ? 200 : 201;
  email ??= newEmail();
  const answer = await call(proxyPort, 'POST', path, {
    ...options,
    headers: { origin, 'user-agent': 'latch-proxy-spec', ...options.headers },
    body: { email, password: PASSWORD },
  });
  // The body of a refusal names the problem; that of a success holds tokens and is not shown.
  expect(answer.status, answer.json?.error ? answer.text : '').toBe(expected);
  return { email, token: answer.json.access_token, cookie: refreshCookieOf(answer) };
}

/** The id of the session `token` belongs to. */
export async function sessionIdOf(token: string): Promise<string> {
  const answer = await call(proxyPort, 'GET', '/api/sessions', { token });
  expect(answer.status).toBe(200);
  return answer.json.find((s: { current: boolean }) => s.current).id;
}

/**
 * The instance port nginx passed a request to, by the X-Request-Id it answered with; null when
 * nginx answered itself (its own error pages carry no X-Request-Id).
 */
export async function servedBy(answer: Answer): Promise<number | null> {
  const id = answer.headers['x-request-id'];
  if (typeof id !== 'string') return null;
  // nginx writes the line once the answer has gone out: it may trail the answer slightly.
  for (let i = 0; i < 100; i++) {
    const line = readFileSync(join(clusterDir, 'nginx', 'access.log'), 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${id} `));
    if (line) {
      // After a retry nginx lists every instance it tried; the last one answered.
      const upstream = line.split(' ').slice(4).join(' ').split(', ').pop()!;
      return upstream === '-' ? null : Number(upstream.split(':').pop());
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`request ${id} is not in nginx's access log`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
