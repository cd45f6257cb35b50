// A database outage while someone fills in the Teams form: the save comes back on the card with the
// message beside the form and everything kept (the notes sealed), nothing clinical reaches the logs,
// and Save pressed again once Postgres is back stores the contact exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAVE_FAILED } from '../../src/services/contact-flow.js';
import { inputsOf, pressAction, textsOf } from '../support/fake-teams.js';
import { allowConnections, refuseConnections } from '../support/postgres.js';
import {
  logTeamsContact,
  NEW_CLIENT_INPUTS,
  openTeamsForm,
  startTeamsHarness,
  T,
  type TeamsHarness,
} from '../support/teams-harness.js';
import { openNotes } from '../../src/services/contacts.js';

const NOW = new Date('2026-11-20T15:00:00Z');
const CANARY = 'CANARY-TEAMS-DBDOWN-8e1a Jane Roe said she hears voices';

let h: TeamsHarness;
let dbName: string;

beforeAll(async () => {
  h = await startTeamsHarness({ now: () => NOW });
  dbName = new URL(h.carelog.deps.config.env.DATABASE_URL!).pathname.slice(1);
  await logTeamsContact(h, T.clinician, { ...NEW_CLIENT_INPUTS, contact_date: '2026-11-20', contact_time: '09:00' });
});
afterAll(async () => {
  await allowConnections(dbName).catch(() => undefined);
  await h?.stop();
});

describe('the Teams form while the database is down', () => {
  it('answers with the save failure beside the form, keeping the input, and stores it once when Save is pressed again', async () => {
    const form = await openTeamsForm(h, T.clinician, 'contact PIC-0001');
    await refuseConnections(dbName);
    let answered;
    try {
      const res = await h.send(
        h.teams.cardAction(
          T.clinician,
          pressAction(form, 'contact_save', {
            contact_time: '09:45',
            source: 'call_for_service',
            disposition: 'resolved_on_scene',
            incident_ref: 'CAD-42',
            notes: CANARY,
          }),
        ),
      );
      expect(res.status).toBe(200);
      answered = res.json as { type: string; value: object };
    } finally {
      await allowConnections(dbName);
    }
    expect(answered.type).toBe('application/vnd.microsoft.card.adaptive');
    const card = answered.value;
    expect(textsOf(card)).toContain(SAVE_FAILED);
    expect(inputsOf(card).incident_ref!.value).toBe('CAD-42');
    expect(inputsOf(card).contact_time!.value).toBe('09:45');
    expect(JSON.stringify(card)).not.toContain('CANARY');
    expect(await h.carelog.deps.db.prisma.contact.count()).toBe(1);

    const again = pressAction(card, 'contact_save', { notes: undefined });
    const saved = await Promise.all([
      h.send(h.teams.cardAction(T.clinician, again)),
      h.send(h.teams.cardAction(T.clinician, again)),
    ]);
    for (const r of saved)
      expect(textsOf((r.json as { value: object }).value).join(' ')).toMatch(/Saved contact #2 with PIC-0001\./);
    const contacts = await h.carelog.deps.db.prisma.contact.findMany({ where: { number: 2 } });
    expect(contacts).toHaveLength(1);
    expect(
      openNotes(
        h.carelog.deps.keyring,
        { programId: 'wilmington', contactId: contacts[0]!.id },
        contacts[0]!.notesCiphertext!,
      ),
    ).toBe(CANARY);
    for (const line of h.logs) expect(line).not.toMatch(/CANARY|Jane Roe/);
    expect(h.logs.some((l) => l.includes('saving a contact failed'))).toBe(true);
  });
});
