// Where the cluster of playwright.proxy.config.ts listens and keeps its files. Imported by the
// config as well as the specs, so it must not import Playwright's test runner.
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const proxyPort = Number(process.env.PROXY_PORT ?? 3160);
export const instancePorts = (process.env.INSTANCE_PORTS ?? '3161 3162').trim().split(/\s+/).map(Number);
export const origin = `http://localhost:${proxyPort}`;
// Chosen once by the runner: its workers inherit the variable, so all of them see one directory.
export const clusterDir = (process.env.LATCH_PROXY_DIR ??= join(tmpdir(), `latch-proxy-${process.pid}-${Date.now()}`));
