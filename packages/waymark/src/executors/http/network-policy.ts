/**
 * Which addresses the http executor may connect to. Private, loopback, link-local and other
 * non-public ranges are blocked unless allowed: an SSRF guard. It judges the address a
 * connection actually goes to — the one DNS gave (checked in the socket's `lookup`, so a name
 * that resolves to 127.0.0.1 is caught, and no second resolution can differ), or the IP
 * literal of the URL, which the URL parser has already normalized (`127.1`, `0x7f000001`,
 * `2130706433` → `127.0.0.1`; `[::ffff:127.0.0.1]` → `[::ffff:7f00:1]`). IPv6 forms that
 * embed an IPv4 address (mapped, compatible, NAT64, 6to4) are judged by that address too.
 */
import { BlockList, isIP } from 'node:net';

export interface NetworkPolicyOptions {
  /**
   * Addresses (`10.1.2.3`, `::1`), CIDR ranges (`10.0.0.0/8`, `fd00::/8`) or host names
   * (`localhost`, exact) that may be reached although they are not public.
   */
  allow?: readonly string[];
  /** Turns the guard off: every address may be reached. Default false. */
  allowPrivateNetworks?: boolean;
}

const BLOCKED_V4: ReadonlyArray<[string, number]> = [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata: 169.254.169.254)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];

const BLOCKED_V6: ReadonlyArray<[string, number]> = [
  ['::', 96], // unspecified, loopback, IPv4-compatible (mapped ones: by their IPv4 address)
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];

export class NetworkPolicy {
  private readonly blocked = new BlockList();
  private readonly allowed = new BlockList();
  private readonly allowedHosts = new Set<string>();
  private readonly open: boolean;

  constructor(options: NetworkPolicyOptions = {}) {
    this.open = options.allowPrivateNetworks === true;
    for (const [net, prefix] of BLOCKED_V4) this.blocked.addSubnet(net, prefix, 'ipv4');
    for (const [net, prefix] of BLOCKED_V6) this.blocked.addSubnet(net, prefix, 'ipv6');
    for (const entry of options.allow ?? []) this.addAllowed(entry);
  }

  /** Why `address` (reached for `host`) may not be connected to, or undefined when it may. */
  refusal(address: string, host: string): string | undefined {
    if (this.open || this.allowedHosts.has(host.toLowerCase())) return undefined;
    const family = isIP(address);
    if (family === 0) return `"${address}" is not an IP address`;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (this.allowed.check(address, type)) return undefined;
    const embedded = family === 6 ? embeddedIpv4(address) : undefined;
    if (embedded !== undefined && this.allowed.check(embedded, 'ipv4')) return undefined;
    if (
      this.blocked.check(address, type) ||
      (embedded !== undefined && this.blocked.check(embedded, 'ipv4'))
    ) {
      const shown = host === address ? address : `${host} (${address})`;
      return `${shown} is a private, loopback or link-local address; allow it in the http executor's configuration (allow: ["${address}"]) to reach it`;
    }
    return undefined;
  }

  private addAllowed(entry: string): void {
    const [net, prefix] = entry.split('/') as [string, string | undefined];
    const family = isIP(net);
    if (family === 0) {
      if (prefix !== undefined) throw new Error(`invalid network "${entry}"`);
      this.allowedHosts.add(net.toLowerCase());
      return;
    }
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) this.allowed.addAddress(net, type);
    else {
      const bits = Number(prefix);
      if (!Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128)) {
        throw new Error(`invalid network "${entry}"`);
      }
      this.allowed.addSubnet(net, bits, type);
    }
  }
}

/**
 * The IPv4 address an IPv6 address carries: mapped (`::ffff:a.b.c.d`), compatible
 * (`::a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`) or 6to4 (`2002:aabb:ccdd::`).
 */
export function embeddedIpv4(address: string): string | undefined {
  const groups = ipv6Groups(address);
  if (groups === undefined) return undefined;
  const v4 = (hi: number, lo: number): string => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const zeroTo = (n: number): boolean => groups.slice(0, n).every((g) => g === 0);
  if (zeroTo(5) && (g5 === 0xffff || g5 === 0)) return v4(g6, g7);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0)
    return v4(g6, g7);
  if (g0 === 0x2002) return v4(g1, g2);
  return undefined;
}

/** The eight 16-bit groups of an IPv6 address, or undefined when it is not one. */
function ipv6Groups(address: string): number[] | undefined {
  if (isIP(address) !== 6) return undefined;
  let text = address.split('%')[0] ?? '';
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (dotted !== undefined) {
    const [a, b, c, d] = dotted.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -dotted.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string): number[] =>
    part === '' ? [] : part.split(':').map((g) => parseInt(g, 16));
  const left = parse(head);
  if (tail === undefined) return left;
  const right = parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
