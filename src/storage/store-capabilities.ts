import type { ConcatenatingStore, DeferredLengthStore, ReadableStore, StoreCapabilities, UploadStore } from './upload-store.js';

/** The methods each optional capability brings, by its name in {@link StoreCapabilities}. */
interface CapabilityMethods {
  concatenation: ConcatenatingStore;
  deferredLength: DeferredLengthStore;
  read: ReadableStore;
}

const METHODS: { [C in keyof CapabilityMethods]: ReadonlyArray<keyof CapabilityMethods[C]> } = {
  concatenation: ['concatenate', 'linkFinal', 'declareLength'],
  deferredLength: ['declareLength'],
  read: ['read'],
};

const REFUSAL: { [C in keyof CapabilityMethods]: string } = {
  concatenation: 'this store cannot concatenate uploads',
  deferredLength: 'this store cannot defer the length of uploads',
  read: 'this store cannot read uploads back',
};

function has<C extends keyof CapabilityMethods>(store: UploadStore, capability: C): store is UploadStore & CapabilityMethods[C] {
  return METHODS[capability].every((name) => typeof (store as unknown as Record<PropertyKey, unknown>)[name] === 'function');
}

/**
 * What the store can do beyond the core, from the methods it has (and its `staging` flag). The engine
 * advertises and accepts only these extensions; wrappers (a Proxy) pass the answer through.
 */
export function capabilitiesOf(store: UploadStore): StoreCapabilities {
  return {
    staging: store.staging !== false,
    concatenation: has(store, 'concatenation'),
    deferredLength: has(store, 'deferredLength'),
    read: has(store, 'read'),
  };
}

/**
 * The store as one with `capability`, for a caller that refused requests needing it beforehand
 * (so a miss here is a bug, or a store that lost a method): throws when the store lacks it.
 */
export function withCapability<C extends keyof CapabilityMethods>(store: UploadStore, capability: C): UploadStore & CapabilityMethods[C] {
  if (!has(store, capability)) throw new Error(REFUSAL[capability]);
  return store;
}
