/**
 * Every program in examples/ runs as a user would run it (`node examples/<file>`), on loopback, and must exit 0
 * with the line that shows it did its job. demo.mjs has its own test (demo.test.ts).
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const EXAMPLES = new URL('../../examples/', import.meta.url);

/** A signed request accepted (200), then an unsigned one refused with the JSON error and Accept-Signature. */
const PROTECTED_API = [
  /^signed {3}POST \/v1\/orders -> 200 \{"agent":"https:\/\/agent\.example","order":\{"item":"book","quantity":1\}\}$/m,
  /^unsigned POST \/v1\/orders -> 401 \{"error":"missing_signature","message":"[^"]+"\}$/m,
  /^ {2}Accept-Signature: sig1=\("@authority" "signature-agent";key="sig1"\);created;expires;keyid;nonce;tag="web-bot-auth"$/m,
];

/** What each example must print. Add an entry with every new example: the test fails for one without. */
const EXPECTED: Record<string, RegExp[]> = {
  'agent-signed-fetch.mjs': [
    /^GET http:\/\/127\.0\.0\.1:\d+\/v1\/whoami -> 200$/m,
    /^verified agent: http:\/\/127\.0\.0\.1:\d+$/m,
    /^ {2}profile: web-bot-auth, keyid: [\w-]{43}, pseudonymous: false$/m,
  ],
  'undici-interceptor.mjs': [
    /^POST \/v1\/orders -> 201, verified agent: https:\/\/agent\.example$/m,
    /^ {2}Content-Digest: sha-256=:[A-Za-z0-9+/]{43}=:$/m,
    /^ {2}order received: \{"item":"book","quantity":1\}$/m,
    /^GET \/v1\/orders\?status=open \(Pool\) -> 200, verified agent: https:\/\/agent\.example$/m,
  ],
  'server-node-http.mjs': PROTECTED_API,
  'server-express.mjs': PROTECTED_API,
  'server-fastify.mjs': PROTECTED_API,
  'server-hono.mjs': PROTECTED_API,
  'publish-directory.mjs': [
    /^Signature Agent Card: Example Agent \(https:\/\/agent\.example\/bot\), keys at https:\/\/agent\.example\/\.well-known\/http-message-signatures-directory$/m,
    /^GET \/\.well-known\/http-message-signatures-directory -> 200 application\/http-message-signatures-directory\+json$/m,
    /^Cache-Control: max-age=\d+$/m,
    /^verified binding0: key [\w-]{43} signed \("@authority";req "content-digest"\)/m,
    /^verified binding1: key [\w-]{43} signed \("@authority";req "content-digest"\)/m,
    /^copied to another host: refused \(\w+\)$/m,
  ],
  'aauth-hwk.mjs': [
    /^ {2}Signature-Key: sig1=hwk;kty="OKP";crv="Ed25519";x="[\w-]{43}";alg="Ed25519"$/m,
    /^verified agent: urn:jkt:sha-256:[\w-]{43}$/m,
    /^ {2}profile: aauth, scheme: hwk, pseudonymous: true$/m,
    /^second request: same agent: true$/m,
  ],
};

const found = readdirSync(EXAMPLES)
  .filter((name) => name.endsWith('.mjs') && name !== 'demo.mjs')
  .sort();

describe('examples/', () => {
  it('has an expectation for every example, and an example for every expectation', () => {
    expect(found).toEqual(Object.keys(EXPECTED).sort());
  });

  // Run concurrently: each example is a separate process on its own loopback ports.
  it.concurrent.each(found)('node examples/%s exits 0 and prints what it shows', async (name) => {
    const { stdout, stderr } = await run(process.execPath, [new URL(name, EXAMPLES).pathname], { timeout: 15_000 }).catch((error: { code?: number; stdout?: string; stderr?: string }) => {
      throw new Error(`node examples/${name} failed (exit ${String(error.code)}):\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    });
    expect(stderr).toBe('');
    for (const line of EXPECTED[name] ?? [/an expectation in EXPECTED/]) expect(stdout).toMatch(line);
  });
});
