/**
 * Signature Agent Cards (draft-meunier-webbotauth-registry): JSON metadata about an agent that names
 * its keys. The rules are enforced the same way when a card is built and when one is fetched.
 * @module
 */
import { SignetError } from './errors.js';
import { hasPrivateMembers, type Jwks } from './keys.js';

/** The `web_bot_auth` object of a card. */
export interface WebBotAuthMetadata {
  'expected-user-agent'?: string;
  'rfc9309-product-token'?: string;
  'rfc9309-compliance'?: boolean | string[];
  trigger?: string;
  purpose?: string;
  'targeted-content'?: string;
  'rate-control'?: string;
  'rate-expectation'?: string;
  'known-urls'?: string[];
  ips_uri?: string;
  [member: string]: unknown;
}

/** A Signature Agent Card: OAuth client metadata plus `web_bot_auth`. Exactly one of `jwks` and `jwks_uri`. */
export interface SignatureAgentCard {
  client_id: string;
  client_name?: string;
  client_uri?: string;
  logo_uri?: string;
  contacts?: string[];
  jwks?: Jwks;
  jwks_uri?: string;
  web_bot_auth?: WebBotAuthMetadata;
  [member: string]: unknown;
}

/**
 * Checks a card fetched from (or to be published at) `url`.
 * @returns the card, typed.
 * @throws SignetError `invalid_signature_agent_card` with the rule that was broken.
 */
export function validateSignatureAgentCard(card: unknown, url: string): SignatureAgentCard {
  const fail = (rule: string): never => {
    throw new SignetError('invalid_signature_agent_card', `Signature Agent Card at ${url}: ${rule}.`);
  };
  if (typeof card !== 'object' || card === null || Array.isArray(card)) return fail('the card must be a JSON object');
  const c = card as Record<string, unknown>;
  if (typeof c.client_id !== 'string') fail('client_id must be a string');
  if (c.client_id !== url) fail(`client_id must match the card URL (client_id is ${JSON.stringify(c.client_id)})`);
  const hasJwks = c.jwks !== undefined;
  const hasJwksUri = c.jwks_uri !== undefined;
  if (hasJwks && hasJwksUri) fail('card must not contain both jwks and jwks_uri');
  if (!hasJwks && !hasJwksUri) fail('card must contain jwks or jwks_uri');
  if (hasJwksUri && !isHttpsUrl(c.jwks_uri)) fail('jwks_uri must be an absolute https: URL');
  if (hasJwks) {
    const jwks = c.jwks as { keys?: unknown };
    if (typeof jwks !== 'object' || jwks === null || !Array.isArray(jwks.keys)) fail('jwks must be a JWK Set ({ "keys": [...] })');
    for (const key of jwks.keys as unknown[]) {
      if (typeof key !== 'object' || key === null || typeof (key as { kty?: unknown }).kty !== 'string') fail('every jwks key must be a JWK with a kty');
      if (hasPrivateMembers(key as never)) fail('jwks must not contain private key members');
    }
  }
  for (const member of ['client_name', 'client_uri', 'logo_uri'] as const) {
    if (c[member] !== undefined && typeof c[member] !== 'string') fail(`${member} must be a string`);
  }
  if (c.contacts !== undefined && (!Array.isArray(c.contacts) || c.contacts.some((x) => typeof x !== 'string'))) fail('contacts must be an array of strings');
  if (c.web_bot_auth !== undefined) {
    const w = c.web_bot_auth;
    if (typeof w !== 'object' || w === null || Array.isArray(w)) fail('web_bot_auth must be an object');
    const meta = w as Record<string, unknown>;
    if (meta.ips_uri !== undefined && !isHttpsUrl(meta.ips_uri)) fail('web_bot_auth.ips_uri must be an absolute https: URL');
  }
  return c as SignatureAgentCard;
}

function isHttpsUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}
