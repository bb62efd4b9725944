import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isInnerList, parseDictionary, serializeDictionary, serializeInnerList, serializeItem, type InnerList } from 'structured-headers';
import { parseDictionaryFast } from '../src/structured-fast.js';

/** The fast hot-path parser must agree with structured-headers wherever it does not defer. */
function agree(input: string): void {
  const fast = parseDictionaryFast(input);
  let general: ReturnType<typeof parseDictionary> | undefined;
  try {
    general = parseDictionary(input);
  } catch {
    general = undefined;
  }
  if (fast === undefined) return; // deferred: the general parser decides
  expect(general, `fast parser accepted what structured-headers rejects: ${JSON.stringify(input)}`).toBeDefined();
  expect(serializeDictionary(fast.dictionary)).toBe(serializeDictionary(general!));
  // Text reported canonical is byte for byte what the serializer writes (it replaces serialization on the hot path).
  for (const [key, canonical] of fast.canonical) {
    const member = general!.get(key);
    expect(member !== undefined && isInnerList(member), `canonical text for a member that is not an inner list: ${JSON.stringify(input)}`).toBe(true);
    const [items, params] = member as InnerList;
    expect(canonical.text).toBe(serializeInnerList([items, params]));
    expect(canonical.items).toEqual(items.map((item) => serializeItem(item)));
  }
}

const key = fc.stringMatching(/^[a-z*][a-z0-9_\-.*]{0,6}$/);
const sfString = fc.string({ unit: fc.constantFrom(...' abcXYZ09"\\@;=(),:'.split('')), maxLength: 12 }).map((s) => `"${s.replace(/["\\]/g, '\\$&')}"`);
const bare = fc.oneof(
  sfString,
  fc.integer({ min: -999_999, max: 999_999 }).map(String),
  fc.constantFrom('?0', '?1', 'tok', 'a:b/c', ':AQID:', ':aGVsbG8=:', ':QR==:', '1.5', '007', '-0', '0', '-01'),
);
const param = fc.tuple(key, fc.option(bare, { nil: undefined })).map(([k, v]) => (v === undefined ? `;${k}` : `;${k}=${v}`));
const item = fc.tuple(bare, fc.array(param, { maxLength: 3 })).map(([b, ps]) => b + ps.join(''));
const innerList = fc
  .tuple(fc.array(item, { maxLength: 4 }), fc.array(param, { maxLength: 4 }), fc.constantFrom(' ', ' ', ' ', '  '), fc.constantFrom('', '', '', ' '), fc.constantFrom('', '', '', ' '))
  .map(([items, ps, sp, lead, trail]) => `(${lead}${items.join(sp)}${trail})${ps.join('')}`);
const member = fc.tuple(key, fc.oneof(item, innerList, fc.constant(''))).map(([k, v]) => (v === '' ? k : `${k}=${v}`));
const dictionary = fc.tuple(fc.array(member, { minLength: 1, maxLength: 4 }), fc.constantFrom(', ', ',', ' ,\t', ',  ')).map(([ms, sep]) => ms.join(sep));

describe('fast Dictionary parser (Signature-Input / Signature hot path)', () => {
  it('agrees with structured-headers on generated well-formed dictionaries', () => {
    fc.assert(fc.property(dictionary, (d) => agree(d)), { numRuns: 3000 });
  });

  it('agrees with structured-headers on generated near-miss and arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (s) => agree(s)), { numRuns: 3000 });
    fc.assert(
      fc.property(dictionary, fc.nat(60), fc.constantFrom('', ' ', '"', '\\', '(', ')', ';', '=', ',', ':', '\t', 'é', '\n'), (d, at, insert) => {
        const i = at % (d.length + 1);
        agree(d.slice(0, i) + insert + d.slice(i));
      }),
      { numRuns: 3000 },
    );
  });

  it('reports the canonical text of inner lists written canonically, and only of those', () => {
    const input = '("@method" "signature-agent";key="a");created=1700000000;nonce="x\\"y";tag=web;k';
    const canonical = parseDictionaryFast(`sig1=${input}`)?.canonical.get('sig1');
    expect(canonical).toEqual({ text: input, items: ['"@method"', '"signature-agent";key="a"'] });
    for (const text of ['( "@a")', '("@a" )', '("@a"  "@b")', '("@a"); k', '("@a");k=?1', '("@a");n=01', '("@a");n=-0', '("@a");k=1;k=2', '("@a");b=:AAAA:', '("@a";k=?1)']) {
      const fast = parseDictionaryFast(`sig1=${text}`);
      expect(fast, text).toBeDefined();
      expect(fast!.canonical.has('sig1'), text).toBe(false);
    }
    // A repeated label keeps the last value: so does its canonical text.
    expect(parseDictionaryFast('a=("@x"), a=("@y"  "@z")')!.canonical.has('a')).toBe(false);
    expect(parseDictionaryFast('a=("@x"  "@y"), a=("@z")')!.canonical.get('a')?.text).toBe('("@z")');
    expect(parseDictionaryFast('a=("@x"), a=1')!.canonical.has('a')).toBe(false);
  });

  it('reports a repeated key, which the general parser silently merges', () => {
    expect(parseDictionaryFast('a=1, b=2, a=3')?.duplicate).toBe('a');
    expect(parseDictionaryFast('a=1, b=2')?.duplicate).toBeUndefined();
  });
});
