// The Teams app (@microsoft/teams.apps) on carelog's HTTP server, POST /api/messages. Whenever
// credentials are set, carelog checks the Bot Framework token before the body is read (bot-token.ts,
// the OpenID keys of the configured cloud, key-set fetches rate-limited) and the SDK checks it again
// with the activity's serviceUrl; the SDK routes activities and answers invokes; features register themselves
// (handlers/teams/, handed in by src/carelog.ts); this file wires credentials, the cloud, transport and errors.
import { cloudFromName, withOverrides, type CloudEnvironment } from '@microsoft/teams.api';
import { App } from '@microsoft/teams.apps';
import type { Config, TTeamsMode } from '../../config.js';
import type { CarelogDeps } from '../../deps.js';
import { isCarelogError } from '../../errors.js';
import type { HttpServer } from '../../http/server.js';
import type { Logger } from '../../logger.js';
import type { Messenger } from '../../services/messenger.js';
import { createConnector, DEFAULT_SERVICE_URL } from './connector.js';
import { createBotTokenCheck } from './bot-token.js';
import { TeamsHttpAdapter, TEAMS_MESSAGES_PATH } from './http-adapter.js';
import { createTeamsMessenger } from './messenger.js';
import { sdkLogger } from './sdk-logger.js';
import { clientCredentialsTokens } from './token.js';

/** The bot's id in dev-unauthenticated mode, where no app registration exists. */
export const DEV_BOT_APP_ID = '00000000-0000-0000-0000-00000000ca7e';

/** Registers carelog's Teams handlers (handlers/teams/index.ts); the app never imports them. */
export type RegisterTeamsHandlers = (app: App, deps: CarelogDeps) => void;

export interface TeamsOptions {
  mode: Exclude<TTeamsMode, 'off'>;
  /** Endpoints replaced for tests (a local OpenID configuration, token endpoint). */
  cloud?: Partial<CloudEnvironment>;
}

/** How long a message's activity id is remembered, to answer a redelivery once only. */
const SEEN_FOR_MS = 10 * 60_000;
const SEEN_MAX = 10_000;

/**
 * Teams redelivers an activity it thinks went unanswered. Invokes are safe to run again (a form
 * logs one contact, a nudge action compares versions); a redelivered message would open a second
 * form, so a message id seen in the last ten minutes is acknowledged and dropped.
 */
function firstDeliveryOnly(): Parameters<App['use']>[0] {
  const seen = new Map<string, number>();
  return async (ctx) => {
    const { type, id } = ctx.activity;
    if (type === 'message' && id) {
      const now = Date.now();
      if ((seen.get(id) ?? 0) > now) return undefined;
      if (seen.size >= SEEN_MAX)
        for (const [k, until] of seen) if (until <= now || seen.size >= SEEN_MAX) seen.delete(k);
      seen.set(id, now + SEEN_FOR_MS);
    }
    return ctx.next();
  };
}

export function teamsCloud(config: Config, overrides: Partial<CloudEnvironment> = {}): CloudEnvironment {
  return withOverrides(cloudFromName(config.env.TEAMS_CLOUD), overrides);
}

/** The bot's access token for the Connector, or null without credentials (dev-unauthenticated). */
function botTokenFor(
  config: Config,
  cloud: CloudEnvironment,
): {
  forScope: ((scope: string | string[], tenantId?: string) => Promise<string>) | null;
  forConnector: (() => Promise<string>) | null;
} {
  const { TEAMS_CLIENT_ID: clientId, TEAMS_CLIENT_SECRET: clientSecret, TEAMS_TENANT_ID: tenantId } = config.env;
  if (!clientId || !clientSecret) return { forScope: null, forConnector: null };
  const tokens = clientCredentialsTokens({ clientId, clientSecret, loginEndpoint: cloud.loginEndpoint });
  const tenant = tenantId ?? cloud.loginTenant;
  return {
    // The SDK asks for replies' tokens this way (scope, and the tenant it resolved).
    forScope: (scope, t) => tokens(Array.isArray(scope) ? scope.join(' ') : scope, t || tenant),
    forConnector: () => tokens(cloud.botScope, tenant),
  };
}

export function teamsBotId(config: Config): string {
  return `28:${config.env.TEAMS_CLIENT_ID ?? DEV_BOT_APP_ID}`;
}

/**
 * What /healthz checks for Teams: the bot can hold its Bot Connector token (Entra ID answers and
 * takes the credentials). The token is the one the sends use, from the same cache, so this asks
 * Entra only when that token is due for renewal. The Connector itself has nothing to call that
 * sends no message. Null without credentials (TEAMS_DEV_UNAUTHENTICATED): nothing to check.
 * Each change between up and down is logged once: the token request's own message (carelog's
 * words naming the variables to check, with Entra's error code, never its description) or the
 * network error's.
 */
function teamsTokenCheck(forConnector: (() => Promise<string>) | null, logger: Logger): (() => Promise<void>) | null {
  if (!forConnector) return null;
  let wasDown = false;
  return async () => {
    try {
      await forConnector();
      if (wasDown) logger.info('the Teams bot token is available again');
      wasDown = false;
    } catch (err) {
      // carelog's own message names the status and what to check; another error's is not logged.
      if (!wasDown)
        logger.warn(
          { err },
          `the Teams bot cannot get its token: /healthz reports teams down (${isCarelogError(err) ? err.message : 'no answer'})`,
        );
      wasDown = true;
      throw err;
    }
  };
}

/** Proactive sends only (npm run worker): no HTTP endpoint, the same Connector client. */
export function createTeamsWorkerMessenger(
  deps: CarelogDeps,
  opts: TeamsOptions,
): { messenger: Messenger; health: (() => Promise<void>) | null } {
  const cloud = teamsCloud(deps.config, opts.cloud);
  const token = botTokenFor(deps.config, cloud);
  const connector = createConnector({
    serviceUrl: deps.config.env.TEAMS_SERVICE_URL ?? DEFAULT_SERVICE_URL,
    botToken: token.forConnector,
    logger: deps.logger,
  });
  return {
    messenger: createTeamsMessenger({ db: deps.db, connector, botId: teamsBotId(deps.config) }),
    health: teamsTokenCheck(token.forConnector, deps.logger),
  };
}

export async function createTeamsApp(
  deps: CarelogDeps,
  http: HttpServer,
  opts: TeamsOptions,
  registerHandlers: RegisterTeamsHandlers,
): Promise<{ app: App; messenger: Messenger; health: (() => Promise<void>) | null }> {
  const { config } = deps;
  const cloud = teamsCloud(config, opts.cloud);
  const token = botTokenFor(config, cloud);
  const serviceUrl = config.env.TEAMS_SERVICE_URL ?? DEFAULT_SERVICE_URL;
  const logger = sdkLogger(deps.logger);
  const app = new App({
    // Every setting is given, so the SDK never falls back to CLIENT_ID, SERVICE_URL, CLOUD or
    // DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS in the environment ('' counts as "not set").
    clientId: opts.mode === 'authenticated' ? config.env.TEAMS_CLIENT_ID! : '',
    clientSecret: '',
    tenantId: config.env.TEAMS_TENANT_ID ?? '',
    managedIdentityClientId: '',
    ...(token.forScope ? { token: token.forScope } : {}),
    dangerouslyAllowUnauthenticatedRequests: opts.mode === 'unauthenticated',
    serviceUrl,
    cloud,
    messagingEndpoint: TEAMS_MESSAGES_PATH,
    httpServerAdapter: new TeamsHttpAdapter(
      http,
      deps.logger,
      opts.mode === 'authenticated' ? createBotTokenCheck({ clientId: config.env.TEAMS_CLIENT_ID!, cloud }) : null,
    ),
    logger,
    client: { logger, timeout: 15_000 },
    activity: { mentions: { stripText: true } },
  });
  app.event('error', ({ error }) => {
    // The logger keeps names, codes and frames only: a database error's message can quote what was typed.
    deps.logger.error({ err: error }, 'a Teams handler failed');
  });
  app.use(firstDeliveryOnly());
  registerHandlers(app, deps);
  await app.initialize();
  const connector = createConnector({ serviceUrl, botToken: token.forConnector, logger: deps.logger });
  return {
    app,
    messenger: createTeamsMessenger({ db: deps.db, connector, botId: teamsBotId(config) }),
    health: teamsTokenCheck(token.forConnector, deps.logger),
  };
}
