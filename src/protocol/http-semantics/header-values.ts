import { TusError, badRequest } from '../tus-error.js';
import { SUPPORTED_VERSIONS, TUS_VERSION } from '../tus-headers.js';

/** A request header as Node hands it: absent, one value, or (set-cookie only) several. */
export type HeaderValue = string | string[] | undefined;

// `0`, or a digit 1-9 followed by digits: no sign, no leading zero, no exponent: `Number()` would accept `1e3`, `+5`, `0x10`.
const CANONICAL_INTEGER = /^(?:0|[1-9][0-9]*)$/;
const MAX_SAFE_DIGITS = String(Number.MAX_SAFE_INTEGER).length;

/**
 * Parses a tus size/offset header strictly. Returns undefined when absent.
 * Node joins repeated headers with ", ", so duplicates fail the digit check too.
 */
export function parseByteCount(name: string, raw: HeaderValue): number | undefined {
  if (raw === undefined) return undefined;
  const value = Array.isArray(raw) ? raw.join(',') : raw;
  if (!CANONICAL_INTEGER.test(value)) {
    throw badRequest('ERR_INVALID_' + headerCode(name), `${name} must be a non-negative integer without sign or leading zeros`);
  }
  // Compare as digits first: Number('9007199254740993') rounds silently.
  if (value.length > MAX_SAFE_DIGITS || (value.length === MAX_SAFE_DIGITS && value > String(Number.MAX_SAFE_INTEGER))) {
    throw badRequest('ERR_INVALID_' + headerCode(name), `${name} is larger than ${Number.MAX_SAFE_INTEGER}`);
  }
  return Number(value);
}

function headerCode(name: string): string {
  return name.toUpperCase().replace(/-/g, '_');
}

/** 412 unless the request speaks a version we support. `required` false lets a missing header pass (OPTIONS need not send one). */
export function checkTusResumable(raw: HeaderValue, required: boolean): void {
  if (raw === undefined) {
    if (!required) return;
    throw versionError('Tus-Resumable header is missing; tus clients must send Tus-Resumable: 1.0.0');
  }
  if (!(SUPPORTED_VERSIONS as readonly string[]).includes(String(raw))) {
    throw versionError(`Tus-Resumable ${String(raw)} is not supported; this server speaks ${TUS_VERSION}`);
  }
}

function versionError(message: string): TusError {
  return new TusError(412, 'ERR_UNSUPPORTED_VERSION', message, { 'Tus-Version': SUPPORTED_VERSIONS.join(',') });
}

/** The media-type essence: `Application/Offset+Octet-Stream; charset=x` → `application/offset+octet-stream`: media types are case-insensitive and may carry parameters (RFC 9110 §8.3.1). */
export function mediaType(raw: HeaderValue): string | undefined {
  if (raw === undefined) return undefined;
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value.split(';', 1)[0].trim().toLowerCase();
}

/** One value of a header that must not repeat; a repeated one is a 400. */
export function singleHeader(name: string, raw: HeaderValue): string | undefined {
  if (raw === undefined || typeof raw === 'string') return raw;
  throw badRequest('ERR_DUPLICATE_HEADER', `${name} must be sent once`);
}
