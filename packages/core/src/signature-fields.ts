/**
 * The `Signature-Input` and `Signature` fields (RFC 9421 §4): parse every label and parameter,
 * serialize them back byte for byte.
 * @module
 */
import { isInnerList, type BareItem, type Dictionary, type InnerList, type Item, type Parameters } from 'structured-headers';
import { fromParsedItem, serializeComponent, type Component } from './components.js';
import { SignetError } from './errors.js';
import { dictionaryKeys, parseDictionaryField, serializeParamsFast } from './structured.js';
import { parseDictionaryFast, type CanonicalInnerList } from './structured-fast.js';
import { readSignatureFieldQuick, readSignatureInputQuick, rememberComponentList, rememberedIdentifiers } from './signature-fields-fast.js';
import { typedParameters } from './signature-params.js';
import type { MessageView } from './message.js';

/** The signature parameters of RFC 9421 §2.3. Unknown parameters are kept in {@link SignatureInput.parameters}. */
export interface SignatureParameters {
  created?: number;
  expires?: number;
  nonce?: string;
  alg?: string;
  keyid?: string;
  tag?: string;
}

/** One member of `Signature-Input`: a label, its covered components and its parameters. */
export interface SignatureInput {
  readonly label: string;
  readonly components: readonly Component[];
  /** The typed standard parameters. */
  readonly params: Readonly<SignatureParameters>;
  /** Every parameter, standard and unknown, in the order received. */
  readonly parameters: ReadonlyMap<string, BareItem>;
  /** The strict serialization of the inner list: the value of `"@signature-params"` and of the member. */
  readonly value: string;
}


/** Parses a whole `Signature-Input` field value into its members, in order. Duplicate labels are refused. */
export function parseSignatureInput(value: string): SignatureInput[] {
  const quick = readSignatureInputQuick(value);
  if (quick !== undefined) return quick;
  const { dictionary, canonical } = parseLabelledDictionary(value, 'invalid_signature_input', 'Signature-Input');
  const members: SignatureInput[] = [];
  for (const [label, member] of dictionary) {
    if (!isInnerList(member)) {
      throw new SignetError('invalid_signature_input', `Signature-Input member "${label}" must be an inner list of components, like ${label}=("@method");created=1.`);
    }
    const text = canonical?.get(label);
    const input = toSignatureInput(label, member, text);
    // A canonical list whose components all checked out: the next request with the same list skips both steps.
    if (text !== undefined) rememberComponentList(`(${text.items.join(' ')})`, input.components);
    members.push(input);
  }
  return members;
}

/**
 * Checks and types one member. `canonical`, when the parser saw that the member's text is already its canonical
 * serialization, supplies `value` and the component identifiers without serializing them again.
 */
function toSignatureInput(label: string, member: InnerList, canonical?: CanonicalInnerList): SignatureInput {
  const [items, parameters] = member;
  const components: Component[] = [];
  for (let i = 0; i < items.length; i++) {
    try {
      components.push(fromParsedItem(items[i] as Item, canonical?.items[i]));
    } catch (error) {
      if (error instanceof SignetError) {
        throw new SignetError(error.code, `Signature-Input "${label}": ${error.message}`, { cause: error });
      }
      throw error;
    }
  }
  const params = typedParameters(label, parameters);
  return { label, components, params, parameters, value: canonical?.text ?? innerListValue(components, parameters) };
}

/**
 * `serializeInnerListFast(items, parameters)` for items just checked into `components`: each component's `id` is
 * the serialization of its item (computed by fromParsedItem a moment ago), so the items are not serialized twice.
 */
function innerListValue(components: readonly Component[], parameters: Parameters): string {
  let out = '(';
  for (let i = 0; i < components.length; i++) {
    if (i > 0) out += ' ';
    out += (components[i] as Component).id as string;
  }
  return out + ')' + serializeParamsFast(parameters);
}

/**
 * Builds a Signature-Input member from components and parameters. Parameters are written in the
 * order given; `undefined` ones are skipped.
 */
export function createSignatureInput(
  label: string,
  components: readonly Component[],
  parameters: Iterable<readonly [string, BareItem | undefined]>,
): SignatureInput {
  checkLabel(label);
  const map: Parameters = new Map();
  for (const [key, bare] of parameters) if (bare !== undefined) map.set(key, bare);
  const member: InnerList = [components.map((c) => [c.name, c.params as Parameters]), map];
  return toSignatureInput(label, member);
}

/**
 * The serialized identifiers of the components `input` covers, in order (`"@authority"`,
 * `"signature-agent";key="a"`): the covered list of a verification result. Shared and frozen when the component
 * list was read before (see {@link parseSignatureInput}); otherwise a new array.
 */
export function coveredIdentifiers(input: SignatureInput): readonly string[] {
  return rememberedIdentifiers(input.components) ?? input.components.map(serializeComponent);
}

/** Parses a whole `Signature` field value: label → signature bytes. */
export function parseSignatureField(value: string): Map<string, Uint8Array> {
  const quick = readSignatureFieldQuick(value);
  if (quick !== undefined) return quick;
  const { dictionary } = parseLabelledDictionary(value, 'invalid_signature_field', 'Signature');
  const signatures = new Map<string, Uint8Array>();
  for (const [label, member] of dictionary) {
    const bare = isInnerList(member) ? undefined : member[0];
    if (!(bare instanceof ArrayBuffer)) {
      throw new SignetError('invalid_signature_field', `Signature member "${label}" must be a byte sequence (:base64:).`);
    }
    signatures.set(label, new Uint8Array(bare));
  }
  return signatures;
}

/** `label=<inner list>`: the text to add to a `Signature-Input` field. */
export function serializeSignatureInputMember(input: SignatureInput): string {
  // join, not a template literal: one flat string instead of a concatenation tree. Headers#set validates a value
  // character by character, and that walk is about twice as fast over a flat string (this one is ~250 characters).
  return [input.label, '=', input.value].join('');
}

/** `label=:base64:`: the text to add to a `Signature` field. */
export function serializeSignatureMember(label: string, signature: Uint8Array): string {
  checkLabel(label);
  // node:crypto already returns a Buffer: no second view of its bytes is needed to base64 them. join: a flat string,
  // as in serializeSignatureInputMember.
  const bytes = Buffer.isBuffer(signature) ? signature : Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength);
  return [label, '=:', bytes.toString('base64'), ':'].join('');
}

/** Appends a member to a Dictionary field value that may be absent. */
export function appendMember(existing: string | null | undefined, member: string): string {
  return existing === null || existing === undefined || existing.trim() === '' ? member : `${existing}, ${member}`;
}

/** A signature found in a message: its input and its bytes. */
export interface MessageSignature {
  readonly input: SignatureInput;
  readonly signature: Uint8Array;
}

/**
 * Every signature of a message, in `Signature-Input` order. Labels in one field but not the other
 * are reported when selected; labels are never duplicated.
 */
export function readSignatures(view: MessageView): { inputs: SignatureInput[]; signatures: Map<string, Uint8Array> } {
  const inputLines = view.fieldLines('signature-input');
  const signatureLines = view.fieldLines('signature');
  if (inputLines === undefined || signatureLines === undefined) {
    throw new SignetError('missing_signature', `The ${view.kind} is not signed: it has no ${inputLines === undefined ? 'Signature-Input' : 'Signature'} field.`);
  }
  return {
    inputs: parseSignatureInput(inputLines.length === 1 ? (inputLines[0] as string) : inputLines.join(', ')),
    signatures: parseSignatureField(signatureLines.length === 1 ? (signatureLines[0] as string) : signatureLines.join(', ')),
  };
}

/**
 * Parses Signature-Input or Signature: the fast parser first, the general one for anything unusual. Repeated labels
 * are refused. `canonical` (fast parser only) has the members whose text is already canonical.
 */
function parseLabelledDictionary(
  value: string,
  code: 'invalid_signature_input' | 'invalid_signature_field',
  field: string,
): { dictionary: Dictionary; canonical: ReadonlyMap<string, CanonicalInnerList> | undefined } {
  const fast = parseDictionaryFast(value);
  let duplicate: string | undefined;
  let dictionary: Dictionary;
  let canonical: ReadonlyMap<string, CanonicalInnerList> | undefined;
  if (fast !== undefined) {
    ({ dictionary, duplicate, canonical } = fast);
  } else {
    dictionary = parseDictionaryField(value, code, field);
    const keys = dictionaryKeys(value);
    if (keys.length !== dictionary.size) duplicate = keys.find((key, index) => keys.indexOf(key) !== index);
  }
  if (duplicate !== undefined) throw new SignetError('duplicate_label', `${field} has the label "${duplicate}" more than once.`);
  return { dictionary, canonical };
}

function checkLabel(label: string): void {
  // A signer uses one label for every signature: the last one that passed is not tested again.
  if (label === lastValidLabel) return;
  if (!/^[a-z*][a-z0-9_\-.*]*$/.test(label)) {
    throw new SignetError('invalid_signature_input', `Signature label "${label}" is not a structured-field key (lower-case letters, digits, _ - . *; starting with a letter).`);
  }
  lastValidLabel = label;
}

let lastValidLabel: string | undefined;

export type { BareItem };
