// Starts a real redis-server for the tests that need one: loopback, a free port, a temp dir, no
// persistence (no RDB, no AOF). Without the binary, a suite is skipped loudly on a developer machine and
// fails under CI (where .ci/run installs the Debian package).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { findBinary, freePort, portOpen, requireInstalled, sleep, startInTempDir } from './server-tools.js';
import { afterAll, beforeAll } from 'vitest';

export const REDIS_APT_PACKAGE = 'redis-server';

export interface RedisServer {
  host: string;
  port: number;
  /** `redis://127.0.0.1:<port>` */
  url: string;
  pid: number;
  /** Kills the server and waits until its port is closed; idempotent. */
  stop(): Promise<void>;
}

/** The redis-server binary on PATH, or undefined. */
export function findRedisServer(): string | undefined {
  return findBinary('redis-server');
}

/**
 * For `describe.runIf(redisServerAvailable())`: true when redis-server is installed. Otherwise throws
 * under CI (`CI=true`), and elsewhere warns loudly and returns false so the suite is skipped.
 */
export function redisServerAvailable(): boolean {
  return requireInstalled('Redis', findRedisServer() ? [] : ['redis-server'], REDIS_APT_PACKAGE);
}

/** Sends PING on a raw socket; true on `+PONG`. */
function ping(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}

/** True once nothing accepts connections on the port. */
async function portClosed(port: number): Promise<boolean> {
  return !(await portOpen(port));
}


async function logTail(dir: string): Promise<string> {
  const text = await readFile(path.join(dir, 'redis.log'), 'utf8').catch(() => '(no log)');
  return text.split('\n').slice(-15).join('\n');
}

function exited(proc: ChildProcess): boolean {
  return proc.exitCode !== null || proc.signalCode !== null;
}

async function startOnce(binary: string, dir: string): Promise<RedisServer | 'port taken'> {
  const port = await freePort();
  // No stdio is inherited or piped: nothing can keep a pipe open after the server is gone.
  const proc = spawn(
    binary,
    [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--daemonize', 'no',
      '--save', '',
      '--appendonly', 'no',
      '--protected-mode', 'yes',
      '--dir', dir,
      '--logfile', path.join(dir, 'redis.log'),
    ],
    { stdio: 'ignore' },
  );
  const exit = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.once('error', () => undefined); // reported through the exit and the log below
  const killOnExit = () => proc.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (!exited(proc)) proc.kill('SIGTERM');
      // Wait for the process (Node reaps its own child) and for the port to close; then SIGKILL.
      const deadline = Date.now() + 5_000;
      while (!exited(proc) || !(await portClosed(port))) {
        if (Date.now() > deadline) {
          proc.kill('SIGKILL');
          await Promise.race([exit, sleep(2_000)]);
          break;
        }
        await sleep(25);
      }
      process.removeListener('exit', killOnExit);
    })());

  for (let i = 0; i < 200; i++) {
    if (exited(proc)) {
      process.removeListener('exit', killOnExit);
      const log = await logTail(dir);
      if (/Address already in use/i.test(log)) return 'port taken';
      throw new Error(`redis-server exited at start-up (${proc.exitCode ?? proc.signalCode}); log:\n${log}`);
    }
    if (await ping(port)) return { host: '127.0.0.1', port, url: `redis://127.0.0.1:${port}`, pid: proc.pid!, stop };
    await sleep(50);
  }
  await stop();
  throw new Error(`redis-server did not answer PING within 10 s; log:\n${await logTail(dir)}`);
}

/** Starts redis-server on a free loopback port in a new temp dir (removed by `stop()`). */
export async function startRedisServer(): Promise<RedisServer> {
  const binary = findRedisServer();
  if (!binary) throw new Error(`redis-server was not found on PATH (Debian package "${REDIS_APT_PACKAGE}")`);
  return startInTempDir('redis', (dir) => startOnce(binary, dir));
}

/** Call at describe level: one server for the describe block, started before its tests and stopped after. */
export function useRedisServer(): { readonly server: RedisServer } {
  let server: RedisServer | undefined;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });
  return {
    get server() {
      if (!server) throw new Error('the Redis server is not running (use it inside a test)');
      return server;
    },
  };
}
