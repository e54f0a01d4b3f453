// S3 benchmark: W1 and W3 through tus servers on an S3-compatible store, each divided by a raw
// @aws-sdk/client-s3 multipart upload of the same bytes to the same server in the same repetition.
// Usage: node bench/s3.mjs [--backend swift|rgw] [--reps N] [--workloads W1,W3] [--servers raw,nestjs-tus,...]
//        [--quick] [--settle S] [--concurrency N] [--no-build] [--profile <server id>] [--out file]
// Servers: raw (the anchor), floor-s3 (the cheapest Node hop: bench/servers/s3-floor.mjs), nestjs-tus (Express), nestjs-tus-fastify, tus-server (@tus/server + @tus/s3-store),
// nestjs-tus-lb (two nestjs-tus instances on Redis behind nginx round robin; W1 only).
// The object store, Redis and nginx are the test suite's (test/support, Debian packages; see bench/README.md).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { runWorkload } from './lib/client.mjs';
import { createBucket, removeBucket, runRawWorkload } from './lib/s3-raw.mjs';
import { median } from './lib/report.mjs';
import { procStats, startServer, stopServer } from './lib/processes.mjs';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH);
const MiB = 1024 * 1024;
const PART_SIZE = 8 * MiB; // every store's default, and the anchor's

const opts = { backend: 'swift', reps: undefined, workloads: 'W1,W3', servers: 'raw,floor-s3,nestjs-tus,nestjs-tus-fastify,tus-server,nestjs-tus-lb', quick: false, settle: undefined, build: true, profile: undefined, concurrency: undefined, out: path.join(BENCH, 'results', 's3-latest.json') };
for (let i = 2; i < process.argv.length; i++) {
  const [k, inline] = process.argv[i].split('=', 2);
  const val = () => inline ?? process.argv[++i];
  if (k === '--backend') opts.backend = val();
  else if (k === '--reps') opts.reps = val();
  else if (k === '--workloads') opts.workloads = val();
  else if (k === '--servers') opts.servers = val();
  else if (k === '--quick') opts.quick = true;
  else if (k === '--settle') opts.settle = val();
  else if (k === '--no-build') opts.build = false;
  else if (k === '--profile') opts.profile = val();
  else if (k === '--concurrency') opts.concurrency = Number(val());
  else if (k === '--out') opts.out = path.resolve(val());
  else if (k === '--help' || k === '-h') {
    console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(0, 7).join('\n'));
    process.exit(0);
  } else throw new Error(`unknown option ${process.argv[i]}`);
}
opts.reps = Number(opts.reps ?? (opts.quick ? 1 : 3));
opts.settle = Number(opts.settle ?? (opts.quick ? 0 : 5));
opts.workloads = opts.workloads.split(',').map((w) => w.trim().toUpperCase());
opts.servers = opts.servers.split(',').map((s) => s.trim());
if (!['swift', 'rgw'].includes(opts.backend)) throw new Error('--backend must be swift or rgw');

const SERVERS = {
  raw: { name: 'raw S3 multipart' },
  'floor-s3': { name: 'floor (Node hop)', script: 's3-floor.mjs' },
  'nestjs-tus': { name: 'nestjs-tus', script: 'nestjs-tus.mjs' },
  'nestjs-tus-fastify': { name: 'nestjs-tus fastify', script: 'nestjs-tus.mjs', env: { ADAPTER: 'fastify' } },
  'tus-server': { name: '@tus/server s3-store', script: 'tus-server.mjs' },
  'nestjs-tus-lb': { name: 'nestjs-tus 2× nginx', script: 'nestjs-tus.mjs', instances: 2, only: ['W1'] },
};
for (const s of opts.servers) if (!SERVERS[s]) throw new Error(`unknown server ${s}`);
if (opts.servers[0] !== 'raw') opts.servers = ['raw', ...opts.servers.filter((s) => s !== 'raw')];

// No HEAD poller: on S3 every HEAD reads the info object, load the raw anchor would not have.
const common = { warmup: 50, warmupSize: 64 * 1024, headIntervalMs: 0 };
const SPECS = {
  W1: { ...common, count: 8, size: (opts.quick ? 32 : 256) * MiB, concurrency: 4, patchSize: (opts.quick ? 32 : 256) * MiB },
  W3: { ...common, count: opts.quick ? 300 : 2000, size: 64 * 1024, concurrency: 32, patchSize: 64 * 1024 },
};
for (const w of opts.workloads) if (!SPECS[w]) throw new Error(`the S3 bench runs W1 and W3, not ${w}`);
// --concurrency: uploads at a time in every workload (e.g. 1: one client's upload, where receiving and sending alternate).
if (opts.concurrency) for (const spec of Object.values(SPECS)) spec.concurrency = opts.concurrency;

// ---------- infrastructure (the test suite's helpers, compiled by `tsc -p tsconfig.json`) ----------
process.chdir(ROOT); // the start scripts are found relative to the repo root
if (opts.build) {
  console.error('building (tsc -p tsconfig.json) …');
  const b = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { stdio: 'inherit' });
  if (b.status !== 0) process.exit(1);
}
const support = (name) => import(path.join(ROOT, 'dist', 'test', 'support', `${name}.js`));
const { startS3Server } = await support('s3-server');
const needsLb = opts.servers.includes('nestjs-tus-lb') && opts.workloads.includes('W1');

const live = { children: new Set(), stops: [] };
async function shutdown() {
  for (const c of live.children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const stop of live.stops.reverse()) await stop().catch(() => undefined);
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => void shutdown().then(() => process.exit(130)));

const startedAt = Date.now();
console.log(`command: node bench/s3.mjs ${process.argv.slice(2).join(' ')}`.trim());
console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, node ${process.version}; backend ${opts.backend}; reps ${opts.reps}; settle ${opts.settle} s`);
const backend = await startS3Server(opts.backend);
live.stops.push(() => backend.stop());
console.log(`${opts.backend} S3 API at ${backend.endpoint} (started in ${backend.startSeconds.toFixed(0)} s)`);
let redis;
if (needsLb) {
  redis = await (await support('redis-server')).startRedisServer();
  live.stops.push(() => redis.stop());
}

let bucketSeq = 0;
function serverEnv(bucket) {
  const { credentials } = backend.clientConfig;
  return { UPLOAD_DIR: os.tmpdir(), S3_ENDPOINT: backend.endpoint, S3_BUCKET: bucket, S3_ACCESS_KEY: credentials.accessKeyId, S3_SECRET_KEY: credentials.secretAccessKey };
}

/** Starts the tus server(s) of `def`; for the load-balanced variant also nginx in front. */
async function startTus(id, bucket) {
  const def = SERVERS[id];
  const count = def.instances ?? 1;
  const env = { ...serverEnv(bucket), ...def.env, ...(count > 1 ? { REDIS_URL: redis.url, TRUST_PROXY: 'loopback' } : {}) };
  const procs = [];
  // --profile: V8 CPU profiles of the server process(es) into bench/results/profiles (bench/profile-summary.mjs reads them).
  const nodeArgs = opts.profile === id ? ['--cpu-prof', `--cpu-prof-dir=${path.join(BENCH, 'results', 'profiles')}`] : [];
  for (let i = 0; i < count; i++) {
    procs.push(await startServer({ script: path.join(BENCH, 'servers', def.script), env, nodeArgs, cwd: ROOT, onSpawn: (c) => live.children.add(c) }));
  }
  if (count === 1) return { port: procs[0].port, procs, stop: async () => stopServer(procs[0].child) };
  const lb = await (await support('nginx')).startLoadBalancer(procs.map((p) => p.port));
  return {
    port: lb.port,
    procs,
    stop: async () => {
      await lb.stop();
      for (const p of procs) await stopServer(p.child);
    },
  };
}

async function oneRun(id, workload, rep) {
  const def = SERVERS[id];
  const spec = SPECS[workload];
  const bucket = `bench-${process.pid}-${++bucketSeq}`;
  const record = { rep, workload, server: def.name };
  await createBucket(backend.clientConfig, bucket);
  let tus;
  try {
    const stats = () => (tus ? tus.procs.map((p) => procStats(p.child.pid)) : []);
    let cpu0 = [];
    let cpu1 = [];
    const hooks = {
      settle: async () => {
        execFileSync('sync');
        await sleep(opts.settle * 1000);
      },
      timedStart: () => void (cpu0 = stats()),
      timedEnd: () => void (cpu1 = stats()),
    };
    let r;
    if (id === 'raw') {
      r = await runRawWorkload({ clientConfig: backend.clientConfig, bucket, spec, partSize: PART_SIZE, hooks });
    } else {
      tus = await startTus(id, bucket);
      r = await runWorkload({ port: tus.port, spec, hooks });
      const end = stats();
      record.serverCpuMs = cpu1.reduce((sum, s, i) => sum + s.cpuMs - cpu0[i].cpuMs, 0);
      record.peakRssMiB = Math.max(...end.map((s) => s.peakRssMiB));
      delete r.head;
    }
    Object.assign(record, r);
  } catch (error) {
    record.error = String(error?.message ?? error);
  } finally {
    if (tus) await tus.stop();
    for (const c of live.children) if (c.exitCode !== null || c.signalCode !== null) live.children.delete(c);
    await removeBucket(backend.clientConfig, bucket).catch((e) => console.error(`  (bucket ${bucket} not removed: ${e.message})`));
  }
  return record;
}


const metric = (r) => (r.workload === 'W3' ? r.uploadsPerSec : r.mibPerSec);
const unit = (w) => (w === 'W3' ? 'uploads/s' : 'MiB/s');
function line(r) {
  if (r.error) return `  ${r.workload} ${r.server.padEnd(22)} FAILED: ${r.error.slice(0, 300)}`;
  const server = r.serverCpuMs === undefined ? '' : `  server CPU ${(r.serverCpuMs / 1000).toFixed(2)} s  RSS ${r.peakRssMiB.toFixed(0)} MiB  cut ${r.cutShort}`;
  return `  ${r.workload} ${r.server.padEnd(22)} ${metric(r).toFixed(1).padStart(7)} ${unit(r.workload).padEnd(9)} ${r.seconds.toFixed(2)} s${server}  client CPU ${(r.clientCpuMs / 1000).toFixed(2)} s  verified ${r.verified}/${r.uploads}`;
}

const results = { command: `node bench/s3.mjs ${process.argv.slice(2).join(' ')}`.trim(), backend: opts.backend, date: new Date().toISOString(), options: opts, runs: [], pilots: [] };
const save = () => {
  fs.mkdirSync(path.dirname(opts.out), { recursive: true });
  fs.writeFileSync(opts.out, JSON.stringify(results, null, 1));
};
try {
  for (let rep = 1; rep <= opts.reps; rep++) {
    console.log(`repetition ${rep}/${opts.reps}`);
    for (const w of opts.workloads) {
      // An uncounted anchor run first: the first run of a block finds the object server's disk and page
      // cache in a different state from the rest (as in bench/run.mjs).
      if (!opts.quick) {
        const p = await oneRun('raw', w, rep);
        console.log(`${line(p)}  (pilot, not counted)`);
        results.pilots.push(p);
      }
      for (const id of opts.servers) {
        if (SERVERS[id].only && !SERVERS[id].only.includes(w)) continue;
        const r = await oneRun(id, w, rep);
        console.log(line(r));
        results.runs.push(r);
        save();
      }
    }
  }
} finally {
  await shutdown();
}

// ---------- summary: medians over repetitions of the ratio to the anchor of the same repetition ----------
const rows = [];
for (const w of opts.workloads) {
  for (const id of opts.servers) {
    const def = SERVERS[id];
    const mine = results.runs.filter((r) => r.workload === w && r.server === def.name && !r.error);
    if (!mine.length) continue;
    const anchor = (r) => results.runs.find((a) => a.workload === w && a.server === SERVERS.raw.name && a.rep === r.rep && !a.error);
    rows.push({
      workload: w,
      server: def.name,
      value: median(mine.map(metric)),
      ratio: median(mine.map((r) => (anchor(r) ? metric(r) / metric(anchor(r)) : NaN))),
      cpu: median(mine.map((r) => r.serverCpuMs ?? NaN)) / 1000,
      clientCpu: median(mine.map((r) => r.clientCpuMs)) / 1000,
      rss: median(mine.map((r) => r.peakRssMiB ?? NaN)),
      verified: mine.every((r) => r.verified === r.uploads),
    });
  }
}
results.summary = rows;
save();
const fmt = (x, d) => (Number.isFinite(x) ? x.toFixed(d) : '–');
console.log(`\n${opts.quick ? 'QUICK (smoke sizes) — ' : ''}median over ${opts.reps} rep(s); ÷ raw = ratio to the raw multipart upload of the same repetition (goal ≥ 0.9)`);
console.log(`${os.cpus().length} × ${os.cpus()[0]?.model}, node ${process.version}, ${opts.backend}; \`${results.command}\`\n`);
console.log('| workload | server | throughput | ÷ raw S3 | server CPU s | client CPU s | peak RSS MiB | all verified |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.workload} | ${r.server} | ${fmt(r.value, 1)} ${unit(r.workload)} | ${r.server === SERVERS.raw.name ? '1' : fmt(r.ratio, 2)} | ${fmt(r.cpu, 2)} | ${fmt(r.clientCpu, 2)} | ${fmt(r.rss, 0)} | ${r.verified ? 'yes' : 'NO'} |`);
}
console.log(`\nraw numbers: ${path.relative(ROOT, opts.out)}  (${((Date.now() - startedAt) / 1000).toFixed(0)} s)`);
