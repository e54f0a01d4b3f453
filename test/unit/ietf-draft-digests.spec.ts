import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readDigestClaim, reprDigestOf, wantedReprAlgorithm } from '../../src/protocol/ietf-draft/ietf-draft-digests.js';
import { ProblemError } from '../../src/protocol/ietf-draft/problem-details.js';
import { TusError } from '../../src/protocol/tus-error.js';

const b64 = (algorithm: string, data: string) => createHash(algorithm).update(data).digest('base64');

describe('readDigestClaim', () => {
  it('takes the strongest supported member, Content-Digest before Repr-Digest, ignoring unknown algorithms', () => {
    const headers = {
      'content-digest': `md5=:AAAA:, sha-256=:${b64('sha256', 'x')}:, sha-512=:${b64('sha512', 'x')}:`,
      'repr-digest': `sha-256=:${b64('sha256', 'y')}:`,
    };
    expect(readDigestClaim(headers, true)).toMatchObject({ field: 'Content-Digest', algorithm: 'sha-512', checksum: { algorithm: 'sha512' } });
    expect(readDigestClaim({ 'repr-digest': headers['repr-digest'] }, true)).toMatchObject({ field: 'Repr-Digest', algorithm: 'sha-256' });
    // A Repr-Digest that does not describe this request's content is not checked.
    expect(readDigestClaim({ 'repr-digest': headers['repr-digest'] }, false)).toBeUndefined();
    expect(readDigestClaim({}, true)).toBeUndefined();
  });

  it('refuses unsupported algorithms, impossible sizes and malformed fields before any byte is read', () => {
    const problem = (headers: Record<string, string>) => {
      try {
        readDigestClaim(headers, true);
      } catch (error) {
        return error instanceof ProblemError ? error.problem.type.split('#')[1] : (error as TusError).status;
      }
      return 'accepted';
    };
    expect(problem({ 'content-digest': 'md5=:AAAA:' })).toBe('digest-unsupported-algorithms');
    expect(problem({ 'content-digest': `sha-256=:${b64('sha512', 'x')}:` })).toBe('digest-invalid-values');
    expect(problem({ 'content-digest': 'sha-256=42' })).toBe('digest-invalid-values');
    expect(problem({ 'content-digest': 'sha-256=:abc' })).toBe(400);
  });
});

describe('wantedReprAlgorithm', () => {
  it.each([
    ['sha-256=5, sha-512=3', 'sha-256'],
    ['sha-256=3, sha-512=3', 'sha-512'],
    ['sha-512=0, sha-256=1', 'sha-256'],
    ['md5=10', undefined],
    ['sha-256=11', undefined],
    ['sha-256', undefined],
    ['not a dictionary (', undefined],
  ])('%j → %s', (raw, expected) => {
    expect(wantedReprAlgorithm({ 'want-repr-digest': raw })).toBe(expected);
  });
});

describe('reprDigestOf', () => {
  it('streams the bytes into an RFC 9530 member; no bytes is the digest of empty content', async () => {
    expect(await reprDigestOf(Readable.from([Buffer.from('ab'), Buffer.from('c')]), 'sha-256')).toBe(`sha-256=:${b64('sha256', 'abc')}:`);
    expect(await reprDigestOf(undefined, 'sha-512')).toBe(`sha-512=:${b64('sha512', '')}:`);
  });
});
