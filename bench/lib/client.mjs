import { createHash } from 'node:crypto';
// Load generator for W1–W4. Used in-process by run.mjs (default) or as a child process
// (`--client child`: forked with IPC, gets { type: 'run', ... }, answers with phase marks and the result).
import http from 'node:http';
import fs from 'node:fs';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const TR = { 'Tus-Resumable': '1.0.0' };
const OCTET = 'application/offset+octet-stream';
const MAX_RETRIES = 3;
const MiB = 1024 * 1024;

/** 1 MiB xorshift32 pattern; every body is this buffer repeated (never a whole upload in memory). */
export const PATTERN = (() => {
  const b = Buffer.allocUnsafe(MiB);
  let x = 0x9e3779b9;
  for (let i = 0; i < b.length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b.writeUInt32LE(x >>> 0, i);
  }
  return b;
})();

/** Streams n bytes of the pattern into a writable (http.ClientRequest or fs.WriteStream), then ends it. */
export async function writePattern(w, n) {
  try {
    while (n > 0) {
      const k = Math.min(n, PATTERN.length);
      n -= k;
      const ok = w.write(k === PATTERN.length ? PATTERN : PATTERN.subarray(0, k));
      if (w.destroyed) return;
      if (!ok && n > 0) await once(w, 'drain');
    }
    w.end();
  } catch {
    // request failed; send() reports it
  }
}

/** One HTTP request; resolves { status, headers } (status 0 + error on a network error). */
export function send(agent, url, method, headers, bodyLength = 0) {
  return new Promise((resolve) => {
    let settled = false;
    const done = (v) => {
      if (!settled) {
        settled = true;
        resolve(v);
      }
    };
    const req = http.request(url, { agent, method, headers });
    req.on('response', (res) => {
      res.on('error', (err) => done({ status: 0, error: err.code ?? err.message }));
      res.on('end', () => done({ status: res.statusCode, headers: res.headers }));
      res.resume();
    });
    req.on('error', (err) => done({ status: 0, error: err.code ?? err.message }));
    if (bodyLength > 0) writePattern(req, bodyLength);
    else req.end();
  });
}

/** Runs fn(0..count-1), `concurrency` at a time. */
export async function pool(count, concurrency, fn) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(count, concurrency) }, async () => {
    while (next < count) await fn(next++);
  });
  await Promise.all(lanes);
}

function note(st, msg) {
  if (st.notes.length < 10) st.notes.push(msg);
}

/** POST, then PATCHes of at most patchSize; on a non-204 PATCH: HEAD and resume (max 3 times). */
// Every PATCH body is the pattern from its start, so its digest depends only on its length.
const digests = new Map();
function patternDigest(algorithm, n) {
  const key = `${algorithm}:${n}`;
  if (!digests.has(key)) {
    const hash = createHash(algorithm);
    for (let left = n; left > 0; left -= PATTERN.length) hash.update(left >= PATTERN.length ? PATTERN : PATTERN.subarray(0, left));
    digests.set(key, hash.digest('base64'));
  }
  return digests.get(key);
}

async function rawUpload(st, endpoint, size, patchSize, checksum) {
  const c = await send(st.agent, endpoint, 'POST', { ...TR, 'Upload-Length': String(size) });
  if (c.status !== 201 || !c.headers.location) {
    st.failedCreates++;
    note(st, `POST -> ${c.status} ${c.error ?? ''}`);
    return;
  }
  const url = new URL(c.headers.location, endpoint);
  st.uploads.push({ url: url.href, size });
  let offset = 0;
  let retries = 0;
  while (offset < size) {
    const n = Math.min(patchSize, size - offset);
    st.patches++;
    const p = await send(
      st.agent,
      url,
      'PATCH',
      {
        ...TR,
        'Upload-Offset': String(offset),
        'Content-Type': OCTET,
        'Content-Length': String(n),
        ...(checksum ? { 'Upload-Checksum': `${checksum} ${patternDigest(checksum, n)}` } : {}),
      },
      n,
    );
    if (p.status === 204) {
      offset = Number(p.headers['upload-offset']);
      continue;
    }
    st.cutShort++;
    note(st, `PATCH @${offset} -> ${p.status} ${p.error ?? ''}`);
    if (++retries > MAX_RETRIES) return;
    const h = await send(st.agent, url, 'HEAD', TR);
    if (h.status !== 200) return;
    offset = Number(h.headers['upload-offset']);
  }
}

/** W4: tus-js-client 4 with default options; the source is an fs.ReadStream of a temp file, which
 * tus-js-client's Node FileSource re-opens as a ranged stream per PATCH (no buffering of the file). */
async function tusJsUploads(st, endpoint, files) {
  const tus = await import('tus-js-client');
  let patchOk = 0;
  await Promise.all(
    files.map(
      (file) =>
        new Promise((resolve) => {
          const size = fs.statSync(file).size;
          const upload = new tus.Upload(fs.createReadStream(file), {
            endpoint: endpoint.href,
            onBeforeRequest(req) {
              if (req.getMethod() === 'PATCH') st.patches++;
            },
            onAfterResponse(req, res) {
              if (req.getMethod() === 'PATCH' && res.getStatus() === 204) patchOk++;
            },
            onSuccess() {
              st.uploads.push({ url: upload.url, size });
              resolve();
            },
            onError(err) {
              st.failedCreates += upload.url ? 0 : 1;
              if (upload.url) st.uploads.push({ url: upload.url, size });
              note(st, `tus-js-client: ${String(err.message ?? err).slice(0, 200)}`);
              resolve();
            },
          });
          upload.start();
        }),
    ),
  );
  st.cutShort += st.patches - patchOk;
}

async function verify(agent, uploads) {
  let ok = 0;
  const bad = [];
  await pool(uploads.length, 8, async (i) => {
    const { url, size } = uploads[i];
    const h = await send(agent, new URL(url), 'HEAD', TR);
    const off = Number(h.headers?.['upload-offset']);
    const len = Number(h.headers?.['upload-length']);
    if (h.status === 200 && off === len && len === size) ok++;
    else if (bad.length < 5) bad.push(`${url}: ${h.status} offset=${off} length=${len} want=${size}`);
  });
  return { ok, bad };
}

function startPoller(url, intervalMs) {
  const worker = new Worker(new URL('./head-poller.mjs', import.meta.url), { workerData: { url, intervalMs } });
  const ready = new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    ready,
    async stop() {
      const result = new Promise((resolve) => worker.on('message', (m) => m.lat && resolve(m)));
      worker.postMessage('stop');
      const r = await result;
      await worker.terminate();
      return r;
    },
  };
}

/**
 * Runs one workload against http://127.0.0.1:<port>/files: 50 untimed warm-up uploads, the timed phase with
 * the HEAD poller running, then verification. hooks.settle is awaited after the warm-up (before the poller
 * starts); hooks.timedStart/timedEnd are awaited around the timed phase.
 */
export async function runWorkload({ port, spec, hooks = {} }) {
  const endpoint = new URL(`http://127.0.0.1:${port}/files`);
  const conc = spec.concurrency;
  const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(conc, 8), scheduling: 'lifo' });
  let connections = 0; // TCP connections the raw client opened (keep-alive should keep this ≈ concurrency)
  const createConnection = agent.createConnection.bind(agent);
  agent.createConnection = (...args) => {
    connections++;
    return createConnection(...args);
  };
  const mk = () => ({ agent, uploads: [], patches: 0, cutShort: 0, failedCreates: 0, notes: [] });

  const warm = mk();
  await pool(spec.warmup, 4, () => rawUpload(warm, endpoint, spec.warmupSize, spec.warmupSize));
  if (warm.uploads.length === 0) throw new Error(`warm-up failed: ${warm.notes.join('; ')}`);
  await hooks.settle?.();
  // headIntervalMs 0: no poller (the S3 bench: every HEAD would be a read from the object store that
  // the raw anchor does not make).
  const poller = spec.headIntervalMs > 0 ? startPoller(warm.uploads[0].url, spec.headIntervalMs) : undefined;
  await poller?.ready;

  const st = mk();
  const connectionsBefore = connections;
  await hooks.timedStart?.();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  if (spec.kind === 'tus-js-client') await tusJsUploads(st, endpoint, spec.files);
  else await pool(spec.count, conc, () => rawUpload(st, endpoint, spec.size, spec.patchSize, spec.checksum));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const timedConnections = connections - connectionsBefore;
  await hooks.timedEnd?.();
  const head = poller ? await poller.stop() : { lat: [], errors: 0 };

  const v = await verify(agent, st.uploads);
  agent.destroy();
  const bytes = spec.count * spec.size;
  return {
    seconds,
    bytes,
    uploads: spec.count,
    mibPerSec: bytes / MiB / seconds,
    uploadsPerSec: spec.count / seconds,
    patches: st.patches,
    connections: spec.kind === 'tus-js-client' ? undefined : timedConnections,
    cutShort: st.cutShort,
    failedCreates: st.failedCreates,
    verified: v.ok,
    verifyFailures: v.bad,
    notes: [...warm.notes, ...st.notes],
    head,
    clientCpuMs: (cpu.user + cpu.system) / 1000,
  };
}

// Child-process mode.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.send) {
  process.on('message', async (m) => {
    if (m.type !== 'run') return;
    const ack = (type) => new Promise((resolve) => {
      process.once('message', (r) => r.type === `${type}-ack` && resolve());
      process.send({ type });
    });
    try {
      const result = await runWorkload({
        port: m.port,
        spec: m.spec,
        hooks: { settle: () => ack('settle'), timedStart: () => ack('timedStart'), timedEnd: () => ack('timedEnd') },
      });
      process.send({ type: 'result', result });
    } catch (err) {
      process.send({ type: 'error', error: String(err?.stack ?? err) });
    }
  });
}
