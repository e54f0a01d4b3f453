import type { StoredUpload } from '../upload-store.js';
import { contentTypeOf, type InfoDocument } from './layout.js';
import { planConcatenation } from './part-plan.js';
import type { StoreContext } from './store-context.js';

/**
 * Builds the object of a final upload from its complete partial uploads with a multipart upload of
 * its own: stretches of at least a minimum part are copied by the server (UploadPartCopy); only
 * pieces too small to be a part travel through memory, at most one part at a time. The final counts
 * as assembled once CompleteMultipartUpload made the object whole and that was committed: a reader
 * sees it unassembled or whole, and a crash in between just assembles it again.
 */
export async function assembleFinal(ctx: StoreContext, final: InfoDocument, parts: StoredUpload[]): Promise<void> {
  const { api, keys } = ctx;
  const key = keys.object(final.id, final.folder);
  const contentType = contentTypeOf(final.metadata);
  const save = () => api.putJson(keys.info(final.id), final);
  const progress = final.progress;
  // A previous attempt that died half-way: start again.
  if (progress.uploadId) await api.abort(key, progress.uploadId);
  const sizes = parts.map((part) => part.offset);
  const total = sizes.reduce((sum, size) => sum + size, 0);
  let count = 0;
  if (total === 0) {
    await api.putBytes(key, Buffer.alloc(0), contentType);
  } else {
    const plan = planConcatenation(sizes, ctx.limits);
    const sources = parts.map((part) => keys.object(part.id, part.folder));
    progress.uploadId = await api.createMultipart(key, contentType);
    await save();
    const etags: Array<{ partNumber: number; etag: string }> = [];
    for (const [i, planned] of plan.entries()) {
      const partNumber = i + 1;
      if (planned.kind === 'copy') {
        const { source, start, end } = planned.segment;
        etags.push({ partNumber, etag: await api.copyPart(key, progress.uploadId, partNumber, sources[source], { start, end: end - 1 }) });
        continue;
      }
      const pieces: Buffer[] = [];
      for (const { source, start, end } of planned.segments) {
        const bytes = await api.getBytes(sources[source], { start, end: end - 1 });
        if (!bytes || bytes.length !== end - start) throw new Error(`partial upload ${parts[source].id} is missing bytes ${start}-${end - 1}`);
        pieces.push(bytes);
      }
      etags.push({ partNumber, etag: await api.uploadPart(key, progress.uploadId, partNumber, Buffer.concat(pieces)) });
    }
    await api.complete(key, progress.uploadId, etags);
    count = etags.length;
  }
  final.length ??= total;
  final.progress = { parts: count, partBytes: total, pieceSeq: progress.pieceSeq, done: true, updatedAt: Date.now() };
  await save();
}
