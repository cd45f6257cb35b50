// Notes are encrypted at rest with AES-256-GCM. The envelope names its key, so keys can rotate:
// new notes use the current key, older notes stay readable with the retired keys listed beside it.
//
// Envelope: `<version>.<keyId>.<iv>.<tag>.<ciphertext>` (iv, tag and ciphertext in base64). The IV
// is 12 bytes and the tag 16, fixed and checked before anything is decrypted: GCM would otherwise
// accept a tag cut short, and a 4-byte tag can be forged by trying. The context is the additional
// authenticated data (AAD): what the plaintext belongs to, so it opens nowhere else.
//  v2  sealed today; the caller's context (notes: their program and their contact).
//  v1  earlier envelopes, same layout; notes were bound to their program only. They still open,
//      under the caller's legacy context, and `rekey` rewrites them as v2.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CarelogError } from '../errors.js';

const CIPHER = 'aes-256-gcm';
/** The version new envelopes are sealed as. */
export const ENVELOPE_VERSION = 'v2';
const LEGACY_VERSION = 'v1';
export const IV_BYTES = 12;
export const TAG_BYTES = 16;

export interface Keyring {
  /** Id of the key new envelopes are sealed with. */
  currentKeyId: string;
  /** Seals a v2 envelope bound to `context`. */
  encrypt(plaintext: string, context: string): { envelope: string; keyId: string };
  /**
   * Opens a v2 envelope bound to `context`, or a v1 envelope bound to `legacyContext` (by default
   * `context` too). Throws a CarelogError that never carries the plaintext: `invalid_input` (not an
   * envelope, or an IV or tag of the wrong length), `encryption_key_unknown`, or
   * `encryption_envelope_rejected` (altered, or bound to something else).
   */
  decrypt(envelope: string, context: string, legacyContext?: string): string;
}

/** A key's id: the first 12 hex digits of its SHA-256, so the key itself is never written down. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

/** The version an envelope names (`v1`, `v2`), or null when it names none. */
export function envelopeVersion(envelope: string): string | null {
  return envelope.split('.', 1)[0] || null;
}

/**
 * Decodes one base64 part of exactly `bytes` bytes. Strict: Buffer.from skips characters that are
 * not base64 and stops at a cut, so the text must be the canonical encoding of what it decodes to.
 */
function part(b64: string, bytes: number, name: string): Buffer {
  const buf = Buffer.from(b64, 'base64');
  if (buf.toString('base64') !== b64)
    throw new CarelogError('invalid_input', `Notes envelope: the ${name} is not base64`);
  if (buf.length !== bytes) {
    throw new CarelogError('invalid_input', `Notes envelope: the ${name} must be ${bytes} bytes, not ${buf.length}`);
  }
  return buf;
}

export function createKeyring(current: Buffer, retired: Buffer[] = []): Keyring {
  if (current.length !== 32)
    throw new CarelogError('encryption_key_missing', 'The notes encryption key must be 32 bytes');
  const keys = new Map<string, Buffer>([
    [keyIdOf(current), current],
    ...retired.map((k) => [keyIdOf(k), k] as [string, Buffer]),
  ]);
  const currentKeyId = keyIdOf(current);
  return {
    currentKeyId,
    encrypt(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(CIPHER, current, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(context));
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return {
        envelope: [
          ENVELOPE_VERSION,
          currentKeyId,
          iv.toString('base64'),
          tag.toString('base64'),
          ct.toString('base64'),
        ].join('.'),
        keyId: currentKeyId,
      };
    },
    decrypt(envelope, context, legacyContext = context) {
      const parts = envelope.split('.');
      const [version, keyId, iv64, tag64, ct64] = parts;
      if (
        (version !== ENVELOPE_VERSION && version !== LEGACY_VERSION) ||
        parts.length !== 5 ||
        !keyId ||
        ct64 === undefined
      ) {
        throw new CarelogError('invalid_input', 'Not a carelog notes envelope');
      }
      const iv = part(iv64!, IV_BYTES, 'IV');
      const tag = part(tag64!, TAG_BYTES, 'tag');
      const ct = Buffer.from(ct64, 'base64');
      if (ct.toString('base64') !== ct64)
        throw new CarelogError('invalid_input', 'Notes envelope: the ciphertext is not base64');
      const key = keys.get(keyId);
      if (!key)
        throw new CarelogError(
          'encryption_key_unknown',
          `Notes were sealed with key ${keyId}, which is not configured`,
        );
      const decipher = createDecipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(version === LEGACY_VERSION ? legacyContext : context));
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
      } catch {
        // GCM says only that the tag does not match; nothing of the plaintext is released.
        throw new CarelogError(
          'encryption_envelope_rejected',
          `A ${version} envelope under key ${keyId} does not open here: it was altered, or it belongs to another record`,
        );
      }
    },
  };
}

/**
 * The key from CARELOG_ENCRYPTION_KEY; outside production, when it is unset, a key generated once
 * into `<dataDir>/encryption.key` (the caller warns: losing that file loses the notes).
 */
export function loadKeyring(opts: {
  keyBase64: string | undefined;
  retiredBase64: string[];
  production: boolean;
  dataDir: string;
}): { keyring: Keyring; generatedKeyFile: string | null } {
  const retired = opts.retiredBase64.map((k) => Buffer.from(k, 'base64'));
  if (opts.keyBase64)
    return { keyring: createKeyring(Buffer.from(opts.keyBase64, 'base64'), retired), generatedKeyFile: null };
  if (opts.production) {
    throw new CarelogError(
      'encryption_key_missing',
      'CARELOG_ENCRYPTION_KEY: required in production (32 bytes, base64)',
    );
  }
  const file = path.join(opts.dataDir, 'encryption.key');
  if (!existsSync(file)) {
    mkdirSync(opts.dataDir, { recursive: true });
    writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  return { keyring: createKeyring(key, retired), generatedKeyFile: file };
}
