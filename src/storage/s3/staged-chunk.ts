import type { InfoDocument } from './layout.js';
import type { PartBuffer } from './part-buffer.js';
import type { StoreContext } from './store-context.js';

/** What an accepted chunk is handed to: the upload's writer (UploadWriter), which also cuts the parts. */
export interface ChunkTarget {
  /** The upload as committed before the chunk. */
  readonly doc: Readonly<InfoDocument>;
  /** The committed offset. */
  readonly offset: number;
  /** The size of part `n` (the staged segments are cut to match). */
  partSize(n: number): number;
  /** Bytes that follow what the writer holds (read back from a segment), joined to the pending piece. */
  fill(bytes: Buffer): Promise<void>;
  /** A staged segment of exactly the next part's size, copied into place by the server. */
  copyPart(sourceKey: string, size: number): Promise<void>;
  /** The shared buffer holds bytes that follow the committed parts (the chunk's remainder). */
  adoptBuffer(): void;
  /** Stores what is still in memory as the pending piece or the last part. */
  settle(): Promise<void>;
}

/** A staged chunk's bytes in the store: a segment per part it will become (the first one shortened by the pending piece). */
export interface StagedSegment {
  /** Absent for an empty first segment (the pending piece alone fills the first part). */
  key?: string;
  size: number;
  /** The chunk's remainder, stored so that memory never holds the piece, a segment and the remainder at once. */
  tail?: boolean;
}

/**
 * A checksummed chunk before its verdict. Its bytes never touch the multipart upload: they are staged
 * in objects of their own (`<id>.staged.<n>`) cut to the sizes of the parts they will become, and
 * only an accepted chunk is moved into parts (UploadPartCopy, done by the server; the part that joins
 * the pending piece is read through memory). A refused chunk, or one cut short by a crash, is deleted
 * without the upload ever having counted it, and the committed state never pointed at it.
 */
export class StagedChunk {
  private readonly segments: StagedSegment[] = [];
  private readonly pieceSize: number;
  private readonly firstPart: number;

  constructor(
    private readonly ctx: StoreContext,
    private readonly writer: ChunkTarget,
    /** The upload's one buffer, shared with the writer: during staging it holds the bytes after the last staged segment. */
    private readonly buffer: PartBuffer,
  ) {
    this.pieceSize = writer.doc.progress.piece?.size ?? 0;
    this.firstPart = writer.doc.progress.parts + 1;
  }

  private target(): number {
    const k = this.segments.length;
    const size = this.writer.partSize(this.firstPart + k);
    return k === 0 ? size - this.pieceSize : size;
  }

  async write(batch: Buffer[]): Promise<void> {
    let size = 0;
    for (const source of batch) size += source.length;
    const { length } = this.writer.doc;
    if (length !== undefined && this.writer.offset + this.stagedBytes() + this.buffer.size + size > length) {
      throw new Error(`upload ${this.writer.doc.id}: the chunk goes past its length ${length}`);
    }
    for (const source of batch) {
      for (let at = 0; at < source.length; ) {
        const target = this.target();
        if (target === 0) {
          this.segments.push({ size: 0 });
          continue;
        }
        at += this.buffer.fill(source.subarray(at), target);
        if (this.buffer.size === target) await this.stage(false);
      }
    }
  }

  private async stage(tail: boolean): Promise<void> {
    const key = this.ctx.keys.staged(this.writer.doc.id, this.segments.length);
    const size = this.buffer.size;
    await this.ctx.api.putBytes(key, this.buffer.view());
    this.buffer.clear();
    this.segments.push(tail ? { key, size, tail } : { key, size });
  }

  private stagedBytes(): number {
    return this.segments.reduce((sum, s) => sum + s.size, 0);
  }

  /** The body ended: with segments and a piece, the remainder goes to the store too (memory bound). */
  async end(): Promise<void> {
    if (this.segments.length > 0 && this.pieceSize > 0 && this.buffer.size > 0) await this.stage(true);
  }

  /** Accepted: the chunk becomes parts (each committed as it lands) and the new pending piece or last part. */
  async commit(): Promise<void> {
    try {
      for (const [i, segment] of this.segments.entries()) {
        if ((i === 0 && this.pieceSize > 0) || segment.tail) {
          // Read through memory: the piece plus the first segment make the first part; the remainder is the new piece.
          const bytes = segment.key ? await this.ctx.api.getBytes(segment.key) : Buffer.alloc(0);
          if (!bytes || bytes.length !== segment.size) throw new Error(`staged segment ${segment.key} is missing or damaged`);
          await this.writer.fill(bytes);
        } else {
          await this.writer.copyPart(segment.key!, segment.size);
        }
      }
      // What is still in the buffer follows the staged segments (behind the piece when there were none).
      this.writer.adoptBuffer();
      await this.writer.fill(Buffer.alloc(0));
      await this.writer.settle();
    } finally {
      await this.discard();
    }
  }

  /** Refused (or failed): the staged objects go, and the buffer is emptied; nothing committed ever referred to them. */
  async discard(): Promise<void> {
    this.buffer.clear();
    const keys = this.segments.flatMap((s) => (s.key ? [s.key] : []));
    await this.ctx.api.delete(keys).catch(() => undefined);
  }
}
