import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseDictionary, serializeDictionary } from 'structured-headers';
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
}

const key = fc.stringMatching(/^[a-z*][a-z0-9_\-.*]{0,6}$/);
const sfString = fc.string({ unit: fc.constantFrom(...' abcXYZ09"\\@;=(),:'.split('')), maxLength: 12 }).map((s) => `"${s.replace(/["\\]/g, '\\$&')}"`);
const bare = fc.oneof(sfString, fc.integer({ min: -999_999, max: 999_999 }).map(String), fc.constantFrom('?0', '?1', 'tok', 'a:b/c', ':AQID:', ':aGVsbG8=:', '1.5'));
const param = fc.tuple(key, fc.option(bare, { nil: undefined })).map(([k, v]) => (v === undefined ? `;${k}` : `;${k}=${v}`));
const item = fc.tuple(bare, fc.array(param, { maxLength: 3 })).map(([b, ps]) => b + ps.join(''));
const innerList = fc.tuple(fc.array(item, { maxLength: 4 }), fc.array(param, { maxLength: 4 }), fc.constantFrom(' ', '  ')).map(([items, ps, sp]) => `(${items.join(sp)})${ps.join('')}`);
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

  it('reports a repeated key, which the general parser silently merges', () => {
    expect(parseDictionaryFast('a=1, b=2, a=3')?.duplicate).toBe('a');
    expect(parseDictionaryFast('a=1, b=2')?.duplicate).toBeUndefined();
  });
});
