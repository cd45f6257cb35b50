// Checks an Adaptive Card with Microsoft's own object model (the `adaptivecards` package): the card
// is parsed at its own `version` and its properties validated, as the Adaptive Cards Designer does.
// Every parse or validation event is a problem, except the one Teams documents as an extension:
// an Input.ChoiceSet with `choices.data` (a Data.Query, Teams' dynamic typeahead) may have an empty
// `choices` list, since Teams fills it from the bot as the person types
// (https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/dynamic-search).
// The package's parser does not know `choices.data` itself, and says nothing about it.
import { createRequire } from 'node:module';
import type * as AC from 'adaptivecards';

// The package's `lib/` is ES modules with extensionless imports, which Node does not resolve; its
// `dist/` bundle is the same code as one CommonJS file.
const require = createRequire(import.meta.url);
const { AdaptiveCard, SerializationContext, ValidationEvent, Version } =
  require('adaptivecards/dist/adaptivecards.js') as typeof AC;

type Json = Record<string, unknown>;

/** Every object in the card's JSON with this id (inputs and elements), depth first. */
function byId(node: unknown, id: string, out: Json[] = []): Json[] {
  if (Array.isArray(node)) for (const n of node) byId(n, id, out);
  else if (node && typeof node === 'object') {
    const o = node as Json;
    if (o.id === id) out.push(o);
    for (const v of Object.values(o)) byId(v, id, out);
  }
  return out;
}

/** An Input.ChoiceSet whose choices Teams fetches (Data.Query): its empty `choices` is documented. */
function isDynamicChoiceSet(o: Json): boolean {
  const data = o['choices.data'] as Json | undefined;
  return o.type === 'Input.ChoiceSet' && data?.type === 'Data.Query' && typeof data.dataset === 'string';
}

/** The problems Microsoft's parser and validator find in `card`, as readable lines; [] when none. */
export function adaptiveCardProblems(card: Json): string[] {
  const problems: string[] = [];
  const context = new SerializationContext();
  const version = typeof card.version === 'string' ? Version.parse(card.version, context) : undefined;
  if (!version?.isValid) problems.push(`card version ${String(card.version)} is not an Adaptive Cards version`);
  else context.targetVersion = version;
  const parsed = new AdaptiveCard();
  parsed.parse(card, context);
  const events = Array.from({ length: context.eventCount }, (_, i) => context.getEventAt(i));
  events.push(...parsed.validateProperties().validationEvents);
  for (const e of events) {
    const source = e.source as { id?: string; getJsonTypeName?: () => string } | undefined;
    const id = source?.id;
    if (
      e.event === ValidationEvent.CollectionCantBeEmpty &&
      id !== undefined &&
      byId(card, id).some(isDynamicChoiceSet)
    )
      continue;
    const where = [source?.getJsonTypeName?.(), id].filter(Boolean).join(' ');
    problems.push(`${ValidationEvent[e.event]}${where ? ` (${where})` : ''}: ${e.message}`);
  }
  return problems;
}

/** The Adaptive Cards in a Bot Connector activity or an invoke's answer (cards, dialogs). */
export function cardsIn(body: unknown): Json[] {
  const out: Json[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Json;
      if (o.contentType === 'application/vnd.microsoft.card.adaptive' && o.content && typeof o.content === 'object') {
        out.push(o.content as Json);
        return;
      }
      if (o.type === 'application/vnd.microsoft.card.adaptive' && o.value && typeof o.value === 'object') {
        out.push(o.value as Json);
        return;
      }
      for (const v of Object.values(o)) walk(v);
    }
  };
  walk(body);
  return out;
}
