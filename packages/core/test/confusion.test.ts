/**
 * Algorithm and key confusion, duplicated labels, oversized input (issue 7 §6): each is rejected
 * with its own code, before any signature is believed.
 */
import { createHmac, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  appendMember,
  generateKey,
  importPem,
  nodeCryptoBackend,
  parseHttpMessage,
  parseSignatureField,
  parseSignatureInput,
  parseSignatureKey,
  signMessage,
  verifyMessage,
  SignetKey,
  type PlainRequest,
  type VerifyOptions,
} from '../src/index.js';

const NOW = 1_700_000_000;
/** The SPKI PEM of a key's public half, as a deployment would have it on disk. */
const publicPem = (key: SignetKey): string => createPublicKey(SignetKey.keyObject(key)).export({ type: 'spki', format: 'pem' }).toString();
const URL_ = 'https://shop.example/items?id=7';

async function signed(key: SignetKey, params: Record<string, string | number>, label = 'sig1', base: PlainRequest = { method: 'GET', url: URL_, headers: {} }) {
  const result = await signMessage(base, { key, label, components: ['@method', '@authority', '@path'], params: { created: NOW, ...params } });
  const headers = { ...(base.headers as Record<string, string>) };
  headers['signature-input'] = appendMember(headers['signature-input'], result.signatureInput);
  headers['signature'] = appendMember(headers['signature'], result.signatureHeader);
  return { ...base, headers };
}

const verify = (message: PlainRequest, options: Partial<VerifyOptions> & Pick<VerifyOptions, 'key'>) => verifyMessage(message, { now: NOW, ...options });

describe('algorithm confusion', () => {
  it('an alg parameter that does not match the key is algorithm_mismatch, before any crypto', async () => {
    const ec = generateKey('ecdsa-p256-sha256');
    const message = await signed(ec, {});
    // rewrite the alg parameter the signer did not set: the verifier must not try ed25519 / p384 with this key
    for (const alg of ['ed25519', 'ecdsa-p384-sha384', 'rsa-pss-sha512', 'hmac-sha256']) {
      const forged = { ...message, headers: { ...message.headers, 'signature-input': message.headers['signature-input']!.replace(';created', `;alg="${alg}";created`) } };
      await expect(verify(forged, { key: ec.toPublic() })).rejects.toMatchObject({ code: 'algorithm_mismatch', message: expect.stringContaining(alg) });
    }
  });

  it('hmac-sha256 signed with the verifier\'s RSA public key (as the secret) is refused, not checked as HMAC', async () => {
    const rsa = generateKey('rsa-v1_5-sha256');
    const pem = publicPem(rsa);
    const verifierKey = importPem(pem, { alg: 'rsa-v1_5-sha256' });
    // the attacker's forgery: an HMAC over the base, keyed with the public PEM text
    const base = { method: 'GET', url: URL_, headers: {} };
    const input = 'sig1=("@method" "@authority" "@path");created=' + NOW + ';alg="hmac-sha256"';
    const lines = `"@method": GET\n"@authority": shop.example\n"@path": /items\n"@signature-params": ${input.slice(5)}`;
    const mac = createHmac('sha256', pem).update(lines).digest('base64');
    const forged = { ...base, headers: { 'signature-input': input, signature: `sig1=:${mac}:` } };
    await expect(verify(forged, { key: verifierKey })).rejects.toMatchObject({ code: 'algorithm_mismatch', message: expect.stringContaining('hmac-sha256') });
    // and an RSA key without a declared algorithm is not guessed either
    const undeclared = importPem(pem);
    await expect(verify(forged, { key: undeclared })).rejects.toMatchObject({ code: 'algorithm_mismatch' });
    // defence in depth: the backend never runs HMAC with a key that is not a shared secret
    expect(nodeCryptoBackend.verify('hmac-sha256', verifierKey, new TextEncoder().encode(lines), Buffer.from(mac, 'base64'))).toBe(false);
  });

  it('without an alg parameter, an RSA key that declares no algorithm is not guessed (unsupported_algorithm)', async () => {
    const pss = generateKey('rsa-pss-sha512');
    const message = await signed(pss, {});
    const pem = publicPem(pss);
    await expect(verify(message, { key: importPem(pem) })).rejects.toMatchObject({ code: 'unsupported_algorithm', message: expect.stringContaining('rsa-pss-sha512 or rsa-v1_5-sha256') });
    await expect(verify(message, { key: importPem(pem, { alg: 'rsa-v1_5-sha256' }) })).rejects.toMatchObject({ code: 'signature_invalid' });
    await expect(verify(message, { key: importPem(pem, { alg: 'rsa-pss-sha512' }) })).resolves.toMatchObject({ alg: 'rsa-pss-sha512' });
  });

  it('a key restricted to one RSA algorithm refuses the other one named in alg', async () => {
    const key = generateKey('rsa-pss-sha512');
    const message = await signed(key, {});
    const forged = { ...message, headers: { ...message.headers, 'signature-input': message.headers['signature-input']!.replace(';created', ';alg="rsa-v1_5-sha256";created') } };
    await expect(verify(forged, { key: key.toPublic() })).rejects.toMatchObject({ code: 'algorithm_mismatch', message: expect.stringContaining('rsa-pss-sha512') });
  });

  it('the algorithms allow-list refuses an algorithm that the key would support', async () => {
    const key = generateKey('ed25519');
    await expect(verify(await signed(key, { alg: 'ed25519' }), { key: key.toPublic(), algorithms: ['ecdsa-p256-sha256'] })).rejects.toMatchObject({ code: 'unsupported_algorithm', message: expect.stringContaining('ed25519') });
  });

  it('an unknown alg is unsupported_algorithm, naming it', async () => {
    const key = generateKey('ed25519');
    const message = await signed(key, {});
    const forged = { ...message, headers: { ...message.headers, 'signature-input': message.headers['signature-input']!.replace(';created', ';alg="none";created') } };
    await expect(verify(forged, { key: key.toPublic() })).rejects.toMatchObject({ code: 'unsupported_algorithm', message: expect.stringContaining('"none"') });
  });
});

describe('key confusion: keyid names one key while another verifies', () => {
  const a = generateKey('ed25519');
  const b = generateKey('ed25519');

  it('keyidIsThumbprint refuses a keyid that is another key\'s thumbprint, though the signature is valid', async () => {
    const message = await signed(a, { keyid: b.thumbprint });
    await expect(verify(message, { key: a.toPublic() })).resolves.toBeTruthy();
    await expect(verify(message, { key: a.toPublic(), keyidIsThumbprint: true })).rejects.toMatchObject({ code: 'invalid_parameter', message: expect.stringContaining(b.thumbprint) });
    await expect(verify(await signed(a, { keyid: a.thumbprint }), { key: a.toPublic(), keyidIsThumbprint: true })).resolves.toMatchObject({ params: { keyid: a.thumbprint } });
  });

  it('keyidIsThumbprint refuses a signature without keyid', async () => {
    await expect(verify(await signed(a, {}), { key: a.toPublic(), keyidIsThumbprint: true })).rejects.toMatchObject({ code: 'invalid_parameter' });
  });

  it('a resolver that looks the keyid up uses the named key, so the other key\'s signature fails', async () => {
    const directory = new Map([
      ['key-a', a.toPublic()],
      ['key-b', b.toPublic()],
    ]);
    const resolver: VerifyOptions['key'] = (input) => {
      const key = directory.get(input.params.keyid ?? '');
      if (key === undefined) throw new Error('unknown key');
      return key;
    };
    await expect(verify(await signed(a, { keyid: 'key-b' }), { key: resolver })).rejects.toMatchObject({ code: 'signature_invalid' });
    await expect(verify(await signed(a, { keyid: 'key-a' }), { key: resolver })).resolves.toMatchObject({ params: { keyid: 'key-a' } });
  });
});

describe('duplicated labels', () => {
  const key = generateKey('ed25519');

  it('the same label twice in one Signature-Input field is duplicate_label, naming the label', async () => {
    const message = await signed(key, {});
    const input = message.headers['signature-input']!;
    const twice = { ...message, headers: { ...message.headers, 'signature-input': `${input}, ${input.replace('created', 'expires=1;created')}` } };
    await expect(verify(twice, { key: key.toPublic() })).rejects.toMatchObject({ code: 'duplicate_label', message: expect.stringMatching(/Signature-Input.*"sig1"/) });
  });

  it('the same label in two Signature-Input field lines is duplicate_label (records, raw text and web Headers)', async () => {
    const message = await signed(key, {});
    const input = message.headers['signature-input']!;
    const asArray = { ...message, headers: { ...message.headers, 'signature-input': [input, input] } };
    await expect(verify(asArray, { key: key.toPublic() })).rejects.toMatchObject({ code: 'duplicate_label' });
    const raw = <PlainRequest>parseHttpMessage(`GET /items?id=7 HTTP/1.1\r\nHost: shop.example\r\nSignature-Input: ${input}\r\nSignature: ${message.headers.signature}\r\nSignature-Input: ${input}\r\n\r\n`);
    await expect(verify(raw, { key: key.toPublic() })).rejects.toMatchObject({ code: 'duplicate_label' });
    const headers = new Headers();
    headers.append('Signature-Input', input);
    headers.append('Signature-Input', input);
    headers.append('Signature', message.headers.signature!);
    await expect(verifyMessage(new Request(URL_, { headers }), { key: key.toPublic(), now: NOW })).rejects.toMatchObject({ code: 'duplicate_label' });
  });

  it('the same label twice in Signature (one field or two lines) is duplicate_label', async () => {
    const message = await signed(key, {});
    const signature = message.headers.signature!;
    await expect(verify({ ...message, headers: { ...message.headers, signature: `${signature}, ${signature}` } }, { key: key.toPublic() })).rejects.toMatchObject({
      code: 'duplicate_label',
      message: expect.stringMatching(/^Signature has.*"sig1"/),
    });
    await expect(verify({ ...message, headers: { ...message.headers, signature: [signature, 'sig1=:AAAA:'] } }, { key: key.toPublic() })).rejects.toMatchObject({ code: 'duplicate_label' });
  });

  it('a duplicate is found even behind a token with ":" or "/", a display string, a decimal, a byte sequence', () => {
    // structured-headers keeps only the last member of a repeated key: the duplicate must be seen in the text.
    const tails = [';foo=a:b', ';foo=*x/y:z', ';foo=%"a\\"', ';foo=1.5;bar=a:b', ';b=:AAAA:;t=x:y', ';s="a\\", sig1=()"'];
    for (const tail of tails) {
      const value = `sig1=("@authority");created=1${tail}, sig1=("@method");created=2`;
      expect(() => parseSignatureInput(value), value).toThrow(expect.objectContaining({ code: 'duplicate_label', message: expect.stringContaining('"sig1"') }));
      expect(() => parseSignatureField(`sig1=:AAAA:${tail}, sig1=:AAAA:`), value).toThrow(expect.objectContaining({ code: 'duplicate_label' }));
      expect(() => parseSignatureKey(`sig1=hwk${tail}, sig1=jwt;jwt="x"`), value).toThrow(expect.objectContaining({ code: 'invalid_signature_key' }));
    }
    // and distinct labels behind the same constructs are fine
    expect(parseSignatureInput('a=();foo=a:b, b=();foo=%"x\\", c=("x" "y");s=":not:bytes"').map((i) => i.label)).toEqual(['a', 'b', 'c']);
  });
});

describe('oversized input: no crash, linear time (no limit in core; HTTP servers bound header size)', () => {
  const key = generateKey('ed25519');
  const request = (headers: Record<string, string | string[]>, url = URL_): PlainRequest => ({ method: 'GET', url, headers });
  const elapsed = async (run: () => Promise<unknown>) => {
    const start = performance.now();
    let error: unknown;
    try {
      await run();
    } catch (e) {
      error = e;
    }
    return { ms: performance.now() - start, error };
  };

  it('20,000 covered @query-param components over 20,000 parameters finish in linear time', async () => {
    // parsed once per message: a quadratic implementation takes minutes here
    const n = 20_000;
    const components = Array.from({ length: n }, (_, i) => `"@query-param";name="p${i}"`).join(' ');
    const query = Array.from({ length: n }, (_, i) => `p${i}=${i}`).join('&');
    const { ms, error } = await elapsed(() => verify(request({ 'signature-input': `s=(${components});created=${NOW}`, signature: 's=:AAAA:' }, `https://a.example/?${query}`), { key }));
    expect(error).toMatchObject({ code: 'signature_invalid' });
    expect(ms).toBeLessThan(5_000);
  });

  it('30,000 labels, components, field lines or parameters, a 2 MB field: each a SignetError in bounded time', async () => {
    const n = 30_000;
    const cases: Array<[string, PlainRequest, string]> = [
      ['labels', request({ 'signature-input': Array.from({ length: n }, (_, i) => `s${i}=("@method");created=1`).join(', '), signature: 's0=:AAAA:' }), 'signature_invalid'],
      ['components', request({ 'signature-input': `s=(${Array.from({ length: n }, (_, i) => `"x-h${i}"`).join(' ')});created=1`, signature: 's=:AAAA:' }), 'missing_component'],
      ['big field', request({ 'x-big': 'a'.repeat(2_000_000), 'signature-input': 's=("x-big" "x-big";bs);created=1', signature: 's=:AAAA:' }), 'signature_invalid'],
      ['field lines', request({ 'x-m': Array.from({ length: n }, () => 'v'), 'signature-input': 's=("x-m" "x-m";bs);created=1', signature: 's=:AAAA:' }), 'signature_invalid'],
      ['signature bytes', request({ 'signature-input': 's=();created=1', signature: `s=:${'A'.repeat(2_000_000)}:` }), 'signature_invalid'],
      ['parameters', request({ 'signature-input': `s=()${Array.from({ length: n }, (_, i) => `;p${i}=${i}`).join('')}`, signature: 's=:AAAA:' }), 'signature_invalid'],
      ['nested-looking junk', request({ 'signature-input': 's=' + '('.repeat(100_000), signature: 's=:AAAA:' }), 'invalid_signature_input'],
    ];
    for (const [name, message, code] of cases) {
      const { ms, error } = await elapsed(() => verify(message, { key }));
      expect(error, name).toMatchObject({ code });
      expect(ms, name).toBeLessThan(3_000);
    }
  });
});
