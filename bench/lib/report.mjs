// Statistics and the Markdown table.

export const TARGETS = {
  throughput: { W1: 0.95, W2: 0.9, W3: 0.75, W4: 0.95 },
  headP99Ratio: 1.5,
  rssOverFloorMiB: 48,
};

export function median(xs) {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** Nearest-rank percentile. */
export function percentile(xs, p) {
  if (!xs.length) return NaN;
  const v = [...xs].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))];
}

export function headStats(h) {
  return {
    count: h.lat.length,
    errors: h.errors,
    statuses: h.statuses,
    connects: h.connects,
    p50: percentile(h.lat, 50),
    p99: percentile(h.lat, 99),
    max: h.lat.length ? Math.max(...h.lat) : NaN,
  };
}

/** Throughput figure of a run: MiB/s, or uploads/s for W3. */
export const metric = (run) => (run.workload === 'W3' ? run.uploadsPerSec : run.mibPerSec);
export const unit = (w) => (w === 'W3' ? 'uploads/s' : 'MiB/s');

/** Per workload and server: medians over reps of the paired ratios to the floor of the same rep. */
export function summarize(runs, serverOrder, workloads) {
  const ok = runs.filter((r) => !r.error);
  const rows = [];
  for (const w of workloads) {
    for (const s of serverOrder) {
      const mine = ok.filter((r) => r.workload === w && r.server === s);
      const failed = runs.filter((r) => r.workload === w && r.server === s && r.error).length;
      if (!mine.length && !failed) continue;
      const pair = (r) => ok.find((f) => f.workload === w && f.server === 'floor' && f.rep === r.rep);
      const ratios = (fn) => median(mine.map((r) => (pair(r) ? fn(r, pair(r)) : NaN)));
      rows.push({
        workload: w,
        server: s,
        reps: mine.length,
        failedRuns: failed,
        throughput: median(mine.map(metric)),
        unit: unit(w),
        throughputRatio: ratios((r, f) => metric(r) / metric(f)),
        headP99: median(mine.map((r) => r.head.p99)),
        headP99Ratio: ratios((r, f) => r.head.p99 / f.head.p99),
        headErrors: mine.reduce((a, r) => a + r.head.errors, 0),
        rssMiB: median(mine.map((r) => r.server_.peakRssMiB)),
        rssOverFloorMiB: ratios((r, f) => r.server_.peakRssMiB - f.server_.peakRssMiB),
        cpuRatio: ratios((r, f) => r.server_.cpuTimedMs / f.server_.cpuTimedMs),
        userCpuRatio: ratios((r, f) => r.server_.userTimedMs / f.server_.userTimedMs),
        cutShort: mine.reduce((a, r) => a + r.cutShort, 0),
        verified: mine.reduce((a, r) => a + r.verified, 0),
        expected: mine.reduce((a, r) => a + r.uploads, 0),
      });
    }
  }
  return rows;
}

const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '–');
const mark = (pass) => (pass ? ' ✓' : ' ✗');

export function markdownTable(rows, { targetsFor = (s) => s.startsWith('nestjs-tus') } = {}) {
  const out = [
    '| workload | server | throughput | ×floor (target) | HEAD p99 ms | ×floor (≤1.5) | peak RSS MiB | −floor (≤48) | CPU ×floor (user) | PATCHes cut short | verified |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const isFloor = r.server === 'floor';
    const t = targetsFor(r.server);
    const tgt = TARGETS.throughput[r.workload];
    const thr = isFloor
      ? '1'
      : `${f(r.throughputRatio)}${t ? ` (≥${tgt})${mark(r.throughputRatio >= tgt)}` : ''}`;
    const hr = isFloor
      ? '1'
      : `${f(r.headP99Ratio)}${t ? mark(r.headP99Ratio <= TARGETS.headP99Ratio && r.cutShort === 0) : ''}`;
    const rss = isFloor
      ? '0'
      : `${r.rssOverFloorMiB >= 0 ? '+' : ''}${f(r.rssOverFloorMiB, 0)}${
          t ? mark(r.rssOverFloorMiB <= TARGETS.rssOverFloorMiB) : ''
        }`;
    const fail = r.failedRuns ? ` (${r.failedRuns} run(s) failed)` : '';
    out.push(
      `| ${r.workload} | ${r.server}${fail} | ${f(r.throughput, r.unit === 'MiB/s' ? 0 : 0)} ${r.unit} | ${thr} | ` +
        `${f(r.headP99, 1)}${r.headErrors ? ` (${r.headErrors} err)` : ''} | ${hr} | ${f(r.rssMiB, 0)} | ${rss} | ` +
        `${isFloor ? '1' : `${f(r.cpuRatio)} (${f(r.userCpuRatio)})`} | ${r.cutShort} | ${r.verified}/${r.expected} |`,
    );
  }
  return out.join('\n');
}
