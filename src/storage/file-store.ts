// The file store lives in ./file/ (one file per kind of file it keeps); this path is its public home.
export { FileStore, type FileStoreOptions } from './file/file-store.js';
