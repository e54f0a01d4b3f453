// The protocol layer on its own for engine-level tests: a framework-free TusRequest in, status and
// headers out, on a real FileStore in a temp dir; no HTTP, no Nest. This is the one file that knows how
// the engine is built, so a change to that construction is made here only.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach } from 'vitest';
import { FileStore, MemoryLocker, TusError } from '../../src/index.js';
import { IetfDraft } from '../../src/protocol/ietf-draft/ietf-draft.js';
import { TusEngine, type TusEngineConfig } from '../../src/protocol/tus-engine.js';
import { TusV1 } from '../../src/protocol/tus-v1.js';
import { UploadOperations } from '../../src/protocol/uploads/upload-operations.js';
import type { TusRequest } from '../../src/protocol/tus-request.js';
import { TUS_VERSION } from './tus.js';

/** The collection URL the requests come in on; a created upload's Location is `${COLLECTION}/<id>`. */
export const COLLECTION = 'http://tus.test/files';

/** An engine answer, success or refusal alike (a refusal is the TusError the http layer would send). */
export interface EngineAnswer {
  status: number;
  headers: Record<string, string>;
  /** The stable error code of a refusal (`ERR_...`). */
  code?: string;
  body?: string | Readable;
}

export interface EngineUnderTest {
  store: FileStore;
  handle(req: TusRequest): Promise<EngineAnswer>;
}

/** Config to change for a test; `maxSize` is a plain number here (undefined: no limit). */
export type EngineOverrides = Partial<Omit<TusEngineConfig, 'maxSize' | 'store'>> & { maxSize?: number };

/** The engine on a FileStore in `dir`, with the module's defaults unless `overrides` says otherwise. */
export async function engineOn(dir: string, overrides: EngineOverrides = {}): Promise<EngineUnderTest> {
  const store = new FileStore({ directory: dir });
  await store.init();
  const { maxSize, ...rest } = overrides;
  const config: TusEngineConfig = {
    store,
    locker: new MemoryLocker(),
    hooks: {},
    maxSize: async () => maxSize,
    maxMetadataSize: 8192,
    maxMetadataPairs: 1000,
    maxConcatParts: 100,
    expireIncompleteAfter: 24 * 60 * 60 * 1000,
    completedRetention: 0,
    tombstoneRetention: 7 * 24 * 60 * 60 * 1000,
    idleTimeout: 60_000,
    lockTimeout: 10_000,
    emit: () => undefined,
    progressInterval: 1000,
    completion: { background: false, retryDelay: 5000 },
    download: { enabled: true, incomplete: false },
    ...rest,
  };
  // Built as the module's providers build it: one set of operations under both protocol front ends.
  const operations = new UploadOperations(config);
  const metadataLimits = { maxSize: config.maxMetadataSize, maxPairs: config.maxMetadataPairs };
  const engine = new TusEngine(
    new TusV1(operations, { metadataLimits, download: config.download }),
    new IetfDraft(operations, metadataLimits, operations.capabilities.staging),
  );
  return {
    store,
    async handle(req) {
      try {
        return await engine.handle(req);
      } catch (error) {
        if (error instanceof TusError) return { status: error.status, headers: error.headers, code: error.code };
        throw error;
      }
    },
  };
}

export interface EngineInDir extends EngineUnderTest {
  dir: string;
  /** The files in the store's directory, sorted. */
  files(): Promise<string[]>;
  /** The bytes stored for an upload. */
  data(id: string): Promise<Buffer>;
}

/** Call at describe level: `start(overrides)` is an engine on a fresh temp dir, removed after the test. */
export function useEngines(): { start(overrides?: EngineOverrides): Promise<EngineInDir> } {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });
  return {
    async start(overrides) {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'nestjs-tus-engine-'));
      dirs.push(dir);
      const engine = await engineOn(dir, overrides);
      return {
        ...engine,
        dir,
        files: async () => (await readdir(dir)).sort(),
        data: (id) => readFile(path.join(dir, id)),
      };
    },
  };
}

export interface RequestSpec {
  /** The upload id from the URL; absent on the collection URL. */
  id?: string;
  /** Request headers (any case); `Tus-Resumable: 1.0.0` is added unless given (null leaves it out). */
  headers?: Record<string, string | null>;
  /** The body; `Content-Length` is set from it unless `chunked` or given in `headers`. */
  body?: string | Buffer;
  /** Send the body without Content-Length, as `Transfer-Encoding: chunked`. */
  chunked?: boolean;
}

/** A TusRequest as the http layer would hand it to the engine. */
export function tusRequest(method: string, spec: RequestSpec = {}): TusRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries({ 'tus-resumable': TUS_VERSION, ...lowerCased(spec.headers ?? {}) })) {
    if (value !== null) headers[name] = value;
  }
  const body = spec.body === undefined ? Buffer.alloc(0) : Buffer.from(spec.body);
  if (spec.chunked) headers['transfer-encoding'] = 'chunked';
  else if (spec.body !== undefined) headers['content-length'] ??= String(body.length);
  return {
    method,
    headers,
    body: Readable.from(body.length > 0 ? [body] : []),
    id: spec.id,
    collectionUrl: COLLECTION,
    context: {},
    params: {},
  };
}

function lowerCased(headers: Record<string, string | null>): Record<string, string | null> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

/** The upload id in a Location the engine answered. */
export function idOf(answer: EngineAnswer): string {
  const location = answer.headers.Location;
  if (!location?.startsWith(`${COLLECTION}/`)) throw new Error(`no upload Location in ${JSON.stringify(answer)}`);
  return location.slice(COLLECTION.length + 1);
}

/** POST an upload of `length` bytes (or a deferred one) and return its id; throws unless 201. */
export async function createOn(engine: EngineUnderTest, length: number | 'deferred', headers: Record<string, string> = {}): Promise<string> {
  const answer = await engine.handle(
    tusRequest('POST', { headers: { ...(length === 'deferred' ? { 'Upload-Defer-Length': '1' } : { 'Upload-Length': String(length) }), ...headers } }),
  );
  if (answer.status !== 201) throw new Error(`POST answered ${answer.status} ${answer.code ?? ''}`);
  return idOf(answer);
}

/** The headers of a PATCH of tus bytes at `offset`. */
export function patchHeaders(offset: number, more: Record<string, string | null> = {}): Record<string, string | null> {
  return { 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': String(offset), ...more };
}
