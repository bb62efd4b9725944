/** Serialize-then-parse is the identity on generated valid values (issue 7 §1). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DigestVerifier,
  component,
  createDigest,
  createSignatureInput,
  parseSignatureAgent,
  parseSignatureField,
  parseSignatureInput,
  parseSignatureKey,
  serializeComponent,
  serializeSignatureAgent,
  serializeSignatureInputMember,
  serializeSignatureKey,
  serializeSignatureMember,
  verifyDigest,
  type BareItem,
  type SignatureAgentType,
} from '@signet/core';
import { sfBareItem, sfKey, sfStringValue, sameBareItem } from './arbitraries.js';

const RUNS = 1500;

const fieldName = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/);
const queryName = fc.stringMatching(/^[A-Za-z0-9%*._-]{0,10}$/);
/** Any component identifier Signet accepts. */
const componentId = fc.oneof(
  fc.constantFrom('@method', '@target-uri', '@authority', '@scheme', '@request-target', '@path', '@query', '@status').chain((name) => fc.boolean().map((req) => (req ? `"${name}";req` : `"${name}"`))),
  fc.tuple(queryName, fc.boolean()).map(([name, req]) => `"@query-param";name="${name}"${req ? ';req' : ''}`),
  fc.tuple(fieldName, fc.constantFrom('', ';sf', ';bs', ';req', ';tr', ';sf;req', ';req;bs')).map(([name, params]) => `"${name}"${params}`),
  fc.tuple(fieldName, sfStringValue, fc.boolean()).map(([name, key, req]) => `"${name}";key="${key.replace(/["\\]/g, '\\$&')}"${req ? ';req' : ''}`),
);

const standardParams = fc.record(
  {
    created: fc.integer({ min: 0, max: 2 ** 40 }),
    expires: fc.integer({ min: 0, max: 2 ** 40 }),
    nonce: sfStringValue,
    alg: fc.constantFrom('ed25519', 'rsa-pss-sha512', 'hmac-sha256', 'x-custom'),
    keyid: sfStringValue,
    tag: sfStringValue,
  },
  { requiredKeys: [] },
);
const unknownParams = fc.uniqueArray(fc.tuple(sfKey.filter((k) => !['created', 'expires', 'nonce', 'alg', 'keyid', 'tag'].includes(k)), sfBareItem), { selector: ([k]) => k, maxLength: 4 });

describe('serialize then parse is the identity', () => {
  it('Signature-Input: label, components, every parameter (standard and unknown, in order), @signature-params value', () => {
    fc.assert(
      fc.property(sfKey, fc.uniqueArray(componentId, { maxLength: 8 }), standardParams, unknownParams, fc.boolean(), (label, ids, standard, unknown, unknownFirst) => {
        const components = ids.map(component);
        const entries: Array<[string, BareItem]> = unknownFirst ? [...unknown, ...Object.entries(standard)] : [...Object.entries(standard), ...unknown];
        const input = createSignatureInput(label, components, entries);
        const text = serializeSignatureInputMember(input);
        const [parsed, ...rest] = parseSignatureInput(text);
        expect(rest).toEqual([]);
        expect(parsed!.label).toBe(label);
        expect(parsed!.components.map(serializeComponent)).toEqual(components.map(serializeComponent));
        expect(parsed!.value).toBe(input.value);
        expect(parsed!.params).toEqual(standard);
        expect([...parsed!.parameters.keys()]).toEqual(entries.map(([k]) => k));
        for (const [k, v] of entries) expect(sameBareItem(parsed!.parameters.get(k)!, v), `parameter ${k}`).toBe(true);
        // and the strict serialization is a fixed point
        expect(serializeSignatureInputMember(parsed!)).toBe(text);
      }),
      { numRuns: RUNS },
    );
  });

  it('Signature-Input with several members keeps them in order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(sfKey, { minLength: 1, maxLength: 5 }), (labels) => {
        const text = labels.map((label, i) => serializeSignatureInputMember(createSignatureInput(label, [component('@method')], [['created', i]]))).join(', ');
        expect(parseSignatureInput(text).map((i) => [i.label, i.params.created])).toEqual(labels.map((l, i) => [l, i]));
      }),
      { numRuns: RUNS / 3 },
    );
  });

  it('Signature: labels and signature bytes', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(sfKey, fc.uint8Array({ maxLength: 600 })), { selector: ([k]) => k, minLength: 1, maxLength: 5 }), (members) => {
        const text = members.map(([label, bytes]) => serializeSignatureMember(label, bytes)).join(', ');
        const parsed = parseSignatureField(text);
        expect([...parsed.keys()]).toEqual(members.map(([k]) => k));
        for (const [label, bytes] of members) expect(Buffer.from(parsed.get(label)!).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('Signature-Agent: label, URI and type', () => {
    const uri = fc.webUrl({ validSchemes: ['https', 'http'], withQueryParameters: true }).filter((u) => /^[\x20-\x7e]*$/.test(u));
    const type = fc.constantFrom<SignatureAgentType | undefined>(undefined, 'directory', 'jwks_uri', 'cimd');
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(sfKey, uri, type), { selector: ([k]) => k, minLength: 1, maxLength: 4 }), (members) => {
        const agents = members.map(([label, u, t]) => ({ label, uri: u, ...(t === undefined ? {} : { type: t }) }));
        const parsed = parseSignatureAgent(serializeSignatureAgent(agents));
        expect(parsed).toEqual(members.map(([label, u, t]) => ({ label, uri: u, type: t ?? 'directory' })));
      }),
      { numRuns: RUNS },
    );
  });

  it('Signature-Key: label, scheme and parameters (strings, byte sequences, booleans)', () => {
    const value = fc.oneof(sfStringValue, fc.boolean(), fc.uint8Array({ maxLength: 40 }));
    const params = fc.uniqueArray(fc.tuple(sfKey, value), { selector: ([k]) => k, maxLength: 5 }).map((ps) => Object.fromEntries(ps) as Record<string, string | boolean | Uint8Array>);
    const scheme = fc.stringMatching(/^[a-z][a-z0-9_-]{0,10}$/);
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(sfKey, scheme, params), { selector: ([k]) => k, minLength: 1, maxLength: 4 }), (members) => {
        const parsed = parseSignatureKey(serializeSignatureKey(members.map(([label, s, p]) => ({ label, scheme: s, params: p }))));
        expect([...parsed.keys()]).toEqual(members.map(([k]) => k));
        for (const [label, s, p] of members) {
          const member = parsed.get(label)!;
          expect(member.scheme).toBe(s);
          expect(Object.keys(member.params)).toEqual(Object.keys(p));
          for (const [name, v] of Object.entries(p)) {
            const got = member.params[name];
            if (v instanceof Uint8Array) expect(Buffer.from(got as Uint8Array).equals(Buffer.from(v))).toBe(true);
            else expect(got).toBe(v);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('Content-Digest: the created field parses back, verifies its body and refuses any other', () => {
    const algorithms = fc.constantFrom<Array<'sha-256' | 'sha-512'>>(['sha-256'], ['sha-512'], ['sha-256', 'sha-512'], ['sha-512', 'sha-256']);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), algorithms, fc.uint8Array({ minLength: 1, maxLength: 4 }), (body, algs, extra) => {
        const field = createDigest(body, algs);
        const verifier = new DigestVerifier(field);
        expect(verifier.algorithm).toBe(algs.includes('sha-512') ? 'sha-512' : 'sha-256');
        expect(() => verifier.update(body).verify()).not.toThrow();
        expect(() => verifyDigest(field, Buffer.concat([body, extra]))).toThrow(expect.objectContaining({ code: 'digest_mismatch' }));
      }),
      { numRuns: RUNS },
    );
  });
});
