// Statistics and the Markdown table.

// Issue targets, all against the Nest floor of the same adapter (bench/servers/nest-floor.mjs).
export const TARGETS = {
  throughput: { W1: 0.97, W2: 0.97, W3: 0.9, W4: 0.97 },
  headP99Ratio: 1.5,
  cpuRatio: 1.15,
  rssOverNestFloorMiB: 16,
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

/** The ratios of a server's runs to a reference server's run of the same repetition and workload (medians). */
function pairedRatios(ok, mine, workload, reference) {
  const pair = (r) => ok.find((f) => f.workload === workload && f.server === reference && f.rep === r.rep);
  const ratio = (fn) => median(mine.map((r) => (pair(r) ? fn(r, pair(r)) : NaN)));
  return {
    throughput: ratio((r, f) => metric(r) / metric(f)),
    headP99: ratio((r, f) => r.head.p99 / f.head.p99),
    rssOverMiB: ratio((r, f) => r.server_.peakRssMiB - f.server_.peakRssMiB),
    cpu: ratio((r, f) => r.server_.cpuTimedMs / f.server_.cpuTimedMs),
    userCpu: ratio((r, f) => r.server_.userTimedMs / f.server_.userTimedMs),
  };
}

/**
 * Per workload and server: medians over reps of the paired ratios to the plain-Node floor of the same
 * rep, and, for a server that `nestFloorOf(name)` maps to a Nest floor, to that Nest floor as well.
 */
export function summarize(runs, serverOrder, workloads, { nestFloorOf = () => undefined, nestFloors = new Set() } = {}) {
  const ok = runs.filter((r) => !r.error);
  const rows = [];
  for (const w of workloads) {
    for (const s of serverOrder) {
      const mine = ok.filter((r) => r.workload === w && r.server === s);
      const failed = runs.filter((r) => r.workload === w && r.server === s && r.error).length;
      if (!mine.length && !failed) continue;
      const floor = pairedRatios(ok, mine, w, 'floor');
      const nestFloor = nestFloorOf(s);
      const nest = nestFloor ? pairedRatios(ok, mine, w, nestFloor) : undefined;
      rows.push({
        workload: w,
        server: s,
        reps: mine.length,
        failedRuns: failed,
        throughput: median(mine.map(metric)),
        unit: unit(w),
        throughputRatio: floor.throughput,
        headP99: median(mine.map((r) => r.head.p99)),
        headP99Ratio: floor.headP99,
        headErrors: mine.reduce((a, r) => a + r.head.errors, 0),
        rssMiB: median(mine.map((r) => r.server_.peakRssMiB)),
        rssOverFloorMiB: floor.rssOverMiB,
        cpuRatio: floor.cpu,
        userCpuRatio: floor.userCpu,
        nestFloor,
        isNestFloor: nestFloors.has(s),
        ...(nest && {
          throughputRatioNest: nest.throughput,
          headP99RatioNest: nest.headP99,
          rssOverNestFloorMiB: nest.rssOverMiB,
          cpuRatioNest: nest.cpu,
          userCpuRatioNest: nest.userCpu,
        }),
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
const signed = (x) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(0)}` : '–');

/**
 * Every figure of a server ÷ the plain-Node floor and, for ours, ÷ the Nest floor of its adapter (same
 * run); the targets (✓/✗) are on the Nest-floor ratios of the rows `targetsFor` selects.
 */
export function markdownTable(rows, { targetsFor = (s) => s.startsWith('nestjs-tus') } = {}) {
  const out = [
    '| workload | server | throughput | ×floor | ×Nest floor (target) | HEAD p99 ms | ×floor | ×Nest floor (≤1.5) | peak RSS MiB | −floor | −Nest floor (≤16) | CPU ×floor (user) | CPU ×Nest floor (≤1.15) | PATCHes cut short | verified |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const isFloor = r.server === 'floor';
    const { isNestFloor } = r;
    const t = targetsFor(r.server) && r.nestFloor !== undefined;
    const tgt = TARGETS.throughput[r.workload];
    // A Nest floor row is the reference (1); a row without one (the node floor, @tus/server) has no ratio.
    const nestCell = (value, pass, one = '1') => (isNestFloor ? one : r.nestFloor === undefined ? '–' : `${value}${t ? pass : ''}`);
    const thrNest = nestCell(f(r.throughputRatioNest), tgt === undefined ? '' : ` (≥${tgt})${mark(r.throughputRatioNest >= tgt)}`);
    const headNest = nestCell(f(r.headP99RatioNest), mark(r.headP99RatioNest <= TARGETS.headP99Ratio && r.cutShort === 0));
    const rssNest = nestCell(signed(r.rssOverNestFloorMiB), mark(r.rssOverNestFloorMiB <= TARGETS.rssOverNestFloorMiB), '0');
    const cpuNest = nestCell(`${f(r.cpuRatioNest)} (${f(r.userCpuRatioNest)})`, mark(r.cpuRatioNest <= TARGETS.cpuRatio));
    const fail = r.failedRuns ? ` (${r.failedRuns} run(s) failed)` : '';
    out.push(
      `| ${r.workload} | ${r.server}${fail} | ${f(r.throughput, 0)} ${r.unit} | ${isFloor ? '1' : f(r.throughputRatio)} | ${thrNest} | ` +
        `${f(r.headP99, 1)}${r.headErrors ? ` (${r.headErrors} err)` : ''} | ${isFloor ? '1' : f(r.headP99Ratio)} | ${headNest} | ` +
        `${f(r.rssMiB, 0)} | ${isFloor ? '0' : signed(r.rssOverFloorMiB)} | ${rssNest} | ` +
        `${isFloor ? '1' : `${f(r.cpuRatio)} (${f(r.userCpuRatio)})`} | ${cpuNest} | ${r.cutShort} | ${r.verified}/${r.expected} |`,
    );
  }
  return out.join('\n');
}
