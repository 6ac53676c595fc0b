// Where scripts/deploy-example listens and keeps its files. Imported by the config as well as
// the spec, so it must not import Playwright's test runner.
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const host = 'latch.example.test';
const ports = (name: string, fallback: string) => (process.env[name] ?? fallback).trim().split(/\s+/).map(Number);
export const [nginxHttp, nginxHttps] = ports('NGINX_PORTS', '3170 3171');
export const [caddyHttp, caddyHttps] = ports('CADDY_PORTS', '3172 3173');
export const instancePorts = ports('INSTANCE_PORTS', '3174 3175');
export const smtpPort = ports('SMTP_PORT', '3176')[0];
// Chosen once by the runner: its workers inherit the variable, so all of them see one directory.
export const exampleDir = (process.env.LATCH_DEPLOY_DIR ??= join(tmpdir(), `latch-deploy-${process.pid}-${Date.now()}`));
