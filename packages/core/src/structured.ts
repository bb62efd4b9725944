/**
 * Thin wrappers over `structured-headers` (RFC 8941 / RFC 9651) that turn its exceptions into
 * Signet errors, and the one piece it lacks: seeing duplicate Dictionary keys, which it silently merges.
 * @module
 */
import {
  serializeBareItem,
  serializeKey,
  parseDictionary,
  parseItem,
  parseList,
  serializeDictionary,
  serializeItem,
  serializeList,
  isInnerList,
  type BareItem,
  type Dictionary,
  type InnerList,
  type Item,
  type Parameters,
} from 'structured-headers';
import { SignetError, type SignetErrorCode } from './errors.js';

export type { BareItem, Dictionary, InnerList, Item, List, Parameters } from 'structured-headers';
export { Token } from 'structured-headers';

/** Parses a Dictionary field value, throwing `code` with `what` in the message on failure. */
export function parseDictionaryField(value: string, code: SignetErrorCode, what: string): Dictionary {
  try {
    return parseDictionary(value);
  } catch (cause) {
    throw new SignetError(code, `${what} is not a valid structured Dictionary: ${errorText(cause)}.`, { cause });
  }
}

/** Parses an Item field value. */
export function parseItemField(value: string, code: SignetErrorCode, what: string): Item {
  try {
    return parseItem(value);
  } catch (cause) {
    throw new SignetError(code, `${what} is not a valid structured Item: ${errorText(cause)}.`, { cause });
  }
}

/** Serializes a Dictionary member value (an Item or an Inner List). */
export function serializeMember(member: Item | InnerList): string {
  return isInnerList(member) ? serializeInnerListFast(member[0], member[1]) : serializeItemFast(member[0], member[1]);
}

/** The structured type of the fields Signet knows, for `;sf` re-serialization. */
const KNOWN_FIELD_TYPES: ReadonlyMap<string, 'dictionary' | 'list' | 'item'> = new Map([
  ['signature-input', 'dictionary'],
  ['signature', 'dictionary'],
  ['content-digest', 'dictionary'],
  ['repr-digest', 'dictionary'],
  ['want-content-digest', 'dictionary'],
  ['want-repr-digest', 'dictionary'],
  ['accept-signature', 'dictionary'],
  ['signature-agent', 'dictionary'],
  ['signature-key', 'dictionary'],
  ['priority', 'dictionary'],
  ['cache-status', 'list'],
  ['proxy-status', 'list'],
  ['accept-ch', 'list'],
  ['client-cert', 'item'],
  ['client-cert-chain', 'list'],
  ['cdn-cache-control', 'dictionary'],
]);

/**
 * Strictly re-serializes a structured field value (RFC 9421 §2.1.1, `;sf`). A field of unknown type
 * is tried as a Dictionary, then a List, then an Item: their strict serializations agree wherever
 * more than one of them accepts the same text.
 */
export function reserializeStructured(name: string, value: string): string {
  const type = KNOWN_FIELD_TYPES.get(name);
  const attempts: ReadonlyArray<'dictionary' | 'list' | 'item'> = type === undefined ? ['dictionary', 'list', 'item'] : [type];
  let lastError: unknown;
  for (const attempt of attempts) {
    try {
      if (attempt === 'dictionary') return serializeDictionary(parseDictionary(value));
      if (attempt === 'list') return serializeList(parseList(value));
      return serializeItem(parseItem(value));
    } catch (cause) {
      lastError = cause;
    }
  }
  throw new SignetError('invalid_component', `Field "${name}" is covered with ;sf but its value is not a valid structured field: ${errorText(lastError)}.`, { cause: lastError });
}

/**
 * The keys of a well-formed Dictionary in order, duplicates included (the parser keeps only the last).
 * Only call on text that `parseDictionary` accepted.
 */
export function dictionaryKeys(value: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = true;
  // A string, display string or byte sequence can only begin where a bare item begins (after "=",
  // "(" or a space inside an inner list): elsewhere '"' cannot occur and ':' is part of a token
  // (tokens may contain ":" and "/").
  let itemStart = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (expectKey) {
      if (c === 0x20 || c === 0x09) continue;
      let end = i;
      while (end < value.length && isKeyChar(value.charCodeAt(end))) end++;
      keys.push(value.slice(i, end));
      expectKey = false;
      i = end - 1;
      continue;
    }
    const atItemStart = itemStart;
    itemStart = false;
    if (atItemStart && c === 0x22 /* " */) {
      for (i++; i < value.length && value.charCodeAt(i) !== 0x22; i++) if (value.charCodeAt(i) === 0x5c) i++;
    } else if (atItemStart && c === 0x25 /* % */ && value.charCodeAt(i + 1) === 0x22) {
      // display string (RFC 9651): no backslash escapes inside
      for (i += 2; i < value.length && value.charCodeAt(i) !== 0x22; i++);
    } else if (atItemStart && c === 0x3a /* : */) {
      for (i++; i < value.length && value.charCodeAt(i) !== 0x3a; i++);
    } else if (c === 0x3d /* = */) itemStart = true;
    else if (c === 0x28 /* ( */) {
      depth++;
      itemStart = true;
    } else if (c === 0x29 /* ) */) depth--;
    else if ((c === 0x20 || c === 0x09) && depth > 0) itemStart = true;
    else if (c === 0x2c /* , */ && depth === 0) expectKey = true;
  }
  return keys;
}

function isKeyChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2d || c === 0x2e || c === 0x2a;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message.replace(/\.$/, '') : String(error);
}

/**
 * Serializes an Item (bare item + parameters) exactly as `structured-headers` does, with a fast path
 * for the strings, integers and booleans of signature parameters: this runs on every verification.
 */
export function serializeItemFast(bare: BareItem, params: Parameters): string {
  return serializeBareFast(bare) + serializeParamsFast(params);
}

/** Serializes an Inner List of Items with its parameters (the `@signature-params` value). */
export function serializeInnerListFast(items: readonly Item[], params: Parameters): string {
  let out = '(';
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as Item;
    if (i > 0) out += ' ';
    out += serializeItemFast(item[0], item[1]);
  }
  return out + ')' + serializeParamsFast(params);
}

/** Serializes parameters (`;key=value`…), as `structured-headers` does. */
export function serializeParamsFast(params: Parameters): string {
  let out = '';
  for (const [key, value] of params) {
    out += ';' + (isPlainKey(key) ? key : serializeKey(key));
    if (value !== true) out += '=' + serializeBareFast(value);
  }
  return out;
}

function serializeBareFast(bare: BareItem): string {
  if (typeof bare === 'string') {
    let needsEscape = false;
    for (let i = 0; i < bare.length; i++) {
      const c = bare.charCodeAt(i);
      if (c < 0x20 || c > 0x7e) return serializeBareItem(bare); // throws the library's error
      if (c === 0x22 || c === 0x5c) needsEscape = true;
    }
    return needsEscape ? '"' + bare.replace(/["\\]/g, '\\$&') + '"' : '"' + bare + '"';
  }
  if (typeof bare === 'number' && Number.isInteger(bare) && Math.abs(bare) <= 999_999_999_999_999) return String(bare);
  if (bare === true) return '?1';
  if (bare === false) return '?0';
  return serializeBareItem(bare);
}

function isPlainKey(key: string): boolean {
  const first = key.charCodeAt(0);
  if (!((first >= 0x61 && first <= 0x7a) || first === 0x2a)) return false;
  for (let i = 1; i < key.length; i++) if (!isKeyChar(key.charCodeAt(i))) return false;
  return true;
}
