/**
 * The one buffer an upload fills: bytes are copied in as they arrive and sent from here, so a
 * running upload holds a single part-sized buffer, reused for every part (the HTTP request that
 * sends a part has finished with it before the next bytes are copied in). It grows by doubling up
 * to the part size, so a small PATCH does not allocate a whole part.
 */
export class PartBuffer {
  private buffer: Buffer | undefined;
  /** Bytes held. */
  size = 0;

  /** Copies from `source` while fewer than `capacity` bytes are held; returns how many it took. */
  fill(source: Buffer, capacity: number): number {
    const take = Math.min(Math.max(capacity - this.size, 0), source.length);
    if (take === 0) return 0;
    this.reserve(this.size + take, capacity);
    source.copy(this.buffer!, this.size, 0, take);
    this.size += take;
    return take;
  }

  /** Puts `bytes` in front of what is held. */
  prepend(bytes: Buffer, capacity: number): void {
    if (bytes.length === 0) return;
    this.reserve(this.size + bytes.length, Math.max(capacity, this.size + bytes.length));
    this.buffer!.copyWithin(bytes.length, 0, this.size);
    bytes.copy(this.buffer!, 0);
    this.size += bytes.length;
  }

  /** The bytes held: a view, valid until the next change. */
  view(): Buffer {
    return this.buffer ? this.buffer.subarray(0, this.size) : Buffer.alloc(0);
  }

  clear(): void {
    this.size = 0;
  }

  private reserve(needed: number, capacity: number): void {
    if (this.buffer && this.buffer.length >= needed) return;
    const length = Math.min(Math.max(needed, 2 * (this.buffer?.length ?? 0), 256 * 1024), Math.max(capacity, needed));
    const bigger = Buffer.allocUnsafeSlow(length);
    this.buffer?.copy(bigger, 0, 0, this.size);
    this.buffer = bigger;
  }
}
