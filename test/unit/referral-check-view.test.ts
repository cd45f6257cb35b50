// What a linkage check says, and what it never says: a Part 2 category is "a confidential
// referral" in anything that stays in chat history, and named only in the Connected form.
import { describe, expect, it } from 'vitest';
import { connectedOnError } from '../../src/domain/referrals.js';
import { renderReferralBlocks } from '../../src/platforms/slack/referral-blocks.js';
import { renderReferralCard } from '../../src/platforms/teams/referral-card.js';
import { listNotice } from '../../src/views/list-notice.js';
import {
  buildConnectedForm,
  buildNobodyAskedText,
  buildReferralCheckMessage,
  REFERRAL_ACTION,
  type ReferralFacts,
} from '../../src/views/referral-check.js';

const ID = '0b6c7c2e-8a51-4b8e-9a7e-3f2d1c0b9a88';
const part2: ReferralFacts = {
  referralId: ID,
  version: 3,
  clientCode: 'PIC-0042',
  categoryLabel: 'Addiction treatment',
  part2: true,
  madeDate: '2026-11-17',
  checks: 1,
  maxChecks: 3,
  status: 'made',
  connectedOn: null,
};
const housing: ReferralFacts = { ...part2, categoryLabel: 'Other social services', part2: false };

describe('a linkage check', () => {
  it('never names a Part 2 category, in its text, its blocks or its card, whatever happened', () => {
    const outcomes = [
      { kind: 'open' as const },
      { kind: 'connected' as const, on: '2026-11-20', by: '<@U1>' },
      { kind: 'not_yet' as const, nextCheck: '2026-12-01' },
      { kind: 'unknown' as const },
      { kind: 'declined' as const },
      { kind: 'unreachable' as const },
    ];
    for (const o of outcomes) {
      for (const status of ['made', 'connected', 'declined', 'unreachable', 'unknown'] as const) {
        const m = buildReferralCheckMessage({ ...part2, status, connectedOn: '2026-11-20' }, o);
        const all = JSON.stringify([m, renderReferralBlocks(m), renderReferralCard(m, ID)]);
        expect(all).not.toMatch(/addiction|substance|part 2/i);
      }
    }
    const open = buildReferralCheckMessage(part2);
    expect(open.text).toBe(
      'Linkage check: PIC-0042: did PIC-0042 connect with a confidential referral made Tue, Nov 17, 2026?',
    );
    expect(open.facts).toEqual([
      { label: 'Referral', value: 'Confidential' },
      { label: 'Made', value: 'Tue, Nov 17, 2026' },
      { label: 'Checks so far', value: '1 of 3' },
    ]);
  });

  it('names any other category, and carries the reference "<id>:<version>" on every answer', () => {
    const m = buildReferralCheckMessage(housing);
    expect(m.text).toContain('connect with Other social services');
    expect(m.ref).toBe(`${ID}:3`);
    expect(m.actions.map((a) => a.id)).toEqual([
      REFERRAL_ACTION.connected,
      REFERRAL_ACTION.notYet,
      REFERRAL_ACTION.declined,
      REFERRAL_ACTION.unreachable,
    ]);
    const buttons = renderReferralBlocks(m).flatMap((b) =>
      'elements' in b ? (b.elements as { value?: string }[]) : [],
    );
    expect(buttons.map((b) => b.value)).toEqual([m.ref, m.ref, m.ref, m.ref]);
  });

  it('offers no answers once closed, and keeps them after Not yet', () => {
    expect(buildReferralCheckMessage(housing, { kind: 'declined' }).actions).toEqual([]);
    expect(buildReferralCheckMessage({ ...housing, status: 'unknown' }).actions).toEqual([]);
    expect(buildReferralCheckMessage({ ...housing, status: 'unknown' }).outcome).toBe(
      'This referral is already closed.',
    );
    expect(buildReferralCheckMessage(housing, { kind: 'not_yet', nextCheck: '2026-12-01' }).actions).toHaveLength(4);
  });

  it('the Connected form names the category, today by default, between the referral and today', () => {
    const form = buildConnectedForm(part2, '2026-11-24');
    expect(form.intro).toBe('PIC-0042: Addiction treatment (42 CFR Part 2, confidential), referred Tue, Nov 17, 2026.');
    expect(form).toMatchObject({ initialDate: '2026-11-24', minDate: '2026-11-17', maxDate: '2026-11-24' });
  });
});

describe('the date given for Connected', () => {
  const madeAt = new Date('2026-11-17T13:30:00Z'); // 08:30 in New York
  const now = new Date('2026-11-25T03:00:00Z'); // 22:00 on Nov 24 in New York, Nov 25 in UTC
  const tz = 'America/New_York';
  it('is today at the latest and the referral’s day at the earliest, in the program’s zone', () => {
    expect(connectedOnError('2026-11-24', madeAt, now, tz)).toBeNull();
    expect(connectedOnError('2026-11-17', madeAt, now, tz)).toBeNull();
    expect(connectedOnError('2026-11-25', madeAt, now, tz)).toMatch(/future/);
    expect(connectedOnError('2026-11-16', madeAt, now, tz)).toMatch(/before the referral was made \(2026-11-17\)/);
    expect(connectedOnError('', madeAt, now, tz)).toMatch(/Choose the date/);
    expect(connectedOnError('2026-02-30', madeAt, now, tz)).toMatch(/Choose the date/);
  });
});

describe('the supervisors’ notice of a check that reached nobody', () => {
  it('says code, date and counts, and never the category, Part 2 or not', () => {
    for (const f of [part2, housing]) {
      const none = buildNobodyAskedText(f, { kind: 'no_case_manager' });
      expect(none).toBe(
        'carelog could not send the linkage check for PIC-0042 (referral made Tue, Nov 17, 2026, check 2 of 3): ' +
          'there is no case manager on the roster to ask. The referral stays open with no further check ' +
          'scheduled; please make sure a case manager can follow it up.',
      );
      expect(buildNobodyAskedText(f, { kind: 'unreachable', tried: 1 })).toContain(
        'the one person it could ask cannot get a message from carelog',
      );
      const three = buildNobodyAskedText(f, { kind: 'unreachable', tried: 3 });
      expect(three).toContain('none of the 3 people it could ask can get a message from carelog');
      for (const t of [none, three]) expect(t).not.toMatch(/addiction|social|confidential|part 2/i);
    }
  });
});

describe('the line above a list drawn again', () => {
  it('names the entry by its heading and says what was recorded, or why nothing was', () => {
    const declined = buildReferralCheckMessage({ ...part2, status: 'declined' }, { kind: 'declined', by: '<@U1>' });
    expect(listNotice(declined)).toBe('Linkage check: PIC-0042 — Recorded as declined by <@U1>.');
    expect(listNotice(declined, 'This linkage check is out of date.')).toBe(
      'Linkage check: PIC-0042 — This linkage check is out of date.',
    );
    expect(listNotice(undefined, 'Not on the roster.')).toBe('Not on the roster.');
    expect(listNotice(buildReferralCheckMessage(part2))).toBeUndefined();
    expect(listNotice(declined)).not.toMatch(/addiction/i);
  });
});
