// Loading the configuration: the environment variables (src/config.ts, their one reader, passes
// them in) and carelog.yml, checked together (production's required credentials, the development
// modes' loopback rule).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CarelogError } from '../errors.js';
import { parseEnv, type TEnv } from './env.js';
import { devModesExposed, LOOPBACK_HOST, usesSlack, usesTeams } from './platforms.js';
import { parseProgramFile, type ProgramConfig } from './program.js';

export interface Config {
  env: TEnv;
  production: boolean;
  /** Embedded Postgres under dataDir, used when DATABASE_URL is unset. */
  embeddedDatabase: boolean;
  dataDir: string;
  configFile: string;
  /** No Slack credentials outside production: carelog runs against its local Slack simulator. */
  slackSimulated: boolean;
  programs: ProgramConfig[];
}

/** Reads env (`source`: the process's environment, or a test's own) and carelog.yml. */
export function loadConfigFrom(source: NodeJS.ProcessEnv): Config & { warnings: string[] } {
  const env = parseEnv(source);
  const production = env.NODE_ENV === 'production';
  const warnings: string[] = [];
  const missing: string[] = [];
  if (production && !env.CARELOG_ENCRYPTION_KEY)
    missing.push('CARELOG_ENCRYPTION_KEY: required in production (32 bytes, base64)');
  if (!env.CARELOG_ADMIN_USER !== !env.CARELOG_ADMIN_PASSWORD) {
    missing.push('CARELOG_ADMIN_USER, CARELOG_ADMIN_PASSWORD: set both to turn the queue dashboard on, or neither');
  }
  if (env.SLACK_BOT_TOKEN && !env.SLACK_SIGNING_SECRET && !env.SLACK_APP_TOKEN) {
    missing.push('SLACK_SIGNING_SECRET: required with SLACK_BOT_TOKEN unless SLACK_APP_TOKEN (Socket Mode) is set');
  }
  if (env.TEAMS_CLIENT_ID && !env.TEAMS_CLIENT_SECRET)
    missing.push('TEAMS_CLIENT_SECRET: required with TEAMS_CLIENT_ID');
  if (env.TEAMS_CLIENT_SECRET && !env.TEAMS_CLIENT_ID)
    missing.push('TEAMS_CLIENT_ID: required with TEAMS_CLIENT_SECRET');
  if (env.TEAMS_DEV_UNAUTHENTICATED) {
    if (production)
      missing.push(
        'TEAMS_DEV_UNAUTHENTICATED: refused when NODE_ENV=production (every Teams request must carry a Bot Framework token)',
      );
    // Replies go to the serviceUrl an activity names: unchecked, the bot token would go wherever a forged activity says.
    else if (env.TEAMS_CLIENT_ID)
      missing.push(
        'TEAMS_DEV_UNAUTHENTICATED: cannot be combined with TEAMS_CLIENT_ID (unauthenticated activities would get replies carrying the bot’s token)',
      );
  }

  let configFile = path.resolve(env.CARELOG_CONFIG);
  if (!existsSync(configFile)) {
    const example = path.resolve('carelog.example.yml');
    if (!production && source.CARELOG_CONFIG === undefined && existsSync(example)) {
      warnings.push(`${env.CARELOG_CONFIG} not found: using carelog.example.yml (copy it to carelog.yml and edit)`);
      configFile = example;
    } else {
      throw new CarelogError('config_invalid', `CARELOG_CONFIG: ${env.CARELOG_CONFIG} does not exist`);
    }
  }
  const programs = parseProgramFile(readFileSync(configFile, 'utf8'), path.basename(configFile));
  if (production) {
    // Each platform's credentials are required only when a program is on that platform.
    if (programs.some(usesSlack) || env.SLACK_BOT_TOKEN || env.SLACK_APP_TOKEN) {
      if (!env.SLACK_SIGNING_SECRET) missing.push('SLACK_SIGNING_SECRET: required in production');
      if (!env.SLACK_BOT_TOKEN) missing.push('SLACK_BOT_TOKEN: required in production');
    }
    if (programs.some(usesTeams)) {
      if (!env.TEAMS_CLIENT_ID) missing.push('TEAMS_CLIENT_ID: required in production for a program on Teams');
      if (!env.TEAMS_CLIENT_SECRET) missing.push('TEAMS_CLIENT_SECRET: required in production for a program on Teams');
    }
  }
  const slackSimulated = !production && !env.SLACK_BOT_TOKEN && (programs.some(usesSlack) || !!env.SLACK_APP_TOKEN);
  // Development modes answer anyone who can reach them: they listen on loopback only, by default.
  if ((source.HOST ?? '') === '' && (slackSimulated || (!production && env.TEAMS_DEV_UNAUTHENTICATED)))
    env.HOST = LOOPBACK_HOST;
  missing.push(...devModesExposed(env, slackSimulated));
  if (missing.length)
    throw new CarelogError('config_invalid', `Invalid environment:\n${missing.map((m) => `  ${m}`).join('\n')}`);
  return {
    env,
    production,
    embeddedDatabase: !env.DATABASE_URL,
    dataDir: path.resolve(env.CARELOG_DATA_DIR),
    configFile,
    slackSimulated,
    programs,
    warnings,
  };
}
