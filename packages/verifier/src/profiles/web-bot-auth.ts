/**
 * The Web Bot Auth profile: `tag="web-bot-auth"`, the covered Signature-Agent member names the agent, and the
 * `keyid` is the JWK thumbprint of a key the agent publishes (or a statically trusted key).
 * @module
 */
import { SignetError, parseSignatureAgent, serializeComponent, type Component, type MessageView, type SignatureAgent, type SignatureInput } from '@signet/core';
import type { ResolvedOptions } from '../options.js';
import { findAgentKey } from '../trusted-keys.js';
import { askHook, type KeyResolution } from './resolution.js';

/** The Web Bot Auth signature tag. */
export const WEB_BOT_AUTH_TAG = 'web-bot-auth';

/**
 * The Signature-Agent member this signature covers: `"signature-agent";key="<member>"` (a Dictionary member), or
 * the legacy bare `"signature-agent"` (a bare string, or a Dictionary of exactly one member). `undefined` when
 * the request has no Signature-Agent.
 * @throws SignetError `missing_required_component` (present but not covered), `invalid_signature_agent`, `missing_component`
 */
export function coveredSignatureAgent(view: MessageView, input: SignatureInput): SignatureAgent | undefined {
  const lines = view.fieldLines('signature-agent');
  if (lines === undefined) return undefined;
  let covering: Component | undefined;
  let several = false;
  const { components } = input;
  // Indexed: a for-of over a shared (frozen) component list allocates an iterator result per step.
  for (let i = 0; i < components.length; i++) {
    const c = components[i] as Component;
    if (c.name !== 'signature-agent') continue;
    if (covering !== undefined) several = true;
    else covering = c;
  }
  if (covering === undefined) {
    throw new SignetError('missing_required_component', `Signature "${input.label}" does not cover the Signature-Agent it comes with (cover "signature-agent";key="<member>").`);
  }
  const agents = signatureAgents(lines.length === 1 ? (lines[0] as string) : lines.join(', '));
  if (several) {
    const all = input.components.filter((c) => c.name === 'signature-agent');
    throw new SignetError('invalid_signature_agent', `Signature "${input.label}" covers several Signature-Agent members (${all.map(serializeComponent).join(', ')}); it must name one agent.`);
  }
  const member = covering.params.get('key');
  if (typeof member === 'string') {
    let agent: SignatureAgent | undefined;
    for (let i = 0; i < agents.length && agent === undefined; i++) if ((agents[i] as SignatureAgent).label === member) agent = agents[i];
    if (agent === undefined) throw new SignetError('missing_component', `Signature-Agent has no member "${member}", which signature "${input.label}" covers.`);
    return agent;
  }
  if (agents.length !== 1) {
    throw new SignetError('invalid_signature_agent', `Signature "${input.label}" covers the whole Signature-Agent field, which has ${agents.length} members: cover one with "signature-agent";key="<member>".`);
  }
  return agents[0];
}

/**
 * Parsed Signature-Agent values by text (frozen, shared): an agent sends the same value on every request.
 * Bounded: cleared when full. Only values that parsed are kept (a bad one throws every time).
 */
const AGENTS = new Map<string, readonly SignatureAgent[]>();
const AGENTS_MAX = 256;

function signatureAgents(value: string): readonly SignatureAgent[] {
  // The same agent, request after request: one comparison instead of hashing the value.
  if (value === lastAgents?.value) return lastAgents.agents;
  let agents = AGENTS.get(value);
  if (agents === undefined) {
    agents = Object.freeze(parseSignatureAgent(value).map((agent) => Object.freeze(agent)));
    if (AGENTS.size >= AGENTS_MAX) AGENTS.clear();
    AGENTS.set(value, agents);
  }
  lastAgents = { value, agents };
  return agents;
}

let lastAgents: { value: string; agents: readonly SignatureAgent[] } | undefined;

/** True when the signature covers `@authority` or `@target-uri`, which bind it to this server. */
export function coversAuthority(covered: readonly string[]): boolean {
  return covered.includes('"@authority"') || covered.includes('"@target-uri"');
}

/**
 * The statically trusted key for this signature, found without I/O (so the verifier's hot path needs no promise),
 * or `undefined` when the key must be asked for ({@link resolveWebBotAuthKey}).
 */
export function trustedWebBotAuthKey(input: SignatureInput, agent: SignatureAgent | undefined, options: ResolvedOptions): KeyResolution | undefined {
  const entry = findAgentKey(options.keys, input.params.keyid as string, agent?.uri);
  if (entry === undefined) return undefined;
  // The match means keyid === thumbprint and (with an agent) agent.uri === entry.agent: the answer depends on the
  // entry alone, and was made with it.
  return entry.webBotAuth;
}

/**
 * Finds the key: a statically trusted key for this agent, then the `resolveKey` hook, then key discovery.
 * @throws SignetError `missing_signature_agent`, `unknown_key`, discovery codes
 */
export async function resolveWebBotAuthKey(input: SignatureInput, agent: SignatureAgent | undefined, options: ResolvedOptions): Promise<KeyResolution> {
  const keyid = input.params.keyid as string;
  const trusted = trustedWebBotAuthKey(input, agent, options);
  if (trusted !== undefined) return trusted;
  const found = await askHook(options.resolveKey, { profile: 'web-bot-auth', label: input.label, keyid, signatureAgent: agent, input });
  if (found !== undefined) {
    if (found.key.type === 'secret') throw new SignetError('unsupported_algorithm', 'Web Bot Auth signatures never use shared secrets (HMAC).');
    return { key: found.key, id: found.agent ?? agent?.uri ?? keyid, keyid, thumbprint: found.key.thumbprint, pseudonymous: false };
  }
  if (agent === undefined) {
    throw new SignetError('missing_signature_agent', `Signature "${input.label}" comes with no Signature-Agent, and keyid ${JSON.stringify(keyid)} is not a trusted key.`);
  }
  if (options.discovery === undefined) {
    throw new SignetError('unknown_key', `No trusted key for agent ${JSON.stringify(agent.uri)} has thumbprint ${JSON.stringify(keyid)}, and key discovery is off.`);
  }
  const discovered = await options.discovery.findAgentKey(agent, keyid);
  return { key: discovered.key, id: agent.uri, keyid, thumbprint: discovered.thumbprint, pseudonymous: false };
}
