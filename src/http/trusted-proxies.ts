import { BlockList, isIP } from 'node:net';

/** `'loopback'`, an IP address, or a CIDR range such as `10.0.0.0/8`. */
export function isTrustProxyEntry(value: string): boolean {
  if (value === 'loopback') return true;
  const [address, bits, extra] = value.split('/');
  if (extra !== undefined) return false;
  const family = isIP(address);
  if (family === 0) return false;
  return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

/**
 * The peers whose forwarding headers we believe. Anyone can send `X-Forwarded-Host`; only a proxy
 * we were told about may decide the host and scheme that go into `Location`.
 */
export class TrustedProxies {
  private readonly list = new BlockList();
  readonly empty: boolean;

  constructor(entries: string[]) {
    this.empty = entries.length === 0;
    for (const entry of entries) {
      if (entry === 'loopback') {
        this.list.addSubnet('127.0.0.0', 8, 'ipv4');
        this.list.addAddress('::1', 'ipv6');
        continue;
      }
      const [address, bits] = entry.split('/');
      const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
      if (bits === undefined) this.list.addAddress(address, type);
      else this.list.addSubnet(address, Number(bits), type);
    }
  }

  trusts(peer: string | undefined): boolean {
    if (this.empty || !peer) return false;
    // IPv4 peers on a dual-stack socket arrive as ::ffff:a.b.c.d.
    const v4 = peer.startsWith('::ffff:') ? peer.slice(7) : undefined;
    if (v4 && isIP(v4) === 4) return this.list.check(v4, 'ipv4');
    return this.list.check(peer, isIP(peer) === 4 ? 'ipv4' : 'ipv6');
  }
}
