import { describe, expect, it } from 'vitest';
import { MessageView, SignetError, signatureBase, createSignatureInput, component } from '../src/index.js';

describe('MessageView.fromRawHeaders', () => {
  const raw = ['Host', 'a.example', 'X-Dup', 'one', 'content-type', 'text/plain', 'x-dup', 'two', ':path', '/p', 'SIGNATURE-AGENT', 'a="https://x.example"'];
  const view = MessageView.fromRawHeaders('GET', 'https://a.example/p?q=1', raw);

  it('finds every line of a field, in order, whatever the case of its name', () => {
    expect(view.fieldLines('x-dup')).toEqual(['one', 'two']);
    expect(view.fieldLines('signature-agent')).toEqual(['a="https://x.example"']);
    expect(view.fieldLines('absent')).toBeUndefined();
  });

  it('never returns HTTP/2 pseudo-headers', () => {
    expect(view.fieldLines(':path')).toBeUndefined();
  });

  it('builds the same signature base as the record form of the same headers', () => {
    const input = createSignatureInput('s', ['@method', '@authority', '@query', 'x-dup', '"signature-agent";key="a"'].map((c) => component(c)), [['created', 1]]);
    const record = { method: 'GET', url: 'https://a.example/p?q=1', headers: { host: 'a.example', 'x-dup': ['one', 'two'], 'content-type': 'text/plain', 'signature-agent': 'a="https://x.example"' } };
    expect(signatureBase(view, input)).toBe(signatureBase(record, input));
  });

  it('refuses lines that are not name, value pairs of strings', () => {
    expect(() => MessageView.fromRawHeaders('GET', 'https://a.example/', ['odd'])).toThrow(SignetError);
    expect(() => MessageView.fromRawHeaders('GET', 'https://a.example/', ['x', 1 as unknown as string])).toThrow(/Raw header value #0 is not a string/);
    expect(() => MessageView.fromRawHeaders('', 'https://a.example/', [])).toThrow(/non-empty string `method`/);
  });
});
