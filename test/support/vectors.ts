/** Reads the published vectors in place from ../shared/vectors (never copied into the project). */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const VECTORS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/vectors');

export function readVector<T>(relativePath: string): T {
  try {
    return JSON.parse(readFileSync(resolve(VECTORS_DIR, relativePath), 'utf8')) as T;
  } catch (cause) {
    throw new Error(`Cannot read the published vectors at ${VECTORS_DIR}/${relativePath}: ../shared must sit beside the project.`, { cause });
  }
}

export interface Rfc9421Vectors {
  keys: Record<string, { alg: string; publicPem?: string; privatePem?: string; jwk?: Record<string, string>; secretBase64?: string }>;
  messages: Record<string, string>;
  cases: Array<{
    id: string;
    message: string;
    scheme?: string;
    key: string;
    deterministic: boolean;
    signatureInput: string;
    signature: string;
    base: string;
  }>;
  digests: { rfc9530: Record<string, { body: string; 'sha-256'?: string; 'sha-512'?: string }> };
  transformations: { valid: string[]; invalid: string[] };
}

export const rfc9421 = (): Rfc9421Vectors => readVector<Rfc9421Vectors>('rfc9421.json');

export interface WebBotAuthCase {
  key: Record<string, string>;
  target_url: string;
  created_ms: number;
  expires_ms: number;
  nonce: string;
  label: string;
  signature: string;
  signature_input: string;
  signature_agent?: string;
  signature_agent_key?: string;
}

export interface DirectoryResponseCase {
  name: string;
  public_key: Record<string, string>;
  request: { method: string; target_url: string; headers: Record<string, string> };
  response: { status: number; headers: Record<string, string>; body: string };
  signature_base: string;
}

export interface SignatureAgentCase {
  name: string;
  header: string;
  entries: Array<{ label: string; uri: string; type: string }>;
}

export interface AgentCardCase {
  name: string;
  url: string;
  valid: boolean;
  error?: string;
  card: Record<string, unknown>;
}

export const webBotAuth = {
  architecture: () => readVector<WebBotAuthCase[]>('web-bot-auth/web_bot_auth_architecture_v2.json'),
  directory: () => readVector<DirectoryResponseCase[]>('web-bot-auth/directory_response_v1.json'),
  signatureAgent: () => readVector<SignatureAgentCase[]>('web-bot-auth/signature_agent_v1.json'),
  agentCard: () => readVector<AgentCardCase[]>('web-bot-auth/signature_agent_card_v1.json'),
};
