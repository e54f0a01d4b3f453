// A minimal client of "Resumable Uploads for HTTP" at interop version 9, written from the draft's text
// (draft-ietf-httpbis-resumable-upload, editor's copy), not from this server: upload creation
// (optimistic or careful), offset retrieval with HEAD, appends with application/partial-upload,
// cancellation, Upload-Limit, the version check on 104, the Location check and the 413 rule.
import http from 'node:http';

const VERSION = '9';

export interface Interop9Options {
  /** The target resource the upload is created at (e.g. http://host/files). */
  target: string;
  data: Buffer;
  /** optimistic: the whole content in the creation request; careful: an empty creation, then appends. */
  strategy: 'optimistic' | 'careful';
  /** Bytes per append (the client's own choice; Upload-Limit may lower it). */
  chunkSize?: number;
  /** Simulates a dropped connection: the creation request is cut after this many bytes, once its 104 arrived. */
  interruptCreationAfter?: number;
  headers?: Record<string, string>;
}

export interface Exchange {
  method: string;
  url: string;
  request: Record<string, string>;
  status?: number;
  interim: Array<{ status: number; headers: http.IncomingHttpHeaders }>;
  headers?: http.IncomingHttpHeaders;
}

export interface Interop9Result {
  /** The response from the target resource (`Upload-Complete: ?1`). */
  final: { status: number; headers: http.IncomingHttpHeaders };
  location?: string;
  exchanges: Exchange[];
}

interface Limits {
  maxSize?: number;
  minAppendSize?: number;
  maxAppendSize?: number;
}

export class UploadFailed extends Error {}

/** Uploads `data`, resuming after interruptions as the draft's client sections describe. */
export async function uploadInterop9(options: Interop9Options): Promise<Interop9Result> {
  const exchanges: Exchange[] = [];
  const { data } = options;
  let limits: Limits = {};
  let location: string | undefined;

  // Upload creation: Upload-Complete ?1 when the content is the whole representation; the length is
  // indicated (Upload-Length) since it is known.
  const optimistic = options.strategy === 'optimistic';
  const creation: Record<string, string> = {
    'Upload-Draft-Interop-Version': VERSION,
    'Upload-Complete': optimistic ? '?1' : '?0',
    'Upload-Length': String(data.length),
    ...options.headers,
  };
  const created = await send(exchanges, 'POST', options.target, creation, optimistic ? data : Buffer.alloc(0), {
    cutAfter: optimistic ? options.interruptCreationAfter : undefined,
    onInterim(status, headers) {
      // A 104 without our interop version is ignored (Draft Version Identification).
      if (status !== 104 || headers['upload-draft-interop-version'] !== VERSION) return;
      if (headers.location) {
        const announced = new URL(String(headers.location), options.target).href;
        if (location !== undefined && location !== announced) throw new UploadFailed('104 responses named different Locations');
        location = announced;
      }
      limits = merge(limits, readLimits(headers));
    },
  });
  if (created.response) {
    const res = created.response;
    if (readComplete(res.headers) === true) return { final: res, location, exchanges };
    if (res.status >= 200 && res.status < 300) {
      const finalLocation = res.headers.location && new URL(String(res.headers.location), options.target).href;
      // Every message carrying Location for one request must carry the same value.
      if (location !== undefined && finalLocation !== location) throw new UploadFailed('the final response names another Location than the 104');
      location = finalLocation || location;
      limits = merge(limits, readLimits(res.headers));
    } else if (res.status === 413) {
      limits = merge(limits, await discoverLimits(exchanges, options.target));
      throw new UploadFailed(`creation refused with 413 (limits: ${JSON.stringify(limits)})`);
    } else if (res.status < 500) {
      throw new UploadFailed(`creation refused with ${res.status}`);
    }
  }
  if (location === undefined) throw new UploadFailed('no upload resource URI was learned; the upload cannot be resumed');
  if (limits.maxSize !== undefined && limits.maxSize < data.length) {
    await send(exchanges, 'DELETE', location, { 'Upload-Draft-Interop-Version': VERSION });
    throw new UploadFailed(`the upload exceeds max-size ${limits.maxSize}; cancelled`);
  }

  let chunkSize = options.chunkSize ?? data.length;
  for (let attempt = 0; attempt < 20; attempt++) {
    // Offset retrieval, only while no other request for this upload is in flight.
    const state = await send(exchanges, 'HEAD', location, { 'Upload-Draft-Interop-Version': VERSION });
    const res = state.response;
    if (!res || res.status >= 500) continue;
    if (res.status === 307 || res.status === 308) {
      location = new URL(String(res.headers.location), location).href;
      continue;
    }
    if (res.status < 200 || res.status >= 300) throw new UploadFailed(`offset retrieval answered ${res.status}`);
    limits = merge(limits, readLimits(res.headers));
    let offset = readInteger(res.headers['upload-offset']);
    if (offset === undefined || offset > data.length) throw new UploadFailed('the server reports an offset this client cannot continue from');

    for (;;) {
      const size = Math.min(chunkSize, limits.maxAppendSize ?? Infinity, data.length - offset);
      const last = offset + size === data.length;
      const appended = await send(
        exchanges,
        'PATCH',
        location,
        {
          'Upload-Draft-Interop-Version': VERSION,
          'Content-Type': 'application/partial-upload',
          'Upload-Offset': String(offset),
          'Upload-Complete': last ? '?1' : '?0',
        },
        data.subarray(offset, offset + size),
      );
      const answer = appended.response;
      if (!answer || answer.status >= 500) break; // resume via offset retrieval
      if (readComplete(answer.headers) === true) {
        if (answer.status >= 400) throw new UploadFailed(`the target resource failed processing the upload: ${answer.status}`);
        return { final: answer, location, exchanges };
      }
      if (answer.status === 307 || answer.status === 308) {
        location = new URL(String(answer.headers.location), location).href;
        break;
      }
      if (answer.status === 409) break; // wrong offset: retrieve it again
      if (answer.status === 413) {
        // Retry smaller, between min-append-size and max-append-size (learned from OPTIONS when unknown).
        if (limits.maxAppendSize === undefined && limits.minAppendSize === undefined) limits = merge(limits, await discoverLimits(exchanges, options.target));
        const smaller = Math.max(limits.minAppendSize ?? 1, Math.floor(size / 2));
        if (smaller >= size) throw new UploadFailed('413 at the smallest append size the limits allow');
        chunkSize = smaller;
        continue;
      }
      if (answer.status < 200 || answer.status >= 300) throw new UploadFailed(`append refused with ${answer.status}`);
      offset = readInteger(answer.headers['upload-offset']) ?? offset + size;
      if (last) throw new UploadFailed('the last append was acknowledged without Upload-Complete: ?1');
    }
  }
  throw new UploadFailed('gave up after 20 attempts');
}

/** OPTIONS without Upload-Complete: the resource's limits. */
async function discoverLimits(exchanges: Exchange[], target: string): Promise<Limits> {
  const res = (await send(exchanges, 'OPTIONS', target, { 'Upload-Draft-Interop-Version': VERSION })).response;
  return res ? readLimits(res.headers) : {};
}

/** Newer limits replace older ones member by member. */
function merge(known: Limits, update: Limits): Limits {
  const out = { ...known };
  for (const [key, value] of Object.entries(update) as Array<[keyof Limits, number | undefined]>) if (value !== undefined) out[key] = value;
  return out;
}

const LIMIT_KEYS = ['max-size', 'min-size', 'max-append-size', 'min-append-size', 'max-age'];

/**
 * Upload-Limit, a Structured Dictionary: unknown members ignored, a known member that is not an
 * Integer voids the whole field (this client's own small parser: key=value members split on commas).
 */
function readLimits(headers: http.IncomingHttpHeaders): Limits {
  const raw = headers['upload-limit'];
  if (raw === undefined) return {};
  const members = new Map<string, string>();
  for (const member of String(raw).split(',')) {
    const [key, value = '?1'] = member.trim().split(';')[0].split('=');
    members.set(key.trim(), value.trim());
  }
  const integers = new Map<string, number>();
  for (const key of LIMIT_KEYS) {
    const value = members.get(key);
    if (value === undefined) continue;
    if (!/^-?\d{1,15}$/.test(value)) return {};
    integers.set(key, Number(value));
  }
  return { maxSize: integers.get('max-size'), minAppendSize: integers.get('min-append-size'), maxAppendSize: integers.get('max-append-size') };
}

function readComplete(headers: http.IncomingHttpHeaders): boolean | undefined {
  const raw = headers['upload-complete'];
  return raw === '?1' ? true : raw === '?0' ? false : undefined;
}

function readInteger(raw: string | string[] | undefined): number | undefined {
  return typeof raw === 'string' && /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
}

/** One request; `response` is undefined when the connection failed (or was cut) before a final answer. */
function send(
  exchanges: Exchange[],
  method: string,
  url: string,
  headers: Record<string, string>,
  body: Buffer = Buffer.alloc(0),
  hooks: { cutAfter?: number; onInterim?(status: number, headers: http.IncomingHttpHeaders): void } = {},
): Promise<{ response?: { status: number; headers: http.IncomingHttpHeaders } }> {
  const exchange: Exchange = { method, url, request: { ...headers }, interim: [] };
  exchanges.push(exchange);
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = http.request({
      method,
      host: target.hostname,
      port: target.port,
      path: target.pathname + target.search,
      headers: method === 'HEAD' || method === 'DELETE' || method === 'OPTIONS' ? headers : { ...headers, 'Content-Length': String(body.length) },
      agent: false,
    });
    let failure: unknown;
    req.on('information', (info) => {
      exchange.interim.push({ status: info.statusCode, headers: info.headers });
      try {
        hooks.onInterim?.(info.statusCode, info.headers);
      } catch (error) {
        failure = error;
        req.destroy();
      }
    });
    req.on('response', (res) => {
      exchange.status = res.statusCode;
      exchange.headers = res.headers;
      res.resume();
      res.on('end', () => resolve({ response: { status: res.statusCode!, headers: res.headers } }));
      res.on('error', () => resolve({}));
    });
    req.on('error', () => (failure ? reject(failure) : resolve({})));
    if (method === 'HEAD' || method === 'DELETE' || method === 'OPTIONS') {
      req.end();
      return;
    }
    if (hooks.cutAfter === undefined) {
      req.end(body);
      return;
    }
    // Send the first bytes, wait for the 104, then drop the connection as a network failure would.
    req.write(body.subarray(0, hooks.cutAfter));
    const started = Date.now();
    const waitForInterim = () => {
      if (exchange.interim.length > 0 || Date.now() - started > 5000) {
        setTimeout(() => req.destroy(), 50);
      } else {
        setTimeout(waitForInterim, 10);
      }
    };
    waitForInterim();
  });
}
