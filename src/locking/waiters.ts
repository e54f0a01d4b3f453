// Waiting in RedisLocker: sleeps that a Redis message cuts short, kept in sets by upload id.

export interface Waiter {
  wake(): void;
}

/** A waiter's sleep that `wake()` cuts short; a wake while awake makes the next nap return at once. */
export function napper(): Waiter & { nap(ms: number): Promise<void> } {
  let woken = false;
  let cut: (() => void) | undefined;
  return {
    wake() {
      if (cut) cut();
      else woken = true;
    },
    nap(ms) {
      if (woken) {
        woken = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        cut = done;
        function done() {
          clearTimeout(timer);
          cut = undefined;
          resolve();
        }
      });
    },
  };
}

export function addTo<T>(map: Map<string, Set<T>>, id: string, item: T): void {
  const set = map.get(id);
  if (set) set.add(item);
  else map.set(id, new Set([item]));
}

export function removeFrom<T>(map: Map<string, Set<T>>, id: string, item: T): void {
  const set = map.get(id);
  if (!set) return;
  set.delete(item);
  if (set.size === 0) map.delete(id);
}
