/**
 * A fast parser for the Dictionary fields on the verification hot path (`Signature-Input`,
 * `Signature`): the subset of RFC 8941 they use — strings, integers, tokens, booleans, byte sequences,
 * inner lists and parameters. On anything else, or any syntax error, it returns `undefined` and the
 * caller uses `structured-headers`, which gives the same result or the precise error. The property
 * tests check both parsers agree.
 *
 * It also tells which Inner List members are already written canonically (exactly as RFC 8941 §4.1 would
 * serialize them): their text can then be used as it is for `@signature-params` and component identifiers,
 * instead of being serialized again. The property tests check that text against `structured-headers`.
 * @module
 */
import { Token, type BareItem, type Dictionary, type Item, type Parameters } from 'structured-headers';

/** The canonical serialization of an Inner List member and of each of its items: slices of the parsed text. */
export interface CanonicalInnerList {
  /** `(item item);params`, exactly as `serializeInnerList` writes the parsed value. */
  readonly text: string;
  /** Each item (bare item and parameters), exactly as `serializeItem` writes it. */
  readonly items: readonly string[];
}

/** A parsed Dictionary, and the first key that repeated (RFC 8941 keeps only its last value). */
export interface FastDictionary {
  readonly dictionary: Dictionary;
  /** A key that appeared more than once, if any. */
  readonly duplicate: string | undefined;
  /**
   * The Inner List members whose text is canonical, by key. A member that is absent (an Item, or an Inner List
   * written with extra spaces, a redundant `=?1`, a leading zero, a byte sequence…) must be serialized.
   */
  readonly canonical: ReadonlyMap<string, CanonicalInnerList>;
}

class Bail extends Error {}
const BAIL = new Bail();

/** Parses `input` as a Dictionary, or returns `undefined` to defer to the general parser. */
export function parseDictionaryFast(input: string): FastDictionary | undefined {
  try {
    return new FastParser(input).dictionary();
  } catch (error) {
    if (error === BAIL) return undefined;
    throw error;
  }
}

class FastParser {
  #pos = 0;
  readonly #s: string;
  /**
   * False once the current Inner List contains text that a serializer would write differently. Byte sequences
   * always clear it: non-zero trailing bits in the last base64 character decode, but re-encode differently.
   */
  #canonical = true;

  constructor(input: string) {
    this.#s = input;
  }

  dictionary(): FastDictionary {
    const s = this.#s;
    const dictionary: Dictionary = new Map();
    const canonical = new Map<string, CanonicalInnerList>();
    let duplicate: string | undefined;
    this.#skipSp();
    if (this.#pos >= s.length) throw BAIL; // empty: let the general parser decide
    for (;;) {
      const key = this.#key();
      let member: Item | [Item[], Parameters];
      let text: CanonicalInnerList | undefined;
      if (s.charCodeAt(this.#pos) === 0x3d /* = */) {
        this.#pos++;
        if (s.charCodeAt(this.#pos) === 0x28 /* ( */) {
          const start = this.#pos;
          const items: string[] = [];
          this.#canonical = true;
          member = this.#innerList(items);
          if (this.#canonical) text = { text: s.slice(start, this.#pos), items };
        } else {
          member = [this.#bare(), this.#params()];
        }
      } else {
        member = [true, this.#params()];
      }
      // RFC 8941 §4.2.2: a repeated key overwrites the value and keeps the first position.
      if (dictionary.has(key)) duplicate ??= key;
      dictionary.set(key, member);
      if (text !== undefined) canonical.set(key, text);
      else canonical.delete(key);
      this.#skipOws();
      if (this.#pos >= s.length) return { dictionary, duplicate, canonical };
      if (s.charCodeAt(this.#pos) !== 0x2c /* , */) throw BAIL;
      this.#pos++;
      this.#skipOws();
      if (this.#pos >= s.length) throw BAIL;
    }
  }

  /** Parses an Inner List; `texts` receives the text of each item (canonical only if `#canonical` stays true). */
  #innerList(texts: string[]): [Item[], Parameters] {
    const s = this.#s;
    this.#pos++; // (
    const items: Item[] = [];
    for (;;) {
      const before = this.#pos;
      this.#skipSp();
      if (this.#pos >= s.length) throw BAIL;
      const c = s.charCodeAt(this.#pos);
      // Canonical: one space between items, none after "(" or before ")".
      if (this.#pos - before !== (items.length === 0 || c === 0x29 ? 0 : 1)) this.#canonical = false;
      if (c === 0x29 /* ) */) {
        this.#pos++;
        return [items, this.#params()];
      }
      const start = this.#pos;
      items.push([this.#bare(), this.#params()]);
      texts.push(s.slice(start, this.#pos));
      const next = s.charCodeAt(this.#pos);
      if (next !== 0x20 && next !== 0x29) throw BAIL;
    }
  }

  #params(): Parameters {
    const s = this.#s;
    const params: Parameters = new Map();
    while (s.charCodeAt(this.#pos) === 0x3b /* ; */) {
      this.#pos++;
      if (s.charCodeAt(this.#pos) === 0x20) this.#canonical = false;
      this.#skipSp();
      const key = this.#key();
      let value: BareItem = true;
      if (s.charCodeAt(this.#pos) === 0x3d) {
        this.#pos++;
        value = this.#bare();
        if (value === true) this.#canonical = false; // ";k=?1" is serialized ";k"
      }
      // A repeated parameter keeps its first position with its last value: the text no longer matches.
      if (params.has(key)) this.#canonical = false;
      params.set(key, value);
    }
    return params;
  }

  #key(): string {
    const start = this.#pos;
    const end = keyEnd(this.#s, start);
    if (end === start) throw BAIL;
    this.#pos = end;
    return this.#s.slice(start, end);
  }

  #bare(): BareItem {
    const s = this.#s;
    const c = s.charCodeAt(this.#pos);
    if (c === 0x22 /* " */) return this.#string();
    if ((c >= 0x30 && c <= 0x39) || c === 0x2d) return this.#integer();
    if (c === 0x3a /* : */) return this.#bytes();
    if (c === 0x3f /* ? */) {
      const b = s.charCodeAt(this.#pos + 1);
      if (b !== 0x30 && b !== 0x31) throw BAIL;
      this.#pos += 2;
      return b === 0x31;
    }
    if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2a) return this.#token();
    throw BAIL;
  }

  #string(): string {
    const s = this.#s;
    let pos = this.#pos + 1;
    const start = pos;
    let escaped = false;
    for (; pos < s.length; pos++) {
      const c = s.charCodeAt(pos);
      if (c === 0x22) {
        this.#pos = pos + 1;
        const raw = s.slice(start, pos);
        return escaped ? raw.replace(/\\(["\\])/g, '$1') : raw;
      }
      if (c === 0x5c) {
        const next = s.charCodeAt(pos + 1);
        if (next !== 0x22 && next !== 0x5c) throw BAIL;
        escaped = true;
        pos++;
      } else if (c < 0x20 || c > 0x7e) {
        throw BAIL;
      }
    }
    throw BAIL;
  }

  #integer(): number {
    const s = this.#s;
    let pos = this.#pos;
    const negative = s.charCodeAt(pos) === 0x2d;
    if (negative) pos++;
    const start = pos;
    while (pos < s.length && s.charCodeAt(pos) >= 0x30 && s.charCodeAt(pos) <= 0x39) pos++;
    const digits = pos - start;
    if (digits === 0 || digits > 15 || s.charCodeAt(pos) === 0x2e /* decimal */) throw BAIL;
    this.#pos = pos;
    const value = Number(s.slice(start, pos));
    // "007" is serialized "7", and "-0" "0".
    if ((digits > 1 && s.charCodeAt(start) === 0x30) || (negative && value === 0)) this.#canonical = false;
    return negative ? -value : value;
  }

  #bytes(): ArrayBuffer {
    const s = this.#s;
    this.#canonical = false;
    const start = this.#pos + 1;
    let pos = start;
    for (; pos < s.length; pos++) {
      const c = s.charCodeAt(pos);
      if (c === 0x3a) break;
      const ok = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f;
      if (!ok) break;
    }
    // Canonical base64 only (padding at the end, length a multiple of 4); anything else is the general parser's call.
    let padding = 0;
    while (s.charCodeAt(pos) === 0x3d && padding < 2) {
      pos++;
      padding++;
    }
    if (pos >= s.length || s.charCodeAt(pos) !== 0x3a || (pos - start) % 4 !== 0) throw BAIL;
    this.#pos = pos + 1;
    // Canonical base64: the decoded size is exact, so decode straight into an ArrayBuffer of that size.
    const bytes = new ArrayBuffer(((pos - start) / 4) * 3 - padding);
    Buffer.from(bytes).write(s.slice(start, pos), 'base64');
    return bytes;
  }

  #token(): Token {
    const s = this.#s;
    const start = this.#pos;
    let pos = start + 1;
    for (; pos < s.length; pos++) {
      const c = s.charCodeAt(pos);
      // tchar / ":" / "/"
      const ok =
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) ||
        c === 0x21 || (c >= 0x23 && c <= 0x27) || c === 0x2a || c === 0x2b || c === 0x2d || c === 0x2e ||
        c === 0x5e || c === 0x5f || c === 0x60 || c === 0x7c || c === 0x7e || c === 0x3a || c === 0x2f;
      if (!ok) break;
    }
    this.#pos = pos;
    return new Token(s.slice(start, pos));
  }

  #skipSp(): void {
    while (this.#s.charCodeAt(this.#pos) === 0x20) this.#pos++;
  }

  #skipOws(): void {
    for (;;) {
      const c = this.#s.charCodeAt(this.#pos);
      if (c !== 0x20 && c !== 0x09) return;
      this.#pos++;
    }
  }
}

/**
 * The end of the RFC 8941 key starting at `pos` (lcalpha or "*", then lcalpha, digits, "_", "-", ".", "*"), or
 * `pos` itself when no key starts there.
 */
export function keyEnd(s: string, pos: number): number {
  const first = s.charCodeAt(pos);
  if (!((first >= 0x61 && first <= 0x7a) || first === 0x2a)) return pos;
  let end = pos + 1;
  for (; end < s.length; end++) {
    const c = s.charCodeAt(end);
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2d || c === 0x2e || c === 0x2a)) break;
  }
  return end;
}
