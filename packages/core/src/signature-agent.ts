/**
 * The Web Bot Auth `Signature-Agent` field: a Dictionary of label → URI string, with an optional
 * `type` parameter (`directory`, the default; `jwks_uri`; `cimd`). A legacy bare string is accepted.
 * @module
 */
import { isInnerList, parseDictionary, parseItem, serializeDictionary, Token, type Dictionary } from 'structured-headers';
import { SignetError } from './errors.js';
import { errorText } from './structured.js';
import { parseDictionaryFast } from './structured-fast.js';

/** How the keys behind a Signature-Agent URI are found. */
export type SignatureAgentType = 'directory' | 'jwks_uri' | 'cimd';

/** One Signature-Agent member. */
export interface SignatureAgent {
  /** The Dictionary key; `undefined` for the legacy bare-string form. */
  readonly label: string | undefined;
  readonly uri: string;
  readonly type: SignatureAgentType;
}

const TYPES = new Set<string>(['directory', 'jwks_uri', 'cimd']);

/**
 * Parses a Signature-Agent field value. Every member must be a string holding an absolute
 * `https:` or `http:` URI; an unknown `type` is an error.
 * @throws SignetError `invalid_signature_agent`
 */
export function parseSignatureAgent(value: string): SignatureAgent[] {
  let dictionary: Dictionary;
  try {
    dictionary = parseDictionaryFast(value)?.dictionary ?? parseDictionary(value);
  } catch (dictionaryError) {
    return [legacy(value, dictionaryError)];
  }
  const agents: SignatureAgent[] = [];
  for (const [label, member] of dictionary) {
    if (isInnerList(member) || typeof member[0] !== 'string') {
      throw new SignetError('invalid_signature_agent', `Signature-Agent member "${label}" must be a quoted URI string, like ${label}="https://agent.example".`);
    }
    const type = member[1].get('type');
    const typeName = type === undefined ? 'directory' : type instanceof Token ? type.toString() : typeof type === 'string' ? type : undefined;
    if (typeName === undefined || !TYPES.has(typeName)) {
      throw new SignetError('invalid_signature_agent', `Signature-Agent member "${label}" has an unknown type ${String(type)} (known: directory, jwks_uri, cimd).`);
    }
    agents.push({ label, uri: checkUri(member[0], label), type: typeName as SignatureAgentType });
  }
  if (agents.length === 0) throw new SignetError('invalid_signature_agent', 'Signature-Agent is empty.');
  return agents;
}

function legacy(value: string, dictionaryError: unknown): SignatureAgent {
  let item;
  try {
    item = parseItem(value);
  } catch {
    throw new SignetError('invalid_signature_agent', `Signature-Agent is neither a Dictionary nor a quoted URI string: ${errorText(dictionaryError)}.`);
  }
  if (typeof item[0] !== 'string') throw new SignetError('invalid_signature_agent', 'A legacy Signature-Agent must be a quoted URI string.');
  return { label: undefined, uri: checkUri(item[0], undefined), type: 'directory' };
}

/**
 * The last URI that passed {@link checkUri}. The check is a pure function of the string, and a verifier sees the
 * same few agents again and again: remembering one answer saves a URL parse per request, and holds one string.
 */
let lastValidUri: string | undefined;

function checkUri(uri: string, label: string | undefined): string {
  if (uri === lastValidUri) return uri;
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    throw new SignetError('invalid_signature_agent', `Signature-Agent${label === undefined ? '' : ` member "${label}"`} is not an absolute URI: ${JSON.stringify(uri)}.`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new SignetError('invalid_signature_agent', `Signature-Agent URI ${JSON.stringify(uri)} must use https: (or http: for local development).`);
  }
  lastValidUri = uri;
  return uri;
}

/** Serializes members into a Signature-Agent field value; `type` is written only when not `directory`. */
export function serializeSignatureAgent(agents: ReadonlyArray<{ label: string; uri: string; type?: SignatureAgentType }>): string {
  const dictionary: Dictionary = new Map();
  for (const agent of agents) {
    checkUri(agent.uri, agent.label);
    const params = new Map();
    if (agent.type !== undefined && agent.type !== 'directory') {
      if (!TYPES.has(agent.type)) throw new SignetError('invalid_signature_agent', `Unknown Signature-Agent type "${String(agent.type)}".`);
      params.set('type', new Token(agent.type));
    }
    dictionary.set(agent.label, [agent.uri, params]);
  }
  try {
    return serializeDictionary(dictionary);
  } catch (cause) {
    throw new SignetError('invalid_signature_agent', `Signature-Agent cannot be serialized: ${errorText(cause)}.`, { cause });
  }
}

/** Where the keys of a Signature-Agent live: the well-known directory of the URI's origin, or the URI itself. */
export function keyDirectoryUrl(agent: SignatureAgent): string {
  if (agent.type !== 'directory') return agent.uri;
  return new URL('/.well-known/http-message-signatures-directory', agent.uri).href;
}
