// The daily notes-retention job on the running server: declared as a job scheduler in Redis, run
// by the worker, clearing a note once its contact is older than the program's retention.notesDays,
// audited, counted in /metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOTES_RETENTION_EVERY_MS, NOTES_RETENTION_JOB } from '../../jobs/notes-retention.js';
import { startHarness, type Harness } from '../support/harness.js';
import { FOLLOWUP_YAML, logContact, NEW_CLIENT, settableClock, waitUntil } from '../support/followups.js';
import { parsePrometheus, sampleValue } from '../support/prometheus.js';

const T0 = new Date('2026-11-24T15:00:00Z');
const clock = settableClock(T0);
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ now: clock.now, yaml: FOLLOWUP_YAML('retention: { notesDays: 30 }') });
});
afterAll(async () => {
  await h?.stop();
});

const prisma = () => h.carelog.deps.db.prisma;
const cleared = async () =>
  sampleValue(
    parsePrometheus(await (await fetch(`http://127.0.0.1:${h.carelog.port}/metrics`)).text()),
    'carelog_notes_cleared_total',
  );

describe('notes retention', () => {
  it('is a daily job scheduler in Redis', async () => {
    const scheduler = await h.carelog.queue.getJobScheduler(NOTES_RETENTION_JOB);
    expect(scheduler).toBeTruthy();
    expect(Number(scheduler!.every)).toBe(NOTES_RETENTION_EVERY_MS);
    expect(NOTES_RETENTION_EVERY_MS).toBe(24 * 3600_000);
  });

  it('clears a note once its contact is older than notesDays, and keeps the contact', async () => {
    await logContact(h, 'U0CLIN1', {
      ...NEW_CLIENT,
      contact_date: '2026-11-24',
      contact_time: '08:30',
      notes: 'CANARY-ret Jane Roe',
    });
    const contact = await prisma().contact.findFirstOrThrow();
    expect(contact.notesCiphertext).not.toBeNull();

    // 29 days on, the job keeps it.
    clock.set(new Date(T0.getTime() + 29 * 24 * 3600_000));
    const ran = async () => {
      const job = await h.carelog.queue.add(NOTES_RETENTION_JOB, {});
      await waitUntil(async () => (await job.getState()) === 'completed', 8_000, 'the retention job completing');
    };
    await ran();
    expect((await prisma().contact.findUniqueOrThrow({ where: { id: contact.id } })).notesCiphertext).not.toBeNull();
    const before = await cleared();

    // 31 days on, it clears it.
    clock.set(new Date(T0.getTime() + 31 * 24 * 3600_000));
    await ran();
    const after = await prisma().contact.findUniqueOrThrow({ where: { id: contact.id } });
    expect(after.notesCiphertext).toBeNull();
    expect(after.notesKeyId).toBeNull();
    expect({ ...after, notesCiphertext: contact.notesCiphertext, notesKeyId: contact.notesKeyId }).toEqual(contact);
    expect(
      await prisma().auditEvent.findMany({
        where: { action: 'notes.retention' },
        select: { programId: true, entityType: true, count: true },
      }),
    ).toEqual([{ programId: 'wilmington', entityType: 'program', count: 1 }]);
    expect((await cleared()) - before).toBe(1);
    expect(h.logs.some((l) => l.includes('notes past their retention cleared'))).toBe(true);
    expect(h.logs.join('\n')).not.toContain('CANARY');
  });
});
