/**
 * The options `sign` and `base` share: the covered components (`--components`) and the signature
 * parameters (`--created`, `--expires`, `--nonce`, `--tag`, `--keyid`, alg).
 * @module
 */
import { SignetError, component, type Component } from '@signet/core';
import { parseSeconds, type Args, type OptionSpec } from './args.js';
import { usageError } from './command.js';

/** The options that describe a new signature. */
export const SIGNATURE_OPTIONS: OptionSpec = {
  components: { type: 'string' },
  created: { type: 'string' },
  expires: { type: 'string' },
  nonce: { type: 'string' },
  tag: { type: 'string' },
  label: { type: 'string' },
  keyid: { type: 'string' },
};

/**
 * Parses `--components`: identifiers separated by spaces (or commas), each a structured-field string
 * with parameters (`"@query-param";name="Pet"`) or a bare name (`@method`, `content-type`). Surrounding
 * parentheses, as in a Signature-Input member, are allowed. An empty value covers nothing.
 */
export function parseComponents(text: string): Component[] {
  let rest = text.trim();
  if (rest.startsWith('(') && rest.endsWith(')')) rest = rest.slice(1, -1);
  const tokens: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < rest.length; i++) {
    const ch = rest[i] as string;
    if (quoted) {
      current += ch;
      if (ch === '\\' && i + 1 < rest.length) current += rest[++i];
      else if (ch === '"') quoted = false;
    } else if (ch === '"') {
      quoted = true;
      current += ch;
    } else if (ch === ' ' || ch === '\t' || ch === ',') {
      if (current !== '') tokens.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (quoted) throw usageError(`--components has an unclosed quote: ${JSON.stringify(text)}. Quote the whole list for the shell: --components '"@method" "@authority"'.`);
  if (current !== '') tokens.push(current);
  return tokens.map((token) => {
    try {
      return component(token);
    } catch (error) {
      if (error instanceof SignetError) throw new SignetError(error.code, `--components: ${error.message}`, { cause: error });
      throw error;
    }
  });
}

/** Signature parameters, in the order they are written: created, keyid, alg, expires, nonce, tag. */
export type SignatureParams = { created?: number; keyid?: string; alg?: string; expires?: number; nonce?: string; tag?: string };

/** Defaults the caller fills in (`sign` uses now, the key's keyid and alg). */
export interface ParamDefaults {
  created?: number | undefined;
  keyid?: string | undefined;
  alg?: string | undefined;
  expires?: number | undefined;
  nonce?: string | undefined;
  tag?: string | undefined;
}

/**
 * The parameters from the command line over `defaults`. `--expires +N` is N seconds after `created`.
 * The order (created, keyid, alg, expires, nonce, tag) reproduces the RFC 9421 and Web Bot Auth examples.
 */
export function signatureParams(args: Args, defaults: ParamDefaults): SignatureParams {
  const created = args.seconds('created') ?? defaults.created;
  const expiresText = args.string('expires');
  let expires = defaults.expires;
  if (expiresText !== undefined) {
    if (expiresText.startsWith('+')) {
      if (created === undefined) throw usageError('--expires +N is relative to created: give --created too, or an absolute --expires.');
      expires = created + parseSeconds('expires', expiresText.slice(1));
    } else {
      expires = parseSeconds('expires', expiresText);
    }
  }
  const params: SignatureParams = {};
  if (created !== undefined) params.created = created;
  const keyid = args.string('keyid') ?? defaults.keyid;
  if (keyid !== undefined) params.keyid = keyid;
  if (defaults.alg !== undefined) params.alg = defaults.alg;
  if (expires !== undefined) params.expires = expires;
  const nonce = args.string('nonce') ?? defaults.nonce;
  if (nonce !== undefined) params.nonce = nonce;
  const tag = args.string('tag') ?? defaults.tag;
  if (tag !== undefined) params.tag = tag;
  return params;
}
