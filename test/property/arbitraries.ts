/** fast-check generators shared by the property tests: structured-field pieces and HTTP messages. */
import fc from 'fast-check';
import { Token, type BareItem } from '@signet/core';

/** A structured-field key (labels, parameter names). */
export const sfKey = fc.stringMatching(/^[a-z*][a-z0-9_\-.*]{0,8}$/);

/** Printable ASCII, the alphabet of structured-field strings. */
export const sfStringValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 24 });

export const sfToken = fc.stringMatching(/^[A-Za-z*][A-Za-z0-9!#$%&'*+\-.^_`|~:/]{0,10}$/).map((t) => new Token(t));

/** Decimals with at most three fractional digits, as RFC 8941 serializes them. */
export const sfDecimal = fc.integer({ min: -999_999_999, max: 999_999_999 }).map((n) => n / 1000);

export const sfBytes = fc.uint8Array({ maxLength: 32 }).map((bytes) => bytes.slice().buffer as ArrayBuffer);

/** Any bare item (RFC 8941 §3.3): integer, decimal, string, token, byte sequence, boolean. */
export const sfBareItem: fc.Arbitrary<BareItem> = fc.oneof(
  fc.integer({ min: -999_999_999_999_999, max: 999_999_999_999_999 }),
  sfDecimal,
  sfStringValue,
  sfToken,
  sfBytes,
  fc.boolean(),
);

/** Text built from the structured-field alphabet: reaches deep into the parsers. */
export const sfNoise = fc.string({ unit: fc.constantFrom(...'abcz019-_.*=();,:"\\ ?%@/\tA~é'.split('')), maxLength: 80 });

/** Arbitrary text, including non-ASCII and control characters. */
export const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 120 }), fc.string({ maxLength: 120 }), sfNoise);

/** `text` with one character inserted, deleted or replaced: near-misses of valid values. */
export function mutated(text: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(text, fc.nat(), fc.constantFrom('', ' ', '"', '\\', '(', ')', ';', '=', ',', ':', '\t', 'é', '\n', '%', '?', '@', '*', 'A'), fc.constantFrom('insert', 'delete', 'replace')).map(
    ([s, at, ch, op]) => {
      const i = s.length === 0 ? 0 : at % s.length;
      if (op === 'insert') return s.slice(0, i) + ch + s.slice(i);
      if (op === 'delete') return s.slice(0, i) + s.slice(i + 1);
      return s.slice(0, i) + ch + s.slice(i + 1);
    },
  );
}

/** Byte-wise comparison of bare items (ArrayBuffer and Token compared by content). */
export function sameBareItem(a: BareItem, b: BareItem): boolean {
  if (a instanceof ArrayBuffer || b instanceof ArrayBuffer) {
    return a instanceof ArrayBuffer && b instanceof ArrayBuffer && Buffer.from(a).equals(Buffer.from(b));
  }
  if (a instanceof Token || b instanceof Token) return a instanceof Token && b instanceof Token && a.toString() === b.toString();
  return Object.is(a, b) || a === b;
}
