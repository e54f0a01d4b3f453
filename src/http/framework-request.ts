import type { IncomingMessage, ServerResponse } from 'node:http';
import { H } from '../protocol/tus-headers.js';
import { TrustedProxies } from './trusted-proxies.js';

/**
 * What we need from Express's and Fastify's request/response objects, without importing either:
 * Express's are the Node objects themselves, Fastify's wrap them in `raw`.
 */
export interface FrameworkRequest {
  raw?: IncomingMessage;
  originalUrl?: string;
  url?: string;
  params?: Record<string, string>;
}

/** Route parameters of the endpoint path (e.g. `users/:username/files`), without the upload id. */
export function routeParams(req: FrameworkRequest): Record<string, string> {
  const { id: _id, ...rest } = req.params ?? {};
  return rest;
}

export interface FrameworkReply {
  raw?: ServerResponse;
  hijack?: () => void;
  getHeaders?: () => Record<string, string | string[] | number | undefined>;
}

export function nodeRequest(req: FrameworkRequest): IncomingMessage {
  return req.raw ?? (req as unknown as IncomingMessage);
}

/** The Node response under a framework reply, untouched (for interim answers before the final one). */
export function nodeResponse(reply: FrameworkReply): ServerResponse {
  return reply.raw ?? (reply as unknown as ServerResponse);
}

/**
 * The Node response to write to. On Fastify the reply is hijacked (we answer ourselves), after copying
 * headers other plugins already set on it, which would otherwise be lost (tus-node-server#414).
 */
export function takeNodeResponse(reply: FrameworkReply): ServerResponse {
  if (!reply.raw) return reply as unknown as ServerResponse;
  const raw = reply.raw;
  for (const [name, value] of Object.entries(reply.getHeaders?.() ?? {})) {
    if (value !== undefined && !raw.hasHeader(name)) raw.setHeader(name, value);
  }
  reply.hijack?.();
  return raw;
}

const OVERRIDABLE = new Set(['PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

/**
 * `X-HTTP-Method-Override` is honoured on POST only (it serves clients limited to GET and POST; a GET
 * must stay safe), matching the value exactly; any other value comes back as is and gets 405.
 */
export function effectiveMethod(raw: IncomingMessage): string {
  const method = raw.method ?? 'GET';
  const override = raw.headers[H.methodOverride];
  if (method !== 'POST' || typeof override !== 'string') return method;
  return OVERRIDABLE.has(override) ? override : `override ${override.slice(0, 16)}`;
}

/**
 * The collection URL new uploads go under, from the request itself, so a global prefix, versioning
 * or a RouterModule prefix is part of it without configuration.
 */
export function collectionUrl(req: FrameworkRequest, hasId: boolean, relative: boolean, proxies: TrustedProxies): string {
  const raw = nodeRequest(req);
  let path = (req.originalUrl ?? raw.url ?? '/').split('?', 1)[0];
  path = path.replace(/\/+$/, '');
  if (hasId) path = path.slice(0, path.lastIndexOf('/'));
  if (relative) return path;
  const forwarded = proxies.trusts(raw.socket?.remoteAddress) ? forwardedOrigin(raw) : {};
  const proto = forwarded.proto ?? ((raw.socket as { encrypted?: boolean } | undefined)?.encrypted ? 'https' : 'http');
  const host = forwarded.host ?? validHost(raw.headers.host);
  return host ? `${proto}://${host}${path}` : path;
}

/** Scheme and host a trusted proxy says the client used: `Forwarded` first, then `X-Forwarded-*`. */
function forwardedOrigin(raw: IncomingMessage): { proto?: string; host?: string } {
  const result: { proto?: string; host?: string } = {};
  const forwarded = raw.headers.forwarded;
  if (forwarded) {
    const first = forwarded.split(',', 1)[0];
    for (const pair of first.split(';')) {
      const [key, value] = pair.split('=', 2).map((s) => s?.trim());
      const unquoted = value?.replace(/^"(.*)"$/, '$1');
      if (key?.toLowerCase() === 'proto') result.proto = validProto(unquoted);
      if (key?.toLowerCase() === 'host') result.host = validHost(unquoted);
    }
  }
  result.proto ??= validProto(firstValue(raw.headers['x-forwarded-proto']));
  result.host ??= validHost(firstValue(raw.headers['x-forwarded-host']));
  return result;
}

function firstValue(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text?.split(',', 1)[0].trim();
}

function validProto(value: string | undefined): string | undefined {
  const lower = value?.toLowerCase();
  return lower === 'http' || lower === 'https' ? lower : undefined;
}

function validHost(value: string | undefined): string | undefined {
  return value && /^[A-Za-z0-9.\-:[\]]{1,255}$/.test(value) ? value : undefined;
}
