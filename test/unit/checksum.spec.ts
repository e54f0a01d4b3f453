import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ChecksumVerifier, parseChecksumClaim } from '../../src/protocol/uploads/checksum.js';
import { TusError } from '../../src/protocol/tus-error.js';

const b64 = (algorithm: string, data: string) => createHash(algorithm).update(data).digest('base64');

async function feed(verifier: ChecksumVerifier, ...parts: string[]): Promise<void> {
  async function* source() {
    for (const part of parts) yield [Buffer.from(part)];
  }
  for await (const batch of verifier.tap(source())) void batch;
}

describe('parseChecksumClaim', () => {
  it('reads a header claim', () => {
    const claim = parseChecksumClaim({ 'upload-checksum': `sha1 ${b64('sha1', 'x')}` });
    expect(claim?.algorithm).toBe('sha1');
    expect(claim?.digest?.length).toBe(20);
  });

  it('returns undefined without a claim', () => {
    expect(parseChecksumClaim({})).toBeUndefined();
  });

  it('accepts a trailer announced on a chunked body', () => {
    expect(parseChecksumClaim({ trailer: 'Upload-Checksum', 'transfer-encoding': 'chunked' })).toEqual({ algorithm: '' });
  });

  it.each([
    [{ 'upload-checksum': 'sha3 AAAA' }, /not supported/],
    [{ 'upload-checksum': 'sha1' }, /<algorithm> <base64 digest>/],
    [{ 'upload-checksum': `md5 ${b64('sha1', 'x')}` }, /16 bytes/],
    [{ trailer: 'upload-checksum', 'content-length': '5' }, /chunked/],
    [{ trailer: 'upload-checksum', 'transfer-encoding': 'chunked', 'upload-checksum': `sha1 ${b64('sha1', 'x')}` }, /not both/],
  ])('refuses %j with 400', (headers, message) => {
    let error: unknown;
    try {
      parseChecksumClaim(headers as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TusError);
    expect((error as TusError).status).toBe(400);
    expect((error as TusError).message).toMatch(message);
  });
});

describe('ChecksumVerifier', () => {
  it('accepts a matching body and refuses another with 460', async () => {
    const good = new ChecksumVerifier(parseChecksumClaim({ 'upload-checksum': `sha256 ${b64('sha256', 'hello world')}` })!);
    await feed(good, 'hello ', 'world');
    expect(good.verify(true, {})).toBe(true);
    const bad = new ChecksumVerifier(parseChecksumClaim({ 'upload-checksum': `sha256 ${b64('sha256', 'hello world')}` })!);
    await feed(bad, 'hello there');
    expect(bad.verify(true, {})).toBe(false);
    expect(bad.failure?.status).toBe(460);
  });

  it('refuses a body that did not arrive whole', async () => {
    const verifier = new ChecksumVerifier(parseChecksumClaim({ 'upload-checksum': `sha1 ${b64('sha1', 'abc')}` })!);
    await feed(verifier, 'abc');
    expect(verifier.verify(false, {})).toBe(false);
  });

  it('verifies a trailer with whichever algorithm it names', async () => {
    for (const algorithm of ['md5', 'sha1', 'sha256', 'sha512']) {
      const verifier = new ChecksumVerifier({ algorithm: '' });
      await feed(verifier, 'ab', 'c');
      expect(verifier.verify(true, { 'upload-checksum': `${algorithm} ${b64(algorithm, 'abc')}` })).toBe(true);
    }
    const missing = new ChecksumVerifier({ algorithm: '' });
    await feed(missing, 'abc');
    expect(missing.verify(true, {})).toBe(false);
    expect(missing.failure?.status).toBe(400);
  });
});
