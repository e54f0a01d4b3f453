import type { StoredUpload, UploadLookup } from './upload-store.js';

/**
 * A bounded map that forgets the least recently used entry first, bounded by entries and by the
 * bytes `sizeOf` estimates. Enough for a per-process read cache: a Map iterates in insertion order,
 * so re-inserting on read keeps the order by recency.
 */
export class LruCache<K, V> {
  private readonly map = new Map<K, { value: V; bytes: number }>();
  private total = 0;

  constructor(
    private readonly capacity: number,
    private readonly maxBytes = Number.POSITIVE_INFINITY,
    private readonly sizeOf: (value: V) => number = () => 0,
  ) {}

  get(key: K): V | undefined {
    const entry = this.map.get(key);
    if (entry !== undefined) {
      this.map.delete(key);
      this.map.set(key, entry);
    }
    return entry?.value;
  }

  /** Reads without making the entry more recent. */
  peek(key: K): V | undefined {
    return this.map.get(key)?.value;
  }

  set(key: K, value: V): void {
    this.delete(key);
    const bytes = this.sizeOf(value);
    this.map.set(key, { value, bytes });
    this.total += bytes;
    // The entry just set stays even when it alone is over the budget: its size is bounded by the caller.
    while (this.map.size > 1 && (this.map.size > this.capacity || this.total > this.maxBytes)) {
      this.delete(this.map.keys().next().value as K);
    }
  }

  delete(key: K): void {
    const entry = this.map.get(key);
    if (entry === undefined) return;
    this.map.delete(key);
    this.total -= entry.bytes;
  }

  get size(): number {
    return this.map.size;
  }

  /** Estimated bytes held (the sum of `sizeOf` over the entries). */
  get bytes(): number {
    return this.total;
  }
}

/** The file store's default memory budget for cached uploads. */
export const DEFAULT_UPLOAD_CACHE_BYTES = 16 * 1024 * 1024;

// Heap measured with Node 20 (V8 keeps these strings at one byte a character; text beyond Latin-1
// takes two): an active entry with no metadata costs ~480 bytes, a tombstone ~170.
const ACTIVE_ENTRY_BYTES = 440;
const GONE_ENTRY_BYTES = 170;
const STRING_BYTES = 16;
const PROPERTY_BYTES = 32;

const stringBytes = (value: string | null | undefined) => (value == null ? 0 : STRING_BYTES + value.length);

/**
 * What one cached lookup costs in memory, estimated from what varies: the id, the raw and decoded
 * metadata, the owner, the folder, the concatenation lists and the application's server metadata.
 */
export function estimateLookupBytes(lookup: UploadLookup): number {
  if (lookup.state !== 'active') return GONE_ENTRY_BYTES;
  const upload: StoredUpload = lookup.upload;
  let bytes = ACTIVE_ENTRY_BYTES + stringBytes(upload.id) + stringBytes(upload.rawMetadata);
  bytes += stringBytes(upload.owner) + stringBytes(upload.folder);
  for (const key in upload.metadata) bytes += PROPERTY_BYTES + stringBytes(key) + stringBytes(upload.metadata[key]);
  const concat = upload.concat;
  if (concat?.kind === 'final') {
    bytes += stringBytes(concat.header);
    for (const part of concat.parts) bytes += PROPERTY_BYTES + stringBytes(part);
  } else if (concat?.finals) {
    for (const final of concat.finals) bytes += PROPERTY_BYTES + stringBytes(final);
  }
  // Opaque application data: its JSON (what the info file holds) is a fair measure of its size.
  if (upload.serverMetadata) bytes += stringBytes(JSON.stringify(upload.serverMetadata));
  return bytes;
}

/** Recently used uploads of a store, bounded by count and by estimated memory. */
export class UploadCache extends LruCache<string, UploadLookup> {
  constructor(maxEntries: number, maxBytes = DEFAULT_UPLOAD_CACHE_BYTES) {
    super(maxEntries, maxBytes, estimateLookupBytes);
  }
}
