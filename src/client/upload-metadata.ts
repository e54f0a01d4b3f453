/** Upload metadata as a null-prototype object: keys come from the server and are never object members. */
export type Metadata = Record<string, string>;

/**
 * Decodes an `Upload-Metadata` header leniently (a client reading any server): pairs it cannot read are
 * skipped, a key without a value maps to ''.
 */
export function decodeMetadata(header: string | null | undefined): Metadata {
  const result: Metadata = Object.create(null);
  for (const pair of (header ?? '').split(',')) {
    const [key, value = ''] = pair.trim().split(' ');
    if (key) result[key] = Buffer.from(value, 'base64').toString('utf8');
  }
  return result;
}
