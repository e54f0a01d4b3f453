// The registry these machines reach serves oxlint's native binding for linux-x64 only, so `npm install`
// leaves the other platforms' optional bindings out of package-lock.json, and `npm ci` then refuses the
// lock as out of sync. This adds the missing entries as platform-restricted optional packages, which
// `npm ci` skips on every other platform. Run it after any `npm install` that rewrites the lock.
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages;
const added = [];
for (const [parent, info] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(info.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    const match = /binding-([a-z0-9]+)-([a-z0-9]+)(?:-([a-z]+))?$/.exec(name);
    if (packages[key] || !match || !parent.includes('oxlint')) continue;
    const [, os, cpu, abi] = match;
    const entry = { version, cpu: [cpu], dev: true, optional: true, os: [os] };
    if (abi === 'gnu' || abi === 'musl') entry.libc = [abi === 'gnu' ? 'glibc' : 'musl'];
    packages[key] = entry;
    added.push(name);
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)));
writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(added.length ? `added ${added.length} optional entries: ${added.join(', ')}` : 'lock already complete');
