// manifest.yml is pasted by an admin to create the Slack app: it must declare what carelog uses.
import { readFileSync, readdirSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { SLACK_EVENTS_PATH } from '../../src/platforms/slack/receiver.js';

const manifest = parse(readFileSync('manifest.yml', 'utf8')) as {
  features: { slash_commands: { command: string; url: string }[] };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { request_url: string; bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url: string; message_menu_options_url: string };
    socket_mode_enabled: boolean;
  };
};

/** Slash commands registered by handlers/slack/*.ts (app.command('/x', …) via exported constants). */
function commandsInHandlers(): string[] {
  const found = new Set<string>();
  for (const file of readdirSync('handlers/slack')) {
    const text = readFileSync(`handlers/slack/${file}`, 'utf8');
    for (const m of text.matchAll(/export const \w+_COMMAND = '(\/[a-z-]+)'/g)) found.add(m[1]!);
  }
  return [...found].sort();
}

describe('manifest.yml', () => {
  it('declares exactly the slash commands the handlers register, at the events URL', () => {
    const declared = manifest.features.slash_commands.map((c) => c.command).sort();
    expect(commandsInHandlers().length).toBeGreaterThan(0);
    expect(declared).toEqual(commandsInHandlers());
    for (const c of manifest.features.slash_commands) expect(new URL(c.url).pathname).toBe(SLACK_EVENTS_PATH);
  });

  it('points interactivity and the typeahead options at the events URL', () => {
    const i = manifest.settings.interactivity;
    expect(i.is_enabled).toBe(true);
    expect(new URL(i.request_url).pathname).toBe(SLACK_EVENTS_PATH);
    expect(new URL(i.message_menu_options_url).pathname).toBe(SLACK_EVENTS_PATH);
    expect(manifest.settings.socket_mode_enabled).toBe(false);
    expect(new URL(manifest.settings.event_subscriptions.request_url).pathname).toBe(SLACK_EVENTS_PATH);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(['app_home_opened']);
  });

  it('asks only for the scopes carelog uses', () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([
      'channels:history',
      'chat:write',
      'commands',
      'files:write',
      'groups:history',
      'im:history',
      'im:write',
    ]);
  });
});
