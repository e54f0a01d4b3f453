import { UploadExistsError, type UploadStore } from '../../storage/upload-store.js';

/**
 * The store as metrics see it: failed calls are counted (an id already taken is an answer, not a
 * fault), and `append` counts the bytes it stored. Everything else passes through untouched.
 */
export function observedStore(store: UploadStore, counters: { storeErrors: { inc(): void }; bytes: { inc(value: number): void } }): UploadStore {
  const failed = (error: unknown): never => {
    if (!(error instanceof UploadExistsError)) counters.storeErrors.inc();
    throw error;
  };
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      let wrapper = wrapped.get(property);
      if (!wrapper) {
        const method = value as (...args: unknown[]) => unknown;
        wrapper =
          property === 'append'
            ? async (id: string, offset: number, ...rest: unknown[]) => {
                const reached = (await Promise.resolve(method.call(target, id, offset, ...rest)).catch(failed)) as number;
                counters.bytes.inc(reached - offset);
                return reached;
              }
            : (...args: unknown[]) => {
                const result = method.apply(target, args);
                // Promises are watched; iterables (listings) and plain values pass as they are.
                return result instanceof Promise ? result.catch(failed) : result;
              };
        wrapped.set(property, wrapper);
      }
      return wrapper;
    },
  });
}
