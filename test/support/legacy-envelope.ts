// A v1 notes envelope as carelog sealed them before v2 (same layout; notes were bound to their
// program only), for tests that check such envelopes still open and that rekey rewrites them.
import { createCipheriv, randomBytes } from 'node:crypto';
import { keyIdOf } from '../../src/services/crypto.js';

export function sealV1(key: Buffer, plaintext: string, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [
    'v1',
    keyIdOf(key),
    iv.toString('base64'),
    cipher.getAuthTag().toString('base64'),
    ct.toString('base64'),
  ].join('.');
}
