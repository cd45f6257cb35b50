// src/services/crypto.ts: notes sealed with AES-256-GCM, bound to their context, keys that rotate.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isCarelogError } from '../../src/errors.js';
import { createKeyring, keyIdOf, loadKeyring } from '../../src/services/crypto.js';
import { sealV1 } from '../support/legacy-envelope.js';

const OLD_KEY = Buffer.alloc(32, 0x11);
const NEW_KEY = Buffer.alloc(32, 0x22);
const CONTEXT = 'program:wilmington';
const CANARY = 'CANARY-NOTE-7f3a9 Jane Roe said she hears voices';

/** Splits an envelope into its named parts: v2.<keyId>.<iv>.<tag>.<ciphertext>. */
function partsOf(envelope: string) {
  const [version, keyId, iv, tag, ct] = envelope.split('.');
  return { version, keyId, iv: iv!, tag: tag!, ct: ct! };
}

/** Flips one bit of a base64 part, keeping it valid base64. */
function flipBit(b64: string): string {
  const bytes = Buffer.from(b64, 'base64');
  bytes[0] = bytes[0]! ^ 0x01;
  return bytes.toString('base64');
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error, nothing was thrown');
}

describe('createKeyring', () => {
  it('decrypts what it encrypts, in the same context', () => {
    const keyring = createKeyring(NEW_KEY);
    for (const text of [CANARY, '', 'Ünïcødé — 日本語 — 🚓', 'n'.repeat(3000)]) {
      expect(keyring.decrypt(keyring.encrypt(text, CONTEXT).envelope, CONTEXT)).toBe(text);
    }
  });

  it('writes an envelope that carries the key id, not the key or the plaintext', () => {
    const keyring = createKeyring(NEW_KEY);
    const { envelope, keyId } = keyring.encrypt(CANARY, CONTEXT);
    expect(keyId).toBe(keyIdOf(NEW_KEY));
    expect(keyId).toMatch(/^[0-9a-f]{12}$/);
    expect(partsOf(envelope)).toMatchObject({ version: 'v2', keyId });
    expect(Buffer.from(partsOf(envelope).iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(partsOf(envelope).tag, 'base64')).toHaveLength(16);
    expect(envelope).not.toContain('CANARY');
    expect(envelope).not.toContain(Buffer.from(CANARY).toString('base64').slice(0, 16));
    expect(envelope).not.toContain(NEW_KEY.toString('base64'));
    expect(Buffer.from(partsOf(envelope).ct, 'base64').toString('utf8')).not.toContain('CANARY');
  });

  it('seals the same note differently each time', () => {
    const keyring = createKeyring(NEW_KEY);
    const a = keyring.encrypt(CANARY, CONTEXT).envelope;
    const b = keyring.encrypt(CANARY, CONTEXT).envelope;
    expect(a).not.toBe(b);
    expect(partsOf(a).iv).not.toBe(partsOf(b).iv);
  });

  it('refuses to open a note in another program’s context', () => {
    const keyring = createKeyring(NEW_KEY);
    const { envelope } = keyring.encrypt(CANARY, CONTEXT);
    expect(() => keyring.decrypt(envelope, 'program:dover')).toThrow();
  });

  it.each(['ct', 'tag', 'iv'] as const)('refuses an envelope whose %s was altered', (part) => {
    const keyring = createKeyring(NEW_KEY);
    const p = partsOf(keyring.encrypt(CANARY, CONTEXT).envelope);
    const tampered = { ...p, [part]: flipBit(p[part]) };
    const envelope = [tampered.version, tampered.keyId, tampered.iv, tampered.tag, tampered.ct].join('.');
    const err = thrown(() => keyring.decrypt(envelope, CONTEXT));
    expect(String(err)).not.toContain('CANARY');
  });

  it('refuses text that is not an envelope', () => {
    const keyring = createKeyring(NEW_KEY);
    for (const text of ['', CANARY, 'v2.abc.def.ghi.jkl', 'v1.abc']) {
      const err = thrown(() => keyring.decrypt(text, CONTEXT));
      expect(isCarelogError(err, 'invalid_input')).toBe(true);
      expect((err as Error).message).not.toContain('CANARY');
    }
  });

  it('refuses a tag cut short, before decrypting, with an error that names the tag and carries no note', () => {
    const keyring = createKeyring(NEW_KEY);
    const p = partsOf(keyring.encrypt(CANARY, CONTEXT).envelope);
    for (const bytes of [0, 4, 12, 15]) {
      const tag = Buffer.from(p.tag, 'base64').subarray(0, bytes).toString('base64');
      const err = thrown(() => keyring.decrypt([p.version, p.keyId, p.iv, tag, p.ct].join('.'), CONTEXT));
      expect(isCarelogError(err, 'invalid_input')).toBe(true);
      expect((err as Error).message).toContain(`tag must be 16 bytes, not ${bytes}`);
      expect(String(err)).not.toContain('CANARY');
    }
    // A tag padded out to 17 bytes is refused too.
    const long = Buffer.concat([Buffer.from(p.tag, 'base64'), Buffer.alloc(1)]).toString('base64');
    expect(
      isCarelogError(
        thrown(() => keyring.decrypt([p.version, p.keyId, p.iv, long, p.ct].join('.'), CONTEXT)),
        'invalid_input',
      ),
    ).toBe(true);
  });

  it('refuses an IV that is not 12 bytes, and parts that are not base64', () => {
    const keyring = createKeyring(NEW_KEY);
    const p = partsOf(keyring.encrypt(CANARY, CONTEXT).envelope);
    for (const bytes of [8, 11, 13, 16]) {
      const iv = randomBytes(bytes).toString('base64');
      const err = thrown(() => keyring.decrypt([p.version, p.keyId, iv, p.tag, p.ct].join('.'), CONTEXT));
      expect(isCarelogError(err, 'invalid_input')).toBe(true);
      expect((err as Error).message).toContain(`IV must be 12 bytes, not ${bytes}`);
    }
    for (const bad of [
      { ...p, iv: `${p.iv}!` },
      { ...p, tag: `*${p.tag}` },
      { ...p, ct: `${p.ct}~` },
    ]) {
      const err = thrown(() => keyring.decrypt([bad.version, bad.keyId, bad.iv, bad.tag, bad.ct].join('.'), CONTEXT));
      expect(isCarelogError(err, 'invalid_input')).toBe(true);
    }
  });

  it('answers an envelope that does not open with a coded error naming the key, never the note', () => {
    const keyring = createKeyring(NEW_KEY);
    const { envelope } = keyring.encrypt(CANARY, CONTEXT);
    const err = thrown(() => keyring.decrypt(envelope, 'program:dover'));
    expect(isCarelogError(err, 'encryption_envelope_rejected')).toBe(true);
    expect((err as Error).message).toContain(keyIdOf(NEW_KEY));
    expect(String(err)).not.toContain('CANARY');
  });

  describe('v1 envelopes (sealed before v2)', () => {
    const LEGACY = 'program-only:wilmington';

    it('still open, under the legacy context the caller names', () => {
      const keyring = createKeyring(NEW_KEY);
      const v1 = sealV1(NEW_KEY, CANARY, LEGACY);
      expect(keyring.decrypt(v1, CONTEXT, LEGACY)).toBe(CANARY);
      // Without a legacy context, the context itself: what Teams draft notes rely on.
      expect(keyring.decrypt(sealV1(NEW_KEY, CANARY, CONTEXT), CONTEXT)).toBe(CANARY);
      expect(
        isCarelogError(
          thrown(() => keyring.decrypt(v1, CONTEXT)),
          'encryption_envelope_rejected',
        ),
      ).toBe(true);
    });

    it('have their lengths checked too', () => {
      const p = partsOf(sealV1(NEW_KEY, CANARY, LEGACY));
      const tag = Buffer.from(p.tag, 'base64').subarray(0, 4).toString('base64');
      expect(
        isCarelogError(
          thrown(() =>
            createKeyring(NEW_KEY).decrypt([p.version, p.keyId, p.iv, tag, p.ct].join('.'), CONTEXT, LEGACY),
          ),
          'invalid_input',
        ),
      ).toBe(true);
    });

    it('cannot stand in for a v2 one, nor a v2 one for them: relabelled envelopes do not open', () => {
      const keyring = createKeyring(NEW_KEY);
      const v2 = keyring.encrypt(CANARY, CONTEXT).envelope;
      expect(
        isCarelogError(
          thrown(() => keyring.decrypt(v2.replace(/^v2\./, 'v1.'), CONTEXT, LEGACY)),
          'encryption_envelope_rejected',
        ),
      ).toBe(true);
      const v1 = sealV1(NEW_KEY, CANARY, LEGACY);
      expect(
        isCarelogError(
          thrown(() => keyring.decrypt(v1.replace(/^v1\./, 'v2.'), CONTEXT, LEGACY)),
          'encryption_envelope_rejected',
        ),
      ).toBe(true);
    });
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(
      isCarelogError(
        thrown(() => createKeyring(Buffer.alloc(16))),
        'encryption_key_missing',
      ),
    ).toBe(true);
  });

  describe('rotation', () => {
    it('opens notes sealed with a retired key and seals new ones with the current key', () => {
      const before = createKeyring(OLD_KEY);
      const oldEnvelope = before.encrypt(CANARY, CONTEXT).envelope;

      const after = createKeyring(NEW_KEY, [OLD_KEY]);
      expect(after.currentKeyId).toBe(keyIdOf(NEW_KEY));
      expect(after.currentKeyId).not.toBe(before.currentKeyId);
      expect(after.decrypt(oldEnvelope, CONTEXT)).toBe(CANARY);

      const sealed = after.encrypt('second note', CONTEXT);
      expect(sealed.keyId).toBe(keyIdOf(NEW_KEY));
      expect(partsOf(sealed.envelope).keyId).toBe(keyIdOf(NEW_KEY));
      // Sealed with the new key: the new key alone opens it.
      expect(createKeyring(NEW_KEY).decrypt(sealed.envelope, CONTEXT)).toBe('second note');
    });

    it('names an unknown key id with a coded error that carries no note', () => {
      const sealedWithNew = createKeyring(NEW_KEY).encrypt(CANARY, CONTEXT).envelope;
      const err = thrown(() => createKeyring(OLD_KEY).decrypt(sealedWithNew, CONTEXT));
      expect(isCarelogError(err, 'encryption_key_unknown')).toBe(true);
      const message = (err as Error).message;
      expect(message).toContain(keyIdOf(NEW_KEY));
      expect(message).not.toContain('CANARY');
      expect(message).not.toContain('Jane');
      expect(message).not.toContain(NEW_KEY.toString('base64'));
    });
  });
});

describe('loadKeyring', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  function tempDir(): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'carelog-keys-'));
    dirs.push(dir);
    return dir;
  }

  it('uses the configured key and retired keys, writing no file', () => {
    const dataDir = path.join(tempDir(), 'data');
    const oldEnvelope = createKeyring(OLD_KEY).encrypt(CANARY, CONTEXT).envelope;
    const { keyring, generatedKeyFile } = loadKeyring({
      keyBase64: NEW_KEY.toString('base64'),
      retiredBase64: [OLD_KEY.toString('base64')],
      production: true,
      dataDir,
    });
    expect(generatedKeyFile).toBeNull();
    expect(existsSync(dataDir)).toBe(false);
    expect(keyring.currentKeyId).toBe(keyIdOf(NEW_KEY));
    expect(keyring.decrypt(oldEnvelope, CONTEXT)).toBe(CANARY);
  });

  it('outside production, generates <dataDir>/encryption.key readable by the owner only, then reuses it', () => {
    const dataDir = path.join(tempDir(), 'nested', 'data');
    const first = loadKeyring({ keyBase64: undefined, retiredBase64: [], production: false, dataDir });
    const file = path.join(dataDir, 'encryption.key');
    expect(first.generatedKeyFile).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    expect(key).toHaveLength(32);
    expect(first.keyring.currentKeyId).toBe(keyIdOf(key));

    const envelope = first.keyring.encrypt(CANARY, CONTEXT).envelope;
    const second = loadKeyring({ keyBase64: undefined, retiredBase64: [], production: false, dataDir });
    expect(second.generatedKeyFile).toBe(file);
    expect(readFileSync(file, 'utf8').trim()).toBe(key.toString('base64'));
    expect(second.keyring.currentKeyId).toBe(first.keyring.currentKeyId);
    expect(second.keyring.decrypt(envelope, CONTEXT)).toBe(CANARY);
  });

  it('generates a different key for a different data directory', () => {
    const a = loadKeyring({ keyBase64: undefined, retiredBase64: [], production: false, dataDir: tempDir() });
    const b = loadKeyring({ keyBase64: undefined, retiredBase64: [], production: false, dataDir: tempDir() });
    expect(a.keyring.currentKeyId).not.toBe(b.keyring.currentKeyId);
  });

  it('in production without a key, refuses and names CARELOG_ENCRYPTION_KEY, generating nothing', () => {
    const dataDir = path.join(tempDir(), 'data');
    const err = thrown(() => loadKeyring({ keyBase64: undefined, retiredBase64: [], production: true, dataDir }));
    expect(isCarelogError(err, 'encryption_key_missing')).toBe(true);
    expect((err as Error).message).toContain('CARELOG_ENCRYPTION_KEY');
    expect(existsSync(dataDir)).toBe(false);
  });
});
