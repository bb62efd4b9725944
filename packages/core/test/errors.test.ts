/**
 * A negative test for every error code that @signet/core can raise: each asserts the code, the error
 * class, and that the message says what was wrong and where. Other packages add their own codes to
 * ERROR_CODES; this file covers the ones core raises, and fails if core starts raising a code that
 * has no case here.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  MessageView,
  SignetError,
  VerificationError,
  component,
  createSignatureInput,
  generateKey,
  importJwk,
  parseHttpMessage,
  parseSignatureAgent,
  parseSignatureField,
  parseSignatureInput,
  parseSignatureKey,
  nobleEd25519Backend,
  readSignatures,
  signMessage,
  signatureBase,
  validateSignatureAgentCard,
  verifyDigest,
  verifyMessage,
  verifySignatureSync,
  type SignetErrorCode,
  type VerifyOptions,
} from '../src/index.js';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '../src');
const NOW = 1_700_000_000;
const key = generateKey('ed25519');

async function signedRequest(params: Record<string, string | number> = {}, components = ['@method', '@authority']) {
  const request = { method: 'GET', url: 'https://api.example/data?q=1', headers: { 'content-type': 'text/plain' } as Record<string, string> };
  const result = await signMessage(request, { key, label: 'sig1', components, params: { created: NOW, ...params } });
  const headers: Record<string, string> = { ...request.headers, 'signature-input': result.signatureInput, signature: result.signatureHeader };
  return { ...request, headers };
}

/** A signed request whose Signature-Input gets `extra` parameters afterwards (what a forger would send). */
async function forged(extra: string) {
  const message = await signedRequest();
  return { ...message, headers: { ...message.headers, 'signature-input': message.headers['signature-input']!.replace(';created', `${extra};created`) } };
}

const verifyWith = async (options: Partial<VerifyOptions>, params?: Record<string, string | number>, components?: string[]) =>
  verifyMessage(await signedRequest(params, components), { key: key.toPublic(), now: NOW, ...options });

interface Case {
  /** Why the code is raised. */
  what: string;
  /** Triggers the error (sync or async). */
  run: () => unknown;
  /** The message must say what and where. */
  message: RegExp;
  /** Thrown by verifyMessage: a VerificationError. */
  verification?: boolean;
}

/** Every code core raises, with at least one case each. */
const CORE_CASES: Record<string, Case[]> = {
  invalid_message: [
    { what: 'a plain request without a method', run: () => MessageView.from({ method: '', url: 'https://a.example/', headers: {} }), message: /non-empty string `method`/ },
    { what: 'a relative URL', run: () => signatureBase({ method: 'GET', url: '/relative', headers: {} }, createSignatureInput('s', [component('@path')], [])), message: /"\/relative" is not an absolute URL/ },
    { what: 'a raw message with a bad start line', run: () => parseHttpMessage('HELLO\r\n\r\n'), message: /Line 1: "HELLO"/ },
    { what: 'a non-string header value', run: () => MessageView.from({ method: 'GET', url: 'https://a.example/', headers: { 'x-n': 5 as unknown as string } }), message: /Header "x-n"/ },
    { what: 'a response with a bad status', run: () => MessageView.from({ status: 42, headers: {} }), message: /status.*42/ },
  ],
  invalid_component: [
    { what: 'a parameter a derived component does not allow', run: () => component('"@method";sf'), message: /"@method".*;sf/ },
    { what: ';bs with ;sf', run: () => component('"x-h";bs;sf'), message: /"x-h".*;bs/ },
    { what: ';sf on a value that is not structured', run: () => signatureBase({ method: 'GET', url: 'https://a.example/', headers: { 'x-h': '{"a":1}' } }, createSignatureInput('s', [component('"x-h";sf')], [])), message: /Field "x-h".*;sf/ },
  ],
  unknown_component: [{ what: 'an undefined derived component', run: () => component('@fragment'), message: /"@fragment" is not a derived component/ }],
  unsupported_component: [
    { what: 'a trailer', run: () => signatureBase({ method: 'GET', url: 'https://a.example/', headers: { 'x-t': '1' } }, createSignatureInput('s', [component('"x-t";tr')], [])), message: /"x-t";tr.*trailer/ },
  ],
  missing_component: [
  {
    what: 'a covered header that is absent',
    run: async () => {
      const message = await signedRequest({}, ['@method', 'content-type']);
      const { 'content-type': _dropped, ...headers } = message.headers;
      return verifyMessage({ ...message, headers }, { key: key.toPublic(), now: NOW });
    },
    message: /Covered field "content-type" is not present in the request/,
    verification: true,
  },
  { what: 'an absent query parameter', run: () => signatureBase({ method: 'GET', url: 'https://a.example/?a=1', headers: {} }, createSignatureInput('s', [component('"@query-param";name="zz"')], [])), message: /Query parameter "zz"/ },
  { what: 'an absent dictionary member', run: () => signatureBase({ method: 'GET', url: 'https://a.example/', headers: { d: 'a=1' } }, createSignatureInput('s', [component('"d";key="b"')], [])), message: /Field "d" has no member "b"/ },
  { what: ';req on a request', run: () => signatureBase({ method: 'GET', url: 'https://a.example/', headers: {} }, createSignatureInput('s', [component('"@method";req')], [])), message: /"@method";req refers to the request, but the message is a request/ },
],
  duplicate_component: [
    {
      what: 'a component listed twice',
      run: () => signatureBase({ method: 'GET', url: 'https://a.example/', headers: {} }, parseSignatureInput('sig=("@method" "@path" "@method");created=1')[0]!),
      message: /"@method" is covered twice in signature "sig"/,
    },
  ],
  invalid_signature_input: [
    { what: 'not a Dictionary', run: () => parseSignatureInput('sig=('), message: /^Signature-Input is not a valid structured Dictionary/ },
    { what: 'a member that is not an inner list', run: () => parseSignatureInput('sig="x"'), message: /Signature-Input member "sig" must be an inner list/ },
    { what: 'created of the wrong type', run: () => parseSignatureInput('sig=();created="now"'), message: /"sig": ;created must be an integer/ },
    { what: 'a label that is not a key', run: () => createSignatureInput('Sig', [], []), message: /label "Sig"/ },
  ],
  invalid_signature_field: [
    { what: 'a member that is not a byte sequence', run: () => parseSignatureField('sig1="abc"'), message: /Signature member "sig1" must be a byte sequence/ },
    { what: 'not a Dictionary', run: () => parseSignatureField('sig1=:abc'), message: /^Signature is not a valid structured Dictionary/ },
  ],
  duplicate_label: [{ what: 'a label twice', run: () => parseSignatureInput('sig1=(), sig1=("@method")'), message: /Signature-Input has the label "sig1" more than once/ }],
  missing_signature: [
    { what: 'an unsigned request', run: () => verifyMessage({ method: 'GET', url: 'https://a.example/', headers: {} }, { key }), message: /request is not signed: it has no Signature-Input field/, verification: true },
    { what: 'an absent label', run: () => verifyWith({ label: 'other' }), message: /No signature labelled "other" \(found: sig1\)/, verification: true },
    { what: 'an absent tag', run: () => verifyWith({ tag: 'web-bot-auth' }), message: /No signature with tag "web-bot-auth"/, verification: true },
    {
      what: 'Signature-Input without the matching Signature member',
      run: async () => verifyMessage({ ...(await signedRequest()), headers: { ...(await signedRequest()).headers, signature: 'other=:AAAA:' } }, { key, now: NOW }),
      message: /Signature-Input has "sig1" but the Signature field has no such member/,
      verification: true,
    },
  ],
  missing_parameter: [{ what: 'a required parameter', run: () => verifyWith({ requiredParams: ['nonce'] }), message: /"sig1" has no ;nonce parameter/, verification: true }],
  invalid_parameter: [
    { what: 'a tag that does not match', run: () => verifyWith({ label: 'sig1', tag: 'web-bot-auth' }, { tag: 'other' }), message: /"sig1" has tag "other", expected "web-bot-auth"/, verification: true },
    { what: 'a keyid that is not the thumbprint', run: () => verifyWith({ keyidIsThumbprint: true }, { keyid: 'k1' }), message: /keyid "k1" is not the JWK thumbprint/, verification: true },
  ],
  not_yet_valid: [{ what: 'created in the future', run: () => verifyWith({ now: NOW - 100 }), message: /"sig1" was created at 1700000000, 100 s in the future \(allowed skew 30 s\)/, verification: true }],
  expired: [{ what: 'expires in the past', run: () => verifyWith({ now: NOW + 1000 }, { expires: NOW + 60 }), message: /"sig1" expired at 1700000060, 940 s ago/, verification: true }],
  lifetime_exceeded: [
    { what: 'expires - created too long', run: () => verifyWith({ maxLifetime: 60 }, { expires: NOW + 3600 }), message: /"sig1" lives 3600 s, more than the maximum 60 s\.$/, verification: true },
    { what: 'too old without expires', run: () => verifyWith({ maxLifetime: 60, now: NOW + 90 }), message: /"sig1" is 90 s old, more than the maximum 60 s\.$/, verification: true },
  ],
  missing_required_component: [{ what: 'a required component not covered', run: () => verifyWith({ requiredComponents: ['@path'] }), message: /"sig1" does not cover "@path"/, verification: true }],
  unsupported_algorithm: [
    { what: 'an unknown alg', run: async () => verifyMessage(await forged(';alg="rsa-v1_5-sha1"'), { key: key.toPublic(), now: NOW }), message: /"rsa-v1_5-sha1" is not one of/, verification: true },
    { what: 'an algorithm outside the allow-list', run: () => verifyWith({ algorithms: ['ecdsa-p256-sha256'] }), message: /ed25519 is not accepted here/, verification: true },
  ],
  algorithm_mismatch: [
    { what: 'alg that does not fit the key', run: async () => verifyMessage(await forged(';alg="ecdsa-p256-sha256"'), { key: importJwk(key.publicJwk()), now: NOW }), message: /alg="ecdsa-p256-sha256" but the key is OKP Ed25519/, verification: true },
    { what: 'alg that does not fit the key\'s declared algorithm', run: async () => verifyMessage(await forged(';alg="hmac-sha256"'), { key: key.toPublic(), now: NOW }), message: /alg="hmac-sha256" but the key is for ed25519/, verification: true },
    { what: 'a signer whose algorithm differs from params.alg', run: () => signMessage({ method: 'GET', url: 'https://a.example/', headers: {} }, { key: { alg: 'ed25519', sign: () => new Uint8Array(64) }, components: [], params: { alg: 'hmac-sha256' } }), message: /params.alg is "hmac-sha256" but the signer produces ed25519/ },
  ],
  invalid_key: [
    { what: 'an unknown kty', run: () => importJwk({ kty: 'XYZ' }), message: /JWK could not be imported: unsupported kty "XYZ"/ },
    { what: 'signing with a public key', run: () => signMessage({ method: 'GET', url: 'https://a.example/', headers: {} }, { key: key.toPublic(), components: [] }), message: /Signing needs a private key/ },
  ],
  signature_invalid: [
    {
      what: 'a tampered request',
      run: async () => {
        const message = await signedRequest();
        return verifyMessage({ ...message, method: 'POST' }, { key: key.toPublic(), now: NOW });
      },
      message: /Signature "sig1" does not match the message: the ed25519 check failed/,
      verification: true,
    },
  ],
  invalid_digest: [
    { what: 'a member that is not a byte sequence', run: () => verifyDigest('sha-256=abc', 'x'), message: /Content-Digest member "sha-256" must be a byte sequence/ },
    { what: 'not a Dictionary', run: () => verifyDigest('sha-256=:abc', 'x', 'Repr-Digest'), message: /^Repr-Digest is not a valid structured Dictionary/ },
  ],
  unsupported_digest_algorithm: [{ what: 'no known algorithm', run: () => verifyDigest('md5=:AAAA:, sha=:AAAA:', 'x'), message: /found: md5, sha; known: sha-256, sha-512/ }],
  digest_mismatch: [{ what: 'a body that does not match', run: () => verifyDigest('sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:', '{"hello": "world!"}'), message: /does not match its sha-256 digest/ }],
  invalid_signature_agent: [
    { what: 'a member that is not a string', run: () => parseSignatureAgent('agent1=1'), message: /member "agent1" must be a quoted URI string/ },
    { what: 'an unknown type', run: () => parseSignatureAgent('a="https://x.example";type=zip'), message: /member "a" has an unknown type zip/ },
    { what: 'a URI that is not https', run: () => parseSignatureAgent('a="ftp://x.example"'), message: /"ftp:\/\/x.example" must use https:/ },
  ],
  invalid_signature_agent_card: [
    { what: 'client_id not the card URL', run: () => validateSignatureAgentCard({ client_id: 'https://evil.example/card', jwks_uri: 'https://x.example/jwks' }, 'https://agent.example/card'), message: /Card at https:\/\/agent.example\/card: client_id must match the card URL/ },
  ],
  invalid_configuration: [
    {
      what: 'verifySignatureSync with an asynchronous backend',
      run: async () => {
        const view = MessageView.from(await signedRequest());
        const { inputs, signatures } = readSignatures(view);
        return verifySignatureSync(view, inputs[0]!, signatures, key.toPublic(), { backend: nobleEd25519Backend });
      },
      message: /The @noble\/ed25519 backend verifies asynchronously: use verifySignature/,
      verification: true,
    },
  ],
  invalid_signature_key: [
    { what: 'a member that is not a token', run: () => parseSignatureKey('sig="hwk"'), message: /Signature-Key member "sig" must be a scheme token/ },
    { what: 'a parameter of the wrong type', run: () => parseSignatureKey('sig=hwk;n=1'), message: /member "sig": parameter ;n must be/ },
  ],
};

/** The codes core's source raises: every ERROR_CODES key quoted in packages/core/src (errors.ts aside). */
function codesRaisedByCore(): string[] {
  const sources = readdirSync(SRC)
    .filter((f) => f.endsWith('.ts') && f !== 'errors.ts')
    .map((f) => readFileSync(join(SRC, f), 'utf8'))
    .join('\n');
  return Object.keys(ERROR_CODES).filter((code) => new RegExp(`['"]${code}['"]`).test(sources));
}

describe('every error code raised by @signet/core', () => {
  it('has a negative test here (a code core raises without a case fails this test)', () => {
    const raised = codesRaisedByCore();
    expect(raised.length).toBeGreaterThan(20);
    expect(raised.filter((code) => !(code in CORE_CASES))).toEqual([]);
    expect(Object.keys(CORE_CASES).filter((code) => !(code in ERROR_CODES))).toEqual([]);
  });

  for (const [code, cases] of Object.entries(CORE_CASES)) {
    describe(code, () => {
      it('is documented in ERROR_CODES', () => {
        expect(ERROR_CODES[code as SignetErrorCode]).toMatch(/\w.{20,}/);
      });
      for (const c of cases) {
        it(`${c.what}`, async () => {
          let caught: unknown;
          try {
            await c.run();
          } catch (error) {
            caught = error;
          }
          expect(caught, `${code}: ${c.what} did not throw`).toBeInstanceOf(SignetError);
          const error = caught as SignetError;
          expect(error.code).toBe(code);
          expect(error.message).toMatch(c.message);
          if (c.verification === true) expect(error).toBeInstanceOf(VerificationError);
          expect(error.toJSON()).toEqual({ code, message: error.message });
          expect(JSON.stringify(error)).not.toMatch(/\n\s+at /); // never a stack
        });
      }
    });
  }
});
