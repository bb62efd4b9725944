/**
 * Keys: import from JWK, PEM or raw Ed25519 bytes; export the public JWK; generate.
 * Private material lives only inside node:crypto `KeyObject`s held in private fields: it never
 * appears in `JSON.stringify`, `util.inspect` or an error message.
 * @module
 */
import {
  createECDH,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  randomBytes,
  KeyObject,
  type JsonWebKey as NodeJsonWebKey,
} from 'node:crypto';
import { inspect } from 'node:util';
import { ALGORITHMS, algorithmFromJose, isAlgorithmName, type AlgorithmName, type KeyShape, type KeyType } from './algorithms.js';
import { SignetError } from './errors.js';
import { jwkThumbprint } from './thumbprint.js';

/** A JSON Web Key (RFC 7517), public or private. */
export interface Jwk {
  kty: string;
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
  d?: string;
  p?: string;
  q?: string;
  dp?: string;
  dq?: string;
  qi?: string;
  k?: string;
  alg?: string;
  kid?: string;
  use?: string;
  key_ops?: string[];
  nbf?: number;
  exp?: number;
  [member: string]: unknown;
}

/** A JWK Set (RFC 7517 §5). */
export interface Jwks {
  keys: Jwk[];
}

/** Options when importing a key. */
export interface ImportKeyOptions {
  /**
   * Restrict the key to this algorithm. Needed for RSA keys, which fit both `rsa-pss-sha512` and
   * `rsa-v1_5-sha256`, unless the JWK has an `alg` or the PEM is an RSASSA-PSS key.
   */
  alg?: AlgorithmName;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** A key Signet can sign or verify with. Create with {@link importJwk}, {@link importPem}, {@link importKey} or {@link generateKey}. */
export class SignetKey implements KeyShape {
  /** `private` and `secret` keys can sign; every key can verify. */
  readonly type: 'public' | 'private' | 'secret';
  readonly kty: KeyType;
  readonly crv: string | undefined;
  /** The algorithm this key is restricted to, when known. */
  readonly alg: AlgorithmName | undefined;
  /** The `kid` the key was imported with, if any. */
  readonly kid: string | undefined;
  readonly #key: KeyObject;
  #publicJwk: Jwk | undefined;
  #thumbprint: string | undefined;

  /** @internal Use the import functions. */
  constructor(key: KeyObject, kty: KeyType, crv: string | undefined, alg: AlgorithmName | undefined, kid: string | undefined) {
    this.#key = key;
    this.type = key.type;
    this.kty = kty;
    this.crv = crv;
    this.alg = alg;
    this.kid = kid;
  }

  /** @internal The node:crypto key, for the crypto backends. */
  static keyObject(key: SignetKey): KeyObject {
    return key.#key;
  }

  /** The public JWK: required members only (no `d`, no `kid`, no `alg`). Throws for secret keys. */
  publicJwk(): Jwk {
    if (this.#publicJwk !== undefined) return { ...this.#publicJwk };
    if (this.type === 'secret') throw new SignetError('invalid_key', 'A shared secret (hmac-sha256) has no public JWK.');
    const exported = exportJwk(this.type === 'private' ? createPublicKey(this.#key) : this.#key);
    const jwk: Jwk = { kty: exported.kty };
    for (const member of ['crv', 'x', 'y', 'n', 'e'] as const) if (exported[member] !== undefined) jwk[member] = exported[member];
    this.#publicJwk = jwk;
    return { ...jwk };
  }

  /** The RFC 7638 JWK thumbprint (SHA-256, base64url): the Web Bot Auth `keyid`. Throws for secret keys. */
  get thumbprint(): string {
    this.#thumbprint ??= jwkThumbprint(this.publicJwk());
    return this.#thumbprint;
  }

  /** The same key without its private part. */
  toPublic(): SignetKey {
    if (this.type === 'public') return this;
    if (this.type === 'secret') throw new SignetError('invalid_key', 'A shared secret has no public half.');
    return new SignetKey(createPublicKey(this.#key), this.kty, this.crv, this.alg, this.kid);
  }

  /** Never the key material. */
  toJSON(): { type: string; kty: KeyType; crv?: string; alg?: AlgorithmName; kid?: string } {
    return {
      type: this.type,
      kty: this.kty,
      ...(this.crv === undefined ? {} : { crv: this.crv }),
      ...(this.alg === undefined ? {} : { alg: this.alg }),
      ...(this.kid === undefined ? {} : { kid: this.kid }),
    };
  }

  [inspect.custom](): string {
    return `SignetKey ${JSON.stringify(this.toJSON())}`;
  }
}

/**
 * Imports a JWK (OKP Ed25519, EC P-256/P-384, RSA, or oct for HMAC). A JWK `alg` restricts the key.
 * @throws SignetError `invalid_key`, `unsupported_algorithm`
 */
export function importJwk(jwk: Jwk, options: ImportKeyOptions = {}): SignetKey {
  if (typeof jwk !== 'object' || jwk === null || typeof jwk.kty !== 'string') {
    throw new SignetError('invalid_key', 'A JWK must be an object with a string "kty".');
  }
  const alg = pickAlgorithm(jwk.alg === undefined ? undefined : String(jwk.alg), options.alg);
  const kid = typeof jwk.kid === 'string' ? jwk.kid : undefined;
  let key: KeyObject;
  try {
    if (jwk.kty === 'oct') {
      if (typeof jwk.k !== 'string') throw new Error('"k" is missing');
      key = createSecretKey(Buffer.from(jwk.k, 'base64url'));
    } else if (jwk.kty === 'OKP' || jwk.kty === 'EC' || jwk.kty === 'RSA') {
      const input = { key: jwk as NodeJsonWebKey, format: 'jwk' as const };
      key = jwk.d !== undefined ? createPrivateKey(input) : createPublicKey(input);
      if (jwk.d !== undefined) checkKeyPair(jwk, key);
    } else {
      throw new Error(`unsupported kty "${jwk.kty}"`);
    }
  } catch (cause) {
    if (cause instanceof SignetError) throw cause;
    throw new SignetError('invalid_key', `The JWK could not be imported: ${(cause as Error).message}.`, { cause });
  }
  return wrap(key, alg, kid);
}

/**
 * A private JWK's public members must belong to its private key: node:crypto silently derives an
 * Ed25519 public key from `d` (ignoring `x`) and keeps a mismatched EC or RSA public part, so the
 * key's identity (its thumbprint) would not be the one the file shows. Never echoes private members.
 */
function checkKeyPair(jwk: Jwk, key: KeyObject): void {
  const mismatch = (members: string): never => {
    throw new Error(`its public member${members.includes(',') ? 's' : ''} ${members} do${members.includes(',') ? '' : 'es'} not belong to its private key`);
  };
  if (jwk.kty === 'OKP') {
    if (jwk.x !== undefined && (createPublicKey(key).export({ format: 'jwk' }) as Jwk).x !== jwk.x) mismatch('"x"');
  } else if (jwk.kty === 'EC') {
    const curve = jwk.crv === 'P-256' ? 'prime256v1' : jwk.crv === 'P-384' ? 'secp384r1' : jwk.crv === 'P-521' ? 'secp521r1' : undefined;
    if (curve === undefined || typeof jwk.d !== 'string') return;
    const ecdh = createECDH(curve);
    ecdh.setPrivateKey(Buffer.from(jwk.d, 'base64url'));
    const point = ecdh.getPublicKey(); // 0x04 || X || Y
    const size = (point.length - 1) / 2;
    const x = Buffer.from(String(jwk.x), 'base64url');
    const y = Buffer.from(String(jwk.y), 'base64url');
    if (!x.equals(point.subarray(1, 1 + size)) || !y.equals(point.subarray(1 + size))) mismatch('"x", "y"');
  } else if (jwk.kty === 'RSA' && typeof jwk.p === 'string' && typeof jwk.q === 'string' && typeof jwk.n === 'string') {
    const int = (b64: string): bigint => BigInt('0x' + (Buffer.from(b64, 'base64url').toString('hex') || '0'));
    if (int(jwk.n) !== int(jwk.p) * int(jwk.q)) mismatch('"n"');
  }
}

/**
 * Imports a PEM key: PKCS#8 / SPKI / PKCS#1 / SEC1, private or public. An RSASSA-PSS key is
 * restricted to `rsa-pss-sha512`.
 * @throws SignetError `invalid_key`
 */
export function importPem(pem: string, options: ImportKeyOptions = {}): SignetKey {
  let key: KeyObject;
  try {
    key = pem.includes('PRIVATE KEY') ? createPrivateKey(pem) : createPublicKey(pem);
  } catch (cause) {
    throw new SignetError('invalid_key', `The PEM key could not be imported: ${(cause as Error).message}.`, { cause });
  }
  return wrap(key, options.alg, undefined);
}

/**
 * Imports a raw Ed25519 key: the 32-byte public key, or the 32-byte private seed.
 * @throws SignetError `invalid_key`
 */
export function importRawEd25519(bytes: Uint8Array, type: 'public' | 'private'): SignetKey {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) {
    throw new SignetError('invalid_key', `A raw Ed25519 ${type} key is 32 bytes, got ${bytes instanceof Uint8Array ? bytes.length : typeof bytes}.`);
  }
  const der = Buffer.concat([Buffer.from(type === 'public' ? '302a300506032b6570032100' : '302e020100300506032b657004220420', 'hex'), bytes]);
  const key = type === 'public' ? createPublicKey({ key: der, format: 'der', type: 'spki' }) : createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  return wrap(key, 'ed25519', undefined);
}

/** Key material in any supported form: a JWK object or JSON text, a PEM string, a node `KeyObject`, or a {@link SignetKey}. */
export type KeyInput = SignetKey | Jwk | string | KeyObject;

/** Imports a key from any supported form (see {@link KeyInput}). */
export function importKey(input: KeyInput, options: ImportKeyOptions = {}): SignetKey {
  if (input instanceof SignetKey) return input;
  if (typeof input === 'string') {
    const text = input.trim();
    if (text.startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        // No `cause`: V8's JSON.parse message quotes the text around the error, which would leak key material.
        throw new SignetError('invalid_key', 'The key text starts with "{" but is not valid JSON.');
      }
      return importJwk(parsed as Jwk, options);
    }
    if (text.startsWith('-----BEGIN')) return importPem(text, options);
    throw new SignetError('invalid_key', 'Key text must be a JWK (JSON) or a PEM block.');
  }
  if (isKeyObject(input)) return wrap(input, options.alg, undefined);
  return importJwk(input, options);
}

/** Generates a new private key for `alg` (default `ed25519`). */
export function generateKey(alg: AlgorithmName = 'ed25519'): SignetKey {
  switch (alg) {
    case 'ed25519':
      return wrap(generateKeyPairSync('ed25519').privateKey, alg, undefined);
    case 'ecdsa-p256-sha256':
      return wrap(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, alg, undefined);
    case 'ecdsa-p384-sha384':
      return wrap(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey, alg, undefined);
    case 'rsa-pss-sha512':
    case 'rsa-v1_5-sha256':
      return wrap(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, alg, undefined);
    case 'hmac-sha256':
      return wrap(createSecretKey(randomBytes(64)), alg, undefined);
    default:
      throw new SignetError('unsupported_algorithm', `Cannot generate a key for "${String(alg)}".`);
  }
}

/** The private JWK of a key, for writing a key file. Handle with care: it contains the secret. */
export function exportPrivateJwk(key: SignetKey): Jwk {
  if (key.type === 'public') throw new SignetError('invalid_key', 'This is a public key: it has no private JWK.');
  const jwk = SignetKey.keyObject(key).export({ format: 'jwk' }) as Jwk;
  if (key.alg !== undefined) jwk.alg = ALGORITHMS[key.alg].jose;
  return jwk;
}

/** A copy of a JWK without private members (`d`, primes, `k`). */
export function stripPrivateMembers(jwk: Jwk): Jwk {
  const copy: Jwk = { ...jwk };
  for (const member of PRIVATE_MEMBERS) delete copy[member];
  return copy;
}

/** True when the JWK carries private key material. */
export function hasPrivateMembers(jwk: Jwk): boolean {
  return PRIVATE_MEMBERS.some((member) => jwk[member] !== undefined);
}

function pickAlgorithm(jose: string | undefined, requested: AlgorithmName | undefined): AlgorithmName | undefined {
  if (requested !== undefined && !isAlgorithmName(requested)) {
    throw new SignetError('unsupported_algorithm', `"${String(requested)}" is not an RFC 9421 algorithm name.`);
  }
  const declared = jose === undefined ? undefined : algorithmFromJose(jose);
  if (declared !== undefined && requested !== undefined && declared !== requested) {
    throw new SignetError('algorithm_mismatch', `The JWK declares alg "${jose}" (${declared}) but ${requested} was requested.`);
  }
  return requested ?? declared;
}

function wrap(key: KeyObject, alg: AlgorithmName | undefined, kid: string | undefined): SignetKey {
  let kty: KeyType;
  let crv: string | undefined;
  switch (key.type === 'secret' ? 'secret' : key.asymmetricKeyType) {
    case 'secret':
      kty = 'oct';
      break;
    case 'ed25519':
      kty = 'OKP';
      crv = 'Ed25519';
      break;
    case 'ec': {
      kty = 'EC';
      const curve = key.asymmetricKeyDetails?.namedCurve;
      crv = curve === 'prime256v1' ? 'P-256' : curve === 'secp384r1' ? 'P-384' : curve;
      break;
    }
    case 'rsa':
      kty = 'RSA';
      break;
    case 'rsa-pss':
      kty = 'RSA';
      alg ??= 'rsa-pss-sha512';
      break;
    default:
      throw new SignetError('invalid_key', `Unsupported key type "${key.asymmetricKeyType ?? key.type}" (supported: Ed25519, EC P-256/P-384, RSA, HMAC secrets).`);
  }
  if (alg !== undefined) {
    const info = ALGORITHMS[alg];
    if (info.kty !== kty || (info.crv !== undefined && info.crv !== crv)) {
      throw new SignetError('algorithm_mismatch', `A ${crv === undefined ? kty : `${kty} ${crv}`} key cannot be used with ${alg}.`);
    }
  }
  if (kty === 'EC' && crv !== 'P-256' && crv !== 'P-384') {
    throw new SignetError('invalid_key', `EC curve ${String(crv)} is not supported (P-256, P-384).`);
  }
  return new SignetKey(key, kty, crv, alg, kid);
}

/**
 * The JWK of a public key. node:crypto cannot export an RSASSA-PSS key (OID 1.2.840.113549.1.1.10) as a
 * JWK, but its SubjectPublicKeyInfo holds the same RSAPublicKey (n, e) as a plain RSA key.
 */
function exportJwk(publicKey: KeyObject): Jwk {
  if (publicKey.asymmetricKeyType !== 'rsa-pss') return publicKey.export({ format: 'jwk' }) as Jwk;
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const outer = readDer(spki, 0); // SEQUENCE { algorithm, subjectPublicKey }
  const algorithm = readDer(spki, outer.contentStart);
  const bitString = readDer(spki, algorithm.end);
  if (outer.tag !== 0x30 || algorithm.tag !== 0x30 || bitString.tag !== 0x03) {
    throw new SignetError('invalid_key', 'The RSASSA-PSS public key has an unexpected SubjectPublicKeyInfo structure.');
  }
  const rsaPublicKey = spki.subarray(bitString.contentStart + 1, bitString.end); // skip the unused-bits byte
  return createPublicKey({ key: rsaPublicKey, format: 'der', type: 'pkcs1' }).export({ format: 'jwk' }) as Jwk;
}

/** Reads one DER tag-length header: enough to walk a SubjectPublicKeyInfo. */
function readDer(der: Buffer, offset: number): { tag: number; contentStart: number; end: number } {
  const tag = der[offset] ?? -1;
  let length = der[offset + 1] ?? 0;
  let contentStart = offset + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + (der[contentStart + i] ?? 0);
    contentStart += bytes;
  }
  return { tag, contentStart, end: contentStart + length };
}

function isKeyObject(value: unknown): value is KeyObject {
  return value instanceof KeyObject;
}
