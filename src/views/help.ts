// What carelog does, in plain words, for `/carelog help` (and the Teams "help" message).
export const HELP_TEXT = [
  '*carelog* keeps your co-responder team’s contact log, reminds case managers of follow-ups, and posts team digests.',
  '',
  '• `/contact` — log a contact right after a call. `/contact PIC-0042` opens it with that client chosen.',
  '• `/carelog followups` — your pending and overdue follow-ups, with buttons to log, snooze, mark done or reassign.',
  '• `/carelog referrals` — your open referrals, to record whether each client connected.',
  '• `/carelog roster` (admins) — who is on your team’s roster: add a person, change roles, deactivate.',
  '• `/carelog help` — this message.',
  '',
  'Follow-up reminders and linkage checks (did a referred client connect?) arrive here as direct messages on the day they are due (within program hours). Acting on one updates it in place.',
  'carelog never posts names, notes or diagnoses. Notes are encrypted, and every look at client data is recorded.',
].join('\n');

// The same, for Teams, where carelog is a chat: words to write instead of slash commands.
export const TEAMS_HELP_TEXT = [
  '**carelog** keeps your co-responder team’s contact log, reminds case managers of follow-ups, and posts team digests.',
  '',
  '- **contact**: log a contact right after a call. **contact PIC-0042** opens it with that client chosen.',
  '- **followups**: your pending and overdue follow-ups, with buttons to log, snooze, mark done or reassign.',
  '- **digest week** or **digest quarter** (leadership and admins): a private preview; add **post** to post a missed period to the team channel.',
  '- **referrals**: your open referrals, to record whether each client connected.',
  '- **report 2024-Q3** (leadership): the progress report PDF for funders and council, sent here as a file; **report** alone gives the last full quarter.',
  '- **roster** (admins): who is on your team’s roster: add a person, change roles, deactivate.',
  '- **help**: this message.',
  '',
  'Follow-up reminders and linkage checks (did a referred client connect?) arrive in this chat on the day they are due (within program hours). Acting on one updates it in place.',
  'carelog never posts names, notes or diagnoses. Notes are encrypted, and every look at client data is recorded.',
].join('\n');
