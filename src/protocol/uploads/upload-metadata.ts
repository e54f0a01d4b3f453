import { metadataObject } from '../../storage/metadata-object.js';
import { singleHeader, type HeaderValue } from '../http-semantics/header-values.js';
import { badRequest } from '../tus-error.js';

/** Decoded pairs, always in a null-prototype object: a key is data, never an object member. */
export type UploadMetadata = Record<string, string | null>;

export interface MetadataLimits {
  /** Longest accepted raw `Upload-Metadata` header, in bytes. */
  maxSize: number;
  /** Most key/value pairs. */
  maxPairs: number;
}

// tus keys: ASCII, no space, no comma (SPEC §Upload-Metadata). We also refuse control characters.
const KEY = /^[\x21-\x2b\x2d-\x7e]+$/;
// Standard, padded Base64 as tus-js-client sends it.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Parses `Upload-Metadata` strictly, as tusd does: malformed pairs, bad Base64 and duplicate keys are a 400.
 * Values decode as UTF-8; a key without value maps to null. The raw header is what HEAD echoes.
 */
export function parseUploadMetadata(raw: string, limits: MetadataLimits): UploadMetadata {
  if (Buffer.byteLength(raw) > limits.maxSize) {
    throw badRequest('ERR_METADATA_TOO_LARGE', `Upload-Metadata is larger than ${limits.maxSize} bytes`);
  }
  const result: UploadMetadata = Object.create(null);
  const pairs = raw.split(',');
  if (pairs.length > limits.maxPairs) {
    throw badRequest('ERR_METADATA_TOO_LARGE', `Upload-Metadata has more than ${limits.maxPairs} pairs`);
  }
  for (const pair of pairs) {
    const parts = pair.trim().split(' ');
    const key = parts[0];
    if (parts.length > 2 || !key || !KEY.test(key)) {
      throw badRequest('ERR_INVALID_METADATA', 'Upload-Metadata must be comma-separated "key base64value" pairs with ASCII keys');
    }
    if (Object.hasOwn(result, key)) {
      throw badRequest('ERR_INVALID_METADATA', `Upload-Metadata repeats the key "${key}"`);
    }
    const encoded = parts[1];
    if (encoded === undefined || encoded === '') {
      result[key] = null;
      continue;
    }
    if (!BASE64.test(encoded)) {
      throw badRequest('ERR_INVALID_METADATA', `Upload-Metadata value of "${key}" is not valid Base64`);
    }
    result[key] = Buffer.from(encoded, 'base64').toString('utf8');
  }
  return result;
}

/** `Upload-Metadata` of a request: the raw header (echoed by HEAD) and its parsed pairs; {} when absent. */
export function metadataFromHeader(raw: HeaderValue, limits: MetadataLimits): { rawMetadata?: string; metadata: UploadMetadata } {
  const rawMetadata = singleHeader('Upload-Metadata', raw) || undefined;
  return { rawMetadata, metadata: rawMetadata ? parseUploadMetadata(rawMetadata, limits) : metadataObject() };
}
