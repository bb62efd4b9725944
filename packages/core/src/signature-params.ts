/**
 * Signature parameters as a signer writes them (RFC 9421 §2.3), on the signing hot path: the checks and the text of
 * `createSignatureInput` (which goes through the general Signature-Input code, shared with parsing), without its
 * per-character serializer loops for the usual values.
 * @module
 */
import type { BareItem } from 'structured-headers';
import { SignetError } from './errors.js';
import type { SignatureParameters } from './signature-fields.js';
import { serializeParamsFast } from './structured.js';

/** Checked parameters: typed, all of them in order, and their serialization (`;created=1;keyid="a"…`). */
export interface WrittenParameters {
  readonly params: SignatureParameters;
  readonly text: string;
}

/**
 * `params[name] = value` with a named store per name: each member is then written the same way every time (a keyed
 * store over six names is several times slower on the hot paths that fill these objects).
 */
export function setStandardParameter(params: SignatureParameters, name: keyof SignatureParameters, value: number | string): void {
  switch (name) {
    case 'created':
      params.created = value as number;
      break;
    case 'expires':
      params.expires = value as number;
      break;
    case 'nonce':
      params.nonce = value as string;
      break;
    case 'keyid':
      params.keyid = value as string;
      break;
    case 'alg':
      params.alg = value as string;
      break;
    case 'tag':
      params.tag = value as string;
      break;
  }
}

/** A structured-field key that serializes as itself. */
const PLAIN_KEY = /^[a-z*][a-z0-9_\-.*]*$/;
/** Printable ASCII without `"` and `\`: a structured-field string that needs no escape. */
const PLAIN_STRING = /^[ !#-[\]-~]*$/;

/**
 * The parameters of `entries` that are not `undefined`, in order (a repeated key keeps its first place and its last
 * value), as `createSignatureInput` collects them.
 */
export function parameterMap(entries: Iterable<readonly [string, BareItem | undefined]>): Map<string, BareItem> {
  const map = new Map<string, BareItem>();
  for (const [key, bare] of entries) if (bare !== undefined) map.set(key, bare);
  return map;
}

/**
 * `entries` itself when it is a list of distinct keys whose values are strings, integers or `true` (none
 * `undefined`): what a signer passes, usable as it is, with no Map. Otherwise `undefined`.
 */
export function plainParameterList(entries: Iterable<readonly [string, BareItem | undefined]>): ReadonlyArray<readonly [string, BareItem]> | undefined {
  if (!Array.isArray(entries)) return undefined;
  const list = entries as ReadonlyArray<readonly [string, BareItem | undefined]>;
  for (let i = 0; i < list.length; i++) {
    const entry = list[i] as readonly [string, BareItem | undefined];
    const value = entry[1];
    if (!(typeof value === 'string' || value === true || (typeof value === 'number' && Number.isSafeInteger(value)))) return undefined;
    for (let j = 0; j < i; j++) if ((list[j] as readonly [string, BareItem | undefined])[0] === entry[0]) return undefined;
  }
  return list as ReadonlyArray<readonly [string, BareItem]>;
}

/**
 * Checks and serializes `parameters` exactly as `createSignatureInput` does for signature `label`: every type check
 * first (`created`/`expires` integers, `nonce`/`alg`/`keyid`/`tag` strings, with its messages), then the text.
 * @throws SignetError `invalid_signature_input`; the serializer's error for a value it cannot write
 */
export function writeParameters(label: string, parameters: Iterable<readonly [string, BareItem]>): WrittenParameters {
  const params = typedParameters(label, parameters);
  let text = '';
  for (const [key, bare] of parameters) text += typeof bare === 'string' ? stringParameterText(key, bare) : parameterText(key, bare);
  return { params, text };
}

/**
 * The RFC 9421 parameters among `parameters` of signature `label`, checked and typed: `created` and `expires`
 * integers, `nonce`, `alg`, `keyid` and `tag` strings. Others are left out. What a signer writes and what a
 * verifier parses are checked here alike.
 * @throws SignetError `invalid_signature_input` for a parameter of the wrong type
 */
export function typedParameters(label: string, parameters: Iterable<readonly [string, BareItem]>): SignatureParameters {
  const params: SignatureParameters = {};
  // Named stores (not params[key]): each member is written the same way every time, which keeps this fast.
  for (const [key, bare] of parameters) {
    switch (key) {
      case 'created':
      case 'expires':
        setStandardParameter(params, key, integer(label, key, bare));
        break;
      case 'nonce':
      case 'alg':
      case 'keyid':
      case 'tag':
        setStandardParameter(params, key, string(label, key, bare));
        break;
    }
  }
  return params;
}

/**
 * The text of the string parameters written last, by key: a signer writes the same `keyid`, `alg` and `tag` on every
 * signature, so each is checked and written once (a `nonce` changes every time and is simply replaced). At most
 * {@link REMEMBERED_KEYS} keys are kept.
 */
const lastStrings = new Map<string, { value: string; text: string }>();
const REMEMBERED_KEYS = 16;

function stringParameterText(key: string, value: string): string {
  const last = lastStrings.get(key);
  if (last !== undefined && last.value === value) return last.text;
  const text = parameterText(key, value);
  if (last !== undefined) {
    last.value = value;
    last.text = text;
  } else if (lastStrings.size < REMEMBERED_KEYS) {
    lastStrings.set(key, { value, text });
  }
  return text;
}

function integer(label: string, key: string, bare: BareItem): number {
  if (typeof bare !== 'number' || !Number.isInteger(bare)) {
    throw new SignetError('invalid_signature_input', `Signature-Input "${label}": ;${key} must be an integer (UNIX seconds).`);
  }
  return bare;
}

function string(label: string, key: string, bare: BareItem): string {
  if (typeof bare !== 'string') throw new SignetError('invalid_signature_input', `Signature-Input "${label}": ;${key} must be a string.`);
  return bare;
}

/**
 * `;key=value`: a plain key with an integer in range, a string that needs no escape, or `true` is written here (a
 * regular expression checks a string far faster than a loop over its characters); anything else by the general
 * serializer, which gives the same text for these and the same errors for what cannot be written.
 */
function parameterText(key: string, bare: BareItem): string {
  if (isStandard(key) || PLAIN_KEY.test(key)) {
    if (typeof bare === 'string') {
      if (PLAIN_STRING.test(bare)) return `;${key}="${bare}"`;
    } else if (typeof bare === 'number') {
      if (Number.isInteger(bare) && Math.abs(bare) <= 999_999_999_999_999) return `;${key}=${String(bare)}`;
    } else if (bare === true) {
      return `;${key}`;
    }
  }
  return serializeParamsFast(new Map([[key, bare]]));
}

/** The RFC 9421 parameters: plain keys, known without a regular expression. */
function isStandard(key: string): boolean {
  return key === 'created' || key === 'expires' || key === 'nonce' || key === 'alg' || key === 'keyid' || key === 'tag';
}
