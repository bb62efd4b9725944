/**
 * For generated requests and generated covered component sets: changing any covered component makes
 * verification fail, and changing anything uncovered does not (issue 7 §1). Each mutation knows
 * which component identifiers it changes; the verifier must agree exactly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateKey, signMessage, verifyMessage, type PlainRequest, type SignetError } from '@signet/core';

const key = generateKey('ed25519');
const publicKey = key.toPublic();
const NOW = 1_700_000_000;
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];

interface Field {
  name: string;
  kind: 'plain' | 'dict';
  /** dict: member → integer value; plain: the value. */
  members: Array<[string, number]>;
  value: string;
  padding: string;
}

interface Model {
  method: string;
  scheme: 'https' | 'http';
  host: string;
  port: string;
  path: string[];
  query: Array<[string, string]>;
  fields: Field[];
}

const segment = fc.stringMatching(/^[a-z0-9]{1,6}$/);
const queryValue = fc.stringMatching(/^[A-Za-z0-9._~+-]{0,6}$/);
const field: fc.Arbitrary<Field> = fc.record({
  name: fc.stringMatching(/^x-[a-z]{1,6}$/),
  kind: fc.constantFrom<'plain' | 'dict'>('plain', 'dict'),
  members: fc.uniqueArray(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 0, max: 99 })), { selector: ([m]) => m, minLength: 1, maxLength: 4 }),
  value: fc.stringMatching(/^[!-~]([ -~]{0,10}[!-~])?$/),
  padding: fc.constantFrom('', ' ', '\t', '  '),
});
const model: fc.Arbitrary<Model> = fc.record({
  method: fc.constantFrom(...METHODS),
  scheme: fc.constantFrom<'https' | 'http'>('https', 'http'),
  host: fc.constantFrom('api.example', 'shop.example.com', 'a.b.example'),
  port: fc.constantFrom('', '8443', '8080'),
  path: fc.array(segment, { maxLength: 3 }),
  query: fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z]{1,5}$/), queryValue), { selector: ([n]) => n, maxLength: 4 }),
  fields: fc.uniqueArray(field, { selector: (f) => f.name, maxLength: 4 }),
});

const dictText = (members: Array<[string, number]>, separator = ', ') => members.map(([m, v]) => `${m}=${v}`).join(separator);

function toRequest(m: Model, extraLines: Record<string, string> = {}, upper = new Set<string>()): PlainRequest {
  const query = m.query.length === 0 ? '' : '?' + m.query.map(([n, v]) => `${n}=${v}`).join('&');
  const headers: Record<string, string | string[]> = {};
  for (const f of m.fields) {
    const value = f.padding + (f.kind === 'dict' ? dictText(f.members) : f.value) + f.padding;
    const name = upper.has(f.name) ? f.name.toUpperCase() : f.name;
    headers[name] = extraLines[f.name] === undefined ? value : [value, extraLines[f.name]!];
  }
  return { method: m.method, url: `${m.scheme}://${m.host}${m.port === '' ? '' : ':' + m.port}/${m.path.join('/')}${query}`, headers };
}

/** Every component identifier this message can be signed over. */
function candidates(m: Model): string[] {
  const ids = ['"@method"', '"@authority"', '"@scheme"', '"@target-uri"', '"@request-target"', '"@path"', '"@query"'];
  for (const [n] of m.query) ids.push(`"@query-param";name="${n}"`);
  for (const f of m.fields) {
    ids.push(`"${f.name}"`, `"${f.name}";bs`);
    if (f.kind === 'dict') ids.push(`"${f.name}";sf`, ...f.members.map(([member]) => `"${f.name}";key="${member}"`));
  }
  return ids;
}

interface Mutation {
  what: string;
  /** The request after the change. */
  request: PlainRequest;
  /** The component identifiers whose values the change alters (or that it removes). */
  affects: string[];
  /** A change to the signature parameters themselves. */
  params?: boolean;
}

const fieldIds = (f: Field) => [`"${f.name}"`, `"${f.name}";bs`, `"${f.name}";sf`, ...f.members.map(([member]) => `"${f.name}";key="${member}"`)];
const URL_IDS = ['"@target-uri"', '"@request-target"'];

/** The changes that apply to `m`, chosen by `pick`. */
function mutations(m: Model): Array<() => Mutation> {
  const list: Array<() => Mutation> = [
    () => ({ what: 'method', request: toRequest({ ...m, method: METHODS[(METHODS.indexOf(m.method) + 1) % METHODS.length]! }), affects: ['"@method"'] }),
    () => ({ what: 'host', request: toRequest({ ...m, host: 'evil.example' }), affects: ['"@authority"', '"@target-uri"'] }),
    () => ({ what: 'scheme', request: toRequest({ ...m, scheme: m.scheme === 'https' ? 'http' : 'https', port: m.port === '' ? '' : m.port }), affects: ['"@scheme"', '"@target-uri"'] }),
    () => ({ what: 'path', request: toRequest({ ...m, path: [...m.path, 'admin'] }), affects: ['"@path"', ...URL_IDS] }),
    () => ({ what: 'new query parameter', request: toRequest({ ...m, query: [...m.query, ['zzz', '1']] }), affects: ['"@query"', ...URL_IDS] }),
    () => ({ what: 'new header', request: { ...toRequest(m), headers: { ...(toRequest(m).headers as Record<string, string>), 'x-new-header': 'v' } }, affects: [] }),
    () => ({ what: 'signature parameter', request: toRequest(m), affects: [], params: true }),
  ];
  for (const [index, [name, value]] of m.query.entries()) {
    list.push(() => {
      const query = m.query.map((q, i): [string, string] => (i === index ? [name, value + 'X'] : q));
      return { what: `query ${name}`, request: toRequest({ ...m, query }), affects: ['"@query"', ...URL_IDS, `"@query-param";name="${name}"`] };
    });
  }
  for (const [index, f] of m.fields.entries()) {
    const withField = (changed: Field) => toRequest({ ...m, fields: m.fields.map((g, i) => (i === index ? changed : g)) });
    list.push(() => ({ what: `padding of ${f.name}`, request: withField({ ...f, padding: f.padding === '' ? ' \t ' : '' }), affects: [] }));
    list.push(() => ({ what: `case of ${f.name}`, request: toRequest(m, {}, new Set([f.name])), affects: [] }));
    list.push(() => ({ what: `another line of ${f.name}`, request: toRequest(m, { [f.name]: f.kind === 'dict' ? 'zz=1' : 'more' }), affects: [`"${f.name}"`, `"${f.name}";bs`, `"${f.name}";sf`] }));
    list.push(() => {
      const { [f.name]: _removed, ...headers } = toRequest(m).headers as Record<string, string>;
      return { what: `removal of ${f.name}`, request: { ...toRequest(m), headers }, affects: fieldIds(f) };
    });
    if (f.kind === 'plain') {
      list.push(() => ({ what: `value of ${f.name}`, request: withField({ ...f, value: f.value + 'X' }), affects: fieldIds(f) }));
    } else {
      for (const [mi, [member, v]] of f.members.entries()) {
        list.push(() => ({
          what: `member ${member} of ${f.name}`,
          request: withField({ ...f, members: f.members.map((x, i): [string, number] => (i === mi ? [member, v + 1] : x)) }),
          affects: [`"${f.name}"`, `"${f.name}";bs`, `"${f.name}";sf`, `"${f.name}";key="${member}"`],
        }));
      }
      list.push(() => {
        // spacing inside a dictionary changes the raw value, not its strict serialization or its members
        const request = toRequest(m);
        const spaced = { ...request, headers: { ...(request.headers as Record<string, string>), [f.name]: f.padding + dictText(f.members, ',   ') + f.padding } };
        return { what: `inner spacing of ${f.name}`, request: spaced, affects: f.members.length > 1 ? [`"${f.name}"`, `"${f.name}";bs`] : [] };
      });
    }
  }
  return list;
}

const scenario = model.chain((m) =>
  fc.record({
    m: fc.constant(m),
    covered: fc.shuffledSubarray(candidates(m), { minLength: 0 }),
    mutation: fc.nat().map((n) => mutations(m)[n % mutations(m).length]!),
  }),
);

describe('coverage: covered changes fail, uncovered changes verify', () => {
  it('holds for generated requests, covered sets and changes', async () => {
    let failures = 0;
    let passes = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async ({ m, covered, mutation: make }) => {
        const original = toRequest(m);
        const signed = await signMessage(original, { key, components: covered, params: { created: NOW, nonce: 'n1', keyid: 'k' } });
        const mutation = make();
        let input = signed.signatureInput.slice('sig1='.length);
        if (mutation.params === true) input = input.replace('nonce="n1"', 'nonce="n2"');
        const headers = { ...(mutation.request.headers as Record<string, string>), 'signature-input': `sig1=${input}`, signature: signed.signatureHeader };
        const shouldFail = mutation.params === true || mutation.affects.some((id) => covered.includes(id));
        let error: SignetError | undefined;
        try {
          await verifyMessage({ ...mutation.request, headers }, { key: publicKey, now: NOW });
        } catch (e) {
          error = e as SignetError;
        }
        if (shouldFail) {
          failures++;
          expect(error?.code, `${mutation.what} changed a covered component of ${JSON.stringify(covered)}`).toMatch(/^(signature_invalid|missing_component)$/);
        } else {
          passes++;
          expect(error, `${mutation.what} changed nothing covered in ${JSON.stringify(covered)}`).toBeUndefined();
        }
      }),
      { numRuns: 1500 },
    );
    // both halves of the property were exercised
    expect(failures).toBeGreaterThan(200);
    expect(passes).toBeGreaterThan(200);
  });
});
