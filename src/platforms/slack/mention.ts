// How a Slack message names a person: apart from the messenger, so that the renderers it uses can
// name people too without importing it back.
import type { Person } from '../../services/messenger.js';

/** How a Slack message names a person on Slack (<@U…>, which notifies them); null for anyone else. */
export function slackMention(person: Person): string | null {
  return person.platform === 'slack' ? `<@${person.platformUserId}>` : null;
}
