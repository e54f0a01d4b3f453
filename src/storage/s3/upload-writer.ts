import { InfoCommits } from './info-commits.js';
import { contentTypeOf, offsetOf, type InfoDocument, type Progress } from './layout.js';
import { PartBuffer } from './part-buffer.js';
import { partSizer } from './part-plan.js';
import type { ListedPart } from './s3-api.js';
import type { StoreContext } from './store-context.js';

/**
 * Appends bytes to one upload. Incoming bytes are copied into one part-sized buffer until it is full;
 * each part is uploaded from it and then committed in the info object (see InfoCommits), so the
 * offset anyone reads is always what is durably in the store: committed parts plus the committed
 * pending piece. Bytes that do not fill a part when the body ends become the new pending piece (a
 * small object), read back by the next append; when the last byte arrives the piece is the last part.
 *
 * A crash between uploading part n+1 and committing it leaves that part uncommitted ("stray"); the
 * next part upload overwrites it, and completion lists exactly the committed parts (RGW refuses a
 * completion that leaves an uploaded part out, so a stray left at n+1 is overwritten by the last one).
 * With a known length, commits are spaced out and a crash can leave several strays after the last
 * commit; the resumed upload overwrites them all: its parts are never larger than those planned
 * before (see partSizer), so it has at least as many, and its bytes are the same up to the known
 * length. With a deferred length a client could declare less than the strays hold, so there every
 * part is committed before the next one is uploaded.
 */
export class UploadWriter {
  /** The buffer starts with the committed piece. */
  private holdsPiece = false;
  /** Bytes arrived since the last commit. */
  private added = false;
  private readonly commits: InfoCommits;
  /** What the last checkpoint committed (a HEAD reported its offset), and the commit count just after it. */
  private reported: { state: Reported; commits: number } | undefined;
  private readonly sizeOf: (partNumber: number) => number;
  private readonly objectKey: string;

  constructor(
    private readonly ctx: StoreContext,
    readonly doc: InfoDocument,
    /** Bytes after the committed parts, not stored yet (starting with the committed piece once read back); a staged chunk fills it too. */
    private readonly buffer = new PartBuffer(),
  ) {
    const p = doc.progress;
    this.sizeOf = partSizer(ctx.limits, { length: doc.length, parts: p.parts, partBytes: p.partBytes, pieceSize: p.piece?.size ?? 0, fixedPartSize: p.partSize });
    this.objectKey = ctx.keys.object(doc.id, doc.folder);
    this.commits = new InfoCommits(ctx.api, ctx.keys.info(doc.id), doc, doc.length !== undefined);
  }

  /** The committed offset (once {@link settle} resolved). */
  get offset(): number {
    return offsetOf(this.doc);
  }

  /** Waits for the commits in flight, ignoring their failure (for error paths: never leave one running). */
  drain(): Promise<void> {
    return this.commits.drain();
  }

  /** The size of part `n` in this append (staging cuts chunks to match). */
  partSize(n: number): number {
    return this.sizeOf(n);
  }

  /** Every byte known here: committed ones plus those in memory. */
  private get total(): number {
    const p = this.doc.progress;
    return p.partBytes + (this.holdsPiece ? 0 : (p.piece?.size ?? 0)) + this.buffer.size;
  }

  async write(batch: Buffer[]): Promise<void> {
    let size = 0;
    for (const buffer of batch) size += buffer.length;
    if (size === 0) return;
    if (this.doc.progress.done) throw new Error(`upload ${this.doc.id} is complete; nothing more can be appended`);
    if (this.doc.length !== undefined && this.total + size > this.doc.length) {
      throw new Error(`upload ${this.doc.id}: ${size} more bytes would go past its length ${this.doc.length}`);
    }
    await this.loadPiece();
    this.added = true;
    for (const source of batch) {
      for (let at = 0; at < source.length; ) {
        at += this.buffer.fill(source.subarray(at), this.sizeOf(this.doc.progress.parts + 1));
        await this.flushFullPart();
      }
    }
  }

  /** Bytes read back from the store (a staged segment): joined to the pending piece, even when empty. */
  async fill(bytes: Buffer): Promise<void> {
    await this.loadPiece();
    await this.write([bytes]);
    await this.flushFullPart();
  }

  /** The buffer already holds bytes that follow the committed parts (a staged chunk's remainder). */
  adoptBuffer(): void {
    if (this.buffer.size > 0) this.added = true;
  }

  /**
   * Puts a whole part already in the store (a staged segment of exactly the next part's size) in
   * place, copied by the server. What the buffer holds comes after it.
   */
  async copyPart(sourceKey: string, size: number): Promise<void> {
    const n = this.doc.progress.parts + 1;
    if (this.holdsPiece || this.doc.progress.piece) throw new Error('a copied part must start on a part boundary');
    if (size !== this.sizeOf(n)) throw new Error(`staged segment of ${size} bytes does not match part ${n} (${this.sizeOf(n)} bytes)`);
    await this.commits.landed();
    const uploadId = await this.ensureMultipart();
    // Always with a range: Swift lists a part copied from a whole object with an empty ETag, which
    // its own completion then refuses.
    await this.ctx.api.copyPart(this.objectKey, uploadId, n, sourceKey, { start: 0, end: size - 1 });
    await this.advance(n, size);
  }

  /**
   * Stores what is still in memory: as the new pending piece, or as the last part when the upload is
   * complete. A body cut short (`unfinished`) ends at the last checkpoint instead, when nothing was
   * committed after it (see {@link dropUnreported}).
   */
  async settle(unfinished = false): Promise<void> {
    await this.commits.landed();
    const p = this.doc.progress;
    if (p.done) return;
    if (this.doc.length !== undefined && this.total === this.doc.length) return this.complete();
    if (unfinished && this.dropUnreported()) return;
    if (!this.added || this.buffer.size === 0) {
      if (this.commits.deferred) await this.commits.save();
      return;
    }
    const old = p.piece;
    const n = p.pieceSeq + 1;
    const size = this.buffer.size;
    await this.ctx.api.putBytes(this.ctx.keys.piece(this.doc.id, n), this.buffer.view());
    this.buffer.clear();
    p.piece = { n, size };
    p.pieceSeq = n;
    p.updatedAt = Date.now();
    this.holdsPiece = false;
    this.added = false;
    await this.commits.save();
    if (old) await this.deleteQuietly([this.ctx.keys.piece(this.doc.id, old.n)]);
  }

  /**
   * A HEAD reported the last checkpoint's offset, then more bytes came and the body was cut short (the
   * client gone, or a newer request taking over, typically that client resuming at the reported
   * offset): those bytes reached nobody and are dropped, so that offset stays the upload's. Parts
   * uploaded since are strays, overwritten later (see the class comment). Not once anything was
   * committed after the checkpoint: a later HEAD may have reported that.
   */
  private dropUnreported(): boolean {
    const reported = this.reported;
    if (!reported || reported.commits !== this.commits.count) return false;
    const { state } = reported;
    if (state.partBytes + (state.piece?.size ?? 0) === this.total) return false;
    const p = this.doc.progress;
    Object.assign(p, state);
    this.buffer.clear();
    this.holdsPiece = false;
    this.added = false;
    this.commits.dropDeferred(); // its clean-ups would delete the committed piece
    return true;
  }

  /**
   * Makes every byte received so far count without ending the append (offset retrieval asks: see
   * UploadStore.checkpoint). Uploaded parts are committed and the buffered tail becomes the pending
   * piece, which the buffer goes on holding. Never the last byte: completing is the end of the body's job.
   */
  async checkpoint(): Promise<void> {
    const p = this.doc.progress;
    if (p.done || this.total === this.doc.length) return this.commits.landed();
    if (!this.added || this.buffer.size === 0) {
      const state = reportedOf(p);
      await (this.commits.deferred ? this.commits.save() : this.commits.landed());
      this.reported = { state, commits: this.commits.count };
      return;
    }
    const old = p.piece;
    const n = p.pieceSeq + 1;
    await this.ctx.api.putBytes(this.ctx.keys.piece(this.doc.id, n), this.buffer.view());
    p.piece = { n, size: this.buffer.size };
    p.pieceSeq = n;
    p.updatedAt = Date.now();
    this.holdsPiece = true;
    this.added = false;
    const state = reportedOf(p);
    await this.commits.save();
    this.reported = { state, commits: this.commits.count };
    if (old) await this.deleteQuietly([this.ctx.keys.piece(this.doc.id, old.n)]);
  }

  private async loadPiece(): Promise<void> {
    const piece = this.doc.progress.piece;
    if (this.holdsPiece || !piece) return;
    const bytes = await this.ctx.api.getBytes(this.ctx.keys.piece(this.doc.id, piece.n));
    if (!bytes || bytes.length !== piece.size) {
      throw new Error(`the pending piece of upload ${this.doc.id} is ${bytes ? `${bytes.length} bytes instead of ${piece.size}` : 'missing'}`);
    }
    this.buffer.prepend(bytes, this.sizeOf(this.doc.progress.parts + 1));
    this.holdsPiece = true;
  }

  /** Uploads the buffer as the next part when it holds exactly that part's size. */
  private async flushFullPart(): Promise<void> {
    const n = this.doc.progress.parts + 1;
    const size = this.buffer.size;
    if (size === 0 || size < this.sizeOf(n)) return;
    await this.commits.readyForNextPart();
    const uploadId = await this.ensureMultipart();
    // The request has finished with the buffer once this resolves: it is then filled again.
    await this.ctx.api.uploadPart(this.objectKey, uploadId, n, this.buffer.view());
    this.buffer.clear();
    await this.advance(n, size);
  }

  /** Commits part n (which, when the buffer held the piece, contains all of it: see partSizer). */
  private async advance(n: number, size: number): Promise<void> {
    const p = this.doc.progress;
    const consumed = this.holdsPiece ? p.piece : undefined;
    p.parts = n;
    p.partBytes += size;
    if (this.ctx.limits.equalParts) p.partSize ??= size;
    if (consumed) {
      p.piece = undefined;
      this.holdsPiece = false;
    }
    p.updatedAt = Date.now();
    // The consumed piece may go only once a commit that no longer names it has landed.
    this.commits.partAdded(consumed ? () => this.deleteQuietly([this.ctx.keys.piece(this.doc.id, consumed.n)]) : undefined);
  }

  private async ensureMultipart(): Promise<string> {
    const p = this.doc.progress;
    if (!p.uploadId) {
      // Committed before any part: a removal always knows which multipart upload to abort.
      p.uploadId = await this.ctx.api.createMultipart(this.objectKey, contentTypeOf(this.doc.metadata));
      await this.commits.save();
    }
    return p.uploadId;
  }

  /** The last byte is here: the object is made whole (one PutObject when it never needed a part). */
  private async complete(): Promise<void> {
    await this.loadPiece();
    const p = this.doc.progress;
    const body = this.buffer.view();
    const { api } = this.ctx;
    if (p.parts === 0) {
      await api.putBytes(this.objectKey, body, contentTypeOf(this.doc.metadata));
      if (p.uploadId) await api.abort(this.objectKey, p.uploadId);
    } else {
      const listed = await api.listParts(this.objectKey, p.uploadId!);
      if (!listed) return this.recoverCompleted();
      const parts = committedParts(listed, p.parts, p.partBytes, this.doc.id);
      const stray = listed.filter((part) => part.partNumber > p.parts);
      if (stray.some((part) => part.partNumber > p.parts + 1)) {
        throw new Error(`upload ${this.doc.id} has uploaded parts beyond part ${p.parts + 1} that were never committed`);
      }
      // The last part; an empty one only to overwrite a stray (which a completion may not leave out).
      if (body.length > 0 || stray.length > 0) {
        parts.push({ partNumber: p.parts + 1, etag: await api.uploadPart(this.objectKey, p.uploadId!, p.parts + 1, body) });
      }
      await api.complete(this.objectKey, p.uploadId!, parts);
      return this.markDone(parts.length);
    }
    await this.markDone(0);
  }

  /**
   * The multipart upload is gone while the info says incomplete: a crash between completing it and
   * committing that. The object is whole if it has the upload's length.
   */
  private async recoverCompleted(): Promise<void> {
    const size = await this.ctx.api.sizeOf(this.objectKey);
    if (size === undefined || size !== this.doc.length) {
      throw new Error(`the multipart upload of upload ${this.doc.id} no longer exists and its object is ${size === undefined ? 'missing' : `${size} bytes`}`);
    }
    await this.markDone(this.doc.progress.parts + 1);
  }

  private async markDone(parts: number): Promise<void> {
    const p = this.doc.progress;
    this.doc.progress = { parts, partBytes: this.doc.length!, partSize: p.partSize, pieceSeq: p.pieceSeq, done: true, updatedAt: Date.now() };
    this.holdsPiece = false;
    this.added = false;
    this.buffer.clear();
    await this.commits.save();
    // Pieces (the committed one, and any left by a crash) and staged leftovers are no longer needed.
    const leftovers: string[] = [];
    for await (const page of this.ctx.api.listKeys(this.ctx.keys.related(this.doc.id))) {
      leftovers.push(...page.filter((key) => /\.(piece|staged)\.\d+$/.test(key)));
    }
    await this.deleteQuietly(leftovers);
  }

  /** Clean-up after a commit: a failure leaves an unreferenced object that removal sweeps up. */
  private async deleteQuietly(keys: string[]): Promise<void> {
    await this.ctx.api.delete(keys).catch(() => undefined);
  }
}

/** The part of the progress a checkpoint committed that dropping the unreported bytes restores. */
type Reported = Pick<Progress, 'parts' | 'partBytes' | 'partSize' | 'piece' | 'updatedAt'>;

function reportedOf(p: Progress): Reported {
  return { parts: p.parts, partBytes: p.partBytes, partSize: p.partSize, piece: p.piece && { ...p.piece }, updatedAt: p.updatedAt };
}

/** Parts 1..count as listed, checked against what was committed. */
function committedParts(listed: ListedPart[], count: number, bytes: number, id: string): Array<{ partNumber: number; etag: string }> {
  const mine = listed.filter((part) => part.partNumber <= count).sort((a, b) => a.partNumber - b.partNumber);
  const sum = mine.reduce((total, part) => total + part.size, 0);
  if (mine.length !== count || mine.some((part, i) => part.partNumber !== i + 1) || sum !== bytes) {
    throw new Error(`upload ${id}: the store lists ${mine.length} parts with ${sum} bytes, but ${count} parts with ${bytes} bytes were committed`);
  }
  return mine.map((part) => ({ partNumber: part.partNumber, etag: part.etag }));
}
