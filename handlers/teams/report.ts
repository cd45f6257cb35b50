// "report [2024-Q3 | 2024 | FY2025 | 2024-07-01..2024-09-30]" in a leadership member's 1:1 chat:
// the progress report PDF, offered with a file consent card; on accept it is made again from the
// card's context (program and period), uploaded to the session Teams opened, and shown as a file.
// Asked for again, it is given again: the once-per-period rule is for the channel's digests.
import type { App } from '@microsoft/teams.apps';
import type { CarelogDeps } from '../../src/deps.js';
import { commandArgument, commandPattern, teamsActor } from '../../src/platforms/teams/actor.js';
import { textMessage } from '../../src/platforms/teams/cards.js';
import {
  fileConsentMessage,
  fileInfoMessage,
  uploadConsentedFile,
  ZFileConsentValue,
} from '../../src/platforms/teams/file-consent.js';
import {
  mayRequestReport,
  NOT_LEADERSHIP,
  reportFromContext,
  requestReport,
  ZReportContext,
} from '../../src/services/report-requests.js';

export const REPORT_MESSAGE = commandPattern('report');
export const REPORT_PRIVATE_CHAT_ONLY =
  'For privacy, carelog gives progress reports only in your private chat with it. Open a chat with carelog and write “report” there.';
export const REPORT_DECLINED = 'No report was sent. Write “report” again whenever you want it.';
export const REPORT_UPLOAD_FAILED =
  'carelog could not upload the report just now. Write “report” again in a moment to get a new offer.';

export function register(app: App, deps: CarelogDeps): void {
  app.message(REPORT_MESSAGE, async (ctx) => {
    const { program, member, personal } = teamsActor(deps, ctx.activity);
    if (!program || !mayRequestReport(member)) {
      await ctx.send(textMessage(NOT_LEADERSHIP));
      return;
    }
    if (!personal) {
      await ctx.send(textMessage(REPORT_PRIVATE_CHAT_ONLY));
      return;
    }
    const answer = await requestReport(deps, program, member, commandArgument(ctx.activity.text, REPORT_MESSAGE));
    if (!answer.ok) {
      await ctx.send(textMessage(answer.message));
      return;
    }
    const f = answer.file;
    await ctx.send(
      fileConsentMessage({
        filename: f.filename,
        description: f.description,
        sizeInBytes: f.bytes.length,
        context: f.context,
      }),
    );
  });

  // Both answers to the consent card come back as one invoke; the SDK routes them by action. Each
  // answers 200 (a handler that returns nothing does), even when the upload fails: Teams resends an
  // invoke that fails, and the person is told in the chat instead.
  app.on('file.consent.accept', async (ctx) => {
    const { program, member, personal } = teamsActor(deps, ctx.activity);
    const value = ZFileConsentValue.safeParse(ctx.activity.value);
    const context = ZReportContext.safeParse(value.success ? value.data.context : undefined);
    if (!value.success || value.data.action !== 'accept' || !context.success) return;
    if (!program || !personal || !mayRequestReport(member) || context.data.programId !== program.id) {
      await ctx.send(textMessage(NOT_LEADERSHIP));
      return;
    }
    const info = value.data.uploadInfo;
    try {
      const file = await reportFromContext(deps, program, member, context.data);
      await uploadConsentedFile(info.uploadUrl, file.bytes);
      await ctx.send(fileInfoMessage(info, `Your progress report for ${file.period.name} is ready.`));
    } catch (err) {
      deps.logger.warn(
        { err, programId: program.id, period: context.data.period },
        'could not upload a progress report to Teams',
      );
      await ctx.send(textMessage(REPORT_UPLOAD_FAILED));
    }
  });

  app.on('file.consent.decline', async (ctx) => {
    await ctx.send(textMessage(REPORT_DECLINED));
  });
}
