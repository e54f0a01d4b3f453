import { describe, expect, it } from 'vitest';
import { isValidFolder, isValidUploadId, newUploadId } from '../../src/storage/upload-id.js';

describe('upload ids', () => {
  it('are 128 random bits in base64url and valid', () => {
    const ids = new Set(Array.from({ length: 1000 }, newUploadId));
    expect(ids.size).toBe(1000);
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(isValidUploadId(id)).toBe(true);
    }
  });

  it.each(['', '.', '..', '../x', 'a/b', 'a\\b', 'a\0b', 'a.json', '%2e%2e', 'x'.repeat(101), ' a'])('refuses %j', (id) => {
    expect(isValidUploadId(id)).toBe(false);
  });
});

describe('upload folders', () => {
  it.each(['users', 'users/alice', 'a/b/c/d/e/f/g/h', 'team_1/2026-11', 'x.y'])('accepts %j', (folder) => {
    expect(isValidFolder(folder)).toBe(true);
  });

  it.each(['', '/abs', 'a//b', '..', 'a/../b', '.hidden', 'a/./b', 'a\\b', 'a/b/', 'a b', 'a\0b', 'a/b/c/d/e/f/g/h/i', 'x'.repeat(65)])(
    'refuses %j',
    (folder) => {
      expect(isValidFolder(folder)).toBe(false);
    },
  );
});
