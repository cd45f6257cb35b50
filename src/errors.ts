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

// What of an error may leave carelog (a log line, the queue dashboard): its name, codes, and the
// frames of its stack. Messages and stacks' first lines can quote what was sent or typed (a
// database error quotes the row, a library echoes a request body), so a message shows only when it
// is a Slack Web API error code.

/** The one message form that may be shown: a Slack Web API error code (`An API error occurred: ratelimited`). */
export const SHOWN_MESSAGE = /^An API error occurred: [a-z0-9_]+$/;
const HIDDEN = '[hidden]';
/** A code as libraries and carelog write them: SQLSTATE `23505`, `ECONNREFUSED`, `slack_webapi_platform_error`, `P2002`. */
const CODE = /^[A-Za-z0-9_.-]{1,64}$/;
const NAME = /^[A-Za-z_$][\w$]{0,99}$/;

/** An error's name, from the first line of its stack (`TypeError: …`), when it is one. */
export function stackErrorName(stack: string | undefined): string | null {
  const m = /^([A-Za-z_$][\w$]{0,99})(:|$)/m.exec(stack?.split('\n', 1)[0] ?? '');
  return m ? m[1]! : null;
}

/** A stack as carelog shows it: `Name: [hidden]` (or a Slack code) and the frames (`at …`) only. */
export function shownStack(stack: string): string {
  const [first = '', ...rest] = stack.split('\n');
  const name = stackErrorName(first) ?? 'Error';
  const message = first.slice(name.length).replace(/^:\s*/, '');
  const frames = rest.filter((l) => /^\s+at \S/.test(l));
  return [`${name}: ${SHOWN_MESSAGE.test(message) ? message : HIDDEN}`, ...frames].join('\n');
}

/** An error as carelog logs it (see `shownError`). */
export interface TShownError {
  name: string;
  /** carelog's code, a Postgres SQLSTATE, a Node, Redis, Prisma or Slack SDK code. */
  code?: string;
  /** The Slack Web API's error (`ratelimited`, `channel_not_found`). */
  slackError?: string;
  /** Only a Slack Web API error code's message. */
  message?: string;
  stack?: string;
  /** What it wrapped (`cause`, or Bolt's `original`), shown the same way. */
  cause?: TShownError;
}

/**
 * An error reduced to what may be logged: name, code (carelog's, a Postgres SQLSTATE, a library's),
 * the Slack Web API's error code, the stack's frames, and the same of what it wrapped. Never the
 * message (unless it is a Slack error code's), nor any other field an error carries (a database
 * error's `detail` quotes the row, an HTTP error carries the request).
 */
export function shownError(err: unknown, depth = 0): TShownError {
  if (err === null || typeof err !== 'object') return { name: typeof err };
  const e = err as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    stack?: unknown;
    data?: { error?: unknown };
    cause?: unknown;
    original?: unknown;
  };
  const out: TShownError = { name: typeof e.name === 'string' && NAME.test(e.name) ? e.name : 'Error' };
  if (typeof e.code === 'string' && CODE.test(e.code)) out.code = e.code;
  else if (typeof e.code === 'number' && Number.isInteger(e.code)) out.code = String(e.code);
  if (
    e.code === 'slack_webapi_platform_error' &&
    typeof e.data?.error === 'string' &&
    /^[a-z0-9_]{1,64}$/.test(e.data.error)
  ) {
    out.slackError = e.data.error;
  }
  if (typeof e.message === 'string' && SHOWN_MESSAGE.test(e.message)) out.message = e.message;
  if (typeof e.stack === 'string') out.stack = shownStack(e.stack);
  const cause = e.cause ?? e.original;
  if (cause !== undefined && cause !== null && depth < 3) out.cause = shownError(cause, depth + 1);
  return out;
}
