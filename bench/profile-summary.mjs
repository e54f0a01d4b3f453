// Summarises a V8 .cpuprofile (from `node bench/run.mjs --profile <server id>`): top self-time functions,
// and self time grouped by package / area. Usage: node bench/profile-summary.mjs file.cpuprofile [top N]
import fs from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/profile-summary.mjs <file.cpuprofile> [top N]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = prof.timeDeltas;
for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (dt[i] ?? 0));
const total = [...self.values()].reduce((a, b) => a + b, 0);

function area(url, name) {
  if (!url) return name.startsWith('(') ? name : '(native/builtin)';
  if (url.startsWith('node:')) return url.split('/')[0];
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const d = url.indexOf('/dist/src/');
  if (d >= 0) return `nestjs-tus ${url.slice(d + 10)}`;
  return url.replace(/^file:\/\/.*\/bench\//, 'bench/');
}

const fnTotals = new Map();
const areaTotals = new Map();
for (const [id, us] of self) {
  const { callFrame: cf } = byId.get(id);
  const a = area(cf.url, cf.functionName);
  const key = `${cf.functionName || '(anonymous)'}  ${a}:${cf.lineNumber + 1}`;
  fnTotals.set(key, (fnTotals.get(key) ?? 0) + us);
  areaTotals.set(a, (areaTotals.get(a) ?? 0) + us);
}
const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
const print = (title, m) => {
  console.log(`\n${title}`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)} ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
};
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
print('self time by area', areaTotals);
print('self time by function', fnTotals);
