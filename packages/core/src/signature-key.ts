/**
 * The `Signature-Key` field (draft-hardt-httpbis-signature-key, AAuth's key conveyance): a Dictionary
 * keyed by signature label; each member is a scheme token with parameters.
 * @module
 */
import { isInnerList, serializeDictionary, Token, type BareItem, type Dictionary, type Parameters } from 'structured-headers';
import { SignetError } from './errors.js';
import { dictionaryKeys, errorText, parseDictionaryField } from './structured.js';

/** The schemes Signet implements. Others parse (as `scheme` strings) and are refused by the verifier with `unsupported_scheme`. */
export type SignatureKeyScheme = 'hwk' | 'jkt-jwt' | 'jwks_uri' | 'jwks' | 'jwt';

/** One Signature-Key member: the scheme and its parameters (strings, byte sequences or booleans). */
export interface SignatureKeyMember {
  readonly label: string;
  readonly scheme: string;
  readonly params: Readonly<Record<string, string | boolean | Uint8Array>>;
}

/**
 * Parses a Signature-Key field value into its members, by label.
 * @throws SignetError `invalid_signature_key`
 */
export function parseSignatureKey(value: string): Map<string, SignatureKeyMember> {
  const dictionary = parseDictionaryField(value, 'invalid_signature_key', 'Signature-Key');
  const keys = dictionaryKeys(value);
  if (keys.length !== dictionary.size) throw new SignetError('invalid_signature_key', 'Signature-Key has the same label more than once.');
  const members = new Map<string, SignatureKeyMember>();
  for (const [label, member] of dictionary) {
    if (isInnerList(member) || !(member[0] instanceof Token)) {
      throw new SignetError('invalid_signature_key', `Signature-Key member "${label}" must be a scheme token with parameters, like ${label}=hwk;kty="OKP";….`);
    }
    const params: Record<string, string | boolean | Uint8Array> = {};
    for (const [name, bare] of member[1]) {
      if (typeof bare === 'string' || typeof bare === 'boolean') params[name] = bare;
      else if (bare instanceof ArrayBuffer) params[name] = new Uint8Array(bare);
      else throw new SignetError('invalid_signature_key', `Signature-Key member "${label}": parameter ;${name} must be a string, a byte sequence or a boolean.`);
    }
    members.set(label, { label, scheme: member[0].toString(), params });
  }
  return members;
}

/** Serializes members into a Signature-Key field value. */
export function serializeSignatureKey(members: ReadonlyArray<Omit<SignatureKeyMember, 'params'> & { params: Readonly<Record<string, string | boolean | Uint8Array | undefined>> }>): string {
  const dictionary: Dictionary = new Map();
  for (const member of members) {
    const params: Parameters = new Map();
    for (const [name, value] of Object.entries(member.params)) if (value !== undefined) params.set(name, value as BareItem);
    dictionary.set(member.label, [new Token(member.scheme), params]);
  }
  try {
    return serializeDictionary(dictionary);
  } catch (cause) {
    throw new SignetError('invalid_signature_key', `Signature-Key cannot be serialized: ${errorText(cause)}.`, { cause });
  }
}
