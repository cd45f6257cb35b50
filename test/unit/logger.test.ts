// Errors through carelog's logger: whatever a call site passes as `err`, the line keeps the error's
// name, codes and stack frames, never what its message (or any other field) says.
import { Writable } from 'node:stream';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { CarelogError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';

const CANARY = 'CANARY-4f2 Jane Roe said she hears voices PIC-0042';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk, _e, cb) {
      raw.push(String(chunk));
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger('info', sink), lines, raw };
}

function thrown(make: () => unknown): unknown {
  try {
    throw make();
  } catch (err) {
    return err;
  }
}

describe('errors in log lines', () => {
  it('a thrown error whose message carries a note is logged by name and stack frames, without the note', () => {
    const { logger, lines, raw } = capture();
    const err = thrown(() => new TypeError(`cannot read notes of ${CANARY}\nsecond line ${CANARY}`));
    logger.error({ err, contactId: 'c-1' }, 'saving a contact failed');
    logger.warn(err as Error); // pino's own form: the error as the first argument
    expect(raw.join('')).not.toMatch(/CANARY|Jane|PIC-0042/);
    for (const line of lines) {
      const e = line.err as Record<string, string>;
      expect(Object.keys(e).sort()).toEqual(['name', 'stack']);
      expect(e.name).toBe('TypeError');
      expect(e.stack).toMatch(/^TypeError: \[hidden\]\n {4}at /);
      expect(
        e
          .stack!.split('\n')
          .slice(1)
          .every((l) => /^\s+at \S/.test(l)),
      ).toBe(true);
      expect(e.stack).toContain('logger.test.ts');
    }
    expect(lines[0]).toMatchObject({ level: 50, contactId: 'c-1', msg: 'saving a contact failed' });
    expect(lines[1]).toMatchObject({ level: 40, msg: 'TypeError' });
  });

  it("keeps carelog's code, a Postgres SQLSTATE and a Slack Web API error code; never a row or a request", () => {
    const { logger, lines, raw } = capture();
    logger.error({ err: new CarelogError('encryption_envelope_rejected', `notes ${CANARY} do not open`) }, 'x');

    const db = Object.assign(
      new pg.DatabaseError(`duplicate key value violates unique constraint: ${CANARY}`, 0, 'error'),
      {
        code: '23505',
        detail: `Key (code)=(${CANARY}) already exists.`,
      },
    );
    logger.error({ err: db }, 'x');

    const slack = Object.assign(new Error('An API error occurred: channel_not_found'), {
      code: 'slack_webapi_platform_error',
      data: { ok: false, error: 'channel_not_found', response_metadata: { messages: [CANARY] } },
    });
    logger.error({ err: slack }, 'x');

    const http = Object.assign(new Error(`Request failed: ${CANARY}`), {
      name: 'AxiosError',
      code: 'ERR_BAD_RESPONSE',
      config: { data: CANARY },
    });
    logger.error({ err: http }, 'x');

    expect(raw.join('')).not.toMatch(/CANARY|Jane|PIC-0042/);
    const errs = lines.map((l) => l.err as Record<string, unknown>);
    expect(errs[0]).toMatchObject({ name: 'CarelogError', code: 'encryption_envelope_rejected' });
    expect(errs[0]).not.toHaveProperty('message');
    expect(errs[1]).toMatchObject({ name: 'error', code: '23505' });
    expect(Object.keys(errs[1]!).sort()).toEqual(['code', 'name', 'stack']);
    expect(errs[2]).toMatchObject({
      name: 'Error',
      code: 'slack_webapi_platform_error',
      slackError: 'channel_not_found',
      message: 'An API error occurred: channel_not_found',
    });
    expect(errs[2]!.stack).toMatch(/^Error: An API error occurred: channel_not_found\n/);
    expect(errs[3]).toMatchObject({ name: 'AxiosError', code: 'ERR_BAD_RESPONSE' });
  });

  it('shows what an error wrapped (Bolt’s `original`, `cause`) the same way, and anything thrown that is not an error by its type', () => {
    const { logger, lines, raw } = capture();
    const original = Object.assign(new Error(`insert failed: ${CANARY}`), { code: '23505' });
    logger.error(
      { err: Object.assign(new Error(`listener failed: ${CANARY}`), { code: 'slack_bolt_unknown_error', original }) },
      'a Slack listener failed',
    );
    logger.error({ err: new CarelogError('platform_unavailable', 'Slack refused', { cause: original }) }, 'x');
    logger.error({ err: CANARY }, 'a string was thrown');
    logger.error({ err: Object.assign(new Error('x'), { name: `${CANARY}` }) }, 'a name that is not one');
    expect(raw.join('')).not.toMatch(/CANARY|Jane|PIC-0042/);
    const errs = lines.map((l) => l.err as Record<string, unknown>);
    expect(errs[0]).toMatchObject({
      name: 'Error',
      code: 'slack_bolt_unknown_error',
      cause: { name: 'Error', code: '23505' },
    });
    expect(errs[1]).toMatchObject({
      name: 'CarelogError',
      code: 'platform_unavailable',
      cause: { name: 'Error', code: '23505' },
    });
    expect(errs[2]).toEqual({ name: 'string' });
    expect(errs[3]).toMatchObject({ name: 'Error' });
  });
});
