import { randomFillSync } from 'node:crypto';

// URL-safe and file-name-safe: no dot (so `<id>.json` never collides), no slash, no percent.
// At most 100 characters: Fastify refuses longer route parameters (maxParamLength) with 414.
const ID_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;

// Random bytes for 256 ids at a time: one `randomBytes(16)` costs about 5 µs, a slice of the pool 0.1 µs
// (the same batching `crypto.randomUUID` does). Each id still gets 16 bytes of its own, never reused.
const ID_BYTES = 16;
const pool = Buffer.alloc(ID_BYTES * 256);
let poolOffset = pool.length;

/** A fresh id: 128 random bits, base64url (22 characters). */
export function newUploadId(): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const id = pool.toString('base64url', poolOffset, poolOffset + ID_BYTES);
  poolOffset += ID_BYTES;
  return id;
}

/** Ids come from URLs: only this exact alphabet ever reaches a file name or an object key. */
export function isValidUploadId(id: unknown): id is string {
  return typeof id === 'string' && ID_PATTERN.test(id);
}

// A folder (file store) or key prefix (object store) chosen by the application: plain name segments,
// never `.` or `..`, so it cannot climb out of the store's root.
const FOLDER_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function isValidFolder(folder: unknown): folder is string {
  if (typeof folder !== 'string' || folder.length === 0 || folder.length > 255) return false;
  const segments = folder.split('/');
  return segments.length <= 8 && segments.every((s) => FOLDER_SEGMENT.test(s) && !/^\.+$/.test(s));
}
