/**
 * The AAuth profile: the key comes from the signature's Signature-Key member (draft-hardt-httpbis-signature-key-09):
 * `hwk` (inline, pseudonymous), `jkt-jwt` (self-issued enclave token, pseudonymous), `jwks` (a JWKS URL and kid),
 * `jwks_uri` (metadata at `{id}/.well-known/{dwk}`, then its JWKS) and `jwt` (an agent token from an issuer).
 * @module
 */
import { SignetError, hasPrivateMembers, parseSignatureKey, type Jwk, type MessageView, type SignatureKeyMember } from '@signet/core';
import { verifyAgentJwt, verifyJktJwt, type AgentTokenContext } from '../agent-token.js';
import { fetchIssuerJwksUri } from '../issuer-metadata.js';
import { checkJoseAlgorithm, importConveyedJwk } from '../jose-keys.js';
import type { KeyDiscoveryLike } from '../key-discovery.js';
import type { AAuthScheme, ResolvedOptions } from '../options.js';
import type { KeyResolution } from './resolution.js';

/** The public JWK members an `hwk` key needs, by kty. */
const HWK_MEMBERS: Readonly<Record<string, readonly string[]>> = { OKP: ['crv', 'x'], EC: ['crv', 'x', 'y'], RSA: ['n', 'e'] };

/**
 * The Signature-Key members of a request, by label; an empty map without the header.
 * @throws SignetError `invalid_signature_key`
 */
export function signatureKeyMembers(view: MessageView): ReadonlyMap<string, SignatureKeyMember> {
  const lines = view.fieldLines('signature-key');
  return lines === undefined ? NO_MEMBERS : parseSignatureKey(lines.join(', '));
}

/** What a request without Signature-Key has (shared, read-only). */
const NO_MEMBERS: ReadonlyMap<string, SignatureKeyMember> = new Map();

function stringParam(member: SignatureKeyMember, name: string): string {
  const value = member.params[name];
  if (typeof value !== 'string' || value.length === 0) {
    throw new SignetError('invalid_signature_key', `Signature-Key ${member.scheme} for "${member.label}" needs a string ;${name} parameter.`);
  }
  return value;
}

function discoveryOf(options: ResolvedOptions, scheme: string): KeyDiscoveryLike {
  if (options.discovery === undefined) throw new SignetError('unknown_key', `Signature-Key ${scheme}: the key must be fetched, but this verifier has no key discovery.`);
  return options.discovery;
}

/**
 * Finds and checks the key of a Signature-Key member.
 * @throws SignetError `unsupported_scheme`, `invalid_signature_key`, algorithm codes, `invalid_jwt`, `expired_jwt`,
 *   `issuer_missing`, `issuer_mismatch`, discovery codes
 */
export async function resolveAAuthKey(member: SignatureKeyMember, options: ResolvedOptions, nowSeconds: number): Promise<KeyResolution> {
  const scheme = member.scheme;
  if (!options.aauth.schemes.includes(scheme as AAuthScheme)) {
    throw new SignetError('unsupported_scheme', `Signature-Key scheme "${scheme}" is not accepted here (accepted: ${options.aauth.schemes.join(', ')}).`);
  }
  switch (scheme as AAuthScheme) {
    case 'hwk':
      return hwk(member);
    case 'jkt-jwt': {
      const token = await verifyJktJwt(stringParam(member, 'jwt'), tokenContext(options, nowSeconds));
      return fromJwk(token.cnfJwk, 'Signature-Key jkt-jwt cnf.jwk', token.issuer, true, scheme);
    }
    case 'jwt': {
      const token = await verifyAgentJwt(stringParam(member, 'jwt'), tokenContext(options, nowSeconds));
      return { ...fromJwk(token.cnfJwk, 'Signature-Key jwt cnf.jwk', token.issuer, false, scheme), subject: token.subject };
    }
    case 'jwks': {
      const url = stringParam(member, 'url');
      const kid = stringParam(member, 'kid');
      const found = await discoveryOf(options, scheme).findJwksKey(url, kid);
      return { ...fromJwk(found.jwk, `Signature-Key jwks key ${kid}`, url, false, scheme), keyid: kid };
    }
    case 'jwks_uri': {
      const id = stringParam(member, 'id');
      const dwk = stringParam(member, 'dwk');
      const kid = stringParam(member, 'kid');
      const discovery = discoveryOf(options, scheme);
      const jwksUri = await fetchIssuerJwksUri(discovery, id, dwk, 'Signature-Key jwks_uri');
      const found = await discovery.findJwksKey(jwksUri, kid);
      return { ...fromJwk(found.jwk, `Signature-Key jwks_uri key ${kid}`, id, false, scheme), keyid: kid };
    }
    default:
      throw new SignetError('unsupported_scheme', `Signature-Key scheme "${scheme}" is not implemented.`);
  }
}

function tokenContext(options: ResolvedOptions, nowSeconds: number): AgentTokenContext {
  return {
    nowSeconds,
    skew: options.skew,
    discovery: options.discovery,
    issuers: options.aauth.issuers,
    requireKnownIssuer: options.aauth.requireKnownIssuer,
    jwtTyp: options.aauth.jwtTyp,
  };
}

function fromJwk(jwk: Jwk, where: string, id: string, pseudonymous: boolean, scheme: string): KeyResolution {
  const key = importConveyedJwk(jwk, where);
  const thumbprint = key.thumbprint;
  return { key, id, keyid: thumbprint, thumbprint, pseudonymous, scheme };
}

/** `hwk`: the JWK members are the parameters; `alg` required, `kid` forbidden. */
function hwk(member: SignatureKeyMember): KeyResolution {
  const params = member.params;
  if (params.kid !== undefined) throw new SignetError('invalid_signature_key', `Signature-Key hwk for "${member.label}" carries kid, which the scheme forbids.`);
  const kty = stringParam(member, 'kty');
  const required = HWK_MEMBERS[kty];
  const jwk: Jwk = { kty };
  if (required !== undefined) for (const name of required) jwk[name] = stringParam(member, name);
  if (params.alg !== undefined) jwk.alg = stringParam(member, 'alg');
  if (hasPrivateMembers({ ...jwk, ...Object.fromEntries(Object.entries(params).filter(([, v]) => typeof v === 'string')) } as Jwk)) {
    throw new SignetError('invalid_signature_key', `Signature-Key hwk for "${member.label}" carries private key members.`);
  }
  if (required === undefined) {
    checkJoseAlgorithm(jwk, 'Signature-Key hwk');
    throw new SignetError('unsupported_algorithm', `Signature-Key hwk: kty "${kty}" is not supported.`);
  }
  const resolution = fromJwk(jwk, 'Signature-Key hwk', '', true, 'hwk');
  return { ...resolution, id: `urn:jkt:sha-256:${resolution.thumbprint}` };
}
