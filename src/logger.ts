// pino, with redaction as the second line of defence: carelog code logs identifiers only (contact
// ids, client codes at most), and anything that could hold what a person typed is censored anyway.
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/** Paths that may carry clinical free text or raw payloads; censored wherever they appear. */
export const REDACT_PATHS = [
  'notes',
  '*.notes',
  '*.*.notes',
  'text',
  '*.text',
  'body',
  '*.body',
  'payload',
  '*.payload',
  'view',
  '*.view',
  'values',
  '*.values',
  'state',
  '*.state',
  'req.headers.authorization',
  'req.headers["x-slack-signature"]',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      name: 'carelog',
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      // Errors from libraries can echo request bodies in their message; keep type, code and stack.
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}
