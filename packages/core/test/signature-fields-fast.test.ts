/**
 * The quick readers of Signature-Input and Signature (the verifier's hot path) must give exactly what the general
 * parser gives, or defer to it (`undefined`): never accept what it rejects, never read a value differently.
 */
import fc from 'fast-check';
import { isInnerList, parseDictionary } from 'structured-headers';
import { beforeEach, describe, expect, it } from 'vitest';
import { SignetError, parseSignatureField, parseSignatureInput, type SignatureInput } from '../src/index.js';
import { forgetComponentLists, readSignatureFieldQuick, readSignatureInputQuick } from '../src/signature-fields-fast.js';

const COMPONENTS = ['"@method"', '"@authority"', '"@path"', '"@query"', '"@target-uri"', '"signature-agent";key="agent"', '"signature-agent"', '"content-digest"', '"authorization"', '"@query-param";name="a)b"', '"x-y";sf', '"@method";req'];
const label = fc.stringMatching(/^[a-z*][a-z0-9_\-.*]{0,5}$/);
const list = fc.array(fc.constantFrom(...COMPONENTS), { maxLength: 5 }).map((ids) => `(${ids.join(' ')})`);
const paramValue = fc.oneof(
  fc.integer({ min: 0, max: 99_999_999_999 }).map(String),
  fc.string({ unit: fc.constantFrom(...'abcXYZ09+/=_-. '.split('')), maxLength: 12 }).map((s) => `"${s}"`),
  fc.constantFrom('"a\\"b"', 'tok', '?1', '-5', '007', '1.5', ':AQID:', '"é"', '"\t"'),
);
const paramName = fc.constantFrom('created', 'expires', 'nonce', 'alg', 'keyid', 'tag', 'x', 'created2', 'tagx', 'tab', 'alx', 'kexid', 'nonse', 'expirez', 'createx');
const params = fc.array(fc.tuple(paramName, fc.option(paramValue, { nil: undefined })), { maxLength: 7 }).map((ps) => ps.map(([n, v]) => (v === undefined ? `;${n}` : `;${n}=${v}`)).join(''));
const member = fc.tuple(label, list, params).map(([l, c, p]) => `${l}=${c}${p}`);
const signatureInput = fc.tuple(fc.array(member, { minLength: 1, maxLength: 3 }), fc.constantFrom(', ', ',', ' , ', ',\t')).map(([ms, sep]) => ms.join(sep));

function mutate(text: string, at: number, ch: string, op: 'insert' | 'delete' | 'replace'): string {
  const i = text.length === 0 ? 0 : at % text.length;
  if (op === 'insert') return text.slice(0, i) + ch + text.slice(i);
  if (op === 'delete') return text.slice(0, i) + text.slice(i + 1);
  return text.slice(0, i) + ch + text.slice(i + 1);
}
const mutation = fc.tuple(fc.nat(), fc.constantFrom('', ' ', '"', '\\', '(', ')', ';', '=', ',', ':', '\t', 'é', '0', 'a'), fc.constantFrom<'insert' | 'delete' | 'replace'>('insert', 'delete', 'replace'));

/** What the general parser says (the quick reader deferred to it: the list cache is empty). */
function general(value: string): SignatureInput[] | SignetError {
  forgetComponentLists();
  try {
    return parseSignatureInput(value); // also remembers the lists it checked, as on a server
  } catch (error) {
    if (error instanceof SignetError) return error;
    throw error;
  }
}

function plain(input: SignatureInput) {
  return { label: input.label, ids: input.components.map((c) => c.id), names: input.components.map((c) => c.name), params: input.params, parameters: [...input.parameters], value: input.value };
}

function agreeInput(value: string): 'quick' | 'deferred' {
  const expected = general(value);
  const quick = readSignatureInputQuick(value);
  if (quick === undefined) return 'deferred';
  expect(expected, `the quick reader accepted what the general parser rejects: ${JSON.stringify(value)}`).not.toBeInstanceOf(SignetError);
  expect(quick.map(plain)).toEqual((expected as SignatureInput[]).map(plain));
  return 'quick';
}

beforeEach(() => forgetComponentLists());

describe('quick Signature-Input reader', () => {
  it('agrees with the general parser on generated values, and reads most of them itself', () => {
    let quick = 0;
    fc.assert(
      fc.property(signatureInput, (value) => {
        if (agreeInput(value) === 'quick') quick++;
      }),
      { numRuns: 3000 },
    );
    expect(quick).toBeGreaterThan(100); // the property would be empty if it always deferred (about 8% are read quickly)
  });

  it('agrees on near misses of generated values', () => {
    fc.assert(fc.property(signatureInput, mutation, (value, [at, ch, op]) => void agreeInput(mutate(value, at, ch, op))), { numRuns: 3000 });
  });

  it('reads a Web Bot Auth value once its component list is known, with the exact text as its value', () => {
    const value = 'sig1=("@authority" "signature-agent";key="agent" "@method" "@path");created=1700000000;expires=1700000060;keyid="poqkLGiymh_W0uP6PZFw-dvez3QJT5SolqXBCW38r0U";nonce="ZO3/XMEZjrvSnLtAP9M7jK0WGQf3J+pbmQRUpKDhF9/jsNCWqUh2sq+TH4WTX3/GpNoSZUa8eNWMKqxWp2/c2g==";tag="web-bot-auth"';
    expect(readSignatureInputQuick(value)).toBeUndefined(); // never seen
    const [first] = parseSignatureInput(value);
    const [second] = readSignatureInputQuick(value)!;
    expect(plain(second!)).toEqual(plain(first!));
    expect(second!.params).toEqual({ created: 1700000000, expires: 1700000060, keyid: 'poqkLGiymh_W0uP6PZFw-dvez3QJT5SolqXBCW38r0U', nonce: 'ZO3/XMEZjrvSnLtAP9M7jK0WGQf3J+pbmQRUpKDhF9/jsNCWqUh2sq+TH4WTX3/GpNoSZUa8eNWMKqxWp2/c2g==', tag: 'web-bot-auth' });
    expect(second!.value).toBe(value.slice('sig1='.length));
  });

  it('defers on what it does not read itself: repeats, wrong types, escapes, spacing, unknown lists', () => {
    parseSignatureInput('a=("@method");created=1');
    expect(readSignatureInputQuick('a=("@method");created=2')).toBeDefined();
    for (const value of ['a=("@method");created=1;created=2', 'a=("@method");created="1"', 'a=("@method");nonce=1', 'a=("@method");x="a\\"b"', 'a=("@method") ;created=1', 'a=("@method");created=01', ' a=("@method")', 'a=("@method"), a=("@method")', 'a=("@path")', 'a=("@method");created=-1', 'a=("@method");created', 'a=("@method"),']) {
      expect(readSignatureInputQuick(value), value).toBeUndefined();
    }
  });

  it('shares checked components that cannot be changed', () => {
    parseSignatureInput('a=("@query-param";name="q");created=1');
    const [input] = readSignatureInputQuick('a=("@query-param";name="q");created=2')!;
    const params = input!.components[0]!.params as Map<string, unknown>;
    expect(() => params.set('name', 'other')).toThrow(TypeError);
    expect(() => params.delete('name')).toThrow(TypeError);
    expect(() => params.clear()).toThrow(TypeError);
    expect(Object.isFrozen(input!.components)).toBe(true);
    expect(Object.isFrozen(input!.components[0])).toBe(true);
    expect(params.get('name')).toBe('q');
  });
});

describe('quick Signature reader', () => {
  const bytes = fc.uint8Array({ maxLength: 80 });
  const signature = fc.tuple(fc.array(fc.tuple(label, bytes), { minLength: 1, maxLength: 3 }), fc.constantFrom(', ', ',', ' ,\t')).map(([ms, sep]) => ms.map(([l, b]) => `${l}=:${Buffer.from(b).toString('base64')}:`).join(sep));

  function agreeSignature(value: string): void {
    const quick = readSignatureFieldQuick(value);
    if (quick === undefined) return;
    let dictionary: ReturnType<typeof parseDictionary>;
    try {
      dictionary = parseDictionary(value);
    } catch {
      throw new Error(`the quick reader accepted what structured-headers rejects: ${JSON.stringify(value)}`);
    }
    expect([...quick.keys()]).toEqual([...dictionary.keys()]);
    for (const [name, member] of dictionary) {
      expect(isInnerList(member) || !(member[0] instanceof ArrayBuffer) || member[1].size > 0, name).toBe(false);
      expect(Buffer.from(quick.get(name)!)).toEqual(Buffer.from(member[0] as ArrayBuffer));
    }
    expect(parseSignatureField(value)).toEqual(quick);
  }

  it('agrees with structured-headers on generated values and their near misses', () => {
    fc.assert(fc.property(signature, (value) => agreeSignature(value)), { numRuns: 2000 });
    fc.assert(fc.property(signature, mutation, (value, [at, ch, op]) => agreeSignature(mutate(value, at, ch, op))), { numRuns: 3000 });
    fc.assert(fc.property(signature, fc.nat(), fc.constantFrom('-', '_', '=', '*', 'é', '%', ' '), (value, at, ch) => agreeSignature(mutate(value, at, ch, 'replace'))), { numRuns: 2000 });
  });

  it('decodes every length exactly, into bytes of their own', () => {
    for (let n = 0; n <= 70; n++) {
      const data = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff));
      const parsed = readSignatureFieldQuick(`s=:${data.toString('base64')}:`)!.get('s')!;
      expect(Buffer.from(parsed)).toEqual(data);
      expect(parsed.buffer.byteLength).toBe(n);
    }
  });

  it('defers on base64url, misplaced padding, wrong lengths, parameters and repeated labels', () => {
    for (const value of ['s=:ab-_:', 's=:a=bc:', 's=:abc:', 's=:abcd=:', 's=:ab==;x:', 's=:abcd:;x', 's=:AA==:, s=:AA==:', 's=:abcd', 's=abcd']) {
      expect(readSignatureFieldQuick(value), value).toBeUndefined();
    }
  });
});
