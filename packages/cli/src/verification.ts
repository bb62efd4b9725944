/**
 * Verifying one signature of a message for the CLI: the verification profiles, and a report that
 * keeps everything worth showing (the signature base included) whether or not the signature verified.
 * @module
 */
import {
  ALGORITHMS,
  SignetError,
  type MessageView,
  readSignatures,
  resolveAlgorithm,
  selectSignature,
  serializeComponent,
  signatureBase,
  verifyMessage,
  type AlgorithmName,
  type SignatureInput,
  type SignetErrorCode,
  type SignetKey,
  type VerifyOptions,
} from '@signet/core';
import { keyThumbprint, verificationKey, type KeyFile } from './key-file.js';

/** The verification profiles of `signet verify --profile`. */
export const PROFILES = ['plain', 'web-bot-auth'] as const;

/** `plain`: RFC 9421 only. `web-bot-auth`: the Web Bot Auth request profile on top. */
export type Profile = (typeof PROFILES)[number];

/** The Web Bot Auth `tag`. */
export const WEB_BOT_AUTH_TAG = 'web-bot-auth';

/** What to verify and how. */
export interface CheckOptions {
  profile: Profile;
  /** Verify this label; otherwise the first signature (with `tag="web-bot-auth"` under that profile). */
  label?: string | undefined;
  /** The verifier's clock, UNIX seconds. */
  now: number;
  /** Allowed clock skew, seconds. */
  skew: number;
  /** Restricts the key to this algorithm (an RSA key fits two). */
  alg?: AlgorithmName | undefined;
}

/** The outcome of checking one signature, success or failure. The `--json` output of `signet verify`. */
export interface CheckReport {
  valid: boolean;
  label: string | null;
  keyid: string | null;
  alg: string | null;
  /** The covered component identifiers, serialized. */
  covered: string[];
  /** The signature base computed, when it could be computed. */
  base: string | null;
  /** Every signature parameter, standard and unknown. */
  params: Record<string, string | number | boolean>;
  error?: { code: SignetErrorCode; message: string };
}

/** The policy of a profile, as core `verifyMessage` options. */
export function profilePolicy(profile: Profile, options: Pick<CheckOptions, 'now' | 'skew' | 'label'>): Omit<VerifyOptions, 'key'> {
  const base = { now: options.now, skew: options.skew, label: options.label };
  if (profile === 'plain') return base;
  return {
    ...base,
    tag: WEB_BOT_AUTH_TAG,
    requiredParams: ['created', 'expires', 'keyid'],
    keyidIsThumbprint: true,
    // Web Bot Auth signatures are made with public keys; an HMAC secret must not be accepted.
    algorithms: (Object.keys(ALGORITHMS) as AlgorithmName[]).filter((alg) => alg !== 'hmac-sha256'),
  };
}

/** Web Bot Auth: "Agents MUST include at least one of" `@authority` or `@target-uri` (bare, not `;req`). */
function checkWebBotAuthCoverage(input: SignatureInput, covered: readonly string[]): void {
  if (!covered.includes('"@authority"') && !covered.includes('"@target-uri"')) {
    throw new SignetError('missing_required_component', `Signature "${input.label}" covers neither "@authority" nor "@target-uri"; the web-bot-auth profile requires one of them.`);
  }
}

/** The parameters of a signature as a plain object (byte sequences as base64, tokens as text). */
export function paramsObject(input: SignatureInput): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [name, value] of input.parameters) {
    out[name] = value instanceof ArrayBuffer ? Buffer.from(value).toString('base64') : typeof value === 'object' ? String(value) : (value as string | number | boolean);
  }
  return out;
}

/** Finds the signature the options select: by label, else by profile tag, else the first. */
export function selectInput(view: MessageView, options: Pick<CheckOptions, 'label' | 'profile'>): SignatureInput {
  const { inputs } = readSignatures(view);
  return selectSignature(inputs, { label: options.label, tag: options.profile === 'web-bot-auth' ? WEB_BOT_AUTH_TAG : undefined });
}

/**
 * Checks one signature of `message` with the key file, under a profile. Never throws a Signet error:
 * failures are in `report.error`, and `inputError` says whether the failure was bad input (exit 2)
 * rather than a failed signature or policy (exit 1).
 */
export async function checkSignature(
  view: MessageView,
  keyFile: KeyFile,
  options: CheckOptions,
  input?: SignatureInput,
): Promise<{ report: CheckReport; inputError: boolean }> {
  const report: CheckReport = { valid: false, label: null, keyid: null, alg: null, covered: [], base: null, params: {} };
  let key: SignetKey | undefined;
  try {
    input ??= selectInput(view, options);
    report.label = input.label;
    report.keyid = input.params.keyid ?? null;
    report.alg = input.params.alg ?? null;
    report.params = paramsObject(input);
    report.covered = input.components.map(serializeComponent);
    try {
      report.base = signatureBase(view, input);
    } catch {
      report.base = null; // verifyMessage reports why, with its code
    }
    if (options.profile === 'web-bot-auth') checkWebBotAuthCoverage(input, report.covered);
    key = verificationKey(keyFile, input, options.alg);
    if (key.kty === 'RSA' && key.alg === undefined && input.params.alg === undefined) {
      throw new SignetError(
        'invalid_usage',
        `The RSA key in ${JSON.stringify(keyFile.path)} fits rsa-pss-sha512 and rsa-v1_5-sha256, and signature "${input.label}" has no alg parameter: pass --alg rsa-pss-sha512 or --alg rsa-v1_5-sha256.`,
      );
    }
    if (options.profile === 'web-bot-auth' && key.type !== 'secret') keyThumbprint(key, 'The web-bot-auth profile compares keyid with it: use the key as a JWK.');
    try {
      report.alg = resolveAlgorithm(key, input.params.alg);
    } catch {
      // verifyMessage throws the same error with its code
    }
    const result = await verifyMessage(view, { ...profilePolicy(options.profile, { ...options, label: input.label }), key });
    report.valid = true;
    report.alg = result.alg;
    report.base = result.base;
    return { report, inputError: false };
  } catch (error) {
    if (!(error instanceof SignetError)) throw error;
    report.error = { code: error.code, message: error.message };
    return { report, inputError: error.code === 'invalid_usage' || error.code === 'invalid_key' || error.code === 'invalid_message' };
  }
}

/** What to try next after a failed check, by error code (for the human output). */
export function hintFor(code: string, context: { file: string; keyPath: string; now: number; profile: Profile }): string | undefined {
  const file = context.file === 'standard input' ? 'FILE' : context.file;
  switch (code) {
    case 'signature_invalid':
      return `the message or the key differs from what was signed; "signet inspect ${file} --key ${context.keyPath}" shows the signature base and each covered value.`;
    case 'expired':
    case 'not_yet_valid':
      return `checked at now = ${context.now}; pass --now UNIX_SECONDS to check at another time.`;
    case 'unknown_key':
      return 'the key file must hold the public key of the signer (a JWK, a JWKS with its kid or thumbprint, or a PEM).';
    case 'missing_signature':
      return `"signet inspect ${file}" lists the signatures of a message; --label picks one.`;
    case 'missing_parameter':
    case 'invalid_parameter':
    case 'missing_required_component':
      return context.profile === 'web-bot-auth'
        ? 'the web-bot-auth profile needs tag="web-bot-auth", created, expires, keyid = the JWK thumbprint of the key, and "@authority" or "@target-uri" covered; --profile plain checks RFC 9421 only.'
        : undefined;
    case 'algorithm_mismatch':
    case 'unsupported_algorithm':
      return 'the alg of the signature does not fit the key: is it the right key file? --alg restricts an RSA key to one algorithm.';
    default:
      return undefined;
  }
}
