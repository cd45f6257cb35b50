// The line above a person's list of follow-ups, on every platform.
import type { FollowUpFacts } from './nudge.js';

export function followUpListIntro(items: FollowUpFacts[]): string {
  if (items.length === 0) return 'You have no pending follow-ups.';
  const overdue = items.filter((f) => f.overdue).length;
  return `You have ${items.length} pending follow-up${items.length === 1 ? '' : 's'}${overdue ? `, ${overdue} overdue` : ''}.`;
}
