// Child processes and /proc readings for the bench harness.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, execFileSync, spawnSync } from 'node:child_process';

let CLK_TCK = 100;
try {
  CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {}

export function procStats(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(status)?.[1]);
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ms = (ticks) => (ticks * 1000) / CLK_TCK;
  return { peakRssMiB: kb('VmHWM') / 1024, rssMiB: kb('VmRSS') / 1024, userMs: ms(+f[11]), sysMs: ms(+f[12]), cpuMs: ms(+f[11] + +f[12]) };
}

/** Busy CPU time of the whole machine (all cores), ms: everything but idle and iowait in /proc/stat. */
export function machineBusyMs() {
  const v = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return ((total - v[3] - v[4]) * 1000) / CLK_TCK;
}

function newestMtime(dir) {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

/** Runs `npm run build` when dist/src/index.js is missing or older than src/ (unless build is false), then
 * checks in a separate process that it exports TusModule. Returns null when usable, else the reason. */
export function ensureBuild(ROOT, build) {
  const idx = path.join(ROOT, 'dist', 'src', 'index.js');
  const stale = !fs.existsSync(idx) || newestMtime(path.join(ROOT, 'src')) > fs.statSync(idx).mtimeMs;
  if (stale && build) {
    console.error('building the library (npm run build) …');
    const b = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    if (b.status !== 0) return 'npm run build failed';
  }
  if (!fs.existsSync(idx)) return 'dist/src/index.js missing';
  const check = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', "const m = await import('./dist/src/index.js'); if (!m.TusModule) process.exit(3);"],
    { cwd: ROOT, encoding: 'utf8' },
  );
  return check.status === 0 ? null : `dist/src/index.js does not export TusModule (${check.stderr.trim().split('\n')[0] ?? ''})`;
}

/** Starts `node [nodeArgs] script` with env; resolves once it printed its port on stdout. */
export async function startServer({ script, env, nodeArgs = [], cwd, onSpawn }) {
  const child = spawn(process.execPath, [...nodeArgs, script], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onSpawn?.(child);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const port = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('server not ready after 60 s')), 60_000);
    child.stdout.on('data', (d) => {
      buf += d;
      const m = /^(\d+)\s*$/m.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? sig}) before it was ready: ${stderr.trim()}`));
    });
  });
  return { child, port, stderr: () => stderr };
}

/** SIGTERM (the servers exit(0) on it, so --cpu-prof is written), SIGKILL after 10 s. */
export async function stopServer(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}
