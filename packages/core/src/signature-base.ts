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
  return base + '"@signature-params": ' + input.value;
}

const SMALL_LIST = 16;

function coveredBefore(components: readonly Component[], end: number, id: string): boolean {
  for (let j = 0; j < end; j++) if (serializeComponent(components[j] as Component) === id) return true;
  return false;
}
