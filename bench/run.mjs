// Benchmark harness for nestjs-tus: W1–W4 against the floor, @tus/server and nestjs-tus (see bench/README.md).
// Usage: node bench/run.mjs [--reps N] [--workloads W1,W2,W3,W4] [--quick] [--servers floor,tus-server,...]
//        [--client inproc|child] [--settle S] [--max-other F] [--retries N] [--no-build] [--profile <server id>]
//        [--warmup N] [--out file]
// Env: BENCH_REPS, BENCH_WORKLOADS, BENCH_QUICK=1, BENCH_SERVERS, BENCH_CLIENT, BENCH_SETTLE, BENCH_MAX_OTHER, BENCH_RETRIES,
//      BENCH_WARMUP.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fork, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { runWorkload, writePattern } from './lib/client.mjs';
import { headStats, summarize, markdownTable, metric, unit } from './lib/report.mjs';
import { ensureBuild, machineBusyMs, procStats, startServer, stopServer } from './lib/processes.mjs';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH);
const MiB = 1024 * 1024;
const KiB = 1024;

// ---------- options ----------
function parseArgs(argv) {
  const o = {
    reps: process.env.BENCH_REPS,
    workloads: process.env.BENCH_WORKLOADS,
    quick: process.env.BENCH_QUICK === '1',
    servers: process.env.BENCH_SERVERS,
    client: process.env.BENCH_CLIENT ?? 'inproc',
    settle: process.env.BENCH_SETTLE,
    maxOther: process.env.BENCH_MAX_OTHER,
    retries: process.env.BENCH_RETRIES,
    warmup: process.env.BENCH_WARMUP,
    build: true,
    profile: undefined,
    out: path.join(BENCH, 'results', 'latest.json'),
  };
  for (let i = 0; i < argv.length; i++) {
    const [k, inline] = argv[i].split('=', 2);
    const val = () => inline ?? argv[++i];
    if (k === '--reps') o.reps = val();
    else if (k === '--workloads') o.workloads = val();
    else if (k === '--quick') o.quick = true;
    else if (k === '--servers') o.servers = val();
    else if (k === '--client') o.client = val();
    else if (k === '--settle') o.settle = val();
    else if (k === '--max-other') o.maxOther = val();
    else if (k === '--retries') o.retries = val();
    else if (k === '--warmup') o.warmup = val();
    else if (k === '--no-build') o.build = false;
    else if (k === '--profile') o.profile = val();
    else if (k === '--out') o.out = path.resolve(val());
    else if (k === '--help' || k === '-h') {
      console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 6).join('\n'));
      process.exit(0);
    } else throw new Error(`unknown option ${argv[i]}`);
  }
  o.reps = Number(o.reps ?? (o.quick ? 1 : 3));
  o.settle = Number(o.settle ?? (o.quick ? 0 : 10));
  o.maxOther = Number(o.maxOther ?? 0.1);
  o.retries = Number(o.retries ?? (o.quick ? 0 : 2));
  // The workloads' definition: 50. More shows a server's steady state instead of its first seconds.
  o.warmup = Number(o.warmup ?? 50);
  // At least one: the HEAD poller probes a warm-up upload.
  if (!Number.isInteger(o.warmup) || o.warmup < 1) throw new Error('--warmup must be a whole number of uploads, at least 1');
  o.workloads = (o.workloads ?? 'W1,W2,W3,W4').split(',').map((s) => s.trim().toUpperCase());
  if (!['inproc', 'child'].includes(o.client)) throw new Error('--client must be inproc or child');
  return o;
}
const opts = parseArgs(process.argv.slice(2));

const SERVERS = [
  { id: 'floor', name: 'floor', script: 'floor.mjs' },
  { id: 'floor-null', name: 'floor → /dev/null', script: 'floor.mjs', env: { NULL_SINK: '1' }, optIn: true },
  // The floor's work in an ordinary Nest controller: what Nest itself costs, per adapter.
  { id: 'nest-floor', name: 'Nest floor', script: 'nest-floor.mjs', nestFloor: true },
  { id: 'nest-floor-fastify', name: 'Nest floor fastify', script: 'nest-floor.mjs', env: { ADAPTER: 'fastify' }, nestFloor: true },
  { id: 'tus-server', name: '@tus/server', script: 'tus-server.mjs' },
  // `vs`: the Nest floor of the same adapter, run beside it whenever the row is (ratios in the same run).
  { id: 'nestjs-tus', name: 'nestjs-tus', script: 'nestjs-tus.mjs', ours: true, vs: 'nest-floor' },
  { id: 'nestjs-tus-fsync', name: 'nestjs-tus fsync', script: 'nestjs-tus.mjs', ours: true, vs: 'nest-floor', env: { FSYNC: '1' }, only: ['W1', 'W2'] },
  { id: 'nestjs-tus-fastify', name: 'nestjs-tus fastify', script: 'nestjs-tus.mjs', ours: true, vs: 'nest-floor-fastify', env: { ADAPTER: 'fastify' } },
  // Metrics on (opt in: `--servers nestjs-tus,nestjs-tus-metrics,...` compares them in one run).
  { id: 'nestjs-tus-metrics', name: 'nestjs-tus metrics', script: 'nestjs-tus.mjs', ours: true, vs: 'nest-floor', env: { METRICS: '1' }, optIn: true },
  // Nest's default body parsers on (opt in): what they cost every tus request of an Express app.
  { id: 'nestjs-tus-bodyparser', name: 'nestjs-tus body parsers', script: 'nestjs-tus.mjs', ours: true, vs: 'nest-floor', env: { BODY_PARSER: '1' }, optIn: true },
  { id: 'nestjs-tus-fastify-metrics', name: 'nestjs-tus fastify metrics', script: 'nestjs-tus.mjs', ours: true, vs: 'nest-floor-fastify', env: { ADAPTER: 'fastify', METRICS: '1' }, optIn: true },
];
const byId = (id) => SERVERS.find((s) => s.id === id);

const sizes = opts.quick
  ? { big: 32 * MiB, w3Count: 300, w4: 32 * MiB }
  : { big: 256 * MiB, w3Count: 2000, w4: 128 * MiB };
const common = { warmup: opts.warmup, warmupSize: 64 * KiB, headIntervalMs: 20 };
const SPECS = {
  W1: { ...common, count: 8, size: sizes.big, concurrency: 4, patchSize: sizes.big },
  W2: { ...common, count: 8, size: sizes.big, concurrency: 4, patchSize: 8 * MiB },
  W3: { ...common, count: sizes.w3Count, size: 64 * KiB, concurrency: 32, patchSize: 64 * KiB },
  W4: { ...common, count: 4, size: sizes.w4, concurrency: 4, kind: 'tus-js-client' },
  // W2 with `Upload-Checksum: sha256` on every PATCH (opt in: --workloads W2,W2S --servers floor,nestjs-tus).
  W2S: { ...common, count: 8, size: sizes.big, concurrency: 4, patchSize: 8 * MiB, checksum: 'sha256' },
};
for (const w of opts.workloads) if (!SPECS[w]) throw new Error(`unknown workload ${w}`);

// ---------- helpers ----------
const tempDirs = new Set();
let liveServer = null;
function mkTemp(prefix) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(d);
  return d;
}
function rmTemp(d) {
  fs.rmSync(d, { recursive: true, force: true });
  tempDirs.delete(d);
}
let liveClient = null;
function cleanupAll() {
  if (liveServer && liveServer.exitCode === null) liveServer.kill('SIGKILL');
  if (liveClient && liveClient.exitCode === null) liveClient.kill('SIGKILL');
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    cleanupAll();
    process.exit(130);
  });
}

function startServerFor(def, uploadDir) {
  const nodeArgs = [];
  if (opts.profile === def.id) {
    const dir = path.join(BENCH, 'results', 'profiles');
    fs.mkdirSync(dir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
  }
  return startServer({
    script: path.join(BENCH, 'servers', def.script),
    env: { UPLOAD_DIR: uploadDir, ...def.env },
    nodeArgs,
    cwd: ROOT,
    onSpawn: (c) => (liveServer = c),
  });
}

function runClient(port, spec, hooks) {
  if (opts.client === 'inproc') return runWorkload({ port, spec, hooks });
  return new Promise((resolve, reject) => {
    const c = fork(path.join(BENCH, 'lib', 'client.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    liveClient = c;
    c.on('message', async (m) => {
      if (m.type in hooks) {
        await hooks[m.type]();
        c.send({ type: `${m.type}-ack` });
      } else if (m.type === 'result' || m.type === 'error') {
        c.kill();
        if (m.type === 'result') resolve(m.result);
        else reject(new Error(m.error));
      }
    });
    c.once('exit', (code) => reject(new Error(`client exited (${code})`)));
    c.send({ type: 'run', port, spec });
  });
}

async function makeSources(spec) {
  const dir = mkTemp('nestjs-tus-bench-src-');
  const files = [];
  for (let i = 0; i < spec.count; i++) {
    const f = path.join(dir, `source-${i}.bin`);
    const ws = fs.createWriteStream(f);
    const closed = new Promise((r, j) => ws.on('close', r).on('error', j));
    await writePattern(ws, spec.size);
    await closed;
    files.push(f);
  }
  lastFreeAt = Date.now();
  return { dir, files };
}

// Page-cache state: on these VMs, memory freed by deleting files is handed back to the host over the next
// seconds (free page reporting) and re-touching it costs up to ~2.5 ms/MiB. So before every timed phase the
// bench writes and deletes as many bytes as the phase will write, then waits `--settle` seconds.
let lastFreeAt = 0;

/** Writes and deletes as many bytes as the timed phase will write, so that every run starts from the same
 * page-cache history ("that much was freed `settle` s ago") whatever ran before it. Without this the first
 * server of each workload (the floor) followed a smaller workload and paid up to 2.5× the kernel time. */
async function primeMemory(bytes) {
  const dir = mkTemp('nestjs-tus-bench-prime-');
  const ws = fs.createWriteStream(path.join(dir, 'prime.bin'), { highWaterMark: MiB });
  const closed = new Promise((r, j) => ws.on('close', r).on('error', j));
  await writePattern(ws, bytes);
  await closed;
  rmTemp(dir);
  try {
    execFileSync('sync');
  } catch {}
  lastFreeAt = Date.now();
}

/** Reads the W4 source files so the client reads them from the page cache (untimed, before the settle wait). */
function primeSources(files) {
  const buf = Buffer.allocUnsafe(8 * MiB);
  for (const f of files) {
    const fd = fs.openSync(f, 'r');
    while (fs.readSync(fd, buf, 0, buf.length, null) > 0);
    fs.closeSync(fd);
  }
}

async function oneRun(def, workload, rep, spec) {
  const uploadDir = mkTemp('nestjs-tus-bench-up-');
  const record = { rep, workload, server: def.name };
  let srv;
  try {
    srv = await startServerFor(def, uploadDir);
    const idle = procStats(srv.child.pid);
    let cpu0;
    let cpu1;
    const hooks = {
      settle: async () => {
        if (spec.files) primeSources(spec.files);
        if (opts.settle > 0) await primeMemory(spec.count * spec.size);
        const wait = lastFreeAt + opts.settle * 1000 - Date.now();
        if (wait > 0) await sleep(wait);
      },
      timedStart: () => void (cpu0 = { ...procStats(srv.child.pid), busy: machineBusyMs() }),
      timedEnd: () => void (cpu1 = { ...procStats(srv.child.pid), busy: machineBusyMs() }),
    };
    const r = await runClient(srv.port, spec, hooks);
    if (srv.child.exitCode !== null || srv.child.signalCode !== null) throw new Error(`server died: ${srv.stderr()}`);
    const end = procStats(srv.child.pid);
    Object.assign(record, r, { workload, head: headStats(r.head) });
    record.server_ = {
      idleRssMiB: idle.rssMiB,
      peakRssMiB: end.peakRssMiB,
      cpuTotalMs: end.cpuMs,
      cpuTimedMs: cpu1.cpuMs - cpu0.cpuMs,
      userTimedMs: cpu1.userMs - cpu0.userMs,
      sysTimedMs: cpu1.sysMs - cpu0.sysMs,
    };
    // CPU used during the timed phase by neither the server nor the client (kernel threads, other processes).
    record.otherCpuMs = cpu1.busy - cpu0.busy - record.server_.cpuTimedMs - r.clientCpuMs;
    record.otherCpuShare = record.otherCpuMs / (r.seconds * 1000 * os.cpus().length);
  } catch (err) {
    record.error = String(err?.message ?? err);
  } finally {
    if (srv) await stopServer(srv.child);
    liveServer = null;
    // Small-file runs (W3) are deleted only at the end: the root fs here is ext4 without a journal, where
    // creating files skips inodes deleted in the last 60 s (`recently_deleted`), so deleting thousands of
    // files would slow the file creation of whichever server runs next. Large runs are deleted now (disk).
    if (spec.count * spec.size >= 200 * MiB) rmTemp(uploadDir);
    try {
      execFileSync('sync');
    } catch {}
    lastFreeAt = Date.now();
    await sleep(opts.quick ? 100 : 500);
  }
  return record;
}

function line(r) {
  if (r.error) return `  ${r.workload} ${r.server.padEnd(18)} FAILED: ${r.error.slice(0, 300)}`;
  const extra = r.cutShort || r.verified !== r.uploads ? `  notes: ${r.notes.slice(0, 3).join(' | ')}` : '';
  return (
    `  ${r.workload} ${r.server.padEnd(18)} ${metric(r).toFixed(0).padStart(5)} ${unit(r.workload).padEnd(9)}` +
    ` ${r.seconds.toFixed(2)} s  HEAD p99 ${r.head.p99.toFixed(1)} ms (n=${r.head.count}${r.head.errors ? `, ${r.head.errors} err` : ''})` +
    `  RSS ${r.server_.peakRssMiB.toFixed(0)} MiB  CPU ${(r.server_.userTimedMs / 1000).toFixed(2)}u+${(r.server_.sysTimedMs / 1000).toFixed(2)}s` +
    `  client ${(r.clientCpuMs / 1000).toFixed(2)} s${r.connections !== undefined ? `  conns ${r.connections}` : ''}  other ${(100 * r.otherCpuShare).toFixed(0)}%  cut ${r.cutShort}  verified ${r.verified}/${r.uploads}${extra}`
  );
}

// ---------- main ----------
const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model,
  memGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
  node: process.version,
  os: `${os.type()} ${os.release()}`,
};
const command = `node bench/run.mjs ${process.argv.slice(2).join(' ')}`.trim();
console.log(`command: ${command}`);
console.log(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memGiB} GiB, node ${machine.node}, ${machine.os}`);
console.log(
  `options: reps=${opts.reps} workloads=${opts.workloads.join(',')} quick=${opts.quick} client=${opts.client} ` +
    `settle=${opts.settle}s max-other=${opts.maxOther} retries=${opts.retries}`,
);

let servers = opts.servers
  ? opts.servers.split(',').map((id) => SERVERS.find((s) => s.id === id.trim()) ?? fail(`unknown server ${id}`))
  : SERVERS.filter((s) => !s.optIn);
function fail(msg) {
  throw new Error(msg);
}
if (!servers.some((s) => s.id === 'floor')) servers = [SERVERS[0], ...servers];
// Each of ours is also divided by the Nest floor of its adapter: run those right after the floor.
for (const id of new Set(servers.map((s) => s.vs).filter(Boolean)).values()) {
  if (!servers.some((s) => s.id === id)) servers.splice(servers.filter((s) => s.id === 'floor' || s.nestFloor).length, 0, byId(id));
}
if (servers.some((s) => s.ours)) {
  const problem = ensureBuild(ROOT, opts.build);
  if (problem) {
    console.error(`WARNING: skipping nestjs-tus servers: ${problem}`);
    servers = servers.filter((s) => !s.ours);
  }
}
console.log(`servers: ${servers.map((s) => s.name).join(', ')}`);
const load = os.loadavg()[0];
console.log(`load average (1 min): ${load.toFixed(2)}${load > 0.5 ? '  WARNING: the machine is not idle; figures will be noisy' : ''}\n`);
const startedAt = Date.now();

const results = { command, machine, date: new Date().toISOString(), options: { ...opts, out: undefined }, specs: {}, pilots: [], runs: [] };
const save = () => {
  fs.mkdirSync(path.dirname(opts.out), { recursive: true });
  fs.writeFileSync(opts.out, JSON.stringify(results, null, 1));
};

try {
  let sources;
  if (opts.workloads.includes('W4')) {
    sources = await makeSources(SPECS.W4);
    SPECS.W4.files = sources.files;
  }
  for (const w of opts.workloads) results.specs[w] = { ...SPECS[w], files: undefined };
  for (let rep = 1; rep <= opts.reps; rep++) {
    console.log(`repetition ${rep}/${opts.reps}`);
    for (const w of opts.workloads) {
      // Pilot: an uncounted floor run first. The first run of a workload block paid up to 2× the kernel
      // time of the following ones (page-cache history, see bench/README.md), and that was always the floor.
      if (opts.settle > 0) {
        const p = await oneRun(servers[0], w, rep, SPECS[w]);
        console.log(`${line(p)}  (pilot, not counted)`);
        results.pilots.push(p);
      }
      for (const def of servers) {
        if (def.only && !def.only.includes(w)) continue;
        // A run that failed, or during which other processes used > maxOther of the machine, is repeated (up
        // to `retries` times); the least disturbed successful attempt is kept.
        let best;
        for (let attempt = 1; attempt <= 1 + opts.retries; attempt++) {
          const r = await oneRun(def, w, rep, SPECS[w]);
          r.attempt = attempt;
          console.log(line(r));
          if (!best || best.error || (!r.error && r.otherCpuShare < best.otherCpuShare)) best = r;
          if (!r.error && !(r.otherCpuShare > opts.maxOther)) break;
          if (attempt <= opts.retries) console.log(`    ↑ ${r.error ? 'failed' : 'disturbed by other load'}; repeating`);
          if (r.error) await sleep(5000);
        }
        results.runs.push(best);
        save();
      }
    }
  }
} finally {
  cleanupAll();
}

const order = servers.map((s) => s.name);
results.summary = summarize(results.runs, order, opts.workloads, {
  nestFloorOf: (name) => byId(servers.find((s) => s.name === name)?.vs)?.name,
  nestFloors: new Set(servers.filter((s) => s.nestFloor).map((s) => s.name)),
});
save();
console.log(
  `\n${opts.quick ? 'QUICK (smoke sizes) — ' : ''}median over ${opts.reps} rep(s) of the ratios to the floor and to the ` +
    `Nest floor of the same adapter in the same repetition`,
);
console.log(`${machine.cpus} × ${machine.cpuModel}, node ${machine.node}; \`${command}\`\n`);
console.log(markdownTable(results.summary));
const busy = results.runs.filter((r) => r.otherCpuShare > opts.maxOther);
if (busy.length) {
  console.log(`\nWARNING: ${busy.length} run(s) kept despite > ${opts.maxOther * 100}% of the machine's CPU used by others ` +
    `during the timed phase (otherCpuShare in the JSON); rerun on an idle machine.`);
}
console.log(`\nraw numbers: ${opts.out}  (${((Date.now() - startedAt) / 1000).toFixed(0)} s)`);
