/**
 * The verification hot path's reading of `Signature-Input` and `Signature`, for the form signers actually send:
 * canonical members, a component list this process has already seen, and plain parameters. Anything else —
 * the first sight of a component list, escapes, tokens, repeated keys, odd spacing — returns `undefined`, and
 * the general parser in signature-fields.ts decides (with the same result, or the precise error).
 *
 * A server sees the same few component lists over and over (one per agent and route), while `created`,
 * `expires` and `nonce` change on every request: so the checked components of a list are kept by the list's
 * exact text, and only the parameters are read per request. The property tests check this reader against the
 * general one.
 * @module
 */
import { parseDictionary, type BareItem } from 'structured-headers';
import type { Component } from './components.js';
import type { SignatureInput, SignatureParameters } from './signature-fields.js';
import { setStandardParameter } from './signature-params.js';
import { keyEnd, parseDictionaryFast } from './structured-fast.js';

/** A Map that cannot be changed once built: cached components are shared by every request that uses them. */
class FrozenMap<K, V> extends Map<K, V> {
  constructor(entries: Iterable<readonly [K, V]>) {
    super();
    for (const [key, value] of entries) super.set(key, value);
  }

  override set(): this {
    throw new TypeError('These component parameters are shared and read-only.');
  }

  override delete(): boolean {
    throw new TypeError('These component parameters are shared and read-only.');
  }

  override clear(): void {
    throw new TypeError('These component parameters are shared and read-only.');
  }
}

/** Checked component lists by their exact text, `("@method" "@authority")`. Bounded: cleared when full. */
const COMPONENT_LISTS = new Map<string, readonly Component[]>();
const COMPONENT_LISTS_MAX = 256;

/**
 * Remembers the checked components of a canonical component list (`listText` is the list exactly as received,
 * parentheses included, and exactly as it would be serialized).
 */
export function rememberComponentList(listText: string, components: readonly Component[]): void {
  if (COMPONENT_LISTS.has(listText)) return;
  if (COMPONENT_LISTS.size >= COMPONENT_LISTS_MAX) {
    COMPONENT_LISTS.clear();
    lastList = undefined;
  }
  const frozen = Object.freeze(components.map((c) => Object.freeze({ name: c.name, params: new FrozenMap(c.params), id: c.id })));
  COMPONENT_LISTS.set(listText, frozen);
  IDENTIFIERS.set(frozen, Object.freeze(frozen.map((c) => c.id as string)));
}

/** The identifiers of each remembered list, by list: computed once, not on every verification. */
const IDENTIFIERS = new WeakMap<readonly Component[], readonly string[]>();

/** The frozen identifiers of a remembered component list; `undefined` for any other list. */
export function rememberedIdentifiers(components: readonly Component[]): readonly string[] | undefined {
  return IDENTIFIERS.get(components);
}

/** The list read last: one comparison of its text instead of hashing it (a server mostly sees the same list). */
let lastList: { text: string; components: readonly Component[] } | undefined;

function rememberedList(text: string): readonly Component[] | undefined {
  if (text === lastList?.text) return lastList.components;
  const components = COMPONENT_LISTS.get(text);
  if (components !== undefined) lastList = { text, components };
  return components;
}

/** Forgets every remembered component list (tests). */
export function forgetComponentLists(): void {
  COMPONENT_LISTS.clear();
  lastList = undefined;
}

/**
 * A member read by the quick reader, or written by a signature template. Its `parameters` map is built on first
 * read: the verifier and the signer use only the typed `params`, and building the map cost a Map and six insertions
 * per request. It is what the general parser gives for the same text: the member's text is canonical, and only
 * strings, integers and `true` (which survive a parse exactly) are read or written this way.
 */
export class CanonicalSignatureInput implements SignatureInput {
  readonly label: string;
  readonly components: readonly Component[];
  readonly params: Readonly<SignatureParameters>;
  readonly value: string;
  #parameters: ReadonlyMap<string, BareItem> | undefined;

  constructor(label: string, components: readonly Component[], params: SignatureParameters, value: string) {
    this.label = label;
    this.components = components;
    this.params = params;
    this.value = value;
  }

  get parameters(): ReadonlyMap<string, BareItem> {
    if (this.#parameters === undefined) {
      const text = `x=${this.value}`;
      const member = (parseDictionaryFast(text)?.dictionary ?? parseDictionary(text)).get('x');
      this.#parameters = member === undefined ? new Map() : member[1];
    }
    return this.#parameters;
  }
}

/**
 * Printable ASCII without a backslash: in such a value every string ends at the next double quote (no escapes),
 * and no character needs checking one by one. Anything else is the general parser's.
 */
const PLAIN_TEXT = /^[\x20-\x5b\x5d-\x7e]*$/;

/** Every member of a `Signature-Input` value, or `undefined` when the general parser must decide. */
export function readSignatureInputQuick(value: string): SignatureInput[] | undefined {
  if (!PLAIN_TEXT.test(value)) return undefined;
  const members: SignatureInput[] = [];
  let pos = 0;
  for (;;) {
    const labelEnd = keyEnd(value, pos);
    if (labelEnd === pos || value.charCodeAt(labelEnd) !== 0x3d /* = */ || value.charCodeAt(labelEnd + 1) !== 0x28 /* ( */) return undefined;
    const label = value.slice(pos, labelEnd);
    const listStart = labelEnd + 1;
    // The first ")" closes the list unless a string inside it holds one; then the text up to it is no complete
    // list, so no remembered list (each a complete canonical list) can equal it, and the general parser decides.
    const listEnd = value.indexOf(')', listStart);
    if (listEnd < 0) return undefined;
    const components = rememberedList(value.slice(listStart, listEnd + 1));
    if (components === undefined) return undefined;
    const params: SignatureParameters = {};
    /** The standard parameters seen so far (a bit each), and other names: a repeated one goes to the general parser. */
    let seen = 0;
    let others: string[] | undefined;
    pos = listEnd + 1;
    while (value.charCodeAt(pos) === 0x3b /* ; */) {
      const nameStart = pos + 1;
      const nameEnd = keyEnd(value, nameStart);
      if (nameEnd === nameStart || value.charCodeAt(nameEnd) !== 0x3d) return undefined;
      const standard = standardParameter(value, nameStart, nameEnd);
      const name = standard ?? value.slice(nameStart, nameEnd);
      let bare: BareItem;
      if (value.charCodeAt(nameEnd + 1) === 0x22 /* " */) {
        const end = value.indexOf('"', nameEnd + 2);
        if (end < 0) return undefined;
        bare = value.slice(nameEnd + 2, end);
        pos = end + 1;
      } else {
        pos = integerEnd(value, nameEnd + 1);
        if (pos < 0) return undefined;
        bare = integerValue;
      }
      if (standard !== undefined) {
        const bit = STANDARD_BITS[standard];
        // A repeated parameter, or one of the wrong type: the general parser keeps the last one, or says why.
        if ((seen & bit) !== 0 || typeof bare !== ((bit & INTEGER_BITS) !== 0 ? 'number' : 'string')) return undefined;
        seen |= bit;
        setStandardParameter(params, standard, bare as number | string);
      } else if (others === undefined) {
        others = [name];
      } else if (others.includes(name)) {
        return undefined;
      } else {
        others.push(name);
      }
    }
    for (let i = 0; i < members.length; i++) if ((members[i] as SignatureInput).label === label) return undefined;
    members.push(new CanonicalSignatureInput(label, components, params, value.slice(listStart, pos)));
    if (pos === value.length) return members;
    pos = nextMember(value, pos);
    if (pos < 0) return undefined;
  }
}

type StandardParameter = keyof SignatureParameters;
const STANDARD_BITS: Readonly<Record<StandardParameter, number>> = { created: 1, expires: 2, nonce: 4, alg: 8, keyid: 16, tag: 32 };
const INTEGER_BITS = 1 | 2;

/**
 * The RFC 9421 parameter named by `s[start, end)`, as a constant string (no copy, its hash already known), if it is
 * one. Compared character by character: `startsWith` at an offset costs several times more in V8.
 */
function standardParameter(s: string, start: number, end: number): StandardParameter | undefined {
  let name: StandardParameter;
  switch (end - start) {
    case 3:
      name = s.charCodeAt(start) === 0x74 /* t */ ? 'tag' : 'alg';
      break;
    case 5:
      name = s.charCodeAt(start) === 0x6e /* n */ ? 'nonce' : 'keyid';
      break;
    case 7:
      name = s.charCodeAt(start) === 0x63 /* c */ ? 'created' : 'expires';
      break;
    default:
      return undefined;
  }
  for (let i = 0; i < name.length; i++) if (s.charCodeAt(start + i) !== name.charCodeAt(i)) return undefined;
  return name;
}

/** Every member of a `Signature` value (label → bytes), or `undefined` when the general parser must decide. */
export function readSignatureFieldQuick(value: string): Map<string, Uint8Array> | undefined {
  const signatures = new Map<string, Uint8Array>();
  let pos = 0;
  for (;;) {
    const labelEnd = keyEnd(value, pos);
    if (labelEnd === pos || value.charCodeAt(labelEnd) !== 0x3d || value.charCodeAt(labelEnd + 1) !== 0x3a /* : */) return undefined;
    const label = value.slice(pos, labelEnd);
    const start = labelEnd + 2;
    const end = value.indexOf(':', start);
    if (end < 0 || signatures.has(label)) return undefined;
    const bytes = decodeCanonicalBase64(value, start, end);
    if (bytes === undefined) return undefined;
    signatures.set(label, bytes);
    pos = end + 1;
    if (pos === value.length) return signatures;
    pos = nextMember(value, pos);
    if (pos < 0) return undefined;
  }
}

/** Base64 alphabet values by character code; -1 for anything else. */
const BASE64 = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) BASE64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;

/**
 * The bytes of `s[start, end)` if it is base64 with its padding (if any) only at the end and a length that is a
 * multiple of 4 — the form a serializer writes; else `undefined`. Unused low bits of the last character are
 * ignored, as every base64 decoder (and RFC 8941 §4.2.7) does. Decodes into bytes of their own.
 */
function decodeCanonicalBase64(s: string, start: number, end: number): Uint8Array | undefined {
  const length = end - start;
  if (length % 4 !== 0) return undefined;
  let padding = 0;
  if (length > 0 && s.charCodeAt(end - 1) === 0x3d) padding = s.charCodeAt(end - 2) === 0x3d ? 2 : 1;
  const bytes = new Uint8Array((length / 4) * 3 - padding);
  const full = end - (padding === 0 ? 0 : 4);
  let out = 0;
  let pos = start;
  for (; pos < full; pos += 4) {
    const a = sextet(s, pos);
    const b = sextet(s, pos + 1);
    const c = sextet(s, pos + 2);
    const d = sextet(s, pos + 3);
    if ((a | b | c | d) < 0) return undefined;
    bytes[out++] = (a << 2) | (b >> 4);
    bytes[out++] = ((b & 0xf) << 4) | (c >> 2);
    bytes[out++] = ((c & 0x3) << 6) | d;
  }
  if (padding !== 0) {
    const a = sextet(s, pos);
    const b = sextet(s, pos + 1);
    const c = padding === 1 ? sextet(s, pos + 2) : 0;
    if ((a | b | c) < 0) return undefined;
    bytes[out++] = (a << 2) | (b >> 4);
    if (padding === 1) bytes[out] = ((b & 0xf) << 4) | (c >> 2);
  }
  return bytes;
}

/** The 6-bit value of the base64 character at `pos`, or -1. */
function sextet(s: string, pos: number): number {
  const c = s.charCodeAt(pos);
  return c < 128 ? (BASE64[c] as number) : -1;
}

/** The value of the integer {@link integerEnd} read last (a second result without an object per call). */
let integerValue = 0;

/**
 * The end of a canonical non-negative integer (1-15 digits, no leading zero, not a decimal) starting at `pos`, its
 * value left in {@link integerValue}; -1 if there is none.
 */
function integerEnd(s: string, pos: number): number {
  let end = pos;
  let n = 0;
  for (; end < s.length; end++) {
    const c = s.charCodeAt(end);
    if (c < 0x30 || c > 0x39) break;
    n = n * 10 + (c - 0x30);
  }
  const digits = end - pos;
  if (digits === 0 || digits > 15 || (digits > 1 && s.charCodeAt(pos) === 0x30) || s.charCodeAt(end) === 0x2e) return -1;
  integerValue = n;
  return end;
}

/** After a member: optional whitespace, a comma, optional whitespace, then the next member's position; -1 if not. */
function nextMember(s: string, pos: number): number {
  while (s.charCodeAt(pos) === 0x20 || s.charCodeAt(pos) === 0x09) pos++;
  if (s.charCodeAt(pos) !== 0x2c /* , */) return -1;
  pos++;
  while (s.charCodeAt(pos) === 0x20 || s.charCodeAt(pos) === 0x09) pos++;
  return pos < s.length ? pos : -1;
}
