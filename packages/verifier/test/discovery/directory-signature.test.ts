import { describe, expect, it } from 'vitest';
import { generateKey } from '@signet/core';
import { webBotAuth } from '../../../../test/support/vectors.js';
import { readJwks, verifyDirectorySignatures, type FetchedDocument } from '../../src/discovery/index.js';
import { signedDirectory } from './fixtures.js';

const URL_ = 'https://signature-agent.test/.well-known/http-message-signatures-directory';
const created = 1_790_000_000;

function asDocument(url: string, response: { status: number; headers: Record<string, string>; body: string }): FetchedDocument {
  const headers = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { url, status: response.status, headers, body: Buffer.from(response.body) };
}

async function check(document: FetchedDocument, nowSeconds = created) {
  const set = readJwks(JSON.parse(document.body.toString()), document.url, 100);
  return verifyDirectorySignatures(document, set, { nowSeconds, skewSeconds: 30 });
}

describe('directory response signatures', () => {
  for (const v of webBotAuth.directory()) {
    it(`${v.name}: the published vector verifies, and proves its key`, async () => {
      const report = await check(asDocument(v.request.target_url, v.response), 1_735_689_600);
      expect(report.failures).toEqual([]);
      expect([...report.verified]).toEqual([v.public_key.kid]);
    });

    it(`${v.name}: the vector fetched from another authority does not verify ("@authority";req is signed)`, async () => {
      const report = await check(asDocument('https://evil.test/.well-known/http-message-signatures-directory', v.response), 1_735_689_600);
      expect(report.verified.size).toBe(0);
      expect(report.failures[0]).toMatch(/does not verify/);
    });

    it(`${v.name}: a body changed after signing fails the Content-Digest check`, async () => {
      const tampered = { ...v.response, body: v.response.body.replace('"use":"sig"', '"use":"sig","x5u":"x"') };
      const report = await check(asDocument(v.request.target_url, tampered), 1_735_689_600);
      expect(report.verified.size).toBe(0);
      expect(report.failures[0]).toMatch(/Content-Digest does not match/);
    });
  }

  it('verifies one signature per key; keys signed by nobody are not in the verified set', async () => {
    const [a, b, c] = [generateKey(), generateKey(), generateKey()];
    const doc = asDocument(URL_, await signedDirectory({ url: URL_, keys: [a!, b!, c!], signers: [a!, b!], created }));
    const report = await check(doc);
    expect(new Set(report.verified)).toEqual(new Set([a!.thumbprint, b!.thumbprint]));
  });

  it('an unsigned directory proves nothing', async () => {
    const report = await check(asDocument(URL_, await signedDirectory({ url: URL_, keys: [generateKey()], signers: [], created })));
    expect(report.verified.size).toBe(0);
    expect(report.failures[0]).toMatch(/unsigned/);
  });

  it('a signature by a key that is not in the directory proves nothing', async () => {
    const outsider = generateKey();
    const report = await check(asDocument(URL_, await signedDirectory({ url: URL_, keys: [generateKey()], signers: [outsider], created })));
    expect(report.verified.size).toBe(0);
    expect(report.failures[0]).toMatch(/not the thumbprint of a usable key in this directory/);
  });

  it('refuses a signature created in the future, or expired', async () => {
    const key = generateKey();
    const future = await check(asDocument(URL_, await signedDirectory({ url: URL_, keys: [key], created: created + 120 })));
    expect(future.verified.size).toBe(0);
    expect(future.failures[0]).toMatch(/in the future/);
    const expired = await check(asDocument(URL_, await signedDirectory({ url: URL_, keys: [key], created: created - 600, expires: created - 300 })));
    expect(expired.verified.size).toBe(0);
    expect(expired.failures[0]).toMatch(/expired/);
  });

  it('requires "@authority";req and content-digest to be covered, and expires to be present', async () => {
    const key = generateKey();
    const noReq = await check(asDocument(URL_, await signedDirectory({ url: URL_, keys: [key], created, components: ['content-digest'] })));
    expect(noReq.failures[0]).toMatch(/"@authority";req/);
    const doc = asDocument(URL_, await signedDirectory({ url: URL_, keys: [key], created }));
    const noExpires = { ...doc, headers: { ...doc.headers, 'signature-input': doc.headers['signature-input']!.replace(/;expires=\d+/, '') } };
    expect((await check(noExpires)).failures[0]).toMatch(/expires/);
  });

  it('ignores signatures with another tag', async () => {
    const key = generateKey();
    const doc = asDocument(URL_, await signedDirectory({ url: URL_, keys: [key], created }));
    const retagged = { ...doc, headers: { ...doc.headers, 'signature-input': doc.headers['signature-input']!.replace('http-message-signatures-directory', 'web-bot-auth') } };
    expect((await check(retagged)).failures).toEqual(['no signature has tag="http-message-signatures-directory"']);
  });
});
