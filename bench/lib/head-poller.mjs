// Worker thread: HEADs one small completed upload every `intervalMs` (no overlap: a slow HEAD delays the
// next tick) until told to stop, then posts back { lat: number[] (ms, 2xx only), errors, statuses }.
// It has its own event loop, so the client's load does not add event-loop lag to the figures.
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

const { url, intervalMs = 20 } = workerData;
const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let stopping = false;
parentPort.on('message', (m) => {
  if (m === 'stop') stopping = true;
});

function head() {
  return new Promise((resolve) => {
    const req = http.request(target, { agent, method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' } });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
      res.on('error', () => resolve(0));
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

const lat = [];
const statuses = {};
let errors = 0;
parentPort.postMessage({ ready: true });
const t0 = performance.now();
let tick = 0;
while (!stopping) {
  const s = performance.now();
  const status = await head();
  const e = performance.now();
  if (status >= 200 && status < 300) lat.push(e - s);
  else errors++;
  statuses[status] = (statuses[status] ?? 0) + 1;
  tick++;
  const wait = t0 + tick * intervalMs - performance.now();
  if (wait > 0) await sleep(wait);
  else tick = Math.ceil((performance.now() - t0) / intervalMs);
}
agent.destroy();
parentPort.postMessage({ lat, errors, statuses });
