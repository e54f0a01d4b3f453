/** Decoded client metadata: key → value (null for a key sent without value). */
export type MetadataValues = Record<string, string | null>;

/**
 * A copy of client metadata in a null-prototype object: keys such as `__proto__`, `constructor` or
 * `toString` are plain data there, and a key the client did not send reads as undefined.
 */
export function metadataObject(source?: Readonly<MetadataValues>): MetadataValues {
  const copy: MetadataValues = Object.create(null);
  if (source) for (const key of Object.keys(source)) copy[key] = source[key];
  return copy;
}
