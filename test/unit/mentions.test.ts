// Naming a person in a message is the platform's business: services ask the messenger
// (mentionOn) and give the plain words to use where the platform cannot name them.
import type { Client as ConnectorClient } from '@microsoft/teams.api';
import type { WebClient } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import { createSlackMessenger, slackMention } from '../../src/platforms/slack/messenger.js';
import { createTeamsMessenger } from '../../src/platforms/teams/messenger.js';
import { mentionOn, type Person } from '../../src/services/messenger.js';

const onSlack: Person = { platform: 'slack', platformUserId: 'U0CASE1' };
const onTeams: Person = { platform: 'teams', platformUserId: '6a0c4b1e-2d3f-4e5a-8b9c-0d1e2f3a4b5c' };
// Naming a person calls no platform: the clients are never touched.
const slack = createSlackMessenger({} as WebClient);
const teams = createTeamsMessenger({
  db: { prisma: {} as never },
  connector: {} as ConnectorClient,
  botId: '28:carelog',
});

describe('mentions', () => {
  it('Slack names a Slack member as <@U…> and nobody else', () => {
    expect(slackMention(onSlack)).toBe('<@U0CASE1>');
    expect(slack.mention(onSlack)).toBe('<@U0CASE1>');
    expect(slack.mention(onTeams)).toBeNull();
  });

  it('Teams names nobody in its messages: they carry no mention entity', () => {
    expect(teams.mention(onTeams)).toBeNull();
    expect(teams.mention(onSlack)).toBeNull();
  });

  it('mentionOn names the person as the recipient’s platform does, or in the words given', () => {
    const messengers = { slack, teams };
    expect(mentionOn(messengers, 'slack', onSlack, 'the assignee')).toBe('<@U0CASE1>');
    expect(mentionOn(messengers, 'slack', onTeams, 'the assignee')).toBe('the assignee');
    // A Slack assignee escalated to a Teams supervisor: no Slack syntax in a Teams message.
    expect(mentionOn(messengers, 'teams', onSlack, 'the assignee')).toBe('the assignee');
    // Not connected to the platform: the words.
    expect(mentionOn({ teams }, 'slack', onSlack, 'a colleague')).toBe('a colleague');
  });
});
