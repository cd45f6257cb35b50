// Checks an Adaptive Card with Microsoft's own object model (the `adaptivecards` package): the card
// is parsed at its own `version` and its properties validated, as the Adaptive Cards Designer does.
// Every parse or validation event is an error, except what Teams documents as its extension of
// Adaptive Cards 1.5, the dynamic typeahead
// (https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/dynamic-search):
// an Input.ChoiceSet with `choices.data` (a Data.Query naming a dataset) in a 1.5 card, which the
// package places in 1.6 ("UnsupportedProperty"), and whose `choices` may be empty since Teams fills
// it from the bot as the person types ("CollectionCantBeEmpty"). Those two are warnings, and only
// on such an input.
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

export interface CardCheck {
  errors: string[];
  /** Events Teams documents as its own extension (see the top of this file). */
  warnings: string[];
}

/** What Microsoft's parser and validator say about `card`, as readable lines. */
export function checkAdaptiveCard(card: Json): CardCheck {
  const problems: string[] = [];
  const warnings: string[] = [];
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
    const where = [source?.getJsonTypeName?.(), id].filter(Boolean).join(' ');
    const line = `${ValidationEvent[e.event]}${where ? ` (${where})` : ''}: ${e.message}`;
    const dynamic = id !== undefined && byId(card, id).some(isDynamicChoiceSet);
    const teamsExtension =
      dynamic &&
      (e.event === ValidationEvent.CollectionCantBeEmpty ||
        (e.event === ValidationEvent.UnsupportedProperty &&
          card.version === '1.5' &&
          /"choices\.data"/.test(e.message)));
    (teamsExtension ? warnings : problems).push(line);
  }
  return { errors: problems, warnings };
}

/** The errors alone ([] when Teams takes the card). */
export const adaptiveCardProblems = (card: Json): string[] => checkAdaptiveCard(card).errors;

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
