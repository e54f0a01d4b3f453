// Peak server memory against upload size: one upload, one PATCH, on a fresh server per size.
// `npm run bench:memory` (= node bench/memory.mjs): 1 MiB, 1 GiB and 10 GiB through the Nest floors and
// nestjs-tus on both adapters. Flat means the 10 GiB upload peaks where the 1 MiB one does.
//   --sizes 1MiB,1GiB,10GiB   --servers nest-floor,nestjs-tus,...   --no-build   --out file
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { send } from './lib/client.mjs';
import { ensureBuild, procStats, startServer, stopServer } from './lib/processes.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SERVERS = {
  'nest-floor': { script: 'bench/servers/nest-floor.mjs', env: {} },
  'nestjs-tus': { script: 'bench/servers/nestjs-tus.mjs', env: {} },
  'nest-floor-fastify': { script: 'bench/servers/nest-floor.mjs', env: { ADAPTER: 'fastify' } },
  'nestjs-tus-fastify': { script: 'bench/servers/nestjs-tus.mjs', env: { ADAPTER: 'fastify' } },
};

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const UNITS = { KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30 };
const parseSize = (text) => {
  const m = /^(\d+)(KiB|MiB|GiB)$/.exec(text);
  if (!m) throw new Error(`size "${text}": write it as e.g. 1MiB or 10GiB`);
  return Number(m[1]) * UNITS[m[2]];
};
const sizes = arg('sizes', '1MiB,1GiB,10GiB').split(',').map((s) => ({ label: s, bytes: parseSize(s) }));
const servers = arg('servers', Object.keys(SERVERS).join(',')).split(',');
for (const id of servers) if (!SERVERS[id]) throw new Error(`unknown server "${id}"; one of ${Object.keys(SERVERS).join(', ')}`);
const out = arg('out', path.join(ROOT, 'bench', 'results', 'memory-latest.json'));

const problem = ensureBuild(ROOT, !args.includes('--no-build'));
if (problem) throw new Error(problem);

/** One upload of `bytes` in one PATCH; returns peak RSS (VmHWM) and the highest sampled VmRSS. */
async function measure(id, bytes) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nestjs-tus-memory-'));
  const { child, port } = await startServer({ script: path.join(ROOT, SERVERS[id].script), env: { ...SERVERS[id].env, UPLOAD_DIR: dir }, cwd: ROOT });
  const agent = new http.Agent({ keepAlive: true });
  const base = `http://127.0.0.1:${port}`;
  try {
    const idle = procStats(child.pid).rssMiB;
    const created = await send(agent, `${base}/files`, 'POST', { 'Tus-Resumable': '1.0.0', 'Upload-Length': String(bytes) });
    if (created.status !== 201) throw new Error(`${id}: POST answered ${created.status}`);
    const url = new URL(created.headers.location, base).href;
    let sampled = 0;
    const sampler = setInterval(() => (sampled = Math.max(sampled, procStats(child.pid).rssMiB)), 250);
    const started = performance.now();
    const patched = await send(agent, url, 'PATCH', { 'Tus-Resumable': '1.0.0', 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream', 'Content-Length': String(bytes) }, bytes);
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    if (patched.status !== 204 || Number(patched.headers['upload-offset']) !== bytes) {
      throw new Error(`${id}: PATCH answered ${patched.status}, offset ${patched.headers['upload-offset']}`);
    }
    const { peakRssMiB, rssMiB } = procStats(child.pid);
    return { idleRssMiB: idle, peakRssMiB, maxSampledRssMiB: Math.max(sampled, rssMiB), seconds };
  } finally {
    agent.destroy();
    await stopServer(child);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
console.log(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}; node bench/memory.mjs ${args.join(' ')}`.trim());
for (const size of sizes) {
  for (const id of servers) {
    const r = await measure(id, size.bytes);
    results.push({ server: id, size: size.label, bytes: size.bytes, ...r });
    console.log(`  ${id.padEnd(20)} ${size.label.padStart(6)}  peak RSS ${r.peakRssMiB.toFixed(0)} MiB (idle ${r.idleRssMiB.toFixed(0)})  ${(size.bytes / 2 ** 20 / r.seconds).toFixed(0)} MiB/s`);
  }
}

const peak = (server, size) => results.find((r) => r.server === server && r.size === size)?.peakRssMiB;
const first = sizes[0].label;
const last = sizes[sizes.length - 1].label;
console.log(`\n| server | ${sizes.map((s) => `peak RSS MiB, ${s.label}`).join(' | ')} | ${last} − ${first} |`);
console.log(`|---|${sizes.map(() => '---|').join('')}---|`);
for (const id of servers) {
  const growth = peak(id, last) - peak(id, first);
  console.log(`| ${id} | ${sizes.map((s) => peak(id, s.label).toFixed(0)).join(' | ')} | ${growth >= 0 ? '+' : ''}${growth.toFixed(0)} |`);
}
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify({ node: process.version, args, results }, null, 2));
console.log(`\nraw numbers: ${path.relative(ROOT, out)}`);
