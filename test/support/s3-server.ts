// Real S3-compatible servers for the integration tests, started from Debian packages on free loopback
// ports in a temp dir (test/support/start-swift.sh, start-ceph-rgw.sh), stopped by PID.
//
// A missing binary fails the suite under CI=true (naming the apt packages) and otherwise skips it with
// a loud warning, so a developer without the packages still runs everything else.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findBinary, freePorts, portOpen, processGone, requireInstalled } from './server-tools.js';
import { ListMultipartUploadsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { S3ClientSettings } from '../../src/index.js';

export type S3ServerKind = 'swift' | 'rgw';

export interface S3Server {
  kind: S3ServerKind;
  endpoint: string;
  /** Client settings for an S3Store on this server. */
  clientConfig: S3ClientSettings;
  /** Seconds the start took. */
  startSeconds: number;
  stop(): Promise<void>;
}

interface ServerSpec {
  binaries: string[];
  packages: string;
  script: string;
  ports: number;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

const SPECS: Record<S3ServerKind, ServerSpec> = {
  swift: {
    binaries: ['swift-proxy-server', 'swift-account-server', 'swift-container-server', 'swift-object-server', 'swift-ring-builder', 'memcached'],
    packages: 'swift-proxy swift-account swift-container swift-object memcached',
    script: 'start-swift.sh',
    ports: 5,
    credentials: { accessKeyId: 'tus:tus', secretAccessKey: 'tussecret' },
  },
  rgw: {
    binaries: ['radosgw', 'radosgw-admin', 'ceph-mon', 'ceph-osd', 'ceph', 'monmaptool', 'ceph-authtool'],
    packages: 'radosgw ceph-mon ceph-osd',
    script: 'start-ceph-rgw.sh',
    ports: 2,
    credentials: { accessKeyId: 'TUSKEY', secretAccessKey: 'TUSSECRET' },
  },
};

const SCRIPTS = path.join(process.cwd(), 'test', 'support');

// The SDK warns once per process that its 2027 releases will need Node 22; the pinned version runs on 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/**
 * Whether the server's binaries are installed. Missing under CI=true: throws (the suite must not pass
 * by skipping); otherwise warns loudly and answers false. Synchronous, for `describe.skipIf`.
 */
export function s3ServerAvailable(kind: S3ServerKind): boolean {
  const spec = SPECS[kind];
  return requireInstalled(`${kind} S3`, spec.binaries.filter((b) => !findBinary(b, ['/usr/sbin'])), spec.packages);
}

function run(script: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(SCRIPTS, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${script} exited with ${code}:\n${err}${out}`))));
  });
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/** SIGTERM each PID in order, wait for it to go (SIGKILL after 10 s), then for the ports to close. */
async function stopAll(pids: number[], ports: number[]): Promise<void> {
  for (const pid of pids) {
    signal(pid, 'SIGTERM');
    const deadline = Date.now() + 10_000;
    while (!(await processGone(pid))) {
      if (Date.now() > deadline) {
        signal(pid, 'SIGKILL');
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  for (const port of ports) {
    for (let i = 0; i < 200 && (await portOpen(port)); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts a fresh server of `kind`; call `stop()` when done (it also removes its directory). */
export async function startS3Server(kind: S3ServerKind): Promise<S3Server> {
  const spec = SPECS[kind];
  const root = await mkdtemp(path.join(os.tmpdir(), `tus-${kind}-`));
  const dir = path.join(root, 'data');
  const started = Date.now();
  let ports: number[] = [];
  let out = '';
  // Ports are free when chosen but could be taken before the server binds: try a few times.
  for (let attempt = 1; ; attempt++) {
    ports = await freePorts(spec.ports);
    try {
      out = await run(spec.script, [dir, ...ports.map(String)]);
      break;
    } catch (error) {
      await stopAll((await pidsOf(kind, dir, '')).reverse(), ports);
      await rm(dir, { recursive: true, force: true });
      if (attempt === 3) {
        await rm(root, { recursive: true, force: true });
        throw error;
      }
    }
  }
  const pids = await pidsOf(kind, dir, out);
  const endpoint = `http://127.0.0.1:${ports[0]}`;
  let stopped: Promise<void> | undefined;
  return {
    kind,
    endpoint,
    startSeconds: (Date.now() - started) / 1000,
    clientConfig: {
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: spec.credentials,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    },
    stop() {
      stopped ??= (async () => {
        // In reverse order of start: Swift's proxy first and memcached last; RGW's gateway, OSD, monitor.
        await stopAll([...pids].reverse(), ports);
        await rm(root, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/** The PIDs a start script reported (or, after a failed start, left in its files), in order of start. */
async function pidsOf(kind: S3ServerKind, dir: string, out: string): Promise<number[]> {
  let text = out;
  if (!text.trim()) {
    if (kind === 'swift') text = await readFile(path.join(dir, 'pids'), 'utf8').catch(() => '');
    else {
      const names = ['mon.a', 'osd.0', 'client.rgw.a'];
      text = (await Promise.all(names.map((n) => readFile(path.join(dir, 'run', `${n}.pid`), 'utf8').catch(() => '')))).join(' ');
    }
  }
  return (text.match(/\d+/g) ?? []).map(Number).filter((pid) => pid > 1);
}

/** Every object under `prefix` (relative names) and every multipart upload still in progress. */
export async function bucketContents(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const names: string[] = [];
  let token: string | undefined;
  do {
    const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of out.Contents ?? []) names.push(o.Key!.slice(prefix.length));
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
  const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
  for (const u of uploads.Uploads ?? []) names.push(`(multipart upload) ${u.Key!.slice(prefix.length)}`);
  return names;
}
