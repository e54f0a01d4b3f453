import { TusClientError } from './errors.js';
import { tusRequest } from './http.js';
import type { RequestOptions } from './request-options.js';

/** What OPTIONS on the endpoint advertises. */
export interface ServerCapabilities {
  extensions: Set<string>;
  checksumAlgorithms: Set<string>;
  maxSize: number | undefined;
}

const list = (value: string | null) => new Set((value ?? '').split(',').map((item) => item.trim().toLowerCase()).filter(Boolean));

export async function serverCapabilities(endpoint: string, options: RequestOptions): Promise<ServerCapabilities> {
  const { headers } = await tusRequest('OPTIONS', endpoint, options);
  const maxSize = headers.get('tus-max-size');
  return {
    extensions: list(headers.get('tus-extension')),
    checksumAlgorithms: list(headers.get('tus-checksum-algorithm')),
    maxSize: maxSize === null ? undefined : Number(maxSize),
  };
}

/** Refuses, before anything is sent, what the server does not offer (never a silent downgrade). */
export function requireFeatures(endpoint: string, capabilities: ServerCapabilities, wanted: { checksum?: string; parallel?: boolean }): void {
  const { extensions, checksumAlgorithms } = capabilities;
  if (wanted.checksum && (!extensions.has('checksum') || !checksumAlgorithms.has(wanted.checksum))) {
    const offered = extensions.has('checksum') ? `it offers ${[...checksumAlgorithms].join(', ') || 'none'}` : 'it does not advertise the checksum extension';
    throw new TusClientError(`${endpoint} cannot verify ${wanted.checksum} checksums (${offered}): choose another algorithm or upload without a checksum`);
  }
  if (wanted.parallel && !extensions.has('concatenation')) {
    throw new TusClientError(`${endpoint} does not advertise the concatenation extension: upload without parallel`);
  }
}
