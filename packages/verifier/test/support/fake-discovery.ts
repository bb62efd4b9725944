/** A stand-in for KeyDiscovery (same shape), serving keys from memory and recording the calls. */
import { SignetError, importJwk, jwkThumbprint, type Jwk, type SignatureAgent, type SignetKey } from '@signet/core';
import type { DiscoveredKeyLike, KeyDiscoveryLike } from '@signet/verifier';

export class FakeDiscovery implements KeyDiscoveryLike {
  readonly agents = new Map<string, SignetKey[]>();
  readonly jwks = new Map<string, Jwk[]>();
  readonly documents = new Map<string, unknown>();
  readonly calls: string[] = [];

  addAgent(uri: string, key: SignetKey): this {
    this.agents.set(uri, [...(this.agents.get(uri) ?? []), key.toPublic()]);
    return this;
  }

  addJwks(url: string, jwk: Jwk): this {
    this.jwks.set(url, [...(this.jwks.get(url) ?? []), jwk]);
    return this;
  }

  async findAgentKey(agent: SignatureAgent, keyid: string): Promise<DiscoveredKeyLike> {
    this.calls.push(`agent ${agent.uri} ${keyid}`);
    const key = this.agents.get(agent.uri)?.find((k) => k.thumbprint === keyid);
    if (key === undefined) throw new SignetError('unknown_key', `${agent.uri}: no key ${keyid}`);
    return { key, jwk: key.publicJwk(), thumbprint: key.thumbprint, source: agent.uri };
  }

  async findJwksKey(url: string, kid: string): Promise<DiscoveredKeyLike> {
    this.calls.push(`jwks ${url} ${kid}`);
    const jwk = this.jwks.get(url)?.find((j) => j.kid === kid || jwkThumbprint(j) === kid);
    if (jwk === undefined) throw new SignetError('unknown_key', `${url}: no key ${kid}`);
    const key = importJwk({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, n: jwk.n, e: jwk.e } as Jwk, {});
    return { key, jwk, thumbprint: jwkThumbprint(jwk), source: url };
  }

  async fetchJson(url: string): Promise<unknown> {
    this.calls.push(`json ${url}`);
    if (!this.documents.has(url)) throw new SignetError('directory_unavailable', `${url}: 404`);
    return this.documents.get(url);
  }
}
