// One error type for carelog, with a stable string code. Messages never carry clinical content:
// they may name a variable, a key path, a client code or an id, nothing a person typed.
export type TErrorCode =
  | 'config_invalid'
  | 'database_locked'
  | 'database_unavailable'
  | 'redis_unavailable'
  | 'not_authorized'
  | 'unknown_program'
  | 'unknown_client'
  | 'invalid_input'
  | 'encryption_key_missing'
  | 'encryption_key_unknown'
  /** A notes envelope that does not open: altered, or bound to another program or contact. */
  | 'encryption_envelope_rejected'
  /** The command line will not write where it was told to (a link, an existing file): the message says what to do. */
  | 'output_refused'
  /** A chat platform's servers refused or failed a call (the message names the status, never the payload). */
  | 'platform_unavailable';

export class CarelogError extends Error {
  readonly code: TErrorCode;

  constructor(code: TErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CarelogError';
    this.code = code;
  }
}

export function isCarelogError(err: unknown, code?: TErrorCode): err is CarelogError {
  return err instanceof CarelogError && (code === undefined || err.code === code);
}
