// What every real-server helper (redis-server.ts, s3-server.ts, nginx.ts) needs: finding a binary,
// failing under CI or skipping loudly elsewhere when it is missing, free loopback ports, and knowing
// when a port or a process is gone (PID 1 here reaps slowly: a killed server lingers as a zombie).
import { accessSync, constants } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** The executable `name` on PATH (then in `extraDirs`), or undefined. */
export function findBinary(name: string, extraDirs: string[] = []): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), ...extraDirs]) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

const warned = new Set<string>();

/**
 * For `describe.skipIf` / `runIf`: true when nothing is `missing`. Otherwise throws under CI=true (a
 * suite must not pass by skipping) and elsewhere warns loudly, once per `what`, and answers false.
 */
export function requireInstalled(what: string, missing: string[], aptPackages: string): boolean {
  if (missing.length === 0) return true;
  const hint = `apt-get install -y --no-install-recommends ${aptPackages}`;
  if (process.env.CI === 'true') throw new Error(`${what}: ${missing.join(', ')} not found, and CI must run these tests: ${hint} (.ci/run does)`);
  if (!warned.has(what)) {
    warned.add(what);
    console.warn(`\n*** SKIPPING the ${what} tests: ${missing.join(', ')} not found. To run them: ${hint} ***\n`);
  }
  return false;
}

/** Distinct free loopback ports (all held at once, then released; a server may still lose a race). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

export async function freePort(): Promise<number> {
  return (await freePorts(1))[0];
}

/** True while something accepts connections on the loopback port. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Gone means no such process or a zombie (`kill -0` succeeds on a zombie). */
export async function processGone(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Starts a server in a new temp dir (`nestjs-tus-<name>-…`), trying again when the free port it chose was
 * taken before it bound (`startOnce` answers 'port taken'). The returned `stop()` also removes the dir.
 */
export async function startInTempDir<T extends { stop(): Promise<void> }>(
  name: string,
  startOnce: (dir: string) => Promise<T | 'port taken'>,
): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `nestjs-tus-${name}-`));
  try {
    for (let tries = 0; tries < 5; tries++) {
      const started = await startOnce(dir);
      if (started === 'port taken') continue;
      return {
        ...started,
        stop: async () => {
          await started.stop();
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    throw new Error(`${name}: no free port after 5 tries`);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
