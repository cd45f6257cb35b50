// What a clinician is told after logging a contact: identifiers and dates only. Never notes,
// names, or which referrals were made.

/** What the confirmation says of a logged contact (src/services/contacts.ts's LoggedContact has it). */
export interface ConfirmedContact {
  contactNumber: number;
  clientCode: string;
  newClient: boolean;
  /**
   * The follow-up asked for. `metOn` is the date (YYYY-MM-DD) of the contact that has already met
   * it, when one on record is later than this one (a contact logged late).
   */
  followUp: { date: string; metOn?: string | null } | null;
  followUpsMet: readonly unknown[];
}

export interface ConfirmationInput {
  logged: ConfirmedContact;
  /** How the platform mentions the follow-up's assignee (<@U123> in Slack), if any. */
  assigneeMention?: string;
}

// One formatter for every call: toLocaleDateString with options builds a new Intl.DateTimeFormat
// each time: about 6% of a nudge worker's CPU in bench/followups.ts.
const DAY_FORMAT = new Intl.DateTimeFormat('en-US', {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});

/** "Tue 25 Nov 2026" for a YYYY-MM-DD date. */
export function formatDay(date: string): string {
  return DAY_FORMAT.format(new Date(`${date}T12:00:00Z`));
}

export function contactConfirmationText({ logged, assigneeMention }: ConfirmationInput): string {
  const who = logged.newClient ? `${logged.clientCode} (new client)` : logged.clientCode;
  const lines = [`Saved contact #${logged.contactNumber} with ${who}.`];
  if (logged.followUp?.metOn) {
    // No follow-up to promise: a later contact is on record and met it when this one was saved.
    lines.push(
      `The follow-up for ${formatDay(logged.followUp.date)} is already met by the contact of ${formatDay(logged.followUp.metOn)}.`,
    );
  } else if (logged.followUp) {
    lines.push(`Follow-up on ${formatDay(logged.followUp.date)}${assigneeMention ? ` by ${assigneeMention}` : ''}.`);
  }
  const met = logged.followUpsMet.length;
  if (met > 0)
    lines.push(met === 1 ? 'This met the follow-up that was pending.' : `This met ${met} pending follow-ups.`);
  return lines.join(' ');
}
