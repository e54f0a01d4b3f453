import { describe, expect, it } from 'vitest';
import { TrustedProxies } from '../../src/http/trusted-proxies.js';

describe('TrustedProxies', () => {
  it('trusts nobody by default', () => {
    expect(new TrustedProxies([]).trusts('127.0.0.1')).toBe(false);
  });

  it('matches addresses, ranges, IPv4-mapped IPv6 and loopback', () => {
    const proxies = new TrustedProxies(['10.0.0.0/8', '192.168.1.5', 'loopback']);
    expect(proxies.trusts('10.1.2.3')).toBe(true);
    expect(proxies.trusts('::ffff:10.1.2.3')).toBe(true);
    expect(proxies.trusts('192.168.1.5')).toBe(true);
    expect(proxies.trusts('192.168.1.6')).toBe(false);
    expect(proxies.trusts('127.0.0.1')).toBe(true);
    expect(proxies.trusts('::1')).toBe(true);
    expect(proxies.trusts('8.8.8.8')).toBe(false);
    expect(proxies.trusts(undefined)).toBe(false);
  });
});
