/**
 * signatureBase keeps the component lines of the last request built over a shared (frozen) component list and
 * reuses them for an equal request: it must give exactly the base (or the error) of a fresh computation, whatever
 * changes between two requests.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SignetError, component, createSignatureInput, signatureBase, type SignatureInput } from '../src/index.js';

const LIST = ['@method', '@authority', '@path', '@query', '"signature-agent";key="a"', 'x-one', '"x-sf";sf', '"@query-param";name="q"'].map((c) => component(c));
const shared = (input: SignatureInput): SignatureInput => ({ ...input, components: Object.freeze([...input.components]) });
const fresh = (input: SignatureInput): SignatureInput => ({ ...input, components: [...input.components] });

const request = fc.record({
  method: fc.constantFrom('GET', 'POST'),
  url: fc.constantFrom('https://a.example/p?q=1', 'https://a.example/p?q=2', 'https://b.example:8443/p?q=1', 'https://a.example/other?q=1'),
  agent: fc.option(fc.constantFrom('a="https://x.example"', 'a="https://y.example"', 'a="https://x.example", b="https://z.example"', 'b="https://x.example"'), { nil: undefined }),
  one: fc.option(fc.array(fc.constantFrom('1', '2', ' 1 '), { minLength: 1, maxLength: 2 }), { nil: undefined }),
  sf: fc.constantFrom('a=1', 'a=2,  b=3', '(1 2)'),
  created: fc.integer({ min: 1, max: 2_000_000_000 }),
});

function outcome(build: () => string): string {
  try {
    return build();
  } catch (error) {
    if (error instanceof SignetError) return `error ${error.code}: ${error.message}`;
    throw error;
  }
}

describe('signatureBase over a shared component list', () => {
  it('equals a fresh computation over any sequence of requests', () => {
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 8 }), fc.subarray(LIST.map((_, i) => i), { minLength: 1 }), (requests, picked) => {
        const input = createSignatureInput('s', picked.map((i) => LIST[i]!), [['created', 1]]);
        const list = shared(input);
        for (const r of requests) {
          const message = { method: r.method, url: r.url, headers: { ...(r.agent === undefined ? {} : { 'signature-agent': r.agent }), ...(r.one === undefined ? {} : { 'x-one': r.one }), 'x-sf': r.sf } };
          const params = { ...list, value: list.value.replace(';created=1', `;created=${r.created}`) };
          expect(outcome(() => signatureBase(message, params))).toBe(outcome(() => signatureBase(message, fresh(params))));
        }
      }),
      { numRuns: 400 },
    );
  });

  it('sees a changed field line on a web Headers view of the same URL', () => {
    const input = shared(createSignatureInput('s', [component('@authority'), component('"signature-agent";key="a"')], [['created', 1]]));
    const first = signatureBase(new Request('https://a.example/', { headers: { 'signature-agent': 'a="https://x.example"' } }), input);
    const second = signatureBase(new Request('https://a.example/', { headers: { 'signature-agent': 'a="https://y.example"' } }), input);
    expect(first).toContain('"https://x.example"');
    expect(second).toContain('"https://y.example"');
  });
});
