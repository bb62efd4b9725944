/**
 * RequestSigner signs from per-signer templates (covered components checked once). Pinned against the general
 * path: for any request shape, the Signature-Input is what createSignatureInput writes for the documented
 * component list and the profile's parameters, and the signature is over signatureBase of the headers sent.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  appendMember,
  component,
  createDigest,
  createSignatureInput,
  generateKey,
  nodeCryptoBackend,
  serializeComponent,
  serializeSignatureMember,
  signatureBase,
  type BareItem,
} from '@signet/core';
import { RequestSigner, staticKey, type Profile, type SigningOptions } from '@signet/client';

const NOW = 1_790_000_000;
const key = generateKey('ed25519');
const AGENT = 'https://agent.example';

interface ProfileCase {
  readonly profile: Profile;
  /** The profile's own covered component, if any. */
  readonly covers: (label: string) => string[];
  /** The parameters the profile writes, in order. */
  readonly params: (nonce: string) => Array<[string, BareItem]>;
}

const webBotAuthParams = (nonce: string): Array<[string, BareItem]> => [
  ['created', NOW],
  ['keyid', key.thumbprint],
  ['alg', 'ed25519'],
  ['expires', NOW + 60],
  ['nonce', nonce],
  ['tag', 'web-bot-auth'],
];

const PROFILES: ProfileCase[] = [
  { profile: { name: 'web-bot-auth' }, covers: () => [], params: webBotAuthParams },
  { profile: { name: 'web-bot-auth', signatureAgent: AGENT }, covers: (label) => [`"signature-agent";key="${label}"`], params: webBotAuthParams },
  { profile: { name: 'web-bot-auth', signatureAgent: { key: 'agent', uri: AGENT, type: 'jwks_uri' } }, covers: () => ['"signature-agent";key="agent"'], params: webBotAuthParams },
  { profile: { name: 'web-bot-auth', signatureAgent: AGENT, legacySignatureAgent: true }, covers: () => ['"signature-agent"'], params: webBotAuthParams },
  {
    profile: { name: 'aauth', signatureKey: { scheme: 'hwk' } },
    covers: () => ['"signature-key"'],
    params: (nonce) => [['created', NOW], ['expires', NOW + 60], ['nonce', nonce]],
  },
  {
    profile: { name: 'aauth', signatureKey: { scheme: 'jwks', url: 'https://id.example/jwks.json' } },
    covers: () => ['"signature-key"'],
    params: (nonce) => [['created', NOW], ['expires', NOW + 60], ['nonce', nonce]],
  },
  { profile: { name: 'plain' }, covers: () => [], params: () => [['created', NOW], ['keyid', key.thumbprint], ['alg', 'ed25519'], ['expires', NOW + 60]] },
  {
    profile: { name: 'plain', params: { nonce: true, tag: 'app', keyid: 'k-1' } },
    covers: () => [],
    params: (nonce) => [['keyid', 'k-1'], ['nonce', nonce], ['tag', 'app']],
  },
];

const EXTRAS: ReadonlyArray<readonly string[]> = [[], ['x-request-id'], ['"@query-param";name="a"', '"@method"'], ['authorization', '@query']];

const shape = fc.record({
  profile: fc.integer({ min: 0, max: PROFILES.length - 1 }),
  label: fc.constantFrom('sig1', 'sig2', 'agent'),
  extras: fc.integer({ min: 0, max: EXTRAS.length - 1 }),
  method: fc.constantFrom('GET', 'POST', 'PATCH'),
  query: fc.constantFrom('', '?a=1', '?a=x%20y&b=2&a=3'),
  authorization: fc.boolean(),
  body: fc.option(fc.uint8Array({ maxLength: 40 }), { nil: null }),
  contentType: fc.boolean(),
  existing: fc.boolean(),
  staleDigest: fc.boolean(),
  entries: fc.boolean(),
});

describe('RequestSigner templates against the general path', () => {
  it('writes createSignatureInput of the documented components and the profile parameters, signed over signatureBase', async () => {
    // Signers are kept across runs, so later runs sign from templates cached by earlier ones.
    const signers = new Map<string, RequestSigner>();
    await fc.assert(
      fc.asyncProperty(shape, async (s) => {
        const profile = PROFILES[s.profile] as ProfileCase;
        const extras = EXTRAS[s.extras] as readonly string[];
        // A covered component the request lacks fails (tested elsewhere): not generated here.
        if (extras.includes('"@query-param";name="a"') && !s.query.includes('a=')) return;
        if (extras.includes('authorization') && !s.authorization) return;
        const id = JSON.stringify([s.profile, s.label, s.extras]);
        let nonces = 0;
        let signer = signers.get(id);
        if (signer === undefined) {
          const options: SigningOptions = { key, profile: profile.profile, label: s.label, components: extras, now: () => NOW, nonce: () => `nonce-${nonces++}` };
          signer = new RequestSigner(options);
          signers.set(id, signer);
        }
        const sent = new Headers({ 'x-request-id': 'r-1' });
        if (s.authorization) sent.set('authorization', 'Bearer token');
        if (s.contentType) sent.set('content-type', 'application/json');
        if (s.existing) {
          sent.set('signature-input', 'prior=("@method");created=1');
          sent.set('signature', 'prior=:AAAA:');
        }
        if (s.staleDigest) sent.set('content-digest', 'sha-256=:AAAA:');
        const url = `https://api.example/v1/items${s.query}`;
        // sign() and signEntries() give the same fields: either is checked against the general path.
        const parts = { method: s.method, url, headers: sent, body: s.body };
        const headers = s.entries ? new Headers(await signer.signEntries(parts)) : await signer.sign(parts);
        // A Content-Digest is computed for a body, and never left over from elsewhere without one.
        expect(headers.get('content-digest')).toBe(s.body === null ? null : createDigest(s.body, ['sha-256']));
        const sentInput = headers.get('signature-input') ?? '';
        const nonce = /;nonce="([^"]*)"/.exec(sentInput.slice(sentInput.lastIndexOf(`${s.label}=`)))?.[1] ?? '';

        const covered = [
          ...new Set(
            [
              '"@method"',
              '"@authority"',
              '"@path"',
              ...(s.query !== '' ? ['"@query"'] : []),
              ...profile.covers(s.label),
              ...(s.authorization ? ['"authorization"'] : []),
              ...(s.body !== null && s.contentType ? ['"content-type"'] : []),
              ...(s.body !== null ? ['"content-digest"'] : []),
              ...extras,
            ].map((c) => serializeComponent(component(c))),
          ),
        ];
        const input = createSignatureInput(s.label, covered.map((c) => component(c)), profile.params(nonce));
        expect(sentInput).toBe(appendMember(s.existing ? 'prior=("@method");created=1' : null, `${s.label}=${input.value}`));
        const base = signatureBase({ method: s.method, url, headers }, input);
        const signature = nodeCryptoBackend.sign('ed25519', key, new TextEncoder().encode(base)) as Uint8Array;
        expect(headers.get('signature')).toBe(appendMember(s.existing ? 'prior=:AAAA:' : null, serializeSignatureMember(s.label, signature)));
      }),
      { numRuns: 400 },
    );
  });

  it('keeps one template per request shape, and signs each key of a rotating source with that key', async () => {
    const other = generateKey('ed25519');
    const keys = [key, other].map((k) => ({ signer: k, publicKey: k.toPublic(), alg: 'ed25519' as const, thumbprint: k.thumbprint }));
    let turn = 0;
    const signer = new RequestSigner({ key: { current: async () => keys[turn++ % 2]!, published: async () => keys }, now: () => NOW, nonce: () => 'n' });
    for (let i = 0; i < 4; i++) {
      const headers = await signer.sign({ method: 'GET', url: 'https://api.example/', headers: new Headers(), body: null });
      const used = [key, other][i % 2]!;
      const input = createSignatureInput('sig1', ['"@method"', '"@authority"', '"@path"'].map((c) => component(c)), webBotAuthParams('n').map(([k, v]) => [k, k === 'keyid' ? used.thumbprint : v]));
      expect(headers.get('signature-input')).toBe(`sig1=${input.value}`);
      const base = signatureBase({ method: 'GET', url: 'https://api.example/', headers }, input);
      expect(headers.get('signature')).toBe(serializeSignatureMember('sig1', nodeCryptoBackend.sign('ed25519', used, Buffer.from(base)) as Uint8Array));
    }
  });

  it('asks a static key source whose current() was replaced, like any other source', async () => {
    const source = staticKey(key);
    const other = generateKey('ed25519');
    const calls: number[] = [];
    source.current = async () => {
      calls.push(1);
      return { signer: other, publicKey: other.toPublic(), alg: 'ed25519', thumbprint: other.thumbprint };
    };
    const headers = await new RequestSigner({ key: source, now: () => NOW }).sign({ method: 'GET', url: 'https://api.example/', headers: new Headers(), body: null });
    expect(calls).toHaveLength(1);
    expect(headers.get('signature-input')).toContain(`keyid="${other.thumbprint}"`);
  });
});
