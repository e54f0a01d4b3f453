// Starts the compiled child server (test/fixtures/child-server.ts) as a real process, for tests that
// kill it with SIGKILL and start it again on the same directory, or run several of it on one store.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { S3Store } from '../../src/index.js';
import type { RedisServer } from './redis-server.js';
import type { S3Server } from './s3-server.js';

export const REPO_ROOT = process.cwd();
export const CHILD = path.join(REPO_ROOT, 'dist', 'test', 'fixtures', 'child-server.js');

export interface Child {
  proc: ChildProcess;
  url: string;
  stderr: () => string;
  /** Everything it printed on stdout so far. */
  stdout: () => string;
}

/** Starts the child on `uploadDir`; `env` adds settings (see child-server.ts). Resolves once it listens. */
export function startChild(uploadDir: string, env: Record<string, string> = {}): Promise<Child> {
  const proc = spawn(process.execPath, [CHILD], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: '0', ...env, UPLOAD_DIR: uploadDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  let out = '';
  proc.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise<Child>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`child-server did not start within 20 s; stderr:\n${err}`));
    }, 20_000);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`child-server exited early (${code ?? signal}); stderr:\n${err}`));
    });
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      out += `${line}\n`;
      const match = /^listening (http:\/\/\S+)$/.exec(line.trim());
      if (match) {
        clearTimeout(timer);
        proc.removeAllListeners('exit');
        resolve({ proc, url: match[1], stderr: () => err, stdout: () => out });
      }
    });
  });
}

export function killHard(child: Child): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.proc.once('exit', () => resolve());
    child.proc.kill('SIGKILL');
  });
}

/**
 * The env of a child on a store and locker it shares with others (an S3Store in `bucket` under `prefix`,
 * a RedisLocker), after creating the bucket if it is missing.
 */
export async function sharedStorageEnv(s3: S3Server, redis: RedisServer, bucket: string, prefix: string): Promise<Record<string, string>> {
  const setup = new S3Store({ clientConfig: s3.clientConfig, bucket, createBucket: true });
  await setup.init();
  setup.destroy();
  const credentials = s3.clientConfig.credentials as { accessKeyId: string; secretAccessKey: string };
  return {
    S3_ENDPOINT: s3.endpoint,
    S3_BUCKET: bucket,
    S3_ACCESS_KEY: credentials.accessKeyId,
    S3_SECRET_KEY: credentials.secretAccessKey,
    S3_PREFIX: prefix,
    REDIS_URL: redis.url,
  };
}
