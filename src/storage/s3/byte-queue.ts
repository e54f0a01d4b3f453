/** Buffers held in arrival order; `take` cuts exactly n bytes off the front with one copy. */
export class ByteQueue {
  private chunks: Buffer[] = [];
  size = 0;

  push(buffer: Buffer): void {
    if (buffer.length === 0) return;
    this.chunks.push(buffer);
    this.size += buffer.length;
  }

  take(n: number): Buffer {
    if (n > this.size) throw new RangeError(`cannot take ${n} of ${this.size} buffered bytes`);
    const out: Buffer[] = [];
    let missing = n;
    while (missing > 0) {
      const head = this.chunks[0];
      if (head.length <= missing) {
        out.push(head);
        this.chunks.shift();
        missing -= head.length;
      } else {
        out.push(head.subarray(0, missing));
        this.chunks[0] = head.subarray(missing);
        missing = 0;
      }
    }
    this.size -= n;
    return out.length === 1 ? out[0] : Buffer.concat(out, n);
  }

  takeAll(): Buffer {
    return this.take(this.size);
  }
}
