import { describe, expect, it } from 'vitest';
import {
  importJwk,
  jwkThumbprint,
  parseSignatureAgent,
  serializeSignatureAgent,
  signMessage,
  validateSignatureAgentCard,
  verifyDigest,
  verifyMessage,
  type PlainRequest,
  type SignatureAgentType,
} from '@signet/core';
import { webBotAuth } from '../support/vectors.js';

describe('Web Bot Auth architecture vectors', () => {
  for (const v of webBotAuth.architecture()) {
    const name = `${v.key.kty} ${v.label}${v.signature_agent === undefined ? '' : ' with Signature-Agent'}`;
    const request = (): PlainRequest => ({
      method: 'GET',
      url: v.target_url,
      headers: {
        'signature-input': v.signature_input,
        signature: v.signature,
        ...(v.signature_agent === undefined ? {} : { 'signature-agent': v.signature_agent }),
      },
    });
    const policy = {
      tag: 'web-bot-auth',
      requiredParams: ['created', 'expires', 'keyid', 'nonce'] as const,
      keyidIsThumbprint: true,
      requiredComponents: ['@authority'],
    };

    it(`${name}: verifies with its own created/expires and keyid = JWK thumbprint`, async () => {
      const key = importJwk(v.key as never).toPublic();
      const now = v.created_ms / 1000 + 1;
      const result = await verifyMessage(request(), { key, now, ...policy });
      expect(result.params.keyid).toBe(key.thumbprint);
      expect(result.params.nonce).toBe(v.nonce);
      if (v.signature_agent_key !== undefined) expect(result.covered).toContain(`"signature-agent";key="${v.signature_agent_key}"`);
    });

    it(`${name}: rejected after expires and before created`, async () => {
      const key = importJwk(v.key as never).toPublic();
      await expect(verifyMessage(request(), { key, now: v.expires_ms / 1000 + 60, ...policy })).rejects.toMatchObject({ code: 'expired' });
      await expect(verifyMessage(request(), { key, now: v.created_ms / 1000 - 120, ...policy })).rejects.toMatchObject({ code: 'not_yet_valid' });
    });

    if (v.key.kty === 'OKP') {
      it(`${name}: re-signed byte for byte (Ed25519 is deterministic)`, async () => {
        const message = request();
        const params = Object.fromEntries(
          (await verifyMessage(message, { key: importJwk(v.key as never), now: v.created_ms / 1000 })).input.parameters,
        ) as Record<string, string | number>;
        const result = await signMessage(message, {
          key: importJwk(v.key as never),
          label: v.label,
          components: v.signature_agent_key === undefined ? ['@authority'] : ['@authority', `"signature-agent";key="${v.signature_agent_key}"`],
          params,
        });
        expect(result.signatureInput).toBe(v.signature_input);
        expect(result.signatureHeader).toBe(v.signature);
      });
    }
  }
});

describe('Web Bot Auth key directory response vector', () => {
  for (const v of webBotAuth.directory()) {
    const pair = () => ({
      request: { method: v.request.method, url: v.request.target_url, headers: v.request.headers },
      response: { status: v.response.status, headers: v.response.headers, body: v.response.body },
    });

    it(`${v.name}: the directory signature ("@authority";req, content-digest) verifies, base byte for byte`, async () => {
      const key = importJwk(v.public_key as never);
      expect(key.thumbprint).toBe(v.public_key.kid);
      const result = await verifyMessage(pair(), { key, tag: 'http-message-signatures-directory', now: 1735689600, keyidIsThumbprint: true });
      expect(result.base).toBe(v.signature_base);
      expect(() => verifyDigest(v.response.headers['content-digest']!, v.response.body)).not.toThrow();
    });

    it(`${v.name}: the response alone (without its request) cannot be verified`, async () => {
      const { response } = pair();
      await expect(verifyMessage(response, { key: importJwk(v.public_key as never), now: 1735689600 })).rejects.toMatchObject({ code: 'missing_component' });
    });

    it(`${v.name}: the key's kid is its RFC 7638 thumbprint`, () => {
      expect(jwkThumbprint(v.public_key)).toBe(v.public_key.kid);
    });
  }
});

describe('Signature-Agent vectors', () => {
  for (const v of webBotAuth.signatureAgent()) {
    it(`${v.name}: parses to the published entries and serializes back`, () => {
      const parsed = parseSignatureAgent(v.header);
      expect(parsed).toEqual(v.entries);
      expect(serializeSignatureAgent(parsed.map((e) => ({ label: e.label!, uri: e.uri, type: e.type as SignatureAgentType })))).toBe(v.header);
    });
  }

  it('accepts the legacy bare-string form', () => {
    expect(parseSignatureAgent('"https://signature-agent.test"')).toEqual([{ label: undefined, uri: 'https://signature-agent.test', type: 'directory' }]);
  });

  it('rejects an unknown type, a non-string member and a non-URI', () => {
    for (const bad of ['a="https://x.test";type=other', 'a=1', 'a="not a uri"', 'a="ftp://x.test"', '']) {
      expect(() => parseSignatureAgent(bad), bad).toThrow(expect.objectContaining({ code: 'invalid_signature_agent' }));
    }
  });
});

describe('Signature Agent Card vectors', () => {
  for (const v of webBotAuth.agentCard()) {
    it(`${v.name}: ${v.valid ? 'valid' : `invalid (${v.error})`}`, () => {
      if (v.valid) expect(validateSignatureAgentCard(v.card, v.url)).toEqual(v.card);
      else expect(() => validateSignatureAgentCard(v.card, v.url)).toThrow(expect.objectContaining({ code: 'invalid_signature_agent_card', message: expect.stringContaining(v.error!) }));
    });
  }
});
