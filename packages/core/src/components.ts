/**
 * Component identifiers (RFC 9421 §2) and their values in a message.
 * @module
 */
import { parseItem, type BareItem, type Dictionary, type Item, type Parameters } from 'structured-headers';
import { SignetError } from './errors.js';
import type { MessageView } from './message.js';
import { parseDictionaryFast } from './structured-fast.js';
import { errorText, parseDictionaryField, reserializeStructured, serializeItemFast, serializeMember } from './structured.js';

/** A covered component: its name (lower-case field name, or a derived `@name`) and its parameters. */
export interface Component {
  readonly name: string;
  readonly params: ReadonlyMap<string, BareItem>;
  /** The serialized identifier (`"@authority";req`), filled in by {@link component} and {@link fromItem}. */
  readonly id?: string;
}

/** The derived components of RFC 9421 §2.2. */
export const DERIVED_COMPONENTS = [
  '@method',
  '@target-uri',
  '@authority',
  '@scheme',
  '@request-target',
  '@path',
  '@query',
  '@query-param',
  '@status',
] as const;

const DERIVED = new Set<string>(DERIVED_COMPONENTS);
const FIELD_PARAMS = new Set(['sf', 'key', 'bs', 'req', 'tr']);

/**
 * A component from a string: either a bare name (`@method`, `Content-Type`) or a full identifier
 * (`"signature-agent";key="agent1"`, `"@query-param";name="Pet"`).
 */
export function component(identifier: string): Component {
  const text = identifier.trim();
  if (text.startsWith('"')) {
    let item: Item;
    try {
      item = parseItem(text);
    } catch (cause) {
      throw new SignetError('invalid_component', `Component identifier ${identifier} is not a structured string with parameters: ${errorText(cause)}.`, { cause });
    }
    return fromItem(item);
  }
  return checkComponent({ name: text.toLowerCase(), params: new Map() });
}

/** A component from a parsed structured Item (as found in `Signature-Input`). */
export function fromItem(item: Item): Component {
  return fromParsedItem(item, undefined);
}

/**
 * {@link fromItem}, given the Item's canonical serialization when the parser already has it (the fast
 * Dictionary parser does): every check still runs, only the serialization is not done twice.
 * @internal not exported from the package
 */
export function fromParsedItem(item: Item, id: string | undefined): Component {
  const [name, params] = item;
  if (typeof name !== 'string') {
    throw new SignetError('invalid_component', `A component identifier must be a string, got ${describe(name)}.`);
  }
  return checkComponent({ name, params }, id);
}

/** The serialized identifier as it appears in the covered list and the signature base, e.g. `"@authority";req`. */
export function serializeComponent(c: Component): string {
  return c.id ?? serializeItemFast(c.name, c.params as Parameters);
}

function checkComponent(c: Component, id?: string): Component {
  const { name, params } = c;
  validate(name, params);
  return { name, params, id: id ?? serializeItemFast(name, params as Parameters) };
}

function validate(name: string, params: ReadonlyMap<string, BareItem>): void {
  if (name.length === 0) throw new SignetError('invalid_component', 'A component name must not be empty.');
  if (name !== name.toLowerCase()) {
    throw new SignetError('invalid_component', `Component name "${name}" must be lower-case.`);
  }
  if (name === '@signature-params') {
    throw new SignetError('invalid_component', '"@signature-params" cannot be covered: it is always the last line of the base.');
  }
  if (name.startsWith('@')) {
    if (!DERIVED.has(name)) throw new SignetError('unknown_component', `"${name}" is not a derived component defined by RFC 9421 §2.2.`);
    for (const [key, value] of params) {
      if (key === 'req' && value === true) continue;
      if (key === 'name' && name === '@query-param' && typeof value === 'string') continue;
      throw new SignetError('invalid_component', `Derived component "${name}" does not allow the parameter ;${key}${value === true ? '' : '=' + describe(value)}.`);
    }
    if (name === '@query-param' && !params.has('name')) {
      throw new SignetError('invalid_component', '"@query-param" needs a ;name="..." parameter.');
    }
    return;
  }
  if (!/^[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(name)) {
    throw new SignetError('invalid_component', `"${name}" is not a valid HTTP field name.`);
  }
  for (const [key, value] of params) {
    if (!FIELD_PARAMS.has(key)) throw new SignetError('invalid_component', `Field component "${name}" does not allow the parameter ;${key}.`);
    if (key === 'key' ? typeof value !== 'string' : value !== true) {
      throw new SignetError('invalid_component', `Parameter ;${key} of "${name}" has the wrong type (${describe(value)}).`);
    }
  }
  if (params.has('bs') && (params.has('sf') || params.has('key'))) {
    throw new SignetError('invalid_component', `"${name}": ;bs cannot be combined with ;sf or ;key (RFC 9421 §2.1).`);
  }
  return;
}

/**
 * The value(s) of a component in a message: one string per base line (only `@query-param` can
 * produce several, one per occurrence of the parameter).
 */
export function componentValues(view: MessageView, c: Component): string[] {
  const target = componentMessage(view, c);
  if (c.name.charCodeAt(0) === 0x40 /* @ */) return c.name === '@query-param' ? queryParamValues(target, c.params.get('name') as string) : [derivedValue(target, c)];
  return [fieldValue(target, c)];
}

/**
 * The signature base lines of one component: `"<id>": <value>\n` for each of its values (only `@query-param`
 * has several). What {@link componentValues} gives, without an array per component on the hot path.
 * @internal not exported from the package
 */
export function componentBaseLines(view: MessageView, c: Component, id: string): string {
  const target = componentMessage(view, c);
  if (c.name.charCodeAt(0) !== 0x40) return id + ': ' + fieldValue(target, c) + '\n';
  if (c.name !== '@query-param') return id + ': ' + derivedValue(target, c) + '\n';
  let lines = '';
  for (const value of queryParamValues(target, c.params.get('name') as string)) lines += id + ': ' + value + '\n';
  return lines;
}

/** The message a component is read from: the request itself, or (`;req`) the request a response answers. */
function componentMessage(view: MessageView, c: Component): MessageView {
  if (c.params.size === 0 || !c.params.has('req')) return view;
  if (view.kind !== 'response' || view.request === undefined) {
    throw new SignetError('missing_component', `${serializeComponent(c)} refers to the request, but the message is ${view.kind === 'request' ? 'a request' : 'a response without its request'}.`);
  }
  return view.request;
}

/** The value of a derived component other than `@query-param`. */
function derivedValue(view: MessageView, c: Component): string {
  if (c.name === '@status') {
    if (view.kind !== 'response' || view.status === undefined) {
      throw new SignetError('invalid_component', '"@status" is only defined for responses, and this message is a request.');
    }
    return String(view.status);
  }
  if (view.kind !== 'request') {
    throw new SignetError('missing_component', `"${c.name}" is a request component: a response needs ;req and its request.`);
  }
  switch (c.name) {
    case '@method':
      return view.method as string;
    case '@target-uri':
      return view.url().targetUri;
    case '@authority':
      return view.url().authority;
    case '@scheme':
      return view.url().scheme;
    case '@path':
      return view.url().path;
    case '@query':
      return '?' + view.url().query;
    case '@request-target': {
      const url = view.url();
      return url.query === '' ? url.path : `${url.path}?${url.query}`;
    }
    default:
      throw new SignetError('unknown_component', `"${c.name}" is not a derived component defined by RFC 9421 §2.2.`);
  }
}

/**
 * RFC 9421 §2.2.8: the query parsed as application/x-www-form-urlencoded (WHATWG URL §5.1, which
 * `URLSearchParams` implements), names and values re-encoded; parsed once per message, so that
 * covering many parameters costs linear, not quadratic, time.
 */
const parsedQueries = new WeakMap<MessageView, Map<string, string[]>>();

function queryParamValues(view: MessageView, name: string): string[] {
  if (view.kind !== 'request') {
    throw new SignetError('missing_component', '"@query-param" is a request component: a response needs ;req and its request.');
  }
  let params = parsedQueries.get(view);
  if (params === undefined) {
    params = new Map();
    const query = view.url().query;
    if (query !== '') {
      for (const [rawName, rawValue] of new URLSearchParams(query)) {
        const encoded = percentEncode(rawName);
        const values = params.get(encoded);
        if (values === undefined) params.set(encoded, [percentEncode(rawValue)]);
        else values.push(percentEncode(rawValue));
      }
    }
    parsedQueries.set(view, params);
  }
  const values = params.get(name);
  if (values === undefined) {
    throw new SignetError('missing_component', `Query parameter "${name}" ("@query-param";name="${name}") is not in the request URL.`);
  }
  return values.slice();
}

/** The WHATWG "percent-encode after encoding" with the application/x-www-form-urlencoded set, space as %20. */
function percentEncode(decoded: string): string {
  let out = '';
  for (const byte of Buffer.from(decoded, 'utf8')) {
    const unreserved =
      (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) ||
      byte === 0x2a || byte === 0x2d || byte === 0x2e || byte === 0x5f;
    out += unreserved ? String.fromCharCode(byte) : '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function fieldValue(view: MessageView, c: Component): string {
  if (c.params.has('tr')) {
    throw new SignetError('unsupported_component', `${serializeComponent(c)}: trailer fields (;tr) are not supported.`);
  }
  const lines = view.fieldLines(c.name);
  if (lines === undefined) {
    throw new SignetError('missing_component', `Covered field "${c.name}" is not present in the ${view.kind}.`);
  }
  if (c.params.has('bs')) {
    return lines.map((line) => ':' + Buffer.from(normalizeLine(line), 'latin1').toString('base64') + ':').join(', ');
  }
  const combined = lines.length === 1 ? normalizeLine(lines[0] as string) : lines.map(normalizeLine).join(', ');
  const key = c.params.get('key');
  if (typeof key === 'string') return dictionaryMemberValue(c, combined, key);
  if (c.params.has('sf')) return reserializeStructured(c.name, combined);
  return combined;
}

/**
 * The last field value read with `;key`, its Dictionary and the members serialized so far: an agent sends the same
 * Signature-Agent on every request, so it is parsed once, not on every signature base. Holds one field value.
 */
let lastKeyed: { text: string; dictionary: Dictionary; members: Map<string, string> } | undefined;

/** RFC 9421 §2.1.2: the serialization of member `key` of the Dictionary field `combined`. */
function dictionaryMemberValue(c: Component, combined: string, key: string): string {
  if (lastKeyed?.text !== combined) {
    const dictionary = parseDictionaryFast(combined)?.dictionary ?? parseDictionaryField(combined, 'invalid_component', `Field "${c.name}" (covered with ;key)`);
    lastKeyed = { text: combined, dictionary, members: new Map() };
  }
  let value = lastKeyed.members.get(key);
  if (value === undefined) {
    const member = lastKeyed.dictionary.get(key);
    if (member === undefined) {
      throw new SignetError('missing_component', `Field "${c.name}" has no member "${key}" (covered as ${serializeComponent(c)}).`);
    }
    value = serializeMember(member);
    lastKeyed.members.set(key, value);
  }
  return value;
}

/** RFC 9421 §2.1: trim, replace obs-fold with one space; refuse bare CR/LF (they would forge base lines). */
function normalizeLine(line: string): string {
  let value = line;
  if (value.includes('\n') || value.includes('\r')) {
    value = value.replace(/\r?\n[ \t]+/g, ' ');
    if (value.includes('\n') || value.includes('\r')) {
      throw new SignetError('invalid_message', 'A header value contains a line break that is not obsolete line folding.');
    }
  }
  return trimOws(value);
}

/** Trims SP and HTAB only (String#trim would also eat Unicode spaces that are part of the value). */
function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && (value.charCodeAt(start) === 0x20 || value.charCodeAt(start) === 0x09)) start++;
  while (end > start && (value.charCodeAt(end - 1) === 0x20 || value.charCodeAt(end - 1) === 0x09)) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return 'a byte sequence';
  return String(value);
}
