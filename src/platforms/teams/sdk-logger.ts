// The Teams SDK's log lines go through carelog's logger, stripped to what cannot carry a payload.
// The SDK logs whole activities at debug ("Handling activity", {…}), and its error event logs an
// error's message, which for a database error can quote the values of a query. So: objects are
// never logged, strings are cut at their first JSON, and error-level lines keep only the names and
// codes of the errors passed (carelog's own handlers log what they need, by id).
import type { ILogger, LogLevel } from '@microsoft/teams.common';
import type { Logger } from '../../logger.js';

function textOf(msg: unknown[]): string {
  const first = msg.find((m): m is string => typeof m === 'string');
  if (!first) return 'teams sdk';
  const line = first.replace(/[\r\n\t]/g, ' ');
  const json = line.search(/[{[]/);
  return (json === -1 ? line : `${line.slice(0, json)}[payload omitted]`).slice(0, 200);
}

function errorsOf(msg: unknown[]): { name: string; code?: string }[] {
  return msg
    .filter((m): m is Error & { code?: unknown } => m instanceof Error)
    .map((e) => ({ name: e.name, ...(typeof e.code === 'string' ? { code: e.code } : {}) }));
}

/**
 * The SDK reports a refused inbound token as errors (its validator's reason, then "JWT validation
 * failed"); that is someone else's bad request (expired, forged, for another bot), answered 401, so
 * carelog logs it as a warning: an operator's error alerts stay for carelog's own failures. "Failed
 * to get signing key" stays an error: it can mean the OpenID key set cannot be fetched.
 */
const REFUSED_TOKEN =
  /^(JWT validation failed|Token validation failed|JWT verification failed|Decoded token is not a valid object|Custom validation failed)/;

export function sdkLogger(logger: Logger, name = 'teams'): ILogger {
  const log = logger.child({ component: name });
  const write = (level: LogLevel, msg: unknown[]) => {
    if (level === 'error' && REFUSED_TOKEN.test(textOf(msg))) {
      log.warn(
        { errors: errorsOf(msg) },
        'a Teams request was refused: its Bot Framework token did not validate (answered 401)',
      );
      return;
    }
    switch (level) {
      case 'error':
        log.error({ errors: errorsOf(msg) }, 'the Teams SDK reported an error');
        return;
      case 'warn':
        log.warn({ errors: errorsOf(msg) }, textOf(msg));
        return;
      case 'info':
        log.info(textOf(msg));
        return;
      default:
        // The SDK's debug chatter (every activity, every route) only at trace level.
        log.trace(textOf(msg));
    }
  };
  return {
    debug: (...msg: unknown[]) => write('debug', msg),
    info: (...msg: unknown[]) => write('info', msg),
    warn: (...msg: unknown[]) => write('warn', msg),
    error: (...msg: unknown[]) => write('error', msg),
    trace: (...msg: unknown[]) => write('trace', msg),
    log: (level: LogLevel, ...msg: unknown[]) => write(level, msg),
    child: (child: string) => sdkLogger(logger, `${name}/${child}`),
  };
}
