import { describe, expect, it } from 'vitest';
import { parseSignatureAgent } from '../src/signature-agent.js';

describe('Signature-Agent URI check (remembers the last valid URI)', () => {
  it('still refuses a bad URI right after a good one, and accepts the good one again after a bad one', () => {
    expect(parseSignatureAgent('a="https://agent.example"')[0]?.uri).toBe('https://agent.example');
    expect(() => parseSignatureAgent('a="ftp://agent.example"')).toThrow(expect.objectContaining({ code: 'invalid_signature_agent' }));
    expect(() => parseSignatureAgent('a="agent.example"')).toThrow(expect.objectContaining({ code: 'invalid_signature_agent' }));
    expect(parseSignatureAgent('a="https://agent.example"')[0]?.uri).toBe('https://agent.example');
    expect(() => parseSignatureAgent('a="https://agent.example", b="javascript:alert(1)"')).toThrow(expect.objectContaining({ code: 'invalid_signature_agent' }));
  });
});
