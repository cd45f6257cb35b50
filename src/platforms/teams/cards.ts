// What every carelog Adaptive Card shares: the version Teams renders (1.5), full width, and the
// wrappers Teams expects around a card in a message and in an adaptiveCard/action response.
import type {
  AdaptiveCardActionCardResponse,
  AdaptiveCardActionMessageResponse,
  IMessageActivityInput,
} from '@microsoft/teams.api';
import type { CardElementArray, ActionArray, IAdaptiveCard, ITextBlock } from '@microsoft/teams.cards';

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
/** Teams renders Adaptive Cards up to 1.5 (Universal Actions, Input labels, typeahead). */
export const CARD_VERSION = '1.5';
/** Teams refuses a message larger than about 28 KB; carelog keeps its cards well under this. */
export const MAX_MESSAGE_BYTES = 24_000;

export function adaptiveCard(body: CardElementArray, actions?: ActionArray): IAdaptiveCard {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: CARD_VERSION,
    msteams: { width: 'full' },
    body,
    ...(actions?.length ? { actions } : {}),
  };
}

export function text(value: string, extra: Partial<Omit<ITextBlock, 'type' | 'text'>> = {}): ITextBlock {
  return { type: 'TextBlock', text: value, wrap: true, ...extra };
}

/** A message carrying one card; `summary` is what notifications and screen readers show. */
export function cardMessage(card: IAdaptiveCard, summary: string): IMessageActivityInput & { summary: string } {
  return { type: 'message', summary, attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: card }] };
}

export function textMessage(value: string): IMessageActivityInput {
  return { type: 'message', text: value, textFormat: 'markdown' };
}

/** Answers an Action.Execute by replacing the card it came from. */
export function cardResponse(card: IAdaptiveCard): AdaptiveCardActionCardResponse {
  return { statusCode: 200, type: ADAPTIVE_CARD_CONTENT_TYPE, value: card };
}

/** Answers an Action.Execute with a short message and leaves the card as it was. */
export function messageResponse(value: string): AdaptiveCardActionMessageResponse {
  return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value };
}

export function byteSize(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}
