import { describe, expect, it } from 'vitest';
import { checkLimits, GiB, growthStep, MiB, partSizer, planConcatenation, type PartLimits, type PlannedPart } from '../../src/storage/s3/part-plan.js';

const TiB = 1024 * GiB;
const S3: PartLimits = { partSize: 8 * MiB, minPartSize: 5 * MiB, maxPartSize: 5 * GiB, maxParts: 10_000, maxUploadSize: 5 * TiB, equalParts: false };
const fresh = { parts: 0, partBytes: 0, pieceSize: 0 };

/** Sizes of the parts an upload of `length` gets when it arrives in one piece. */
function partsOf(limits: PartLimits, length: number | undefined, total: number): number[] {
  const sizeOf = partSizer(limits, { ...fresh, length });
  const sizes: number[] = [];
  for (let left = total, n = 1; left > 0; n++) {
    const size = Math.min(sizeOf(n), left);
    sizes.push(size);
    left -= size;
  }
  return sizes;
}

describe('S3 part sizes', () => {
  it('a known length gets equal parts of at least partSize, within maxParts', () => {
    expect(partSizer(S3, { ...fresh, length: 1 * GiB })(1)).toBe(8 * MiB);
    const huge = 5 * TiB;
    const size = partSizer(S3, { ...fresh, length: huge })(1);
    expect(size).toBe(Math.ceil(huge / 10_000));
    expect(size * 10_000).toBeGreaterThanOrEqual(huge);
    const sizes = partsOf(S3, 100 * GiB, 100 * GiB);
    expect(sizes.length).toBeLessThanOrEqual(10_000);
    expect(new Set(sizes.slice(0, -1)).size).toBe(1);
  });

  it('a known length keeps fitting when resumed from a committed state', () => {
    // 9,000 parts of 8 MiB committed, 1,000 left for the rest of a 1 TiB upload.
    const sizeOf = partSizer(S3, { length: 1 * TiB, parts: 9_000, partBytes: 9_000 * 8 * MiB, pieceSize: 0 });
    expect(sizeOf(9_001) * 1_000).toBeGreaterThanOrEqual(1 * TiB - 9_000 * 8 * MiB);
    expect(() => sizeOf(10_001)).toThrow(/more than 10000 parts/);
  });

  it('a deferred length starts at partSize and doubles just often enough for maxUploadSize', () => {
    const sizeOf = partSizer(S3, { ...fresh, length: undefined });
    expect(sizeOf(1)).toBe(8 * MiB);
    const step = growthStep(S3);
    expect(sizeOf(step)).toBe(8 * MiB);
    expect(sizeOf(step + 1)).toBe(16 * MiB);
    let capacity = 0;
    for (let n = 1; n <= 10_000; n++) capacity += sizeOf(n);
    expect(capacity).toBeGreaterThanOrEqual(5 * TiB);
    // With a 10 GiB limit the parts never grow at all.
    const small = { ...S3, maxUploadSize: 10 * GiB };
    expect(partSizer(small, { ...fresh, length: undefined })(10_000)).toBe(8 * MiB);
  });

  it('the first part of an append takes the whole pending piece', () => {
    const sizeOf = partSizer(S3, { length: undefined, parts: 3, partBytes: 24 * MiB, pieceSize: 9 * MiB });
    expect(sizeOf(4)).toBe(9 * MiB);
    expect(sizeOf(5)).toBe(8 * MiB);
  });

  it('equal parts (R2): one size for the upload, from its length or from maxUploadSize', () => {
    const r2 = { ...S3, equalParts: true, partSize: 5 * MiB };
    expect(partsOf(r2, 12 * MiB, 12 * MiB)).toEqual([5 * MiB, 5 * MiB, 2 * MiB]);
    expect(partSizer(r2, { ...fresh, length: undefined })(1)).toBe(Math.ceil((5 * TiB) / 10_000));
    expect(partSizer({ ...r2, maxUploadSize: 10 * GiB }, { ...fresh, length: undefined })(1)).toBe(5 * MiB);
    expect(partSizer(r2, { ...fresh, length: 1 * TiB, fixedPartSize: 6 * MiB })(7)).toBe(6 * MiB);
  });

  it('refuses limits that contradict each other', () => {
    expect(() => checkLimits({ ...S3, partSize: 4 * MiB })).toThrow(/below minPartSize/);
    expect(() => checkLimits({ ...S3, maxParts: 1000, maxPartSize: 1 * GiB, maxUploadSize: 2 * TiB })).toThrow(/cannot fit/);
    expect(() => checkLimits({ ...S3, maxParts: 0 })).toThrow(/positive integer/);
    expect(() => checkLimits(S3)).not.toThrow();
  });
});

describe('S3 concatenation plan', () => {
  const limits: PartLimits = { ...S3, partSize: 5 * MiB };
  const M = 5 * MiB;
  const describePlan = (plan: PlannedPart[]) =>
    plan.map((p) => (p.kind === 'copy' ? `copy ${p.segment.source}:${p.segment.start}-${p.segment.end}` : `read ${p.segments.map((s) => `${s.source}:${s.start}-${s.end}`).join('+')}`));

  it('copies sources of at least a part on the server and joins small ones in memory', () => {
    expect(describePlan(planConcatenation([M, 2 * M + 1], limits))).toEqual([`copy 0:0-${M}`, `copy 1:0-${2 * M + 1}`]);
    expect(describePlan(planConcatenation([1, M + 3, 0, 10], limits))).toEqual([`read 0:0-1+1:0-${M - 1}`, `read 1:${M - 1}-${M + 3}+3:0-10`]);
  });

  it('never makes a part but the last smaller than the minimum', () => {
    for (const sizes of [[1, 2, 3], [M - 1, M - 1, M - 1], [1, M + 3, M - 1, 2 * M + 5, 0], [3 * M, 1, 3 * M]]) {
      const plan = planConcatenation(sizes, limits);
      const partSizes = plan.map((p) => (p.kind === 'copy' ? p.segment.end - p.segment.start : p.segments.reduce((a, s) => a + s.end - s.start, 0)));
      expect(partSizes.slice(0, -1).every((size) => size >= M), `${sizes}: ${partSizes}`).toBe(true);
      expect(partSizes.reduce((a, b) => a + b, 0)).toBe(sizes.reduce((a, b) => a + b, 0));
    }
  });

  it('equal parts: fixed windows, copied when inside one source', () => {
    const plan = planConcatenation([2 * M, M + 1, 2], { ...limits, equalParts: true });
    expect(describePlan(plan)).toEqual([`copy 0:0-${M}`, `copy 0:${M}-${2 * M}`, `copy 1:0-${M}`, `read 1:${M}-${M + 1}+2:0-2`]);
  });
});
