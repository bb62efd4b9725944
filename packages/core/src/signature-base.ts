/**
 * The signature base (RFC 9421 §2.5): the one function that both signer and verifier use.
 * @module
 */
import { componentBaseLines, serializeComponent, type Component } from './components.js';
import { SignetError } from './errors.js';
import { MessageView, type MessageLike, type MessagePair } from './message.js';
import type { SignatureInput } from './signature-fields.js';

/**
 * Builds the signature base of `input` over `message`, exactly as RFC 9421 §2.5 specifies:
 * one `"<component>": <value>` line per covered component, then `"@signature-params"`.
 * @throws SignetError `duplicate_component`, `missing_component`, `invalid_component`, …
 */
export function signatureBase(message: MessageLike | MessagePair | MessageView, input: SignatureInput): string {
  const view = MessageView.from(message);
  const { components } = input;
  const fields = fieldsOf(components);
  const memo = lastLines;
  if (memo !== undefined && memo.components === components && view.kind === 'request' && memo.method === view.method && memo.target === view.target && sameFields(view, fields, memo.fieldLines)) {
    return memo.lines + '"@signature-params": ' + input.value;
  }
  // A handful of components (the usual case): comparing with the earlier ones costs less than a Set per base.
  const seen = components.length > SMALL_LIST ? new Set<string>() : undefined;
  let base = '';
  for (let i = 0; i < components.length; i++) {
    const c = components[i] as Component;
    const id = serializeComponent(c);
    if (seen !== undefined ? seen.has(id) : coveredBefore(components, i, id)) {
      throw new SignetError('duplicate_component', `Component ${id} is covered twice in signature "${input.label}".`);
    }
    seen?.add(id);
    base += componentBaseLines(view, c, id);
  }
  if (fields !== undefined && view.kind === 'request') {
    lastLines = { components, method: view.method, target: view.target, fieldLines: fields.map((name) => view.fieldLines(name)), lines: base };
  }
  return base + '"@signature-params": ' + input.value;
}

/**
 * The component lines of the last request base built over a shared (frozen) component list, and what they were
 * computed from: the method, the URL text and the lines of each covered field. Every line is a pure function of
 * those, and a server (or a signer) builds bases for the same list, URL and Signature-Agent again and again, so an
 * equal request reuses them: only `"@signature-params"` (created, expires, nonce) differs.
 */
let lastLines: { components: readonly Component[]; method: string | undefined; target: string | undefined; fieldLines: ReadonlyArray<readonly string[] | undefined>; lines: string } | undefined;

/** The fields each shared component list reads (by name, in order); `null` for a list whose lines are not kept. */
const FIELDS = new WeakMap<readonly Component[], readonly string[] | null>();

function fieldsOf(components: readonly Component[]): readonly string[] | undefined {
  if (!Object.isFrozen(components)) return undefined;
  let fields = FIELDS.get(components);
  if (fields === undefined) {
    // `;req` reads another message: such lines are not kept.
    fields = components.some((c) => c.params.has('req')) ? null : Object.freeze(components.filter((c) => c.name.charCodeAt(0) !== 0x40 /* @ */).map((c) => c.name));
    FIELDS.set(components, fields);
  }
  return fields ?? undefined;
}

function sameFields(view: MessageView, fields: readonly string[] | undefined, previous: ReadonlyArray<readonly string[] | undefined>): boolean {
  if (fields === undefined) return false;
  for (let i = 0; i < fields.length; i++) {
    const lines = view.fieldLines(fields[i] as string);
    const before = previous[i];
    if (lines === before) continue;
    if (lines === undefined || before === undefined || lines.length !== before.length) return false;
    for (let j = 0; j < lines.length; j++) if (lines[j] !== before[j]) return false;
  }
  return true;
}

const SMALL_LIST = 16;

function coveredBefore(components: readonly Component[], end: number, id: string): boolean {
  for (let j = 0; j < end; j++) if (serializeComponent(components[j] as Component) === id) return true;
  return false;
}
