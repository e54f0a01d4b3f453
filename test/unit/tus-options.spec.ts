import { describe, expect, it } from 'vitest';
import { resolveTusOptions } from '../../src/tus-options.js';

describe('resolveTusOptions', () => {
  it('fills in working defaults', () => {
    const o = resolveTusOptions({});
    expect(o).toMatchObject({
      directory: './uploads',
      maxMetadataSize: 8192,
      relativeLocation: false,
      expireIncompleteAfter: 86_400_000,
      completedRetention: 0,
      cleanupInterval: 3_600_000,
      fsync: false,
      idleTimeout: 60_000,
      minDataRate: { bytes: 1024, interval: 60_000 },
      lockTimeout: 10_000,
      disableRequestTimeout: true,
      download: true,
      downloadIncomplete: false,
    });
    expect(o.cors).toMatchObject({ origins: '*', credentials: false, maxAge: 86400 });
    expect(o.maxSize).toBeUndefined();
  });

  it('keeps cors: false and a maxSize function', () => {
    const fn = () => 5;
    const o = resolveTusOptions({ cors: false, maxSize: fn });
    expect(o.cors).toBe(false);
    expect(o.maxSize).toBe(fn);
  });

  it.each([
    [{ maxSize: -1 }, 'maxSize'],
    [{ maxSize: 1.5 }, 'maxSize'],
    [{ maxSize: '10' }, 'maxSize'],
    [{ directory: '' }, 'directory'],
    [{ idleTimeout: -5 }, 'idleTimeout'],
    [{ minDataRate: { bytes: 0, interval: 1000 } }, 'minDataRate'],
    [{ minDataRate: { bytes: 1024 } }, 'minDataRate'],
    [{ minDataRate: { bytes: 1024, interval: 1000, per: 's' } }, 'minDataRate'],
    [{ minDataRate: true }, 'minDataRate'],
    [{ fsync: 'yes' }, 'fsync'],
    [{ download: 'no' }, 'download'],
    [{ downloadIncomplete: 1 }, 'downloadIncomplete'],
    [{ trustProxy: ['not-an-ip'] }, 'trustProxy'],
    [{ trustProxy: ['10.0.0.0/33'] }, 'trustProxy'],
    [{ cors: { origins: 5 } }, 'cors.origins'],
    [{ cors: 'yes' }, 'cors'],
    [{ store: {} }, 'store'],
    [{ dirctory: './x' }, 'dirctory'],
  ])('refuses %j naming %s', (options, name) => {
    expect(() => resolveTusOptions(options as never)).toThrow(new RegExp(`Invalid TusModule options:[\\s\\S]*- ${name.replace('.', '\\.')}:`));
  });

  it('minDataRate: false switches the floor off', () => {
    expect(resolveTusOptions({ minDataRate: false }).minDataRate).toBe(false);
  });

  it('accepts addresses, ranges and loopback for trustProxy', () => {
    expect(() => resolveTusOptions({ trustProxy: ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', 'loopback'] })).not.toThrow();
  });
});
