// What one new file costs on a disk: the file store creates two per upload (its info file at POST, its
// data file at the first PATCH), the Nest floor one. Times N rounds of open(wx) + 300-byte write + close
// of a new file against the same on an existing file, synchronously (no thread pool in the figures).
// Usage: node bench/create-cost.mjs [directory, default the OS temp dir] [N, default 4000] [rounds, default 3]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [parent = os.tmpdir(), nArg = '4000', roundsArg = '3'] = process.argv.slice(2);
const N = Number(nArg);
const text = 'x'.repeat(300);

function measure(label, each) {
  const dir = fs.mkdtempSync(path.join(parent, 'create-cost-'));
  try {
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    for (let i = 0; i < N; i++) each(dir, i);
    const wall = Number(process.hrtime.bigint() - start) / 1e3 / N;
    const { user, system } = process.cpuUsage(cpu);
    console.log(`${label.padEnd(14)} ${wall.toFixed(1).padStart(7)} µs wall ${(user / N).toFixed(1).padStart(6)} µs user ${(system / N).toFixed(1).padStart(7)} µs kernel`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const write = (file, flags) => {
  const fd = fs.openSync(file, flags);
  try {
    fs.writeSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
};

console.log(`${N} rounds each, per round, under ${parent}`);
for (let r = 0; r < Number(roundsArg); r++) {
  measure('new file', (dir, i) => write(path.join(dir, `${i}.json`), 'wx'));
  measure('existing file', (dir) => write(path.join(dir, 'same'), 'a'));
}
