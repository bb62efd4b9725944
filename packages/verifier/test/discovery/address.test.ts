import { describe, expect, it } from 'vitest';
import { canonicalIp, forbiddenAddressReason, isIpLiteral } from '../../src/discovery/index.js';

describe('forbiddenAddressReason: the SSRF address ranges', () => {
  const refused: Array<[string, RegExp]> = [
    ['10.0.0.1', /private/],
    ['10.255.255.255', /private/],
    ['172.16.0.1', /private/],
    ['172.31.255.254', /private/],
    ['192.168.1.1', /private/],
    ['127.0.0.1', /loopback/],
    ['127.8.9.10', /loopback/],
    ['169.254.169.254', /link-local/],
    ['169.254.0.1', /link-local/],
    ['0.0.0.0', /unspecified/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['100.127.255.255', /carrier-grade NAT/],
    ['224.0.0.1', /multicast/],
    ['255.255.255.255', /reserved/],
    ['::', /unspecified/],
    ['::1', /loopback/],
    ['fc00::1', /unique local/],
    ['fd12:3456::1', /unique local/],
    ['fe80::1', /link-local/],
    ['fe80::1%eth0', /link-local/],
    ['febf::1', /link-local/],
    ['::ffff:127.0.0.1', /IPv4-mapped IPv6 form of loopback/],
    ['::ffff:7f00:1', /IPv4-mapped IPv6 form of loopback/],
    ['::ffff:169.254.169.254', /IPv4-mapped IPv6 form of link-local/],
    ['::ffff:a9fe:a9fe', /IPv4-mapped IPv6 form of link-local/],
    ['::ffff:10.1.2.3', /IPv4-mapped IPv6 form of private/],
    ['0:0:0:0:0:ffff:c0a8:0101', /IPv4-mapped IPv6 form of private/],
    ['::127.0.0.1', /IPv4-compatible/],
    ['64:ff9b::a9fe:a9fe', /NAT64 IPv6 form of link-local/],
    ['2002:7f00:1::', /6to4 IPv6 form of loopback/],
    ['ff02::1', /multicast/],
    ['[::1]', /loopback/],
    ['not-an-ip', /not an IP address/],
    ['1.2.3', /not an IP address/],
  ];
  for (const [address, reason] of refused) {
    it(`refuses ${address}`, () => {
      expect(forbiddenAddressReason(address)).toMatch(reason);
    });
  }

  const allowed = ['93.184.216.34', '8.8.8.8', '172.32.0.1', '172.15.255.255', '100.128.0.1', '169.255.0.1', '11.0.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1'];
  for (const address of allowed) {
    it(`allows the public address ${address}`, () => {
      expect(forbiddenAddressReason(address)).toBeUndefined();
    });
  }
});

describe('IP literal helpers', () => {
  it('recognizes literals, with or without brackets', () => {
    expect(isIpLiteral('127.0.0.1')).toBe(true);
    expect(isIpLiteral('[::1]')).toBe(true);
    expect(isIpLiteral('example.com')).toBe(false);
    expect(isIpLiteral('127.0.0.1.example')).toBe(false);
  });

  it('canonicalizes equivalent IPv6 spellings to one form', () => {
    expect(canonicalIp('::1')).toBe(canonicalIp('0:0:0:0:0:0:0:1'));
    expect(canonicalIp('[::ffff:127.0.0.1]')).toBe(canonicalIp('::ffff:7f00:1'));
    expect(canonicalIp('FE80::A')).toBe('fe80:0:0:0:0:0:0:a');
    expect(canonicalIp('127.0.0.1')).toBe('127.0.0.1');
    expect(canonicalIp('host.example')).toBeUndefined();
  });
});
