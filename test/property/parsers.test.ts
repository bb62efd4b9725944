/**
 * The header parsers never throw anything but a SignetError, whatever the input; and a repeated
 * label is always found, whatever the members hide (issue 7 §1).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DigestVerifier,
  SignetError,
  generateKey,
  parseSignatureAgent,
  parseSignatureField,
  parseSignatureInput,
  parseSignatureKey,
  verifyDigest,
  verifyMessage,
} from '@signet/core';
import { anyText, mutated, sfKey, sfNoise } from './arbitraries.js';

const RUNS = 2000;

/** Runs `parse` and fails on any throw that is not a SignetError. */
function onlySignetErrors(parse: (value: string) => unknown) {
  return (value: string) => {
    try {
      parse(value);
    } catch (error) {
      if (!(error instanceof SignetError)) throw new Error(`non-Signet error ${String(error)} for ${JSON.stringify(value)}`, { cause: error });
      expect(error.code).toMatch(/^[a-z_]+$/);
      expect(error.message.length).toBeGreaterThan(10);
    }
  };
}

// --- text of well-formed members, including the constructs that can hide a ", label=" -------------
const trickyString = fc.constantFrom('a', '', 'x, sig1=("@method")', 'q\\"', ')', ':AA==:', 'é'.normalize()).map((s) => `"${s.replace(/[^\x20-\x7e]/g, 'e').replace(/["\\]/g, '\\$&')}"`);
const bareText = fc.oneof(
  trickyString,
  fc.constantFrom('1', '-42', '1.5', '?0', '?1', 'tok', 'a:b', '*x/y:z', 'T', ':AQID:', ':aGk=:', '%"disp\\"', '%"caf%c3%a9"'),
);
const paramsText = fc.array(fc.tuple(sfKey, fc.option(bareText, { nil: undefined })), { maxLength: 3 }).map((ps) => ps.map(([k, v]) => (v === undefined ? `;${k}` : `;${k}=${v}`)).join(''));
const componentText = fc.tuple(fc.constantFrom('"@method"', '"@authority"', '"content-type"', '"signature-agent";key="a"', '"@query-param";name="x, y"', '"x"'), paramsText).map(([c]) => c);
const innerListText = fc.tuple(fc.uniqueArray(componentText, { maxLength: 4 }), paramsText).map(([items, ps]) => `(${items.join(' ')})${ps}`);
const signatureInputText = fc.array(fc.tuple(sfKey, innerListText), { minLength: 1, maxLength: 4 }).map((ms) => ms.map(([k, v]) => `${k}=${v}`).join(', '));
const signatureText = fc.array(fc.tuple(sfKey, fc.base64String({ maxLength: 24 }), paramsText), { minLength: 1, maxLength: 4 }).map((ms) => ms.map(([k, b, p]) => `${k}=:${b}:${p}`).join(', '));
const signatureKeyText = fc.array(fc.tuple(sfKey, fc.constantFrom('hwk', 'jwt', 'jwks_uri', 'jkt-jwt', 'x:y'), paramsText), { minLength: 1, maxLength: 3 }).map((ms) => ms.map(([k, s, p]) => `${k}=${s}${p}`).join(', '));
const signatureAgentText = fc.array(fc.tuple(sfKey, fc.constantFrom('"https://a.example"', '"http://b.example/x"', '"ftp://c"', '"nope"', '1', 'tok'), fc.constantFrom('', ';type=jwks_uri', ';type=cimd', ';type="directory"', ';type=other')), { minLength: 1, maxLength: 3 }).map((ms) => ms.map(([k, v, t]) => `${k}=${v}${t}`).join(', '));
const digestText = fc.array(fc.tuple(fc.constantFrom('sha-256', 'sha-512', 'md5', 'unixsum', 'sha'), fc.oneof(fc.base64String({ maxLength: 88 }).map((b) => `:${b}:`), bareText)), { minLength: 1, maxLength: 3 }).map((ms) => ms.map(([k, v]) => `${k}=${v}`).join(', '));

const inputs = (valid: fc.Arbitrary<string>) => fc.oneof(anyText, sfNoise, valid, mutated(valid), mutated(mutated(valid)));

describe('parsers throw only SignetError on arbitrary input', () => {
  it('Signature-Input', () => fc.assert(fc.property(inputs(signatureInputText), onlySignetErrors(parseSignatureInput)), { numRuns: RUNS }));
  it('Signature', () => fc.assert(fc.property(inputs(signatureText), onlySignetErrors(parseSignatureField)), { numRuns: RUNS }));
  it('Signature-Agent', () => fc.assert(fc.property(inputs(signatureAgentText), onlySignetErrors(parseSignatureAgent)), { numRuns: RUNS }));
  it('Signature-Key', () => fc.assert(fc.property(inputs(signatureKeyText), onlySignetErrors(parseSignatureKey)), { numRuns: RUNS }));
  it('Content-Digest (DigestVerifier and verifyDigest)', () => {
    fc.assert(
      fc.property(inputs(digestText), (value) => {
        onlySignetErrors((v) => new DigestVerifier(v))(value);
        onlySignetErrors((v) => verifyDigest(v, 'body'))(value);
      }),
      { numRuns: RUNS },
    );
  });

  it('verifyMessage over arbitrary Signature-Input, Signature and covered header values', async () => {
    const key = generateKey('ed25519').toPublic();
    await fc.assert(
      fc.asyncProperty(inputs(signatureInputText), inputs(signatureText), anyText, fc.constantFrom('https://a.example/p?x=1&x=2', 'http://b.example:8080/'), async (si, sig, value, url) => {
        try {
          await verifyMessage({ method: 'GET', url, headers: { 'signature-input': si, signature: sig, 'content-type': value, 'signature-agent': value, x: value } }, { key });
        } catch (error) {
          if (!(error instanceof SignetError)) throw new Error(`non-Signet error ${String(error)}`, { cause: error });
        }
      }),
      { numRuns: RUNS / 2 },
    );
  });
});

describe('a repeated label is always found', () => {
  /** Members keyed from a small alphabet (so repeats are common), with hiding constructs in their values. */
  const members = fc.array(fc.tuple(fc.constantFrom('sig1', 'sig2', 'a', 'b-c'), innerListText), { minLength: 1, maxLength: 5 });

  it('Signature-Input: duplicate_label exactly when a label repeats', () => {
    fc.assert(
      fc.property(members, fc.constantFrom(', ', ',', ',\t ', ' , '), (ms, separator) => {
        const text = ms.map(([k, v]) => `${k}=${v}`).join(separator);
        const repeated = new Set(ms.map(([k]) => k)).size !== ms.length;
        let code: string | undefined;
        try {
          parseSignatureInput(text);
        } catch (error) {
          code = (error as SignetError).code;
        }
        if (repeated) expect(code, text).toBe('duplicate_label');
        else expect(code, text).not.toBe('duplicate_label');
      }),
      { numRuns: RUNS },
    );
  });

  it('Signature and Signature-Key likewise', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('sig1', 'sig2', 'a'), paramsText), { minLength: 1, maxLength: 4 }), (ms) => {
        const repeated = new Set(ms.map(([k]) => k)).size !== ms.length;
        const codes = [
          () => parseSignatureField(ms.map(([k, p]) => `${k}=:AAAA:${p}`).join(', ')),
          () => parseSignatureKey(ms.map(([k, p]) => `${k}=hwk${p}`).join(', ')),
        ].map((run) => {
          try {
            run();
            return undefined;
          } catch (error) {
            return (error as SignetError).code + ':' + (error as SignetError).message;
          }
        });
        expect(codes[0]?.startsWith('duplicate_label') ?? false).toBe(repeated);
        expect(codes[1]?.includes('more than once') ?? false).toBe(repeated);
      }),
      { numRuns: RUNS },
    );
  });
});
