// Which chat platforms a program is on and this process connects to, and where development modes
// (the local Slack simulator, unauthenticated Teams) may listen.
import { BlockList, isIP } from 'node:net';
import type { TEnv } from './env.js';

type TPlatformShape = {
  slack?: { teamId?: string | undefined; digestChannel?: string | undefined };
  teams?: { tenantId?: string | undefined; digestChannel?: string | undefined };
  roster: { slack?: string | undefined; teams?: string | undefined }[];
};

/** A program is on Slack when it names a workspace, a Slack channel or a Slack user. */
export function usesSlack(p: TPlatformShape): boolean {
  return !!p.slack?.teamId || !!p.slack?.digestChannel || p.roster.some((m) => m.slack);
}

/** A program is on Teams when it names a tenant, a Teams channel or a Teams user. */
export function usesTeams(p: TPlatformShape): boolean {
  return !!p.teams?.tenantId || !!p.teams?.digestChannel || p.roster.some((m) => m.teams);
}

export type TSlackMode = 'http' | 'socket' | 'simulated' | 'off';
export type TTeamsMode = 'authenticated' | 'unauthenticated' | 'off';

/**
 * Which chat platforms this process connects to. Slack: whenever credentials are set or a program
 * is on Slack (the local simulator outside production without a token). Teams: with credentials,
 * or unauthenticated when TEAMS_DEV_UNAUTHENTICATED=1 (never in production: loadConfig refuses
 * it); otherwise off, even in development, since an unauthenticated endpoint that writes health
 * data should be asked for, not defaulted to.
 */
export function platformModes(config: { env: TEnv; programs: readonly TPlatformShape[]; slackSimulated: boolean }): {
  slack: TSlackMode;
  teams: TTeamsMode;
} {
  const { env } = config;
  const slackWanted = !!env.SLACK_BOT_TOKEN || !!env.SLACK_APP_TOKEN || config.programs.some(usesSlack);
  // Simulated comes first: Socket Mode without a bot token outside production talks to the simulator.
  const slack: TSlackMode = !slackWanted
    ? 'off'
    : config.slackSimulated
      ? 'simulated'
      : env.SLACK_APP_TOKEN
        ? 'socket'
        : 'http';
  const teams: TTeamsMode =
    env.TEAMS_CLIENT_ID && env.TEAMS_CLIENT_SECRET
      ? 'authenticated'
      : env.TEAMS_DEV_UNAUTHENTICATED
        ? 'unauthenticated'
        : 'off';
  return { slack, teams };
}

/** Where development modes listen when HOST is not set. */
export const LOOPBACK_HOST = '127.0.0.1';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** 127.0.0.0/8, ::1 (and IPv4-mapped 127.x), or localhost: reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .replace(/^\[(.*)\]$/, '$1')
    .toLowerCase();
  if (h === 'localhost') return true;
  const family = isIP(h);
  return family !== 0 && LOOPBACK.check(h, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * What refuses to listen beyond this machine: the local Slack simulator (it takes requests signed
 * with a secret printed in docs/slack-setup.md, and Bolt's respond() then posts to whatever response_url a
 * request names) and TEAMS_DEV_UNAUTHENTICATED (anyone may act as any roster member). Each message
 * says why and what to set. startCarelog checks again, for configurations not built here.
 */
export function devModesExposed(
  env: Pick<TEnv, 'HOST' | 'TEAMS_DEV_UNAUTHENTICATED'>,
  slackSimulated: boolean,
): string[] {
  if (isLoopbackHost(env.HOST)) return [];
  const out: string[] = [];
  if (slackSimulated) {
    out.push(
      `HOST: ${env.HOST} listens beyond this machine, but SLACK_BOT_TOKEN is not set, so Slack requests would be checked against the local simulator's public signing secret: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET of a real Slack app, or HOST=${LOOPBACK_HOST}`,
    );
  }
  if (env.TEAMS_DEV_UNAUTHENTICATED) {
    out.push(
      `TEAMS_DEV_UNAUTHENTICATED: accepts Teams activities without a token, so it is refused with HOST=${env.HOST} (beyond this machine): set TEAMS_CLIENT_ID and TEAMS_CLIENT_SECRET instead, or HOST=${LOOPBACK_HOST}`,
    );
  }
  return out;
}
