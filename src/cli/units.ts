const UNITS: ReadonlyMap<string, number> = new Map([
  ['', 1], ['b', 1],
  ['k', 1024], ['kib', 1024], ['kb', 1000],
  ['m', 1024 ** 2], ['mib', 1024 ** 2], ['mb', 1000 ** 2],
  ['g', 1024 ** 3], ['gib', 1024 ** 3], ['gb', 1000 ** 3],
]);

/** `8MiB`, `512k`, `5MB`, `1048576` → bytes; throws with what is accepted. */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const factor = match ? UNITS.get(match[2]!.toLowerCase()) : undefined;
  const bytes = match && factor ? Math.round(Number(match[1]) * factor) : NaN;
  if (!(bytes > 0)) throw new Error(`"${text}" is not a size: write bytes or a number with KiB, MiB, GiB (or KB, MB, GB)`);
  return bytes;
}

/** 52428800 → `50.0 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** Seconds → `42s`, `3m05s`, `2h10m`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
