import { metadata, type UploadInfo } from '../client/index.js';
import { formatBytes } from './units.js';

/** `info <upload-url>`: the HEAD answer, as aligned lines or one JSON object. */
export async function showInfo(url: string, headers: Map<string, string>, json: boolean, out: (line: string) => void): Promise<void> {
  const info = await metadata(url, { headers: Object.fromEntries(headers) });
  if (json) out(JSON.stringify({ ...info, metadata: { ...info.metadata }, expires: info.expires?.toISOString() ?? null, length: info.length ?? null }));
  else for (const line of describe(info)) out(line);
}

function describe(info: UploadInfo): string[] {
  const { offset, length } = info;
  const progress = length === undefined ? 'length deferred' : length === offset ? 'complete' : `${length ? Math.floor((offset / length) * 100) : 100}%`;
  const pairs = Object.entries(info.metadata).map(([key, value]) => `${key}=${value}`);
  return [
    `url:      ${info.url}`,
    `offset:   ${offset} (${formatBytes(offset)})`,
    `length:   ${length === undefined ? '-' : `${length} (${formatBytes(length)})`}, ${progress}`,
    `expires:  ${info.expires?.toISOString() ?? '-'}`,
    `metadata: ${pairs.length ? pairs.join(', ') : '-'}`,
  ];
}
