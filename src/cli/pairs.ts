/** Repeatable `--header K:V` / `--metadata k=v` values into a Map (keys from the command line stay out of objects). */
export function collectPair(separator: ':' | '=') {
  return (value: string, previous: Map<string, string> = new Map()): Map<string, string> => {
    const at = value.indexOf(separator);
    const key = at > 0 ? value.slice(0, at).trim() : '';
    if (!key) throw new Error(`"${value}" is not key${separator}value`);
    return new Map(previous).set(key, value.slice(at + 1).trim());
  };
}
