/**
 * SignatureTemplate: a label and components checked once, for signing many messages alike. Pinned against the
 * general path (createSignatureInput, signMessage): the same Signature-Input text, base, signature and errors.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  SignatureTemplate,
  SignetError,
  Token,
  component,
  createSignatureInput,
  exportPrivateJwk,
  generateKey,
  importJwk,
  nobleEd25519Backend,
  nodeCryptoBackend,
  signMessage,
  type BareItem,
  type SignatureInput,
  type Signer,
} from '../src/index.js';

const IDENTIFIERS = [
  '"@method"',
  '"@authority"',
  '"@path"',
  '"@query"',
  '"@target-uri"',
  '"@scheme"',
  '"@request-target"',
  '"@query-param";name="a"',
  '"content-type"',
  '"authorization"',
  '"content-digest"',
  '"signature-agent";key="agent"',
  '"x-list";sf',
  '"x-raw";bs',
] as const;

const label = fc.oneof(fc.constant('sig1'), fc.stringMatching(/^[a-z*][a-z0-9_\-.*]{0,6}$/));
const components = fc.array(fc.constantFrom(...IDENTIFIERS), { maxLength: 8 });
/** Well-formed values and the near misses a caller's clock or nonce generator could produce. */
const paramValue: fc.Arbitrary<BareItem | undefined> = fc.oneof(
  fc.integer({ min: 0, max: 2 ** 40 }),
  fc.constantFrom(1.5, Number.NaN, Number.POSITIVE_INFINITY, -1, 1e16),
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 20 }),
  fc.constantFrom('é', 'a\nb', 'quote " and \\ slash', ''),
  fc.integer({ min: -(2 ** 53), max: 2 ** 53 }),
  fc.double(),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.boolean(),
  fc.constant(new Token('tok')),
  fc.constant(new Uint8Array([1, 2, 3]).buffer),
  fc.constant(undefined),
);
/** Standard names, other plain keys, and keys the serializer must escape or refuse. */
const paramName = fc.oneof(
  fc.constantFrom('created', 'expires', 'nonce', 'alg', 'keyid', 'tag'),
  fc.stringMatching(/^[a-z*][a-z0-9_\-.*]{0,4}$/),
  fc.constantFrom('', 'A', '1a', 'a b', 'é', 'Created'),
);
const params = fc.array(fc.tuple(paramName, paramValue), { maxLength: 8 });

type Outcome = { ok: true; input: SignatureInput } | { ok: false; error: unknown };

function attempt(run: () => SignatureInput): Outcome {
  try {
    return { ok: true, input: run() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Everything observable about an input, or about the error: code, message, class. */
function observable(outcome: Outcome): unknown {
  if (!outcome.ok) {
    const error = outcome.error as Error;
    return { error: error.constructor.name, code: (error as SignetError).code, message: error.message };
  }
  const { input } = outcome;
  return {
    label: input.label,
    value: input.value,
    params: input.params,
    parameters: [...input.parameters].map(([k, v]) => [k, v instanceof Token ? `token:${v.toString()}` : v]),
    components: input.components.map((c) => [c.name, [...c.params], c.id]),
  };
}

describe('SignatureTemplate.input', () => {
  it('is createSignatureInput byte for byte, errors included, for any label, components and parameters', () => {
    fc.assert(
      fc.property(label, components, params, (l, ids, p) => {
        const template = new SignatureTemplate(l, ids);
        const general = attempt(() => createSignatureInput(l, ids.map((id) => component(id)), p));
        const fast = attempt(() => template.input(p));
        expect(observable(fast)).toEqual(observable(general));
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses a bad label or component at construction, as createSignatureInput does', () => {
    const cases: Array<[string, Array<string | { name: string; params: Map<string, BareItem> }>]> = [
      ['Sig1', ['@method']],
      ['sig1', [{ name: 'Content-Type', params: new Map() }]],
      ['sig1', [{ name: '@method', params: new Map([['req', 1]]) }]],
      ['sig1', [{ name: '@nope', params: new Map() }]],
      ['sig1', ['"@signature-params"']],
    ];
    for (const [l, list] of cases) {
      const general = attempt(() => createSignatureInput(l, list.map((c) => (typeof c === 'string' ? component(c) : c)), []));
      expect(general.ok).toBe(false);
      expect(observable(attempt(() => new SignatureTemplate(l, list).input([])))).toEqual(observable(general));
    }
  });

  it('shares frozen components between signatures, so that no signature can change another', () => {
    const template = new SignatureTemplate('sig1', ['@method', '"signature-agent";key="a"']);
    const a = template.input([['created', 1]]);
    const b = template.input([['created', 2]]);
    expect(a.components).toBe(b.components);
    expect(Object.isFrozen(a.components)).toBe(true);
    expect(a.components.every((c) => Object.isFrozen(c))).toBe(true);
    expect([a.value, b.value]).toEqual(['("@method" "signature-agent";key="a");created=1', '("@method" "signature-agent";key="a");created=2']);
  });
});

describe('SignatureTemplate.sign', () => {
  const key = generateKey('ed25519');
  const request = {
    method: 'POST',
    url: 'https://api.example/v1/orders?b=2&a=1',
    headers: { 'signature-agent': 'agent="https://agent.example"', 'content-type': 'application/json', authorization: 'Bearer x' },
  };
  const ids = ['"@method"', '"@authority"', '"@path"', '"@query"', '"signature-agent";key="agent"', '"authorization"', '"content-type"'];
  const params = { created: 1_700_000_000, keyid: key.thumbprint, alg: 'ed25519', expires: 1_700_000_060, nonce: 'n0nce', tag: 'web-bot-auth' };

  it('gives what signMessage gives: the same base, Signature-Input, and (Ed25519 is deterministic) signature', async () => {
    const general = await signMessage(request, { key, label: 'sig2', components: ids, params });
    const template = new SignatureTemplate('sig2', ids);
    const fast = template.sign(request, { key, params: Object.entries(params) });
    expect(fast).not.toBeInstanceOf(Promise); // node:crypto signs synchronously
    const result = await fast;
    expect(result.base).toBe(general.base);
    expect(result.signatureInput).toBe(general.signatureInput);
    expect(result.signatureHeader).toBe(general.signatureHeader);
    expect(Buffer.from(result.signature)).toEqual(Buffer.from(general.signature));
    expect(result.input.value).toBe(general.input.value);
  });

  it('waits for a backend or signer that signs asynchronously, with the same result', async () => {
    const template = new SignatureTemplate('sig1', ids);
    const sync = await template.sign(request, { key, params: Object.entries(params) });
    const noble = template.sign(request, { key, params: Object.entries(params), backend: nobleEd25519Backend });
    expect(noble).toBeInstanceOf(Promise);
    expect((await noble).signatureHeader).toBe(sync.signatureHeader);
    const external: Signer = { alg: 'ed25519', sign: async (data) => nodeCryptoBackend.sign('ed25519', key, data) };
    expect((await template.sign(request, { key: external, params: Object.entries(params) })).signatureHeader).toBe(sync.signatureHeader);
  });

  it('signs with the algorithm its owner chose, checked against the key and the alg parameter', async () => {
    const template = new SignatureTemplate('sig1', ['@method']);
    const plain = { method: 'GET', url: 'https://a.example/', headers: {} };
    // An RSA key that declares no algorithm: without alg (option or parameter) there is no way to choose.
    const { alg: _declared, ...jwk } = exportPrivateJwk(generateKey('rsa-pss-sha512'));
    const undecided = importJwk(jwk);
    expect(undecided.alg).toBeUndefined();
    expect(() => template.sign(plain, { key: undecided, params: [['created', 1]] })).toThrow(expect.objectContaining({ code: 'unsupported_algorithm' }));
    expect((await template.sign(plain, { key: undecided, alg: 'rsa-pss-sha512', params: [['created', 1]] })).signature.length).toBe(256);
    expect(() => template.sign(plain, { key: undecided, alg: 'rsa-pss-sha512', params: [['alg', 'rsa-v1_5-sha256']] })).toThrow(
      new SignetError('algorithm_mismatch', 'params.alg is "rsa-v1_5-sha256" but the signer produces rsa-pss-sha512.'),
    );
    expect(() => template.sign(plain, { key, alg: 'rsa-pss-sha512', params: [] })).toThrow(expect.objectContaining({ code: 'algorithm_mismatch' }));
    // A Signer always signs with its own algorithm.
    const signer: Signer = { alg: 'ed25519', sign: () => new Uint8Array(64) };
    expect((await template.sign(plain, { key: signer, alg: 'rsa-pss-sha512', params: [['alg', 'ed25519']] })).signatureHeader).toBe(`sig1=:${Buffer.alloc(64).toString('base64')}:`);
  });
});
