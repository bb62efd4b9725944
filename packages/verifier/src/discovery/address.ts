/**
 * IP address classification for the SSRF guard: which addresses key discovery must never connect to.
 * Pure functions; IPv4, IPv6, and IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4).
 * @module
 */
import { isIP } from 'node:net';

/** A range that key discovery refuses, with the name used in error messages. */
interface Range4 {
  readonly base: number;
  readonly bits: number;
  readonly name: string;
}

const V4_RANGES: readonly Range4[] = [
  range4('0.0.0.0', 8, 'unspecified ("this network")'),
  range4('10.0.0.0', 8, 'private (10/8)'),
  range4('100.64.0.0', 10, 'carrier-grade NAT (100.64/10)'),
  range4('127.0.0.0', 8, 'loopback (127/8)'),
  range4('169.254.0.0', 16, 'link-local (169.254/16, cloud metadata)'),
  range4('172.16.0.0', 12, 'private (172.16/12)'),
  range4('192.0.0.0', 24, 'IETF protocol assignments (192.0.0/24)'),
  range4('192.168.0.0', 16, 'private (192.168/16)'),
  range4('198.18.0.0', 15, 'benchmarking (198.18/15)'),
  range4('224.0.0.0', 4, 'multicast (224/4)'),
  range4('240.0.0.0', 4, 'reserved (240/4, broadcast)'),
];

function range4(address: string, bits: number, name: string): Range4 {
  return { base: parseIPv4(address) as number, bits, name };
}

/** Parses dotted-quad IPv4 into an unsigned 32-bit number, or `undefined`. */
export function parseIPv4(address: string): number | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

/** Parses an IPv6 address (optionally with a zone `%eth0` and an embedded dotted quad) into 8 groups, or `undefined`. */
export function parseIPv6(input: string): number[] | undefined {
  let address = input;
  const zone = address.indexOf('%');
  if (zone !== -1) address = address.slice(0, zone);
  if (isIP(address) !== 6) return undefined;
  const lastColon = address.lastIndexOf(':');
  const last = address.slice(lastColon + 1);
  if (last.includes('.')) {
    const v4 = parseIPv4(last);
    if (v4 === undefined) return undefined;
    address = `${address.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string | undefined): number[] => (part === undefined || part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const head = parse(halves[0]);
  const rest = parse(halves[1]);
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 && missing < 1) return undefined;
  const groups = halves.length === 2 ? [...head, ...new Array<number>(missing).fill(0), ...rest] : head;
  if (groups.length !== 8 || groups.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) return undefined;
  return groups;
}

/** A canonical text form of an IP address (dotted quad, or eight lower-case hex groups), for comparing allowlist entries. */
export function canonicalIp(address: string): string | undefined {
  const bare = stripBrackets(address);
  const v4 = parseIPv4(bare);
  if (v4 !== undefined) return [v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255].join('.');
  const v6 = parseIPv6(bare);
  if (v6 === undefined) return undefined;
  return v6.map((g) => g.toString(16)).join(':');
}

/** Removes the brackets of an IPv6 URL host (`[::1]` → `::1`). */
export function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** True when `host` is an IPv4 or IPv6 literal (brackets allowed). */
export function isIpLiteral(host: string): boolean {
  const bare = stripBrackets(host);
  return parseIPv4(bare) !== undefined || parseIPv6(bare) !== undefined;
}

/**
 * Why `address` must not be fetched from: a description of the forbidden range it is in
 * (private, loopback, link-local, unspecified, CGNAT, multicast, reserved, unique-local, or an IPv6 form
 * embedding one of those), or `undefined` for a public unicast address. Anything that does not parse
 * as an IP address is refused too (fail closed).
 */
export function forbiddenAddressReason(address: string): string | undefined {
  const bare = stripBrackets(address);
  const v4 = parseIPv4(bare);
  if (v4 !== undefined) return reason4(v4);
  const v6 = parseIPv6(bare);
  if (v6 === undefined) return 'not an IP address';
  return reason6(v6);
}

function reason4(value: number): string | undefined {
  for (const range of V4_RANGES) {
    const mask = range.bits === 0 ? 0 : (0xffffffff << (32 - range.bits)) >>> 0;
    if (((value & mask) >>> 0) === ((range.base & mask) >>> 0)) return range.name;
  }
  return undefined;
}

function reason6(g: number[]): string | undefined {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  const embedded = (hi: number, lo: number): number => hi * 65536 + lo;
  const firstSixZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (firstSixZero && g5 === 0 && g6 === 0 && g7 === 0) return 'unspecified (::)';
  if (firstSixZero && g5 === 0 && g6 === 0 && g7 === 1) return 'loopback (::1)';
  if (firstSixZero && g5 === 0xffff) return embeddedReason('IPv4-mapped', embedded(g6, g7));
  if (firstSixZero && g5 === 0) return embeddedReason('IPv4-compatible', embedded(g6, g7));
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0xffff && g5 === 0) return embeddedReason('IPv4-translated', embedded(g6, g7));
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return embeddedReason('NAT64', embedded(g6, g7));
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return 'NAT64 local-use (64:ff9b:1::/48)';
  if (g0 === 0x2002) return embeddedReason('6to4', embedded(g1, g2));
  if ((g0 & 0xfe00) === 0xfc00) return 'unique local (fc00::/7)';
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local (fe80::/10)';
  if ((g0 & 0xffc0) === 0xfec0) return 'site-local (fec0::/10)';
  if ((g0 & 0xff00) === 0xff00) return 'multicast (ff00::/8)';
  if (g0 === 0x100 && g1 === 0 && g2 === 0 && g3 === 0) return 'discard-only (100::/64)';
  if (g0 === 0x2001 && g1 === 0xdb8) return 'documentation (2001:db8::/32)';
  return undefined;
}

function embeddedReason(form: string, v4: number): string | undefined {
  const inner = reason4(v4);
  if (inner === undefined) return form === 'IPv4-compatible' ? 'IPv4-compatible (deprecated ::/96)' : undefined;
  return `${form} IPv6 form of ${inner}`;
}
