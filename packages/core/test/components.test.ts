/**
 * Every component of RFC 9421 §2, checked against the RFC's own examples (the message, the covered
 * identifier and the resulting signature base line are the RFC's).
 */
import { describe, expect, it } from 'vitest';
import {
  MessageView,
  component,
  componentValues,
  createSignatureInput,
  parseHttpMessage,
  serializeComponent,
  signatureBase,
  type MessageLike,
  type MessagePair,
  type PlainRequest,
  type PlainResponse,
} from '../src/index.js';

/** The signature base lines of `ids` over `message`, without the `@signature-params` line. */
function baseLines(message: MessageLike | MessagePair, ids: string[]): string[] {
  const input = createSignatureInput('sig', ids.map(component), []);
  const lines = signatureBase(message, input).split('\n');
  expect(lines.pop()).toMatch(/^"@signature-params": \(/);
  return lines;
}

function raw(text: string, scheme: 'https' | 'http' = 'https') {
  return parseHttpMessage(text.replaceAll('\n', '\r\n'), { scheme });
}

// RFC 9421 §2.1: the example request's header section (field lines kept exactly as the RFC shows them).
const SECTION_2_1_HEADERS: Array<[string, string]> = [
  ['Host', 'www.example.com'],
  ['Date', 'Tue, 20 Apr 2021 02:07:56 GMT'],
  ['X-OWS-Header', '   Leading and trailing whitespace.   '],
  ['X-Obs-Fold-Header', 'Obsolete\r\n    line folding.'],
  ['Cache-Control', 'max-age=60'],
  ['Cache-Control', '   must-revalidate'],
  ['Example-Dict', ' a=1,    b=2;x=1;y=2,   c=(a   b   c)'],
  ['X-Empty-Header', ''],
];

describe('§2.1 HTTP fields', () => {
  const request = { method: 'GET', url: 'https://www.example.com/', headers: SECTION_2_1_HEADERS };

  it('produces the RFC base lines: trimmed, obs-fold replaced, lines combined with ", ", empty value kept', () => {
    expect(baseLines(request, ['host', 'date', 'x-ows-header', 'x-obs-fold-header', 'cache-control', 'example-dict', 'x-empty-header'])).toEqual([
      '"host": www.example.com',
      '"date": Tue, 20 Apr 2021 02:07:56 GMT',
      '"x-ows-header": Leading and trailing whitespace.',
      '"x-obs-fold-header": Obsolete line folding.',
      '"cache-control": max-age=60, must-revalidate',
      '"example-dict": a=1,    b=2;x=1;y=2,   c=(a   b   c)',
      '"x-empty-header": ',
    ]);
  });

  it('gives the same lines for the raw HTTP/1.1 text of the same message (obs-fold unfolded by the parser)', () => {
    const message = raw(
      'GET / HTTP/1.1\nHost: www.example.com\nDate: Tue, 20 Apr 2021 02:07:56 GMT\nX-OWS-Header:   Leading and trailing whitespace.   \n' +
        'X-Obs-Fold-Header: Obsolete\n    line folding.\nCache-Control: max-age=60\nCache-Control:    must-revalidate\n' +
        'Example-Dict:  a=1,    b=2;x=1;y=2,   c=(a   b   c)\nX-Empty-Header:\n\n',
    );
    expect(baseLines(message, ['x-ows-header', 'x-obs-fold-header', 'cache-control', 'x-empty-header'])).toEqual([
      '"x-ows-header": Leading and trailing whitespace.',
      '"x-obs-fold-header": Obsolete line folding.',
      '"cache-control": max-age=60, must-revalidate',
      '"x-empty-header": ',
    ]);
  });

  it('accepts field names in any case and serializes them lower-case', () => {
    expect(baseLines(request, ['Cache-Control', 'HOST'])).toEqual(['"cache-control": max-age=60, must-revalidate', '"host": www.example.com']);
  });

  it('reads a web Headers object (which already combines repeated lines with ", ")', () => {
    const headers = new Headers();
    headers.append('Cache-Control', 'max-age=60');
    headers.append('Cache-Control', 'must-revalidate');
    expect(baseLines(new Request('https://www.example.com/', { headers }), ['cache-control'])).toEqual(['"cache-control": max-age=60, must-revalidate']);
  });

  it('reads header records whose arrays are separate field lines', () => {
    const message = { method: 'GET', url: 'https://www.example.com/', headers: { 'cache-control': ['max-age=60', '  must-revalidate'] } };
    expect(baseLines(message, ['cache-control'])).toEqual(['"cache-control": max-age=60, must-revalidate']);
  });

  it('keeps Unicode spaces inside and at the ends of a value (only SP and HTAB are trimmed)', () => {
    const message = { method: 'GET', url: 'https://a.example/', headers: { 'x-nbsp': '\t\u00a0value\u00a0 ' } };
    expect(baseLines(message, ['x-nbsp'])).toEqual(['"x-nbsp": \u00a0value\u00a0']);
  });

  it('refuses a bare line break in a value: it would forge a base line', () => {
    const message = { method: 'GET', url: 'https://a.example/', headers: { 'x-evil': 'a\n"@method": POST' } };
    expect(() => baseLines(message, ['x-evil'])).toThrow(expect.objectContaining({ code: 'invalid_message' }));
  });
});

describe('§2.1.1 strict serialization of structured fields (;sf)', () => {
  it('re-serializes the RFC example-dict', () => {
    const request = { method: 'GET', url: 'https://www.example.com/', headers: SECTION_2_1_HEADERS };
    expect(baseLines(request, ['"example-dict";sf'])).toEqual(['"example-dict";sf: a=1, b=2;x=1;y=2, c=(a b c)']);
  });

  it('re-serializes a known List field and a known Item field by their types', () => {
    const request = { method: 'GET', url: 'https://a.example/', headers: { 'cache-status': 'ExampleCache;  hit,   OtherCache; fwd=uri-miss', 'client-cert': ' :AAE=: ' } };
    expect(baseLines(request, ['"cache-status";sf', '"client-cert";sf'])).toEqual(['"cache-status";sf: ExampleCache;hit, OtherCache;fwd=uri-miss', '"client-cert";sf: :AAE=:']);
  });

  it('combines field lines before parsing, as §2.1.1 requires', () => {
    const request = { method: 'GET', url: 'https://a.example/', headers: { 'example-dict': ['a=1', ' b=2  '] } };
    expect(baseLines(request, ['"example-dict";sf'])).toEqual(['"example-dict";sf: a=1, b=2']);
  });

  it('fails with invalid_component when the value is not a structured field', () => {
    const request = { method: 'GET', url: 'https://a.example/', headers: { 'x-plain': 'not {structured}' } };
    expect(() => baseLines(request, ['"x-plain";sf'])).toThrow(expect.objectContaining({ code: 'invalid_component', message: expect.stringContaining('x-plain') }));
  });
});

describe('§2.1.2 dictionary members (;key)', () => {
  const request = { method: 'GET', url: 'https://www.example.com/', headers: { 'Example-Dict': ' a=1, b=2;x=1;y=2, c=(a   b    c), d' } };

  it('produces the RFC base lines for a, d, b and c', () => {
    expect(baseLines(request, ['"example-dict";key="a"', '"example-dict";key="d"', '"example-dict";key="b"', '"example-dict";key="c"'])).toEqual([
      '"example-dict";key="a": 1',
      '"example-dict";key="d": ?1',
      '"example-dict";key="b": 2;x=1;y=2',
      '"example-dict";key="c": (a b c)',
    ]);
  });

  it('takes the member from the combined field lines', () => {
    const split = { method: 'GET', url: 'https://a.example/', headers: { 'example-dict': ['a=1', 'b=2;x=1'] } };
    expect(baseLines(split, ['"example-dict";key="b"'])).toEqual(['"example-dict";key="b": 2;x=1']);
  });

  it('fails with missing_component for an absent member, invalid_component for a non-dictionary', () => {
    expect(() => baseLines(request, ['"example-dict";key="zz"'])).toThrow(expect.objectContaining({ code: 'missing_component', message: expect.stringContaining('"zz"') }));
    const list = { method: 'GET', url: 'https://a.example/', headers: { 'example-dict': '(a b' } };
    expect(() => baseLines(list, ['"example-dict";key="a"'])).toThrow(expect.objectContaining({ code: 'invalid_component' }));
  });
});

describe('§2.1.3 binary-wrapped fields (;bs)', () => {
  it('wraps each field line separately (the RFC Example-Header)', () => {
    const request = { method: 'GET', url: 'https://a.example/', headers: [['Example-Header', 'value, with, lots'], ['Example-Header', 'of, commas']] as Array<[string, string]> };
    expect(baseLines(request, ['example-header', '"example-header";bs'])).toEqual([
      '"example-header": value, with, lots, of, commas',
      '"example-header";bs: :dmFsdWUsIHdpdGgsIGxvdHM=:, :b2YsIGNvbW1hcw==:',
    ]);
  });

  it('wraps a single line as one byte sequence (the RFC counter-example)', () => {
    const request = { method: 'GET', url: 'https://a.example/', headers: { 'Example-Header': 'value, with, lots, of, commas' } };
    expect(baseLines(request, ['"example-header";bs'])).toEqual(['"example-header";bs: :dmFsdWUsIHdpdGgsIGxvdHMsIG9mLCBjb21tYXM=:']);
  });

  it('trims each line before wrapping it', () => {
    const request = { method: 'GET', url: 'https://a.example/', headers: { 'x-h': ['  a  ', '\tb'] } };
    expect(baseLines(request, ['"x-h";bs'])).toEqual([`"x-h";bs: :${Buffer.from('a').toString('base64')}:, :${Buffer.from('b').toString('base64')}:`]);
  });
});

describe('§2.2 derived components (the RFC request POST /path?param=value)', () => {
  const request = raw('POST /path?param=value HTTP/1.1\nHost: www.example.com\n\n');

  it('§2.2.1 @method', () => expect(baseLines(request, ['@method'])).toEqual(['"@method": POST']));
  it('§2.2.1 @method keeps the case of the method (it is case-sensitive)', () => {
    expect(baseLines({ method: 'patch', url: 'https://a.example/', headers: {} }, ['@method'])).toEqual(['"@method": patch']);
  });
  it('§2.2.2 @target-uri', () => expect(baseLines(request, ['@target-uri'])).toEqual(['"@target-uri": https://www.example.com/path?param=value']));
  it('§2.2.3 @authority', () => expect(baseLines(request, ['@authority'])).toEqual(['"@authority": www.example.com']));
  it('§2.2.3 @authority is lower-cased and drops the default port, keeps another', () => {
    expect(baseLines({ method: 'GET', url: 'https://WWW.Example.COM:443/', headers: {} }, ['@authority'])).toEqual(['"@authority": www.example.com']);
    expect(baseLines({ method: 'GET', url: 'http://www.example.com:80/', headers: {} }, ['@authority'])).toEqual(['"@authority": www.example.com']);
    expect(baseLines({ method: 'GET', url: 'https://www.example.com:8443/', headers: {} }, ['@authority'])).toEqual(['"@authority": www.example.com:8443']);
    expect(baseLines({ method: 'GET', url: 'http://www.example.com:443/', headers: {} }, ['@authority'])).toEqual(['"@authority": www.example.com:443']);
  });
  it('§2.2.4 @scheme (the RFC example is over http)', () => {
    expect(baseLines(raw('POST /path?param=value HTTP/1.1\nHost: www.example.com\n\n', 'http'), ['@scheme'])).toEqual(['"@scheme": http']);
    expect(baseLines(request, ['@scheme'])).toEqual(['"@scheme": https']);
  });
  it('§2.2.5 @request-target (origin form)', () => expect(baseLines(request, ['@request-target'])).toEqual(['"@request-target": /path?param=value']));
  it('§2.2.5 @request-target without a query has no "?"', () => {
    expect(baseLines(raw('GET /path HTTP/1.1\nHost: www.example.com\n\n'), ['@request-target'])).toEqual(['"@request-target": /path']);
  });
  it('§2.2.6 @path', () => expect(baseLines(request, ['@path'])).toEqual(['"@path": /path']));
  it('§2.2.6 @path of an empty path is "/"', () => {
    expect(baseLines({ method: 'GET', url: 'https://www.example.com', headers: {} }, ['@path'])).toEqual(['"@path": /']);
  });

  it('§2.2.7 @query: percent-encoded octets are not decoded', () => {
    expect(baseLines(raw('GET /path?param=value&foo=bar&baz=bat%2Dman HTTP/1.1\nHost: www.example.com\n\n'), ['@query'])).toEqual(['"@query": ?param=value&foo=bar&baz=bat%2Dman']);
  });
  it('§2.2.7 @query of ?queryString', () => {
    expect(baseLines(raw('POST /path?queryString HTTP/1.1\nHost: www.example.com\n\n'), ['@query'])).toEqual(['"@query": ?queryString']);
  });
  it('§2.2.7 @query of an absent query is "?"', () => {
    expect(baseLines(raw('GET /path HTTP/1.1\nHost: www.example.com\n\n'), ['@query'])).toEqual(['"@query": ?']);
    expect(baseLines({ method: 'GET', url: 'https://www.example.com/path?', headers: {} }, ['@query'])).toEqual(['"@query": ?']);
  });

  it('§2.2.8 @query-param: baz, qux (empty value) and param', () => {
    const message = raw('POST /path?param=value&foo=bar&baz=batman&qux= HTTP/1.1\nHost: www.example.com\n\n');
    expect(baseLines(message, ['"@query-param";name="baz"', '"@query-param";name="qux"', '"@query-param";name="param"'])).toEqual([
      '"@query-param";name="baz": batman',
      '"@query-param";name="qux": ',
      '"@query-param";name="param": value',
    ]);
  });
  it('§2.2.8 @query-param: values and names are decoded, then re-encoded (the RFC percent-encoding example)', () => {
    const message = raw('GET /parameters?var=this%20is%20a%20big%0Amultiline%20value&bar=with+plus+whitespace&fa%C3%A7ade%22%3A%20=something HTTP/1.1\nHost: www.example.com\n\n');
    expect(baseLines(message, ['"@query-param";name="var"', '"@query-param";name="bar"', '"@query-param";name="fa%C3%A7ade%22%3A%20"'])).toEqual([
      '"@query-param";name="var": this%20is%20a%20big%0Amultiline%20value',
      '"@query-param";name="bar": with%20plus%20whitespace',
      '"@query-param";name="fa%C3%A7ade%22%3A%20": something',
    ]);
  });
  it('§2.2.8 @query-param: a name given in another encoding of the same text does not match the re-encoded name', () => {
    const message = raw('GET /p?a%2Db=1 HTTP/1.1\nHost: www.example.com\n\n');
    // "a%2Db" decodes to "a-b", whose re-encoded form is "a-b" ("-" is never percent-encoded).
    expect(baseLines(message, ['"@query-param";name="a-b"'])).toEqual(['"@query-param";name="a-b": 1']);
    expect(() => baseLines(message, ['"@query-param";name="a%2Db"'])).toThrow(expect.objectContaining({ code: 'missing_component' }));
  });
  it('§2.2.8 @query-param: a parameter without "=" has an empty value', () => {
    expect(baseLines({ method: 'GET', url: 'https://a.example/?flag&x=1', headers: {} }, ['"@query-param";name="flag"'])).toEqual(['"@query-param";name="flag": ']);
  });
  it('§2.2.8 @query-param: a repeated parameter gives one line per occurrence, in URL order (see the note)', () => {
    // RFC 9421 §2.2.8 (final text) says a repeated parameter "MUST NOT be included"; earlier drafts and
    // http-message-signatures emit one line per value. Signet deliberately emits one line per value
    // (issue 2): every occurrence is covered, so none can be added, dropped or reordered unnoticed.
    const message = { method: 'GET', url: 'https://a.example/?a=1&b=x&a=2+3&a=', headers: {} };
    expect(baseLines(message, ['"@query-param";name="a"'])).toEqual(['"@query-param";name="a": 1', '"@query-param";name="a": 2%203', '"@query-param";name="a": ']);
  });
  it('§2.2.8 @query-param: an absent parameter is missing_component naming it', () => {
    expect(() => baseLines({ method: 'GET', url: 'https://a.example/?a=1', headers: {} }, ['"@query-param";name="b"'])).toThrow(
      expect.objectContaining({ code: 'missing_component', message: expect.stringContaining('"b"') }),
    );
  });

  it('§2.2.9 @status', () => {
    expect(baseLines(raw('HTTP/1.1 200 OK\nDate: Fri, 26 Mar 2010 00:05:00 GMT\n\n'), ['@status'])).toEqual(['"@status": 200']);
  });
});

describe('§2.4 request–response binding (;req)', () => {
  const request = <PlainRequest>raw(
    'POST /foo?param=Value&Pet=dog HTTP/1.1\nHost: example.com\nDate: Tue, 20 Apr 2021 02:07:55 GMT\n' +
      'Content-Digest: sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:\n' +
      'Content-Type: application/json\nContent-Length: 18\n\n{"hello": "world"}',
  );
  const response = <PlainResponse>raw(
    'HTTP/1.1 503 Service Unavailable\nDate: Tue, 20 Apr 2021 02:07:56 GMT\nContent-Type: application/json\nContent-Length: 62\n' +
      'Content-Digest: sha-512=:0Y6iCBzGg5rZtoXS95Ijz03mslf6KAMCloESHObfwnHJDbkkWWQz6PhhU9kxsTbARtY2PTBOzq24uJFpHsMuAg==:\n\n' +
      '{"busy": true, "message": "Your call is very important to us"}',
  );
  const ids = ['@status', 'content-digest', 'content-type', '"@authority";req', '"@method";req', '"@path";req', '"@query-param";name="Pet";req'];
  const expected = [
    '"@status": 503',
    '"content-digest": sha-512=:0Y6iCBzGg5rZtoXS95Ijz03mslf6KAMCloESHObfwnHJDbkkWWQz6PhhU9kxsTbARtY2PTBOzq24uJFpHsMuAg==:',
    '"content-type": application/json',
    '"@authority";req: example.com',
    '"@method";req: POST',
    '"@path";req: /foo',
    '"@query-param";name="Pet";req: dog',
  ];

  it('builds the RFC §2.4 response base from a { request, response } pair', () => {
    expect(baseLines({ request, response }, ids)).toEqual(expected);
  });

  it('builds the same base from a response that carries its request', () => {
    expect(baseLines({ ...response, request }, ids)).toEqual(expected);
  });

  it('reads request fields with ;req, and keeps field ;req apart from the response field', () => {
    expect(baseLines({ request, response }, ['"content-digest";req', 'content-digest'])).toEqual([
      '"content-digest";req: sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
      '"content-digest": sha-512=:0Y6iCBzGg5rZtoXS95Ijz03mslf6KAMCloESHObfwnHJDbkkWWQz6PhhU9kxsTbARtY2PTBOzq24uJFpHsMuAg==:',
    ]);
  });

  it('fails with missing_component when ;req is used without the request', () => {
    expect(() => baseLines(response, ['"@method";req'])).toThrow(expect.objectContaining({ code: 'missing_component', message: expect.stringContaining('without its request') }));
    expect(() => baseLines(request, ['"@method";req'])).toThrow(expect.objectContaining({ code: 'missing_component', message: expect.stringContaining('a request') }));
  });

  it('refuses a request-only derived component on a response without ;req', () => {
    expect(() => baseLines({ request, response }, ['@method'])).toThrow(expect.objectContaining({ code: 'missing_component', message: expect.stringContaining('@method') }));
  });
});

describe('component identifiers', () => {
  it('parse and serialize: names, quoted identifiers, parameters in their order', () => {
    expect(serializeComponent(component('@Method'))).toBe('"@method"');
    expect(serializeComponent(component('Content-Type'))).toBe('"content-type"');
    expect(serializeComponent(component('"signature-agent";key="agent1"'))).toBe('"signature-agent";key="agent1"');
    expect(serializeComponent(component('"@query-param";name="a";req'))).toBe('"@query-param";name="a";req');
    expect(serializeComponent(component('"@query-param";req;name="a"'))).toBe('"@query-param";req;name="a"');
    expect(serializeComponent(component('"x";sf;req'))).toBe('"x";sf;req');
  });

  it('componentValues works on a MessageView directly', () => {
    const view = MessageView.from({ method: 'GET', url: 'https://a.example/p?x=1', headers: { 'x-a': ' 1 ' } });
    expect(componentValues(view, component('x-a'))).toEqual(['1']);
    expect(componentValues(view, component('@path'))).toEqual(['/p']);
  });

  it('refuses what RFC 9421 does not allow, each with its code', () => {
    expect(() => component('@unknown')).toThrow(expect.objectContaining({ code: 'unknown_component' }));
    expect(() => component('"@method";sf')).toThrow(expect.objectContaining({ code: 'invalid_component' }));
    expect(() => component('"@query-param"')).toThrow(expect.objectContaining({ code: 'invalid_component' }));
    expect(() => component('"@signature-params"')).toThrow(expect.objectContaining({ code: 'invalid_component' }));
    expect(() => component('"Content-Type"')).toThrow(expect.objectContaining({ code: 'invalid_component' }));
    expect(() => component('"x";bs;sf')).toThrow(expect.objectContaining({ code: 'invalid_component' }));
    expect(() => component('"x";bs;key="a"')).toThrow(expect.objectContaining({ code: 'invalid_component' }));
    expect(() => component('"x";foo')).toThrow(expect.objectContaining({ code: 'invalid_component' }));
    expect(() => component('"x";key=1')).toThrow(expect.objectContaining({ code: 'invalid_component' }));
    expect(() => component('"x y"')).toThrow(expect.objectContaining({ code: 'invalid_component' }));
    expect(() => component('"x')).toThrow(expect.objectContaining({ code: 'invalid_component' }));
  });

  it('refuses trailers (;tr) with unsupported_component', () => {
    const message = { method: 'GET', url: 'https://a.example/', headers: { 'x-t': '1' } };
    expect(() => baseLines(message, ['"x-t";tr'])).toThrow(expect.objectContaining({ code: 'unsupported_component' }));
  });
});
