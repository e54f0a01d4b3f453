// nginx (Debian package "nginx") as a loopback round-robin load balancer over app instances, for the
// multi-instance tests: a temp dir, `nginx -p DIR -c lb.conf`, a free loopback port,
// request bodies streamed to the backend (`proxy_request_buffering off`), never replayed on another
// backend (`proxy_next_upstream off`), and `max_fails=0` so an early failure never takes a backend out of
// rotation. Without the binary, a suite fails under CI=true and is skipped loudly elsewhere.
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { findBinary, freePort, portOpen, processGone, requireInstalled, sleep, startInTempDir } from './server-tools.js';

export const NGINX_APT_PACKAGE = 'nginx';

export interface LoadBalancer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  pid: number;
  /** Everything nginx wrote to stderr (its error log). */
  log(): string;
  /** Stops nginx (SIGTERM, SIGKILL after 5 s), waits for its port to close and removes its dir; idempotent. */
  stop(): Promise<void>;
}

/** The nginx binary (PATH, then /usr/sbin, where Debian puts it), or undefined. */
export function findNginx(): string | undefined {
  return findBinary('nginx', ['/usr/sbin', '/usr/local/sbin']);
}

/** For `describe.skipIf(!nginxAvailable())`: throws under CI=true when nginx is missing, else warns once. */
export function nginxAvailable(): boolean {
  return requireInstalled('load-balancer', findNginx() ? [] : ['nginx'], NGINX_APT_PACKAGE);
}

function config(port: number, backends: number[]): string {
  return `daemon off;
worker_processes 1;
pid nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path tmp/body;
  proxy_temp_path       tmp/proxy;
  fastcgi_temp_path     tmp/fastcgi;
  uwsgi_temp_path       tmp/uwsgi;
  scgi_temp_path        tmp/scgi;
  upstream tus_backends {
${backends.map((b) => `    server 127.0.0.1:${b} max_fails=0;`).join('\n')}
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 0;
    proxy_request_buffering off;
    proxy_buffering off;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $http_host;
    proxy_set_header X-Forwarded-Host $http_host;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_read_timeout 300s;
    proxy_send_timeout 300s;
    proxy_next_upstream off;
    location / { proxy_pass http://tus_backends; }
  }
}
`;
}


async function startOnce(binary: string, dir: string, backends: number[]): Promise<LoadBalancer | 'port taken'> {
  const port = await freePort();
  await writeFile(path.join(dir, 'lb.conf'), config(port, backends));
  const proc = spawn(binary, ['-p', `${dir}/`, '-c', 'lb.conf', '-e', 'stderr'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  proc.once('error', (error) => (log += `\n${error.message}`));
  const exited = () => proc.exitCode !== null || proc.signalCode !== null;
  const killOnExit = () => proc.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (!exited()) proc.kill('SIGTERM');
      const deadline = Date.now() + 5_000;
      while (!(exited() || (proc.pid !== undefined && (await processGone(proc.pid)))) || (await portOpen(port))) {
        if (Date.now() > deadline) {
          proc.kill('SIGKILL');
          await sleep(500);
          break;
        }
        await sleep(25);
      }
      process.removeListener('exit', killOnExit);
    })());

  for (let i = 0; i < 200; i++) {
    if (exited()) {
      process.removeListener('exit', killOnExit);
      if (/Address already in use/i.test(log)) return 'port taken';
      throw new Error(`nginx exited at start-up (${proc.exitCode ?? proc.signalCode}):\n${log}`);
    }
    if (await portOpen(port)) return { url: `http://127.0.0.1:${port}`, port, pid: proc.pid!, log: () => log, stop };
    await sleep(25);
  }
  await stop();
  throw new Error(`nginx did not listen within 5 s:\n${log}`);
}

/** Starts nginx on a free loopback port, round robin over `backends` (ports on 127.0.0.1). */
export async function startLoadBalancer(backends: number[]): Promise<LoadBalancer> {
  const binary = findNginx();
  if (!binary) throw new Error(`nginx was not found (Debian package "${NGINX_APT_PACKAGE}")`);
  return startInTempDir('nginx', async (dir) => {
    await mkdir(path.join(dir, 'tmp'), { recursive: true });
    return startOnce(binary, dir, backends);
  });
}
