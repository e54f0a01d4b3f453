// tus-level helpers on top of the raw client: create / head / patch, store inspection, checks.
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { header, request, type BodyInput, type HeaderInput, type HttpResponse } from './http.js';

/** Every extension of tus 1.0.0, as the spec names them: what OPTIONS announces when the store can do all. */
export const ALL_EXTENSIONS = [
  'creation',
  'creation-with-upload',
  'creation-defer-length',
  'termination',
  'expiration',
  'checksum',
  'checksum-trailer',
  'concatenation',
  'concatenation-unfinished',
];

export const TUS_VERSION = '1.0.0';
export const TUS = { 'Tus-Resumable': TUS_VERSION } as const;
export const OCTET = 'application/offset+octet-stream';
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
/** RFC 9110 IMF-fixdate, e.g. `Wed, 25 Jun 2014 16:00:00 GMT`. */
export const IMF_FIXDATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
export const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
export const b64 = (value: string) => Buffer.from(value, 'utf8').toString('base64');

/** Deterministic, non-repeating-looking bytes (a prefix of one seed never equals a prefix of another). */
export function pattern(size: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

export interface CreateOptions {
  /** Creation path (default `/files`). */
  path?: string;
  length?: number | string;
  deferred?: boolean;
  metadata?: string;
  headers?: HeaderInput;
  /** creation-with-upload body (Content-Type is set to the tus type unless given). */
  body?: BodyInput;
}

export interface Created {
  res: HttpResponse;
  location: string;
  id: string;
  /** Path of the upload URL, e.g. `/files/<id>`. */
  uploadPath: string;
}

/** POST a new upload and assert the 201. */
export async function createUpload(url: string, options: CreateOptions = {}): Promise<Created> {
  const res = await post(url, options);
  expect(res.status, `POST answered ${res.status}: ${res.body.toString()}`).toBe(201);
  const location = header(res, 'location');
  expect(location).toBeTruthy();
  const uploadPath = new URL(location!, url).pathname;
  const id = uploadPath.slice(uploadPath.lastIndexOf('/') + 1);
  expect(id).toMatch(ID_PATTERN);
  return { res, location: location!, id, uploadPath };
}

/** POST without asserting the outcome. */
export function post(url: string, options: CreateOptions = {}): Promise<HttpResponse> {
  const headers: HeaderInput = { ...TUS };
  if (options.length !== undefined) headers['Upload-Length'] = String(options.length);
  if (options.deferred) headers['Upload-Defer-Length'] = '1';
  if (options.metadata !== undefined) headers['Upload-Metadata'] = options.metadata;
  if (options.body !== undefined) headers['Content-Type'] = OCTET;
  Object.assign(headers, options.headers);
  return request(url, { method: 'POST', path: options.path ?? '/files', headers, body: options.body });
}

export function head(url: string, uploadPath: string, headers: HeaderInput = TUS): Promise<HttpResponse> {
  return request(url, { method: 'HEAD', path: uploadPath, headers });
}

export function patch(
  url: string,
  uploadPath: string,
  offset: number | string,
  body: BodyInput,
  headers: HeaderInput = {},
): Promise<HttpResponse> {
  return request(url, {
    method: 'PATCH',
    path: uploadPath,
    headers: { ...TUS, 'Content-Type': OCTET, 'Upload-Offset': String(offset), ...headers },
    body,
  });
}

export function del(url: string, uploadPath: string, headers: HeaderInput = TUS): Promise<HttpResponse> {
  return request(url, { method: 'DELETE', path: uploadPath, headers });
}

/** The upload's data file `<dir>/<id>`. */
/** The stored bytes of an upload; the store creates the data file on the first write, so none yet is empty. */
export async function readData(dir: string, id: string): Promise<Buffer> {
  try {
    return await readFile(path.join(dir, id));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
    throw error;
  }
}

/** Size of the upload's data file; 0 when the store has not created it yet. */
export async function dataSize(dir: string, id: string): Promise<number> {
  try {
    return (await stat(path.join(dir, id))).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

/**
 * The ids of the uploads in a store directory (one `<id>.json` each), sorted. Asserts that every
 * other entry is the data file `<id>` of one of them (created with the first byte).
 */
export async function uploadIds(dir: string): Promise<string[]> {
  const names = await listDir(dir);
  const ids = names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -'.json'.length));
  expect(names.filter((n) => !n.endsWith('.json') && !ids.includes(n)), 'stray files in the store').toEqual([]);
  return ids.sort();
}

export async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch {
    return false;
  }
}

/** Sorted directory listing. */
export async function listDir(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/** Every response carries Tus-Resumable: 1.0.0. */
export function expectTus(res: HttpResponse): void {
  expect(header(res, 'tus-resumable')).toBe(TUS_VERSION);
}

/** A 4xx/5xx error response: the status, tus header, and a text/plain one-line reason. */
export function expectError(res: HttpResponse, status: number): void {
  expect(res.status, `expected ${status}, body: ${res.body.toString()}`).toBe(status);
  expectTus(res);
  if (res.body.length > 0) {
    expect(header(res, 'content-type')).toMatch(/^text\/plain; ?charset=utf-8$/i);
    expect(res.body.toString().trim()).not.toContain('\n');
  }
}

/** Upload-Offset of a HEAD, asserting the 200. */
export async function offsetOf(url: string, uploadPath: string): Promise<number> {
  const res = await head(url, uploadPath);
  expect(res.status).toBe(200);
  return Number(header(res, 'upload-offset'));
}

/** Upload-Expires is a valid IMF-fixdate within [now - slack, now + maxAhead]. */
export function expectExpiresHeader(res: HttpResponse, maxAheadMs: number): void {
  const value = header(res, 'upload-expires');
  expect(value, 'Upload-Expires missing').toBeDefined();
  expect(value).toMatch(IMF_FIXDATE);
  const when = Date.parse(value!);
  expect(new Date(when).toUTCString()).toBe(value);
  const now = Date.now();
  expect(when).toBeGreaterThan(now - 5_000);
  expect(when).toBeLessThan(now + maxAheadMs + 5_000);
}
