/**
 * Egress admission: which URLs key discovery may fetch, and which addresses it may connect to (SSRF guard).
 * The connect-time lookup vets the very addresses the socket then uses, so DNS rebinding cannot swap them.
 * @module
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { canonicalIp, forbiddenAddressReason, isIpLiteral, stripBrackets } from './address.js';
import { DiscoveryError } from './errors.js';
import type { HostResolver, ResolvedAddress } from './options.js';

/** The callback shape `net.connect({ lookup })` uses. */
export type NetLookup = (
  hostname: string,
  options: LookupOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) => void;

/** Raised inside the connect-time lookup; the fetcher re-raises it with the URL. */
export class AddressRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'AddressRefused';
  }
}

const defaultResolver: HostResolver = async (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** Decides what may be fetched. */
export class EgressPolicy {
  readonly #allowHttp: boolean;
  readonly #allowedNames: ReadonlySet<string>;
  readonly #allowedAddresses: ReadonlySet<string>;
  readonly #resolve: HostResolver;

  constructor(options: { allowHttp: boolean; allowedHosts: readonly string[]; lookup?: HostResolver | undefined }) {
    this.#allowHttp = options.allowHttp;
    const names = new Set<string>();
    const addresses = new Set<string>();
    for (const entry of options.allowedHosts) {
      const host = stripBrackets(entry.trim().toLowerCase());
      const ip = canonicalIp(host);
      if (ip !== undefined) addresses.add(ip);
      else names.add(host.replace(/\.$/, ''));
    }
    this.#allowedNames = names;
    this.#allowedAddresses = addresses;
    this.#resolve = options.lookup ?? defaultResolver;
  }

  /**
   * Parses and admits a URL: `https:` (or `http:` when allowed), no credentials, and an IP literal host must not
   * be in a forbidden range unless allowlisted.
   * @throws DiscoveryError `fetch_not_allowed`
   */
  admitUrl(url: string): URL {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new DiscoveryError('fetch_not_allowed', url, 'not an absolute URL');
    }
    if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && this.#allowHttp)) {
      throw new DiscoveryError('fetch_not_allowed', url, `scheme ${parsed.protocol} refused: only https: is fetched${parsed.protocol === 'http:' ? ' (allowHttp is off)' : ''}`);
    }
    if (parsed.username !== '' || parsed.password !== '') throw new DiscoveryError('fetch_not_allowed', url, 'a URL with credentials is refused');
    const host = stripBrackets(parsed.hostname);
    if (isIpLiteral(host)) {
      const reason = this.addressReason(host, host);
      if (reason !== undefined) throw new DiscoveryError('fetch_not_allowed', url, `address ${host} is ${reason}; add it to allowedHosts to fetch it`);
    }
    return parsed;
  }

  /** True when the host name (or IP literal) is allowlisted. */
  isAllowedHost(hostname: string): boolean {
    const host = stripBrackets(hostname.toLowerCase()).replace(/\.$/, '');
    if (this.#allowedNames.has(host)) return true;
    const ip = canonicalIp(host);
    return ip !== undefined && this.#allowedAddresses.has(ip);
  }

  /** Why connecting to `address` (for `hostname`) is refused, or `undefined` when it is allowed. */
  addressReason(hostname: string, address: string): string | undefined {
    if (this.isAllowedHost(hostname)) return undefined;
    const ip = canonicalIp(address);
    if (ip !== undefined && this.#allowedAddresses.has(ip)) return undefined;
    return forbiddenAddressReason(address);
  }

  /**
   * Resolves a host name to all its addresses and refuses it when any one is forbidden (an attacker controls
   * which one a client would pick). IP literals are returned as they are (already vetted by {@link admitUrl}).
   * @throws AddressRefused, or the resolver's error
   */
  async resolveVetted(hostname: string): Promise<ResolvedAddress[]> {
    const host = stripBrackets(hostname);
    if (isIpLiteral(host)) return [{ address: host, family: host.includes(':') ? 6 : 4 }];
    const addresses = [...(await this.#resolve(host))];
    if (addresses.length === 0) throw new AddressRefused(`${host} has no addresses`);
    for (const { address } of addresses) {
      const reason = this.addressReason(host, address);
      if (reason !== undefined) throw new AddressRefused(`${host} resolves to ${address}, which is ${reason}; add the host to allowedHosts to fetch it`);
    }
    return addresses;
  }

  /** A `net.connect` lookup that vets every address it hands to the socket: the connection is pinned to them. */
  readonly netLookup: NetLookup = (hostname, options, callback) => {
    this.resolveVetted(hostname).then(
      (addresses) => {
        const family = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : 0;
        const usable = family === 0 ? addresses : addresses.filter((a) => a.family === family);
        const first = usable[0];
        if (first === undefined) {
          callback(new AddressRefused(`${hostname} has no IPv${family} address`) as NodeJS.ErrnoException, []);
          return;
        }
        if (options.all === true) callback(null, usable.map((a) => ({ address: a.address, family: a.family })));
        else callback(null, first.address, first.family);
      },
      (error: unknown) => callback(error as NodeJS.ErrnoException, []),
    );
  };
}
