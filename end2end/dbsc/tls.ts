// Where the DBSC run serves Latch over HTTPS (Chrome binds sessions on secure origins only,
// and plain http://localhost does not count): nginx with a throw-away certificate for
// localhost in front of one release server. Imported by the config and the spec, so it must
// not import the test runner. The certificate is made once, by the runner; its workers
// inherit the directory and read the same one.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const httpsPort = Number(process.env.DBSC_HTTPS_PORT ?? 3180);
export const instancePort = httpsPort + 1;
export const origin = `https://localhost:${httpsPort}`;
/** Seconds the bound cookie lives: Chrome renews it in its last two minutes. */
export const cookieLifetime = 130;
export const dir = (process.env.LATCH_DBSC_DIR ??= join(tmpdir(), `latch-dbsc-${process.pid}-${Date.now()}`));

const cert = join(dir, 'cert.pem');
const key = join(dir, 'key.pem');
if (!existsSync(cert)) {
  mkdirSync(join(dir, 'nginx'), { recursive: true });
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-keyout', key, '-out', cert,
  ], { stdio: 'ignore' });
  writeFileSync(join(dir, 'nginx', 'nginx.conf'), `daemon off;
worker_processes 1;
pid ${dir}/nginx/nginx.pid;
error_log ${dir}/nginx/error.log;
events {}
http {
  access_log off;
  client_body_temp_path ${dir}/nginx/body; proxy_temp_path ${dir}/nginx/proxy;
  fastcgi_temp_path ${dir}/nginx/f; uwsgi_temp_path ${dir}/nginx/u; scgi_temp_path ${dir}/nginx/s;
  server {
    listen 127.0.0.1:${httpsPort} ssl;
    ssl_certificate ${cert}; ssl_certificate_key ${key};
    location / {
      proxy_pass http://127.0.0.1:${instancePort};
      proxy_set_header Host $host:$server_port;
      proxy_set_header X-Forwarded-For $remote_addr;
    }
  }
}
`);
}

/** The base64 SHA-256 of the certificate's public key, for `--ignore-certificate-errors-spki-list`:
 *  the one way Chrome treats a self-made certificate as valid enough for DBSC. */
export const spki = execFileSync('sh', ['-c',
  `openssl x509 -in '${cert}' -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`,
]).toString().trim();
