/**
 * Signature Agent Cards (draft-meunier-webbotauth-registry): the JSON an agent publishes about
 * itself, built here so that it passes the same rules verifiers apply (core's
 * `validateSignatureAgentCard`): `client_id` = the card's URL, exactly one of `jwks` / `jwks_uri`,
 * public keys only.
 * @module
 */
import { SignetError, SignetKey, jwkThumbprint, stripPrivateMembers, validateSignatureAgentCard, type Jwk, type SignatureAgentCard, type WebBotAuthMetadata } from '@signet/core';
import { directoryJwk } from './directory.js';
import type { SigningKey } from './key-source.js';

/** What goes into a card. */
export interface SignatureAgentCardInput {
  /** The URL the card is served at: becomes `client_id`. */
  url: string;
  /** `client_name`. */
  name?: string;
  /** `client_uri`. */
  uri?: string;
  /** `logo_uri`. */
  logoUri?: string;
  /** `contacts`, e.g. `["mailto:bots@agent.example"]`. */
  contacts?: readonly string[];
  /** Inline keys (`jwks`): public halves only are written, with `kid` = thumbprint. */
  keys?: ReadonlyArray<SigningKey | SignetKey | Jwk>;
  /** Or where the keys are (`jwks_uri`, https). */
  jwksUri?: string;
  /** The `web_bot_auth` metadata (`expected-user-agent`, `rfc9309-product-token`, `trigger`, `purpose`, `ips_uri`, …). */
  webBotAuth?: WebBotAuthMetadata;
  /** Other client metadata members (RFC 7591). */
  extra?: Readonly<Record<string, unknown>>;
}

/**
 * Builds a Signature Agent Card and checks it against the registry rules.
 * @throws SignetError `invalid_signature_agent_card` naming the broken rule; `invalid_key` for a key without a public half.
 */
export function createSignatureAgentCard(input: SignatureAgentCardInput): SignatureAgentCard {
  if (typeof input !== 'object' || input === null) throw new SignetError('invalid_signature_agent_card', 'createSignatureAgentCard needs an object.');
  const card: Record<string, unknown> = { ...(input.extra ?? {}), client_id: input.url };
  if (input.name !== undefined) card.client_name = input.name;
  if (input.uri !== undefined) card.client_uri = input.uri;
  if (input.logoUri !== undefined) card.logo_uri = input.logoUri;
  if (input.contacts !== undefined) card.contacts = [...input.contacts];
  if (input.keys !== undefined) card.jwks = { keys: input.keys.map(publicJwk) };
  if (input.jwksUri !== undefined) card.jwks_uri = input.jwksUri;
  if (input.webBotAuth !== undefined) card.web_bot_auth = { ...input.webBotAuth };
  return validateSignatureAgentCard(card, input.url);
}

function publicJwk(key: SigningKey | SignetKey | Jwk): Jwk {
  if (key instanceof SignetKey) {
    const pub = key.toPublic();
    return directoryJwk({ publicKey: pub, thumbprint: pub.thumbprint });
  }
  if (typeof key === 'object' && key !== null && 'publicKey' in key && (key as SigningKey).publicKey instanceof SignetKey) {
    const { publicKey, thumbprint } = key as SigningKey;
    return directoryJwk({ publicKey, thumbprint });
  }
  const jwk = stripPrivateMembers(key as Jwk);
  return { ...jwk, kid: typeof jwk.kid === 'string' ? jwk.kid : jwkThumbprint(jwk) };
}
