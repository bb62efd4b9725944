/**
 * Interop with `http-message-signatures` (dhensby) 1.0.6, both ways, for every algorithm both sides
 * support: it signs and Signet verifies; Signet signs and it verifies. Requests and responses (with
 * ;req), derived components including @query-param, fields with ;sf and ;key.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSigner, createVerifier, httpbis } from 'http-message-signatures';
import { appendMember, createDigest, signMessage, verifyMessage, type AlgorithmName } from '@signet/core';
import { PEER_ALGORITHMS, peerKeys, type PeerKeyPair } from '../support/peer-keys.js';

type Headers_ = Record<string, string>;
interface HmsRequest {
  method: string;
  url: string;
  headers: Headers_;
}
interface HmsResponse {
  status: number;
  headers: Headers_;
}

type KeyPair = PeerKeyPair;
const ALGORITHMS = PEER_ALGORITHMS;
const KEYS = peerKeys();

const BODY = '{"order": 42, "items": ["a", "b"]}';
function request(): HmsRequest {
  return {
    method: 'POST',
    url: 'https://shop.example:8443/api/orders?sort=desc&filter=a%20b&q=caf%C3%A9&tag=x&tag=y',
    headers: {
      host: 'shop.example:8443',
      'content-type': 'application/json',
      'content-digest': createDigest(BODY),
      'x-dict': 'a=1,   b=2;x=?1, c=(d   e)',
      'signature-agent': 'agent1="https://agent.example", agent2="https://other.example";type=jwks_uri',
      'x-empty': '',
    },
  };
}
function response(): HmsResponse {
  return { status: 201, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-dict': 'k=?0, v=:AQID:' } };
}

/** The request components both libraries derive identically (lower-case field names: HMS keeps case). */
const REQUEST_FIELDS = [
  '@method',
  '@authority',
  '@scheme',
  '@target-uri',
  '@request-target',
  '@path',
  '@query',
  '@query-param;name="sort"',
  '@query-param;name="filter"',
  '@query-param;name="q"',
  '@query-param;name="tag"',
  'content-type',
  'content-digest',
  'x-dict;sf',
  'x-dict;key="b"',
  'x-dict;key="c"',
  'signature-agent;key="agent2"',
  'x-empty',
];
const RESPONSE_FIELDS = ['@status', 'content-type', 'cache-control', 'x-dict;key="v"', '"@method";req', '"@authority";req', '"@path";req', '"@query-param";req;name="q"', '"content-digest";req', '"x-dict";req;sf'];

/** http-message-signatures takes bare names with parameters; Signet takes the same, quoted. */
const toSignet = (field: string): string => (field.startsWith('"') ? field : field.replace(/^([^;]+)/, '"$1"'));

const now = () => Math.floor(Date.now() / 1000);

function keyLookup(pair: KeyPair, id = 'test-key') {
  return async (params: { keyid?: string }) => (params.keyid === id ? { id, algs: [pair.alg], verify: createVerifier(pair.verifying as KeyObject, pair.alg) } : null);
}

async function hmsSignRequest(pair: KeyPair, fields = REQUEST_FIELDS, label = 'sig1'): Promise<HmsRequest> {
  return (await httpbis.signMessage(
    {
      key: createSigner(pair.signing as KeyObject, pair.alg, 'test-key'),
      name: label,
      fields,
      params: ['created', 'expires', 'nonce', 'keyid', 'alg', 'tag'],
      paramValues: { created: new Date((now() - 1) * 1000), expires: new Date((now() + 60) * 1000), nonce: 'n-' + randomBytes(8).toString('hex'), tag: 'interop' },
    },
    request(),
  )) as HmsRequest;
}

async function signetSignRequest(pair: KeyPair, fields = REQUEST_FIELDS, label = 'sig1'): Promise<HmsRequest> {
  const message = request();
  const created = now() - 1;
  const result = await signMessage(message, {
    key: pair.signetPrivate,
    label,
    components: fields.map(toSignet),
    params: { created, expires: created + 61, nonce: 'n-' + randomBytes(8).toString('hex'), keyid: 'test-key', alg: pair.alg, tag: 'interop' },
  });
  return { ...message, headers: { ...message.headers, 'signature-input': result.signatureInput, signature: result.signatureHeader } };
}

describe('http-message-signatures signs, Signet verifies', () => {
  for (const alg of ALGORITHMS) {
    const pair = KEYS[alg];

    it(`${alg}: a request covering every derived component, @query-param, ;sf and ;key`, async () => {
      const signed = await hmsSignRequest(pair);
      const result = await verifyMessage(signed, { key: pair.signetPublic, requiredParams: ['created', 'expires', 'nonce', 'keyid', 'alg'], tag: 'interop' });
      expect(result.alg).toBe(alg);
      expect(result.covered).toEqual(REQUEST_FIELDS.map(toSignet));
      // one changed covered byte fails, in Signet as in the library
      const tampered = { ...signed, url: signed.url.replace('tag=y', 'tag=z') };
      await expect(verifyMessage(tampered, { key: pair.signetPublic })).rejects.toMatchObject({ code: 'signature_invalid' });
      expect(await httpbis.verifyMessage({ keyLookup: keyLookup(pair) }, tampered)).toBe(false);
    });

    it(`${alg}: a response bound to its request with ;req`, async () => {
      const signedRequest = await hmsSignRequest(pair);
      const signed = (await httpbis.signMessage({ key: createSigner(pair.signing as KeyObject, alg, 'test-key'), name: 'res', fields: RESPONSE_FIELDS }, response(), signedRequest)) as HmsResponse;
      const result = await verifyMessage({ request: signedRequest, response: signed }, { key: pair.signetPublic, label: 'res' });
      expect(result.covered).toEqual(RESPONSE_FIELDS.map(toSignet));
      const otherRequest = { ...signedRequest, method: 'PUT' };
      await expect(verifyMessage({ request: otherRequest, response: signed }, { key: pair.signetPublic, label: 'res' })).rejects.toMatchObject({ code: 'signature_invalid' });
    });
  }

  it('rsa-pss-sha512: the library signs with the maximum salt length; Signet accepts it on purpose', async () => {
    const signed = await hmsSignRequest(KEYS['rsa-pss-sha512'], ['@method', '@authority']);
    await expect(verifyMessage(signed, { key: KEYS['rsa-pss-sha512'].signetPublic })).resolves.toMatchObject({ alg: 'rsa-pss-sha512' });
  });

  it('two signatures added one after the other (labels sig and sig0): Signet verifies each by label', async () => {
    const pair = KEYS.ed25519;
    const first = (await httpbis.signMessage({ key: createSigner(pair.signing as KeyObject, 'ed25519', 'test-key'), fields: ['@method'] }, request())) as HmsRequest;
    const second = (await httpbis.signMessage({ key: createSigner(KEYS['ecdsa-p256-sha256'].signing as KeyObject, 'ecdsa-p256-sha256', 'k2'), fields: ['@authority', 'signature;key="sig"'] }, first)) as HmsRequest;
    expect(second.headers['Signature-Input']).toMatch(/^sig=.*, sig0=/);
    await expect(verifyMessage(second, { key: pair.signetPublic, label: 'sig' })).resolves.toBeTruthy();
    await expect(verifyMessage(second, { key: KEYS['ecdsa-p256-sha256'].signetPublic, label: 'sig0' })).resolves.toMatchObject({ covered: ['"@authority"', '"signature";key="sig"'] });
  });
});

describe('Signet signs, http-message-signatures verifies', () => {
  for (const alg of ALGORITHMS) {
    const pair = KEYS[alg];

    it(`${alg}: a request covering every derived component, @query-param, ;sf and ;key`, async () => {
      const signed = await signetSignRequest(pair);
      expect(await httpbis.verifyMessage({ keyLookup: keyLookup(pair), requiredParams: ['created', 'expires', 'keyid', 'alg', 'nonce'] }, signed)).toBe(true);
      const tampered = { ...signed, headers: { ...signed.headers, 'x-dict': 'a=1, b=3;x=?1, c=(d e)' } };
      expect(await httpbis.verifyMessage({ keyLookup: keyLookup(pair) }, tampered)).toBe(false);
    });

    it(`${alg}: a response bound to its request with ;req`, async () => {
      const signedRequest = await signetSignRequest(pair);
      const res = response();
      const result = await signMessage({ request: signedRequest, response: res }, { key: pair.signetPrivate, label: 'res', components: RESPONSE_FIELDS.map(toSignet), params: { created: now() - 1, keyid: 'test-key' } });
      const signed = { ...res, headers: { ...res.headers, 'signature-input': result.signatureInput, signature: result.signatureHeader } };
      expect(await httpbis.verifyMessage({ keyLookup: keyLookup(pair) }, signed, signedRequest)).toBe(true);
      expect(await httpbis.verifyMessage({ keyLookup: keyLookup(pair) }, signed, { ...signedRequest, url: signedRequest.url.replace('q=caf%C3%A9', 'q=cafe') })).toBe(false);
    });
  }

  it('a second Signet signature appended to an existing one verifies in the library (and the first still does)', async () => {
    const first = await signetSignRequest(KEYS['rsa-v1_5-sha256'], ['@method', '@path'], 'a');
    const second = await signMessage(first, { key: KEYS['ecdsa-p384-sha384'].signetPrivate, label: 'b', components: ['@authority', '"signature";key="a"'], params: { created: now() - 1, keyid: 'k2', alg: 'ecdsa-p384-sha384' } });
    const both = { ...first, headers: { ...first.headers, 'signature-input': appendMember(first.headers['signature-input'], second.signatureInput), signature: appendMember(first.headers.signature, second.signatureHeader) } };
    const lookup = async (params: { keyid?: string }) =>
      params.keyid === 'test-key'
        ? { id: 'test-key', algs: ['rsa-v1_5-sha256'], verify: createVerifier(KEYS['rsa-v1_5-sha256'].verifying as KeyObject, 'rsa-v1_5-sha256') }
        : params.keyid === 'k2'
          ? { id: 'k2', algs: ['ecdsa-p384-sha384'], verify: createVerifier(KEYS['ecdsa-p384-sha384'].verifying as KeyObject, 'ecdsa-p384-sha384') }
          : null;
    // the library reports the last signature whose key it found; each alone must be true
    expect(await httpbis.verifyMessage({ keyLookup: lookup }, both)).toBe(true);
    expect(await httpbis.verifyMessage({ keyLookup: async (p) => (p.keyid === 'test-key' ? lookup(p) : null) }, both)).toBe(true);
  });
});

describe('deterministic algorithms: both libraries produce the same bytes', () => {
  for (const alg of ['ed25519', 'hmac-sha256'] as const) {
    it(`${alg}: identical Signature-Input and Signature for the same message, components and parameters`, async () => {
      const pair = KEYS[alg];
      const created = now() - 5;
      const fields = REQUEST_FIELDS;
      const theirs = (await httpbis.signMessage(
        { key: createSigner(pair.signing as KeyObject, alg, 'test-key'), name: 'sig1', fields, params: ['created', 'keyid', 'alg', 'nonce'], paramValues: { created: new Date(created * 1000), nonce: 'abc' } },
        request(),
      )) as HmsRequest;
      const ours = await signMessage(request(), { key: pair.signetPrivate, label: 'sig1', components: fields.map(toSignet), params: { created, keyid: 'test-key', alg, nonce: 'abc' } });
      expect(ours.signatureInput).toBe(theirs.headers['Signature-Input']);
      expect(ours.signatureHeader).toBe(theirs.headers.Signature);
    });
  }
});
