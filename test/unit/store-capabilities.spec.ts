// A store's capabilities come from the members it has, and the start-up check's method lists are the
// interfaces' required members (held equal at type level: `tsc` fails when one of them changes alone).
import { describe, expect, expectTypeOf, it } from 'vitest';
import { LOCKER_METHODS, type Locker } from '../../src/locking/locker.js';
import { MemoryLocker } from '../../src/locking/memory-locker.js';
import { observedStore } from '../../src/operations/metrics/observed-store.js';
import { FileStore } from '../../src/storage/file-store.js';
import { capabilitiesOf, withCapability } from '../../src/storage/store-capabilities.js';
import { UPLOAD_STORE_METHODS, type UploadStore } from '../../src/storage/upload-store.js';

/** The keys of T that are not optional. */
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];

/** A store with only the required methods, each doing nothing. */
function coreStore(extra: Partial<UploadStore> = {}): UploadStore {
  const methods = Object.fromEntries(UPLOAD_STORE_METHODS.map((name) => [name, async () => undefined]));
  return { ...methods, ...extra } as unknown as UploadStore;
}

const none = async () => undefined as never;

describe('store and locker method lists', () => {
  it('name exactly the required members of UploadStore and Locker', () => {
    expectTypeOf<(typeof UPLOAD_STORE_METHODS)[number]>().toEqualTypeOf<RequiredKeys<UploadStore>>();
    expectTypeOf<(typeof LOCKER_METHODS)[number]>().toEqualTypeOf<RequiredKeys<Locker>>();
    expect(new Set(UPLOAD_STORE_METHODS).size).toBe(UPLOAD_STORE_METHODS.length);
    for (const name of LOCKER_METHODS) expect(typeof new MemoryLocker()[name]).toBe('function');
  });
});

describe('capabilitiesOf', () => {
  it('gives a store with every method every capability', () => {
    expect(capabilitiesOf(new FileStore({ directory: 'unused' }))).toEqual({ staging: true, concatenation: true, deferredLength: true, read: true });
  });

  it('gives a core store none but staging, and opts out of staging on `staging: false`', () => {
    expect(capabilitiesOf(coreStore())).toEqual({ staging: true, concatenation: false, deferredLength: false, read: false });
    expect(capabilitiesOf(coreStore({ staging: false })).staging).toBe(false);
  });

  it('derives each capability from its methods: concatenation needs declareLength too', () => {
    expect(capabilitiesOf(coreStore({ read: none }))).toMatchObject({ read: true, concatenation: false, deferredLength: false });
    expect(capabilitiesOf(coreStore({ declareLength: none }))).toMatchObject({ deferredLength: true, concatenation: false });
    expect(capabilitiesOf(coreStore({ concatenate: none, linkFinal: none }))).toMatchObject({ concatenation: false });
    expect(capabilitiesOf(coreStore({ concatenate: none, linkFinal: none, declareLength: none }))).toMatchObject({ concatenation: true, deferredLength: true });
  });

  it('sees through a wrapping Proxy (the metrics store)', () => {
    const counters = { storeErrors: { inc: () => undefined }, bytes: { inc: () => undefined } };
    expect(capabilitiesOf(observedStore(coreStore({ read: none }), counters))).toEqual({ staging: true, concatenation: false, deferredLength: false, read: true });
  });
});

describe('withCapability', () => {
  it('hands back the store when it has the capability, and throws when it lacks it', () => {
    const store = coreStore({ read: none });
    expect(withCapability(store, 'read')).toBe(store);
    expect(() => withCapability(store, 'concatenation')).toThrow(/cannot concatenate/);
    expect(() => withCapability(store, 'deferredLength')).toThrow(/cannot defer/);
  });
});
