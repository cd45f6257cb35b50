// The progress report on Teams, end to end: "report 2024-Q3" in a leadership member's 1:1 chat with
// carelog, answered with a file consent card; accepting it (fileConsent/invoke, an upload session in
// the person's OneDrive, faked by FakeTeams as Teams does it) gets the PDF uploaded and shown with a
// file info card; declining gets an acknowledgement and nothing uploaded. Real Postgres and Redis.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_DECLINED, REPORT_PRIVATE_CHAT_ONLY, REPORT_UPLOAD_FAILED } from '../../handlers/teams/report.js';
import { NOT_LEADERSHIP } from '../../src/services/report-requests.js';
import { FILE_CONSENT_CONTENT_TYPE, type ConnectorCall, type TeamsUser } from '../support/fake-teams.js';
import { seedProgressReport } from '../support/progress-report.js';
import { startTeamsHarness, T, type TeamsHarness } from '../support/teams-harness.js';

const FILE_INFO = 'application/vnd.microsoft.teams.card.file.info';
// Mon 7 Oct 2024, 10:00 in New York: the last full quarter is Jul–Sep 2024.
const NOW = new Date('2024-10-07T14:00:00Z');

let h: TeamsHarness;
beforeAll(async () => {
  h = await startTeamsHarness({ now: () => NOW });
  const deps = h.carelog.deps;
  await seedProgressReport(
    deps.db.prisma,
    'wilmington',
    deps.directory.member('wilmington', 'teams', T.clinician.aadObjectId)!.memberId,
  );
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

const prisma = () => h.carelog.deps.db.prisma;
const leader = () => h.carelog.deps.directory.member('wilmington', 'teams', T.leader.aadObjectId)!;
const pdfText = (pdf: Buffer) =>
  execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
type Attachment = { contentType: string; name?: string; contentUrl?: string; content?: Record<string, unknown> };
const attachmentsOf = (call: ConnectorCall) => (call.body.attachments ?? []) as Attachment[];

/** Writes `text` in the person's chat with carelog and returns carelog's answer. */
async function say(user: TeamsUser, text: string, opts: { channel?: string } = {}): Promise<ConnectorCall> {
  const before = h.teams.calls.length;
  const res = await h.send(h.teams.message(user, text, opts));
  expect(res.status).toBe(200);
  return h.teams.waitFor((c) => c.kind === 'sendActivity', before);
}

/** Answers the consent card in `offer` and returns carelog's invoke answer and its next message. */
async function answer(user: TeamsUser, offer: ConnectorCall, action: 'accept' | 'decline') {
  const before = h.teams.calls.length;
  const res = await h.send(h.teams.fileConsent(user, offer.body, action));
  const next = await h.teams.waitFor((c) => c.kind === 'sendActivity', before);
  return { status: res.status, next };
}

const reportRuns = () =>
  prisma().auditEvent.findMany({ where: { programId: 'wilmington', action: 'report.run' }, orderBy: { id: 'asc' } });

describe('report in a leadership member’s 1:1 chat', () => {
  let offer: ConnectorCall;

  it('offers the quarter’s PDF with a file consent card whose context carries the program and period only', async () => {
    offer = await say(T.leader, 'report 2024-Q3');
    expect(offer.conversationId).toBe(h.teams.personalConversationId(T.leader));
    const [card, ...more] = attachmentsOf(offer);
    expect(more).toEqual([]);
    expect(card).toMatchObject({
      contentType: FILE_CONSENT_CONTENT_TYPE,
      name: 'wilmington-2024-Q3-progress-report.pdf',
    });
    const content = card!.content as {
      description: string;
      sizeInBytes: number;
      acceptContext: unknown;
      declineContext: unknown;
    };
    expect(content.description).toBe(
      'Wilmington Partners in Care: progress report, Jul–Sep 2024 (PDF): aggregates only, suppressed as the digests are.',
    );
    expect(content.sizeInBytes).toBeGreaterThan(10_000);
    expect(content.acceptContext).toEqual({ programId: 'wilmington', period: '2024-Q3' });
    expect(content.declineContext).toEqual({ programId: 'wilmington', period: '2024-Q3' });
    expect(offer.raw).not.toMatch(/PIC-\d+/);
    expect(h.teams.files).toHaveLength(0);
  });

  it('on accept: PUTs the PDF to the upload session in one range, answers 200, and shows the file', async () => {
    const runsBefore = (await reportRuns()).length;
    const { status, next } = await answer(T.leader, offer, 'accept');
    expect(status).toBe(200);
    const [file, ...others] = h.teams.files;
    expect(others).toEqual([]);
    expect(file!.owner).toBe(T.leader.aadObjectId);
    const bytes = file!.bytes!;
    // One PUT naming the whole file, and no token: the session URL is pre-authorised.
    expect(file!.puts).toEqual([
      {
        contentRange: `bytes 0-${bytes.length - 1}/${bytes.length}`,
        length: bytes.length,
        authorized: false,
        status: 201,
      },
    ]);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = pdfText(bytes);
    expect(text).toContain('Wilmington Partners in Care');
    expect(text).toContain('Jul 1, 2024 – Sep 30, 2024');
    expect(text).toMatch(/^\s*Individuals served\s{2,}128\s*$/m);
    expect(text).toMatch(/^\s*New\s{2,}115\s*$/m);
    expect(text).toMatch(/^\s*Served since the program began\s{2,}207\s*$/m);
    expect(text).not.toMatch(/PIC-\d+/);
    // The file info card, as Teams shows a file.
    expect(next.conversationId).toBe(h.teams.personalConversationId(T.leader));
    expect(next.body.text).toBe('Your progress report for Jul–Sep 2024 is ready.');
    expect(attachmentsOf(next)).toEqual([
      {
        contentType: FILE_INFO,
        contentUrl: file!.contentUrl,
        name: 'wilmington-2024-Q3-progress-report.pdf',
        content: { uniqueId: file!.uniqueId, fileType: 'pdf' },
      },
    ]);
    // Made again on accept, audited with the person as its actor.
    const runs = (await reportRuns()).slice(runsBefore);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ actorId: leader().memberId, entityType: 'program', clientIds: [] });
    expect(runs[0]!.details).toMatchObject({ via: 'chat-request', period: '2024-Q3', format: 'pdf' });
  });

  it('gives it again each time it is asked for; “report” alone is the last full quarter', async () => {
    const again = await say(T.leader, 'report');
    expect(attachmentsOf(again)[0]).toMatchObject({
      contentType: FILE_CONSENT_CONTENT_TYPE,
      name: 'wilmington-2024-Q3-progress-report.pdf',
      content: { acceptContext: { programId: 'wilmington', period: '2024-Q3' } },
    });
    const { status } = await answer(T.leader, again, 'accept');
    expect(status).toBe(200);
    expect(h.teams.files).toHaveLength(2);
    expect(h.teams.files[1]!.bytes!.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    // Any period the command line takes: a federal fiscal year.
    const fy = await say(T.leader, 'report FY2024');
    expect(attachmentsOf(fy)[0]).toMatchObject({ name: 'wilmington-FY2024-progress-report.pdf' });
  });

  it('on decline: a short acknowledgement, nothing uploaded', async () => {
    const offered = await say(T.leader, 'report 2024-Q2');
    const sessions = h.teams.files.length;
    const { status, next } = await answer(T.leader, offered, 'decline');
    expect(status).toBe(200);
    expect(next.body.text).toBe(REPORT_DECLINED);
    expect(attachmentsOf(next)).toEqual([]);
    expect(h.teams.files).toHaveLength(sessions);
  });

  it('an upload session that refuses the bytes: the person is told, and the invoke still answers 200', async () => {
    const offered = await say(T.leader, 'report 2024-Q3');
    const invoke = h.teams.fileConsent(T.leader, offered.body, 'accept');
    // The session expired before the bytes came.
    h.teams.files.pop();
    const before = h.teams.calls.length;
    const res = await h.send(invoke);
    expect(res.status).toBe(200);
    const next = await h.teams.waitFor((c) => c.kind === 'sendActivity', before);
    expect(next.body.text).toBe(REPORT_UPLOAD_FAILED);
    expect(attachmentsOf(next)).toEqual([]);
  });
});

describe('what report refuses', () => {
  it('answers a period it cannot read in one line with the accepted forms, quoting only what looks like a period', async () => {
    const bad = await say(T.leader, 'report 2024-Q9');
    expect(bad.body.text).toBe(
      '“2024-Q9” is not a period. Write **report 2024-Q3** for a quarter (or **report** alone for the last full one), **report 2024** for a year, **report FY2025** for a federal fiscal year, or **report 2024-07-01..2024-09-30** for a range of days.',
    );
    const words = await say(T.leader, 'report Jane Roe');
    expect(words.body.text).toMatch(/^That is not a period\. Write \*\*report 2024-Q3\*\*/);
    expect(words.raw).not.toContain('Jane');
    const early = await say(T.leader, 'report 2023');
    expect(early.body.text).toBe('2023 ends before wilmington began (2024-03-01): choose a period from then on.');
    const future = await say(T.leader, 'report 2025-Q1');
    expect(future.body.text).toMatch(/^2025-Q1 starts after today \(2024-10-07 in America\/New_York\)/);
    for (const c of [bad, words, early, future]) expect(attachmentsOf(c)).toEqual([]);
  });

  it('refuses anyone but leadership, politely, offering nothing', async () => {
    for (const user of [T.clinician, T.caseManager, T.supervisor, T.admin, T.outsider]) {
      const refused = await say(user, 'report 2024-Q3');
      expect(refused.body.text, user.name).toBe(NOT_LEADERSHIP);
      expect(attachmentsOf(refused)).toEqual([]);
    }
  });

  it('gives reports only in the private chat', async () => {
    const inChannel = await say(T.leader, 'report 2024-Q3', { channel: '19:general@thread.tacv2' });
    expect(inChannel.body.text).toBe(REPORT_PRIVATE_CHAT_ONLY);
    expect(attachmentsOf(inChannel)).toEqual([]);
  });

  it('uploads nothing for an accept from someone else, or for another program’s context', async () => {
    const offered = await say(T.leader, 'report 2024-Q3');
    const sessions = h.teams.files.length;
    const runs = (await reportRuns()).length;
    const stranger = await answer(T.clinician, offered, 'accept');
    expect(stranger.status).toBe(200);
    expect(stranger.next.body.text).toBe(NOT_LEADERSHIP);
    const forged = { ...offered.body, attachments: structuredClone(attachmentsOf(offered)) };
    (forged.attachments[0]!.content as { acceptContext: unknown }).acceptContext = {
      programId: 'dover',
      period: '2024-Q3',
    };
    const other = await answer(T.leader, { ...offered, body: forged }, 'accept');
    expect(other.next.body.text).toBe(NOT_LEADERSHIP);
    // Sessions were opened by Teams, but carelog PUT nothing to them and made no report.
    expect(h.teams.files.slice(sessions).every((f) => f.puts.length === 0)).toBe(true);
    expect(await reportRuns()).toHaveLength(runs);
  });
});
