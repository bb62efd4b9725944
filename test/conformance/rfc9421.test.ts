import { describe, expect, it } from 'vitest';
import {
  VerificationError,
  createDigest,
  nobleEd25519Backend,
  parseHttpMessage,
  parseSignatureField,
  parseSignatureInput,
  serializeSignatureInputMember,
  serializeSignatureMember,
  signMessage,
  signatureBase,
  verifyDigest,
  verifyMessage,
  type MessagePair,
} from '@signet/core';
import { rfc9421 } from '../support/vectors.js';
import { vectorKey } from '../support/keys.js';

const vectors = rfc9421();
const FAR_PAST = 1618884473; // the vectors' created: verify "as of" that moment

function messageOf(name: string, scheme = 'https') {
  const raw = vectors.messages[name];
  if (raw === undefined) throw new Error(`no message ${name}`);
  return parseHttpMessage(raw, { scheme: scheme as 'https' });
}

function signedMessage(c: (typeof vectors.cases)[number]) {
  const message = messageOf(c.message, c.scheme);
  message.headers.push(['Signature-Input', c.signatureInput], ['Signature', c.signature]);
  return message;
}

describe('RFC 9421 Appendix B vectors', () => {
  for (const c of vectors.cases) {
    describe(c.id, () => {
      it('builds the signature base byte for byte', () => {
        const [input] = parseSignatureInput(c.signatureInput);
        expect(signatureBase(messageOf(c.message, c.scheme), input!)).toBe(c.base);
      });

      it('re-serializes Signature-Input and Signature byte for byte', () => {
        const [input] = parseSignatureInput(c.signatureInput);
        expect(serializeSignatureInputMember(input!)).toBe(c.signatureInput);
        const [label, bytes] = [...parseSignatureField(c.signature)][0]!;
        expect(serializeSignatureMember(label, bytes)).toBe(c.signature);
      });

      it('verifies with the public key', async () => {
        const result = await verifyMessage(signedMessage(c), { key: vectorKey(vectors, c.key, 'public'), now: FAR_PAST });
        expect(result.base).toBe(c.base);
      });

      it('fails when one byte of the signature changes', async () => {
        const message = signedMessage(c);
        const bytes = [...parseSignatureField(c.signature)][0]![1];
        bytes[0] = bytes[0]! ^ 1;
        message.headers[message.headers.length - 1] = ['Signature', serializeSignatureMember(parseSignatureInput(c.signatureInput)[0]!.label, bytes)];
        await expect(verifyMessage(message, { key: vectorKey(vectors, c.key, 'public'), now: FAR_PAST })).rejects.toMatchObject({ code: 'signature_invalid' });
      });

      if (c.deterministic) {
        it('re-signs to the same signature byte for byte', async () => {
          const [input] = parseSignatureInput(c.signatureInput);
          const result = await signMessage(messageOf(c.message, c.scheme), {
            key: vectorKey(vectors, c.key, 'private'),
            label: input!.label,
            components: input!.components,
            params: Object.fromEntries(input!.parameters) as Record<string, string | number>,
          });
          expect(result.signatureHeader).toBe(c.signature);
          expect(result.signatureInput).toBe(c.signatureInput);
        });
      } else {
        it('signs afresh and verifies its own signature', async () => {
          const [input] = parseSignatureInput(c.signatureInput);
          const message = messageOf(c.message, c.scheme);
          const result = await signMessage(message, {
            key: vectorKey(vectors, c.key, 'private'),
            label: input!.label,
            components: input!.components,
            params: Object.fromEntries(input!.parameters) as Record<string, string | number>,
          });
          expect(result.base).toBe(c.base);
          message.headers.push(['Signature-Input', result.signatureInput], ['Signature', result.signatureHeader]);
          await expect(verifyMessage(message, { key: vectorKey(vectors, c.key, 'public'), now: FAR_PAST })).resolves.toMatchObject({ label: input!.label });
        });
      }
    });
  }

  it('verifies and signs the Ed25519 vectors on the @noble/ed25519 backend too', async () => {
    for (const c of vectors.cases.filter((v) => v.key === 'test-key-ed25519')) {
      await expect(verifyMessage(signedMessage(c), { key: vectorKey(vectors, c.key, 'public'), now: FAR_PAST, backend: nobleEd25519Backend })).resolves.toBeTruthy();
      const [input] = parseSignatureInput(c.signatureInput);
      const result = await signMessage(messageOf(c.message, c.scheme), {
        key: vectorKey(vectors, c.key, 'private'),
        label: input!.label,
        components: input!.components,
        params: Object.fromEntries(input!.parameters) as Record<string, number | string>,
        backend: nobleEd25519Backend,
      });
      expect(result.signatureHeader).toBe(c.signature);
    }
  });

  it('B.2.4 response signature also verifies as part of a request–response pair', async () => {
    const c = vectors.cases.find((v) => v.id === 'B.2.4')!;
    const pair = { request: messageOf('request'), response: signedMessage(c) } as MessagePair;
    await expect(verifyMessage(pair, { key: vectorKey(vectors, c.key, 'public'), now: FAR_PAST })).resolves.toMatchObject({ alg: 'ecdsa-p256-sha256' });
  });
});

describe('RFC 9421 B.4 transformations', () => {
  const c = vectors.cases.find((v) => v.id === 'B.4')!;
  const key = () => vectorKey(vectors, c.key, 'public');
  const withSignature = (raw: string) => {
    const message = parseHttpMessage(raw);
    message.headers.push(['Signature-Input', c.signatureInput], ['Signature', c.signature]);
    return message;
  };

  for (const [index, raw] of vectors.transformations.valid.entries()) {
    it(`still verifies after valid transformation #${index + 1}`, async () => {
      await expect(verifyMessage(withSignature(raw), { key: key(), now: FAR_PAST })).resolves.toMatchObject({ base: c.base });
    });
  }
  for (const [index, raw] of vectors.transformations.invalid.entries()) {
    it(`fails after invalid transformation #${index + 1}`, async () => {
      const failure = verifyMessage(withSignature(raw), { key: key(), now: FAR_PAST });
      await expect(failure).rejects.toBeInstanceOf(VerificationError);
      await expect(failure).rejects.toMatchObject({ code: 'signature_invalid' });
    });
  }
});

describe('RFC 9530 digests', () => {
  for (const [name, d] of Object.entries(vectors.digests.rfc9530)) {
    for (const alg of ['sha-256', 'sha-512'] as const) {
      const expected = d[alg];
      if (expected === undefined) continue;
      it(`${name}: ${alg} created byte for byte and verified`, () => {
        expect(createDigest(d.body, [alg])).toBe(expected);
        expect(() => verifyDigest(expected, d.body)).not.toThrow();
        expect(() => verifyDigest(expected, d.body + ' ')).toThrow(expect.objectContaining({ code: 'digest_mismatch' }));
      });
    }
  }
});
