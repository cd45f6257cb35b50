// The Teams SDK's HTTP server adapter, on carelog's own server: POST /api/messages shares the port
// with Slack's events and the health checks. The SDK keeps the Teams protocol (Bot Framework token
// validation, routing, invoke responses); this adapter only moves bytes, with carelog's limits: the
// Bot Framework token checked first (bot-token.ts: a request without one is answered 401 before
// its body is read), JSON only, bodies under 1 MiB, a body that is not an activity-shaped object
// refused before the SDK sees it.
import type { IncomingHttpHeaders } from 'node:http';
import type { HttpMethod, HttpRouteHandler, IHttpServerAdapter } from '@microsoft/teams.apps';
import { z } from 'zod';
import { readPlatformBody, sendJson, sendText, type HttpServer } from '../../http/server.js';
import type { Logger } from '../../logger.js';
import type { BotTokenCheck } from './bot-token.js';

export const TEAMS_MESSAGES_PATH = '/api/messages';

const ZParty = z.looseObject({ id: z.string().min(1).max(1024) });

/**
 * The least an activity must be before the SDK is handed it: the parties every activity to a bot
 * carries, and the shapes the SDK reads without checking (an activity without its conversation,
 * with `entities` that are not objects or a `locale` that is not a string made the SDK throw: a
 * 500 for an input error). Handlers parse the rest with zod.
 */
const ZActivityEnvelope = z.looseObject({
  type: z.string().min(1).max(64),
  serviceUrl: z.string().max(2048).optional(),
  from: ZParty,
  recipient: ZParty,
  conversation: ZParty,
  id: z.string().max(1024).optional(),
  // Required: the SDK would take an activity without one for Teams' (it defaults to msteams).
  channelId: z.string().min(1).max(64),
  timestamp: z.string().max(64).optional(),
  localTimestamp: z.string().max(64).optional(),
  locale: z.string().max(64).optional(),
  localTimezone: z.string().max(64).optional(),
  textFormat: z.string().max(64).optional(),
  text: z.string().optional(),
  name: z.string().max(256).optional(),
  attachments: z.array(z.looseObject({ contentType: z.string() })).optional(),
  replyToId: z.string().max(1024).optional(),
  entities: z.array(z.looseObject({ type: z.string() })).optional(),
  channelData: z.looseObject({}).optional(),
  membersAdded: z.array(ZParty).optional(),
  membersRemoved: z.array(ZParty).optional(),
});

function headerRecord(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = v;
  return out;
}

export class TeamsHttpAdapter implements IHttpServerAdapter {
  constructor(
    private readonly http: HttpServer,
    private readonly logger: Logger,
    /** Null when Teams runs without credentials (TEAMS_DEV_UNAUTHENTICATED). */
    private readonly checkToken: BotTokenCheck | null = null,
  ) {}

  registerRoute(method: HttpMethod, path: string, handler: HttpRouteHandler): void {
    this.http.route(method, path, async (req, res) => {
      if (this.checkToken && !(await this.checkToken(req.headers.authorization))) {
        // The body is left unread (discarded as it arrives): nothing of it is parsed.
        req.resume();
        this.logger.warn(
          { path },
          'a Teams request was refused: its Bot Framework token did not validate (answered 401)',
        );
        sendJson(res, 401, { error: 'JWT validation failed' });
        return;
      }
      const raw = await readPlatformBody(req, res, ['application/json']);
      if (raw === null) return;
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        sendText(res, 400, 'malformed body');
        return;
      }
      const envelope = ZActivityEnvelope.safeParse(body);
      if (!envelope.success) {
        sendText(res, 400, 'not an activity');
        return;
      }
      const out = await handler({ body: envelope.data, headers: headerRecord(req.headers) });
      if (out.status === 401)
        this.logger.warn(
          { path, type: envelope.data.type },
          'refused a Teams request without a valid Bot Framework token',
        );
      if (out.body === undefined || out.body === null) {
        res.writeHead(out.status, { 'content-length': 0 });
        res.end();
      } else {
        sendJson(res, out.status, out.body);
      }
    });
  }
}
