// What a clinician is told after saving a contact (src/views/confirmation.ts), drawn as Slack's DM
// text and inside Teams' confirmation card.
import { describe, expect, it } from 'vitest';
import { confirmationCard } from '../../src/platforms/teams/contact-form.js';
import { contactConfirmationText, type ConfirmedContact } from '../../src/views/confirmation.js';

const logged = (over: Partial<ConfirmedContact> = {}): ConfirmedContact => ({
  contactNumber: 12,
  clientCode: 'PIC-0007',
  newClient: false,
  followUp: null,
  followUpsMet: [],
  ...over,
});

describe('the confirmation of a saved contact', () => {
  it('promises a pending follow-up, with its date and who takes it', () => {
    expect(
      contactConfirmationText({
        logged: logged({ followUp: { date: '2026-11-24', metOn: null } }),
        assigneeMention: '<@U0CASE1>',
      }),
    ).toBe('Saved contact #12 with PIC-0007. Follow-up on Tue, Nov 24, 2026 by <@U0CASE1>.');
  });

  it('says a follow-up a later contact already met is met, by the contact of that date, and promises nothing', () => {
    const text = contactConfirmationText({
      logged: logged({ followUp: { date: '2026-11-24', metOn: '2026-11-20' } }),
      assigneeMention: '<@U0CASE1>',
    });
    expect(text).toBe(
      'Saved contact #12 with PIC-0007. The follow-up for Tue, Nov 24, 2026 is already met by the contact of Fri, Nov 20, 2026.',
    );
    expect(text).not.toContain('<@U0CASE1>');
    expect(text).not.toMatch(/Follow-up on/);
  });

  it('still reports the pending follow-ups this contact met', () => {
    expect(
      contactConfirmationText({
        logged: logged({ newClient: true, followUp: { date: '2026-11-24', metOn: '2026-11-21' }, followUpsMet: [{}] }),
      }),
    ).toBe(
      'Saved contact #12 with PIC-0007 (new client). The follow-up for Tue, Nov 24, 2026 is already met by the contact of Sat, Nov 21, 2026. This met the follow-up that was pending.',
    );
  });

  it('is what Teams shows in the card that replaces the saved form', () => {
    const text = contactConfirmationText({ logged: logged({ followUp: { date: '2026-11-24', metOn: '2026-11-20' } }) });
    expect(JSON.stringify(confirmationCard(text))).toContain(JSON.stringify(text).slice(1, -1));
  });
});
