// pino, with redaction as the second line of defence: carelog code logs identifiers only (contact
// ids, client codes at most), and anything that could hold what a person typed is censored anyway.
import { pino, type Logger, type DestinationStream } from 'pino';
import { shownError } from './errors.js';

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
      // Errors from libraries can echo request bodies or rows in their message: every `{ err }` is
      // logged as its name, codes and stack frames only (shownError), so call sites pass the error.
      serializers: { err: shownError },
      hooks: {
        // pino's own form `logger.error(err)` would make the error's message the line's message:
        // log it as `{ err }` with the error's name as the message instead.
        logMethod(args, method) {
          const [first, ...rest] = args as unknown[];
          if (!(first instanceof Error)) return method.apply(this, args);
          const message = typeof rest[0] === 'string' ? rest : [shownError(first).name, ...rest];
          return method.apply(this, [{ err: first }, ...message] as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}
