// Worker thread: HEADs one small completed upload every `intervalMs` (no overlap: a slow HEAD delays the
// next tick) until told to stop, then posts back { lat: number[] (ms, 2xx only), errors, statuses, connects }.
// It has its own event loop, so the client's load does not add event-loop lag to the figures.
// It speaks HTTP/1.1 on one raw keep-alive socket: Node's http client never reuses a socket after a HEAD
// response that has no Content-Length (the floor and @tus/server send none), which would turn every probe into a
// new TCP connection. The socket is reopened if the server closes it (counted in `connects`).
import net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

const { url, intervalMs = 20 } = workerData;
const target = new URL(url);
const request = Buffer.from(
  `HEAD ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nTus-Resumable: 1.0.0\r\nConnection: keep-alive\r\n\r\n`,
  'latin1',
);
let stopping = false;
parentPort.on('message', (m) => {
  if (m === 'stop') stopping = true;
});

let socket = null;
let connects = 0;
let pending = null; // { resolve, buf }

function connect() {
  connects++;
  const s = net.connect({ host: target.hostname, port: Number(target.port) });
  s.setNoDelay(true);
  s.on('data', (chunk) => {
    if (!pending) return;
    pending.buf += chunk.toString('latin1');
    const end = pending.buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = pending.buf.slice(0, end);
    const status = Number(head.slice(9, 12));
    const close = /\r\nconnection:\s*close/i.test(head);
    const p = pending;
    pending = null;
    if (close) drop();
    p.resolve(status);
  });
  const onGone = () => {
    if (socket === s) socket = null;
    if (pending) {
      const p = pending;
      pending = null;
      p.resolve(0);
    }
  };
  s.on('error', onGone);
  s.on('close', onGone);
  return s;
}
function drop() {
  socket?.destroy();
  socket = null;
}

function head() {
  return new Promise((resolve) => {
    socket ??= connect();
    pending = { resolve, buf: '' };
    socket.write(request);
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
drop();
parentPort.postMessage({ lat, errors, statuses, connects });
