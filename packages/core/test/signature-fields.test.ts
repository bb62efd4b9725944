/** Signature-Input and Signature (RFC 9421 §4): parse and serialize every label and parameter. */
import { describe, expect, it } from 'vitest';
import {
  Token,
  appendMember,
  component,
  createSignatureInput,
  parseSignatureField,
  parseSignatureInput,
  readSignatures,
  serializeSignatureInputMember,
  serializeSignatureMember,
  MessageView,
} from '../src/index.js';

describe('parseSignatureInput', () => {
  it('reads every standard parameter with its type (RFC 9421 §2.3)', () => {
    const [input] = parseSignatureInput(
      'sig1=("@method" "@target-uri" "content-digest";req "signature-agent";key="a1");created=1618884473;expires=1618884773;nonce="b3k2pp5k7z-50gnwp.yemd";alg="ed25519";keyid="test-key";tag="app-123"',
    );
    expect(input!.label).toBe('sig1');
    expect(input!.params).toEqual({ created: 1618884473, expires: 1618884773, nonce: 'b3k2pp5k7z-50gnwp.yemd', alg: 'ed25519', keyid: 'test-key', tag: 'app-123' });
    expect(input!.components.map((c) => c.name)).toEqual(['@method', '@target-uri', 'content-digest', 'signature-agent']);
    expect(input!.components[2]!.params.get('req')).toBe(true);
    expect(input!.components[3]!.params.get('key')).toBe('a1');
    expect([...input!.parameters.keys()]).toEqual(['created', 'expires', 'nonce', 'alg', 'keyid', 'tag']);
  });

  it('preserves unknown parameters of every type, in order, and re-serializes them byte for byte', () => {
    const text = 'sig=("@authority");zz;f=?0;created=1;foo=bar;n=-7;d=1.5;s="x\\"y";b=:AAE=:;t=*tok/en:1;keyid="k"';
    const [input] = parseSignatureInput(text);
    expect([...input!.parameters.keys()]).toEqual(['zz', 'f', 'created', 'foo', 'n', 'd', 's', 'b', 't', 'keyid']);
    expect(input!.parameters.get('zz')).toBe(true);
    expect(input!.parameters.get('f')).toBe(false);
    expect(input!.parameters.get('foo')).toBeInstanceOf(Token);
    expect(String(input!.parameters.get('foo'))).toBe('bar');
    expect(input!.parameters.get('n')).toBe(-7);
    expect(input!.parameters.get('d')).toBe(1.5);
    expect(input!.parameters.get('s')).toBe('x"y');
    expect(new Uint8Array(input!.parameters.get('b') as ArrayBuffer)).toEqual(new Uint8Array([0, 1]));
    expect(String(input!.parameters.get('t'))).toBe('*tok/en:1');
    expect(input!.params).toEqual({ created: 1, keyid: 'k' });
    expect(serializeSignatureInputMember(input!)).toBe(text);
    // A true boolean written as "=?1" is re-serialized in its strict form.
    expect(parseSignatureInput('sig=();zz=?1')[0]!.value).toBe('();zz');
  });

  it('re-serializes in strict form (the @signature-params value), whatever the input spacing', () => {
    const [input] = parseSignatureInput('  sig1=(  "@method"   "@path" );created=1  ');
    expect(input!.value).toBe('("@method" "@path");created=1');
  });

  it('reads several labels in order, across field lines joined by readSignatures', () => {
    const view = MessageView.from({
      method: 'GET',
      url: 'https://a.example/',
      headers: { 'signature-input': ['a=();created=1', 'b=("@path");created=2, c=()'], signature: ['a=:AA==:, b=:AQ==:', 'c=:Ag==:'] },
    });
    const { inputs, signatures } = readSignatures(view);
    expect(inputs.map((i) => i.label)).toEqual(['a', 'b', 'c']);
    expect([...signatures.keys()]).toEqual(['a', 'b', 'c']);
    expect([...signatures.get('c')!]).toEqual([2]);
  });

  it('accepts an empty component list', () => {
    const [input] = parseSignatureInput('sig=();created=5');
    expect(input!.components).toEqual([]);
    expect(input!.value).toBe('();created=5');
  });

  it('refuses standard parameters of the wrong type, naming the label and parameter', () => {
    for (const [text, param] of [
      ['s=();created="1"', 'created'],
      ['s=();created=1.5', 'created'],
      ['s=();expires=?1', 'expires'],
      ['s=();keyid=k', 'keyid'],
      ['s=();alg=1', 'alg'],
      ['s=();nonce=:AA==:', 'nonce'],
      ['s=();tag=?0', 'tag'],
    ] as const) {
      expect(() => parseSignatureInput(text)).toThrow(expect.objectContaining({ code: 'invalid_signature_input', message: expect.stringMatching(new RegExp(`"s".*;${param}`)) }));
    }
  });

  it('refuses a member that is not an inner list, and a component that is not a string', () => {
    expect(() => parseSignatureInput('sig=1')).toThrow(expect.objectContaining({ code: 'invalid_signature_input', message: expect.stringContaining('"sig"') }));
    expect(() => parseSignatureInput('sig=(a)')).toThrow(expect.objectContaining({ code: 'invalid_component', message: expect.stringContaining('Signature-Input "sig"') }));
  });
});

describe('parseSignatureField', () => {
  it('reads byte sequences by label', () => {
    const signatures = parseSignatureField('sig1=:AAEC:, sig2=:/w==:');
    expect([...signatures.entries()].map(([l, b]) => [l, [...b]])).toEqual([
      ['sig1', [0, 1, 2]],
      ['sig2', [255]],
    ]);
  });

  it('refuses a member that is not a byte sequence', () => {
    expect(() => parseSignatureField('sig1="AAEC"')).toThrow(expect.objectContaining({ code: 'invalid_signature_field', message: expect.stringContaining('"sig1"') }));
    expect(() => parseSignatureField('sig1=(:AA==:)')).toThrow(expect.objectContaining({ code: 'invalid_signature_field' }));
  });
});

describe('serializing', () => {
  it('createSignatureInput writes parameters in the order given, skipping undefined, with unknown types', () => {
    const input = createSignatureInput(
      'sig-b21',
      ['@method', '"@query-param";name="q"', '"signature";req;key="sig1"'].map(component),
      [
        ['created', 1618884473],
        ['expires', undefined],
        ['keyid', 'test-key-rsa-pss'],
        ['flag', true],
        ['ratio', 0.25],
        ['mode', new Token('strict')],
        ['raw', new Uint8Array([1, 2, 3]).buffer],
        ['nonce', 'abc'],
      ],
    );
    expect(serializeSignatureInputMember(input)).toBe(
      'sig-b21=("@method" "@query-param";name="q" "signature";req;key="sig1");created=1618884473;keyid="test-key-rsa-pss";flag;ratio=0.25;mode=strict;raw=:AQID:;nonce="abc"',
    );
    expect(input.params).toEqual({ created: 1618884473, keyid: 'test-key-rsa-pss', nonce: 'abc' });
    const [again] = parseSignatureInput(serializeSignatureInputMember(input));
    expect(again!.value).toBe(input.value);
  });

  it('escapes quotes and backslashes in string parameters', () => {
    const input = createSignatureInput('s', [], [['tag', 'a"b\\c']]);
    expect(input.value).toBe('();tag="a\\"b\\\\c"');
    expect(parseSignatureInput(serializeSignatureInputMember(input))[0]!.params.tag).toBe('a"b\\c');
  });

  it('serializeSignatureMember writes standard base64, respecting a subarray view', () => {
    const bytes = new Uint8Array([9, 0, 1, 2, 9]).subarray(1, 4);
    expect(serializeSignatureMember('sig1', bytes)).toBe('sig1=:AAEC:');
  });

  it('refuses labels that are not structured-field keys', () => {
    for (const label of ['Sig', '1sig', 'si g', '', 'sig"']) {
      expect(() => createSignatureInput(label, [], [])).toThrow(expect.objectContaining({ code: 'invalid_signature_input', message: expect.stringContaining(label) }));
      expect(() => serializeSignatureMember(label, new Uint8Array(1))).toThrow(expect.objectContaining({ code: 'invalid_signature_input' }));
    }
  });

  it('appendMember adds to an absent, empty or existing field', () => {
    expect(appendMember(undefined, 'b=:AA==:')).toBe('b=:AA==:');
    expect(appendMember(null, 'b=:AA==:')).toBe('b=:AA==:');
    expect(appendMember('  ', 'b=:AA==:')).toBe('b=:AA==:');
    expect(appendMember('a=:AQ==:', 'b=:AA==:')).toBe('a=:AQ==:, b=:AA==:');
  });
});
