// Where each Slack request goes: handlers/ register their commands, actions, forms, typeaheads and
// events here, and one Bolt middleware hands each request to the one listener it is for. Bolt's
// own app.command/app.action run every request through every listener's matching chain (a dozen
// here, ~45 µs of CPU on each request, the largest single cost of an ack after the HTTP write);
// this finds the listener with one map lookup. Listeners get exactly Bolt's listener arguments.
import type {
  AllMiddlewareArgs,
  AnyMiddlewareArgs,
  BlockAction,
  Middleware,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackEventMiddlewareArgs,
  SlackOptionsMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';

type Args<T> = T & AllMiddlewareArgs;
export type CommandListener = (args: Args<SlackCommandMiddlewareArgs>) => Promise<void>;
export type BlockActionListener = (args: Args<SlackActionMiddlewareArgs<BlockAction>>) => Promise<void>;
export type ViewSubmissionListener = (args: Args<SlackViewMiddlewareArgs<ViewSubmitAction>>) => Promise<void>;
export type BlockSuggestionListener = (args: Args<SlackOptionsMiddlewareArgs<'block_suggestion'>>) => Promise<void>;
export type EventListener<E extends string> = (args: Args<SlackEventMiddlewareArgs<E>>) => Promise<void>;

type AnyListener = (args: never) => Promise<void>;

export class SlackRoutes {
  private readonly commands = new Map<string, CommandListener>();
  private readonly actions = new Map<string, BlockActionListener>();
  private readonly actionPatterns: { pattern: RegExp; listener: BlockActionListener }[] = [];
  private readonly views = new Map<string, ViewSubmissionListener>();
  private readonly suggestions = new Map<string, BlockSuggestionListener>();
  private readonly events = new Map<string, AnyListener>();

  /** A slash command, e.g. "/contact". */
  command(name: string, listener: CommandListener): void {
    add(this.commands, name, listener, 'command');
  }

  /** A button or menu in blocks (block_actions), by action_id, or by a pattern for ids carrying data. */
  action(actionId: string | RegExp, listener: BlockActionListener): void {
    if (typeof actionId === 'string') add(this.actions, actionId, listener, 'action');
    else this.actionPatterns.push({ pattern: actionId, listener });
  }

  /** A modal's submission (view_submission), by callback_id. */
  view(callbackId: string, listener: ViewSubmissionListener): void {
    add(this.views, callbackId, listener, 'view');
  }

  /** An external select's typeahead (block_suggestion), by action_id. */
  options(actionId: string, listener: BlockSuggestionListener): void {
    add(this.suggestions, actionId, listener, 'options');
  }

  /** An Events API event, by type. */
  event<E extends string>(type: E, listener: EventListener<E>): void {
    add(this.events, type, listener as AnyListener, 'event');
  }

  /** The listener a request body is for, or undefined (carelog answers 200 and does nothing). */
  listenerFor(body: Record<string, unknown>): AnyListener | undefined {
    if (typeof body.command === 'string') return this.commands.get(body.command);
    switch (body.type) {
      case 'block_actions': {
        const id = (body.actions as { action_id?: string }[] | undefined)?.[0]?.action_id;
        if (typeof id !== 'string') return undefined;
        return this.actions.get(id) ?? this.actionPatterns.find((p) => p.pattern.test(id))?.listener;
      }
      case 'view_submission':
        return this.views.get(String((body.view as { callback_id?: unknown } | undefined)?.callback_id));
      case 'block_suggestion':
        return this.suggestions.get(String(body.action_id));
      case 'event_callback':
        return this.events.get(String((body.event as { type?: unknown } | undefined)?.type));
      default:
        return undefined;
    }
  }

  /** One Bolt middleware that calls the request's listener with Bolt's listener arguments. */
  middleware(prepare?: (args: AnyMiddlewareArgs & AllMiddlewareArgs) => void): Middleware<AnyMiddlewareArgs> {
    return async (args) => {
      prepare?.(args);
      const listener = this.listenerFor(args.body as unknown as Record<string, unknown>);
      if (listener) await listener(args as never);
    };
  }
}

function add<T>(map: Map<string, T>, key: string, listener: T, kind: string): void {
  if (map.has(key)) throw new Error(`two Slack ${kind} listeners for "${key}"`);
  map.set(key, listener);
}
