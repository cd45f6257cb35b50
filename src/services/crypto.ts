// Notes are encrypted at rest with AES-256-GCM. The envelope names its key, so keys can rotate:
// new notes use the current key, older notes stay readable with the retired keys listed beside it.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CarelogError } from '../errors.js';

const VERSION = 'v1';

export interface Keyring {
  /** Id of the key new envelopes are sealed with. */
  currentKeyId: string;
  encrypt(plaintext: string, context: string): { envelope: string; keyId: string };
  decrypt(envelope: string, context: string): string;
}

/** A key's id: the first 12 hex digits of its SHA-256, so the key itself is never written down. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

export function createKeyring(current: Buffer, retired: Buffer[] = []): Keyring {
  if (current.length !== 32) throw new CarelogError('encryption_key_missing', 'The notes encryption key must be 32 bytes');
  const keys = new Map<string, Buffer>([[keyIdOf(current), current], ...retired.map((k) => [keyIdOf(k), k] as [string, Buffer])]);
  const currentKeyId = keyIdOf(current);
  return {
    currentKeyId,
    encrypt(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current, iv);
      cipher.setAAD(Buffer.from(context));
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return {
        envelope: [VERSION, currentKeyId, iv.toString('base64'), tag.toString('base64'), ct.toString('base64')].join('.'),
        keyId: currentKeyId,
      };
    },
    decrypt(envelope, context) {
      const [version, keyId, iv, tag, ct] = envelope.split('.');
      if (version !== VERSION || !keyId || iv === undefined || tag === undefined || ct === undefined) {
        throw new CarelogError('invalid_input', 'Not a carelog notes envelope');
      }
      const key = keys.get(keyId);
      if (!key) throw new CarelogError('encryption_key_unknown', `Notes were sealed with key ${keyId}, which is not configured`);
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64')), decipher.final()]).toString('utf8');
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
  if (opts.keyBase64) return { keyring: createKeyring(Buffer.from(opts.keyBase64, 'base64'), retired), generatedKeyFile: null };
  if (opts.production) {
    throw new CarelogError('encryption_key_missing', 'CARELOG_ENCRYPTION_KEY: required in production (32 bytes, base64)');
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
