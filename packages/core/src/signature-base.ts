/**
 * The signature base (RFC 9421 §2.5): the one function that both signer and verifier use.
 * @module
 */
import { componentValues, serializeComponent } from './components.js';
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
  let base = '';
  const seen = new Set<string>();
  for (const c of input.components) {
    const id = serializeComponent(c);
    if (seen.has(id)) throw new SignetError('duplicate_component', `Component ${id} is covered twice in signature "${input.label}".`);
    seen.add(id);
    for (const value of componentValues(view, c)) base += `${id}: ${value}\n`;
  }
  return `${base}"@signature-params": ${input.value}`;
}
