// IETF-draft ("Resumable Uploads for HTTP") helpers on top of the raw client: create / head / append
// in a given interop version, and the checks every draft answer must pass.
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { header, request, type BodyInput, type HeaderInput, type HttpResponse } from './http.js';
import { ID_PATTERN } from './tus.js';

export const PARTIAL_UPLOAD = 'application/partial-upload';
export const PROBLEM = {
  mismatchingOffset: 'https://iana.org/assignments/http-problem-types#mismatching-upload-offset',
  inconsistentLength: 'https://iana.org/assignments/http-problem-types#inconsistent-upload-length',
  digestMismatched: 'https://iana.org/assignments/http-problem-types#digest-mismatched-values',
  digestInvalid: 'https://iana.org/assignments/http-problem-types#digest-invalid-values',
  digestUnsupported: 'https://iana.org/assignments/http-problem-types#digest-unsupported-algorithms',
} as const;

/** Every interop version the server speaks. */
export const INTEROP_VERSIONS = [3, 4, 5, 6, 7, 8, 9] as const;

/** An RFC 9530 digest field value (`sha-256=:<base64>:`) of the given bytes. */
export function digestOf(algorithm: 'sha-256' | 'sha-512', data: Buffer | string): string {
  return `${algorithm}=:${createHash(algorithm.replace('-', '')).update(data).digest('base64')}:`;
}

/** The completeness field as the version writes it: interop 3 says Upload-Incomplete (inverse). */
export function completeField(version: number, complete: boolean): Record<string, string> {
  return version === 3 ? { 'Upload-Incomplete': complete ? '?0' : '?1' } : { 'Upload-Complete': complete ? '?1' : '?0' };
}

/** The completeness an answer reports, read in the version's own field. */
export function reportedComplete(res: HttpResponse, version: number): boolean | undefined {
  const raw = header(res, version === 3 ? 'upload-incomplete' : 'upload-complete');
  if (raw === undefined) return undefined;
  expect(raw).toMatch(/^\?[01]$/);
  return version === 3 ? raw === '?0' : raw === '?1';
}

export interface DraftCreateOptions {
  /** Upload-Complete (or Upload-Incomplete for 3); `null` sends neither. */
  complete?: boolean | null;
  length?: number;
  body?: BodyInput;
  headers?: HeaderInput;
  path?: string;
}

export function draftCreate(url: string, version: number, options: DraftCreateOptions = {}): Promise<HttpResponse> {
  const headers: HeaderInput = { 'Upload-Draft-Interop-Version': String(version) };
  if (options.complete !== null) Object.assign(headers, completeField(version, options.complete ?? false));
  if (options.length !== undefined) headers['Upload-Length'] = String(options.length);
  Object.assign(headers, options.headers);
  return request(url, { method: 'POST', path: options.path ?? '/files', headers, body: options.body });
}

/** The upload path a draft 201 points to (and asserts the 201). */
export function createdPath(res: HttpResponse, url: string): { uploadPath: string; id: string } {
  expect(res.status, `POST answered ${res.status}: ${res.body.toString()}`).toBe(201);
  const location = header(res, 'location');
  expect(location).toBeTruthy();
  const uploadPath = new URL(location!, url).pathname;
  const id = uploadPath.slice(uploadPath.lastIndexOf('/') + 1);
  expect(id).toMatch(ID_PATTERN);
  return { uploadPath, id };
}

export function draftHead(url: string, uploadPath: string, version: number, headers: HeaderInput = {}): Promise<HttpResponse> {
  return request(url, { method: 'HEAD', path: uploadPath, headers: { 'Upload-Draft-Interop-Version': String(version), ...headers } });
}

export interface DraftAppendOptions {
  complete?: boolean | null;
  headers?: HeaderInput;
}

/** PATCH with Upload-Offset, the completeness field and (from interop 6) application/partial-upload. */
export function draftAppend(
  url: string,
  uploadPath: string,
  version: number,
  offset: number | string,
  body: BodyInput,
  options: DraftAppendOptions = {},
): Promise<HttpResponse> {
  const headers: HeaderInput = { 'Upload-Draft-Interop-Version': String(version), 'Upload-Offset': String(offset) };
  if (version >= 6) headers['Content-Type'] = PARTIAL_UPLOAD;
  if (options.complete !== null) Object.assign(headers, completeField(version, options.complete ?? false));
  Object.assign(headers, options.headers);
  return request(url, { method: 'PATCH', path: uploadPath, headers, body });
}

export function draftGet(url: string, uploadPath: string, version: number, headers: HeaderInput = {}): Promise<HttpResponse> {
  return request(url, { method: 'GET', path: uploadPath, headers: { 'Upload-Draft-Interop-Version': String(version), ...headers } });
}

export function draftDelete(url: string, uploadPath: string, version: number): Promise<HttpResponse> {
  return request(url, { method: 'DELETE', path: uploadPath, headers: { 'Upload-Draft-Interop-Version': String(version) } });
}

/** A draft answer: its version echoed, and nothing that says tus. */
export function expectDraft(res: HttpResponse, version: number): void {
  expect(header(res, 'upload-draft-interop-version')).toBe(String(version));
  expect(header(res, 'tus-resumable')).toBeUndefined();
  expect(header(res, 'upload-expires')).toBeUndefined();
}

/** An RFC 9457 problem answer of the given type; resolves with its members. */
export function expectProblem(res: HttpResponse, status: number, type: string): Record<string, unknown> {
  expect(res.status, res.body.toString()).toBe(status);
  expect(header(res, 'content-type')).toBe('application/problem+json');
  const problem = JSON.parse(res.body.toString()) as Record<string, unknown>;
  expect(problem.type).toBe(type);
  expect(problem.status).toBe(status);
  expect(typeof problem.title).toBe('string');
  return problem;
}

/** `Upload-Limit` as a map of its integer members. */
export function uploadLimit(res: HttpResponse): Record<string, number> | undefined {
  const raw = header(res, 'upload-limit');
  if (raw === undefined) return undefined;
  const out: Record<string, number> = {};
  for (const member of raw.split(',')) {
    const [key, value] = member.trim().split('=');
    expect(value, `Upload-Limit member ${member}`).toMatch(/^-?\d+$/);
    out[key] = Number(value);
  }
  return out;
}
