// Part sizes of the S3 store: pure arithmetic, kept apart so it can be tested without a server.

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

export interface PartLimits {
  /** Preferred size of a part (and so the memory one upload may buffer). */
  partSize: number;
  /** The service's smallest part but the last (5 MiB on S3). */
  minPartSize: number;
  /** The service's largest part (5 GiB on S3). */
  maxPartSize: number;
  /** The service's most parts in one multipart upload (10,000 on S3). */
  maxParts: number;
  /** The largest upload this store must be able to hold, deferred length included. */
  maxUploadSize: number;
  /** Every part but the last has the same size (Cloudflare R2). */
  equalParts: boolean;
}

/** Throws when the limits contradict each other or cannot hold `maxUploadSize`. */
export function checkLimits(limits: PartLimits): void {
  const { partSize, minPartSize, maxPartSize, maxParts, maxUploadSize } = limits;
  for (const [name, value] of Object.entries({ partSize, minPartSize, maxPartSize, maxParts, maxUploadSize })) {
    if (!Number.isSafeInteger(value) || value < 1) throw new Error(`S3Store: ${name} must be a positive integer (got ${value})`);
  }
  if (partSize < minPartSize) throw new Error(`S3Store: partSize (${partSize}) is below minPartSize (${minPartSize})`);
  if (partSize > maxPartSize) throw new Error(`S3Store: partSize (${partSize}) is above maxPartSize (${maxPartSize})`);
  const most = limits.equalParts ? maxParts * maxPartSize : growthCapacity(limits, 1);
  if (maxUploadSize > most) {
    throw new Error(`S3Store: maxUploadSize (${maxUploadSize}) cannot fit in ${maxParts} parts of at most ${maxPartSize} bytes`);
  }
}

/**
 * The size of each part of one append, by part number. Decided once per append from the committed
 * state, so staging (which must know the future part sizes) and writing agree:
 * - known length: `max(partSize, remaining / parts left)`, the same for every part of the append
 *   (full parts never make the ratio grow), so an upload with a known length has equal parts;
 * - deferred length: `partSize`, doubling every `step` parts, `step` as large as possible while
 *   `maxParts` parts still hold `maxUploadSize` (small uploads never see big parts);
 * - equal parts (R2): one size for the whole upload, fixed by its first part; for a deferred length
 *   it is `maxUploadSize / maxParts`, so set `maxUploadSize` to your real limit there.
 * The first part of the append also holds the pending piece whole (never less than its size).
 */
export function partSizer(
  limits: PartLimits,
  state: { length?: number; parts: number; partBytes: number; pieceSize: number; fixedPartSize?: number },
): (partNumber: number) => number {
  const { parts, partBytes, pieceSize, length } = state;
  let base: (partNumber: number) => number;
  if (limits.equalParts) {
    const size = state.fixedPartSize ?? equalPartSize(limits, length);
    base = () => size;
  } else if (length !== undefined) {
    const left = limits.maxParts - parts;
    const size = left > 0 ? Math.max(limits.partSize, Math.ceil((length - partBytes) / left)) : limits.partSize;
    base = () => size;
  } else {
    const step = growthStep(limits);
    base = (n) => Math.min(limits.maxPartSize, limits.partSize * 2 ** Math.floor((n - 1) / step));
  }
  return (partNumber) => {
    if (partNumber > limits.maxParts) {
      throw new Error(`S3Store: the upload needs more than ${limits.maxParts} parts; raise maxUploadSize (and with it the part size) or partSize`);
    }
    const size = base(partNumber);
    if (size > limits.maxPartSize) throw new Error(`S3Store: a part of ${size} bytes is above maxPartSize (${limits.maxPartSize}); the upload is too large`);
    return partNumber === parts + 1 ? Math.max(size, pieceSize) : size;
  };
}

/** Equal-parts mode: the one part size of an upload. */
export function equalPartSize(limits: PartLimits, length: number | undefined): number {
  return Math.max(limits.partSize, Math.ceil((length ?? limits.maxUploadSize) / limits.maxParts));
}

/** How many bytes `maxParts` growing parts hold when the size doubles every `step` parts. */
function growthCapacity(limits: PartLimits, step: number): number {
  let total = 0;
  let size = limits.partSize;
  for (let done = 0; done < limits.maxParts; done += step) {
    const count = Math.min(step, limits.maxParts - done);
    if (size >= limits.maxPartSize) return total + (limits.maxParts - done) * limits.maxPartSize;
    total += count * size;
    size *= 2;
  }
  return total;
}

const steps = new WeakMap<PartLimits, number>();

/** The slowest growth (the largest step) whose capacity still reaches `maxUploadSize`. */
export function growthStep(limits: PartLimits): number {
  const known = steps.get(limits);
  if (known !== undefined) return known;
  let low = 1;
  let high = limits.maxParts;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (growthCapacity(limits, mid) >= limits.maxUploadSize) low = mid;
    else high = mid - 1;
  }
  steps.set(limits, low);
  return low;
}

/** A span of one source (a partial upload): `start` included, `end` excluded. */
export interface Segment {
  source: number;
  start: number;
  end: number;
}

/** One part of a concatenated object: copied on the server, or read through memory (small pieces). */
export type PlannedPart = { kind: 'copy'; segment: Segment } | { kind: 'read'; segments: Segment[] };

/**
 * The parts of a final upload made of sources of the given sizes, in order. Stretches of a source of
 * at least a minimum part become UploadPartCopy parts; what is too small for a part of its own is
 * read into memory (never more than one part) and joined with its neighbours. With equal parts every
 * part but the last has the same size, so parts crossing a source boundary are read through memory.
 */
export function planConcatenation(sizes: number[], limits: PartLimits): PlannedPart[] {
  const total = sizes.reduce((sum, size) => sum + size, 0);
  const planned = limits.equalParts ? equalWindows(sizes, equalPartSize(limits, total)) : copyMostly(sizes, limits);
  if (planned.length > limits.maxParts) throw new Error(`S3Store: concatenating these ${sizes.length} uploads needs ${planned.length} parts (most: ${limits.maxParts})`);
  return planned;
}

function copyMostly(sizes: number[], limits: PartLimits): PlannedPart[] {
  const parts: PlannedPart[] = [];
  let pending: Segment[] = [];
  let pendingBytes = 0;
  for (const [source, size] of sizes.entries()) {
    let position = 0;
    while (position < size) {
      if (pendingBytes > 0) {
        // Fill what is read through memory up to a minimum part, then it can be a part.
        const take = Math.min(limits.minPartSize - pendingBytes, size - position);
        pending.push({ source, start: position, end: position + take });
        pendingBytes += take;
        position += take;
        if (pendingBytes >= limits.minPartSize) {
          parts.push({ kind: 'read', segments: pending });
          pending = [];
          pendingBytes = 0;
        }
        continue;
      }
      const rest = size - position;
      if (rest >= limits.minPartSize) {
        const take = Math.min(rest, limits.maxPartSize);
        parts.push({ kind: 'copy', segment: { source, start: position, end: position + take } });
        position += take;
      } else {
        pending.push({ source, start: position, end: size });
        pendingBytes += rest;
        position = size;
      }
    }
  }
  // A last stretch of a single source is copied too: the last part may be small.
  if (pending.length === 1) parts.push({ kind: 'copy', segment: pending[0] });
  else if (pendingBytes > 0) parts.push({ kind: 'read', segments: pending });
  return parts;
}

function equalWindows(sizes: number[], width: number): PlannedPart[] {
  const parts: PlannedPart[] = [];
  let window: Segment[] = [];
  let filled = 0;
  const close = (last: boolean) => {
    if (filled === 0) return;
    // A window within one source is copied (the last one may be shorter than the others).
    parts.push(window.length === 1 && (filled === width || last) ? { kind: 'copy', segment: window[0] } : { kind: 'read', segments: window });
    window = [];
    filled = 0;
  };
  for (const [source, size] of sizes.entries()) {
    let position = 0;
    while (position < size) {
      const take = Math.min(width - filled, size - position);
      window.push({ source, start: position, end: position + take });
      filled += take;
      position += take;
      if (filled === width) close(false);
    }
  }
  close(true);
  return parts;
}
