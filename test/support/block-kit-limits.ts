// Slack's documented Block Kit limits for modals, which neither @slack/types nor Bolt checks: a view
// that breaks one is refused by views.open with a bare `invalid_arguments`, at the moment a person
// is trying to log a contact. Returns every problem found, each with the path to it; [] means fine.
// Sources: docs.slack.dev/reference/views/modal-views, .../block-kit/blocks/input-block,
// .../block-kit/block-elements/*, .../block-kit/composition-objects/option-object.

export const LIMITS = {
  modalBlocks: 100,
  modalButtonText: 24, // title, submit, close
  privateMetadata: 3000,
  callbackId: 255,
  blockId: 255,
  actionId: 255,
  inputLabel: 2000,
  inputHint: 2000,
  sectionText: 3000,
  placeholder: 150,
  selectOptions: 100, // static_select, multi_static_select
  choiceOptions: 10, // checkboxes, radio_buttons
  optionText: 75,
  optionValue: 150,
  plainTextInputLength: 3000,
} as const;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
/** Slack counts characters, so an emoji such as ➕ is one. */
const length = (s: string) => [...s].length;

export function checkModal(view: unknown): string[] {
  const problems: string[] = [];
  const tooLong = (where: string, text: unknown, max: number) => {
    if (typeof text === 'string' && length(text) > max)
      problems.push(`${where}: ${length(text)} characters (max ${max})`);
  };
  const plainText = (where: string, obj: unknown, max: number, required = false) => {
    if (obj === undefined && !required) return;
    if (!isObject(obj) || obj.type !== 'plain_text' || typeof obj.text !== 'string') {
      problems.push(`${where}: must be a plain_text object`);
      return;
    }
    if (obj.text.length === 0) problems.push(`${where}.text: empty`);
    tooLong(`${where}.text`, obj.text, max);
  };

  if (!isObject(view) || view.type !== 'modal') return ['view: not a modal'];
  plainText('title', view.title, LIMITS.modalButtonText, true);
  plainText('submit', view.submit, LIMITS.modalButtonText);
  plainText('close', view.close, LIMITS.modalButtonText);
  tooLong('private_metadata', view.private_metadata, LIMITS.privateMetadata);
  tooLong('callback_id', view.callback_id, LIMITS.callbackId);

  const blocks = asArray(view.blocks);
  if (blocks.length > LIMITS.modalBlocks) problems.push(`blocks: ${blocks.length} blocks (max ${LIMITS.modalBlocks})`);
  if (blocks.some((b) => isObject(b) && b.type === 'input') && view.submit === undefined)
    problems.push('submit: required with input blocks');

  const blockIds = new Set<string>();
  blocks.forEach((block, i) => {
    const at = `blocks[${i}]`;
    if (!isObject(block)) {
      problems.push(`${at}: not an object`);
      return;
    }
    if (typeof block.block_id === 'string') {
      tooLong(`${at}.block_id`, block.block_id, LIMITS.blockId);
      if (blockIds.has(block.block_id)) problems.push(`${at}.block_id: "${block.block_id}" is used twice`);
      blockIds.add(block.block_id);
    }
    if (block.type === 'input') {
      plainText(`${at}.label`, block.label, LIMITS.inputLabel, true);
      plainText(`${at}.hint`, block.hint, LIMITS.inputHint);
      checkElement(`${at}.element`, block.element);
    } else if (block.type === 'section') {
      if (isObject(block.text)) tooLong(`${at}.text.text`, block.text.text, LIMITS.sectionText);
    }
  });
  return problems;

  function checkElement(at: string, el: unknown) {
    if (!isObject(el) || typeof el.type !== 'string') {
      problems.push(`${at}: missing`);
      return;
    }
    tooLong(`${at}.action_id`, el.action_id, LIMITS.actionId);
    plainText(`${at}.placeholder`, el.placeholder, LIMITS.placeholder);
    if (el.type === 'plain_text_input') {
      for (const key of ['max_length', 'min_length'] as const) {
        const n = el[key];
        if (typeof n === 'number' && (n > LIMITS.plainTextInputLength || n < 0))
          problems.push(`${at}.${key}: ${n} (max ${LIMITS.plainTextInputLength})`);
      }
    }
    const maxOptions: Record<string, number> = {
      static_select: LIMITS.selectOptions,
      multi_static_select: LIMITS.selectOptions,
      checkboxes: LIMITS.choiceOptions,
      radio_buttons: LIMITS.choiceOptions,
    };
    const type = el.type;
    const max = maxOptions[type];
    if (max === undefined) return;
    const options = asArray(el.options);
    if (options.length === 0) problems.push(`${at}.options: empty`);
    if (options.length > max) problems.push(`${at}.options: ${options.length} options (max ${max})`);
    const seen: string[] = [];
    options.forEach((o, j) => {
      const where = `${at}.options[${j}]`;
      if (!isObject(o)) {
        problems.push(`${where}: not an object`);
        return;
      }
      // Select menus take plain_text options only; checkboxes and radio buttons may use mrkdwn.
      if (type.endsWith('select')) plainText(`${where}.text`, o.text, LIMITS.optionText, true);
      else if (isObject(o.text)) tooLong(`${where}.text.text`, o.text.text, LIMITS.optionText);
      if (typeof o.value !== 'string') problems.push(`${where}.value: missing`);
      tooLong(`${where}.value`, o.value, LIMITS.optionValue);
      seen.push(JSON.stringify([isObject(o.text) ? o.text.text : undefined, o.value]));
    });
    // An initial option must match one of the options exactly (text and value).
    const key = (o: unknown) =>
      JSON.stringify([isObject(o) && isObject(o.text) ? o.text.text : undefined, isObject(o) ? o.value : undefined]);
    if (el.initial_option !== undefined && !seen.includes(key(el.initial_option)))
      problems.push(`${at}.initial_option: not one of the options`);
    asArray(el.initial_options).forEach((o, j) => {
      if (!seen.includes(key(o))) problems.push(`${at}.initial_options[${j}]: not one of the options`);
    });
  }
}

/** Slack's documented limits for a message's blocks (chat.postMessage, response_url replies). */
export const MESSAGE_LIMITS = {
  messageBlocks: 50,
  messageText: 40_000,
  blockId: 255,
  headerText: 150,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  contextElements: 10,
  contextText: 3000,
} as const;

/**
 * Checks a message's blocks (and its fallback text, when given) against Slack's limits for
 * messages; chat.postMessage refuses a message that breaks one with `invalid_blocks`. Sources:
 * docs.slack.dev/reference/block-kit/blocks (header, section, context, divider),
 * docs.slack.dev/reference/methods/chat.postMessage. Returns every problem with its path.
 */
export function checkMessage(blocks: unknown, text?: unknown): string[] {
  const problems: string[] = [];
  const tooLong = (where: string, s: unknown, max: number) => {
    if (typeof s === 'string' && length(s) > max) problems.push(`${where}: ${length(s)} characters (max ${max})`);
  };
  const textObject = (where: string, obj: unknown, max: number, types: string[] = ['plain_text', 'mrkdwn']) => {
    if (!isObject(obj) || typeof obj.type !== 'string' || !types.includes(obj.type) || typeof obj.text !== 'string') {
      problems.push(`${where}: must be a ${types.join(' or ')} text object`);
      return;
    }
    if (obj.text.length === 0) problems.push(`${where}.text: empty`);
    tooLong(`${where}.text`, obj.text, max);
  };
  tooLong('text', text, MESSAGE_LIMITS.messageText);
  if (!Array.isArray(blocks)) return [...problems, 'blocks: not an array'];
  if (blocks.length === 0) problems.push('blocks: empty');
  if (blocks.length > MESSAGE_LIMITS.messageBlocks)
    problems.push(`blocks: ${blocks.length} blocks (max ${MESSAGE_LIMITS.messageBlocks})`);
  const ids = new Set<string>();
  blocks.forEach((block, i) => {
    const at = `blocks[${i}]`;
    if (!isObject(block)) {
      problems.push(`${at}: not an object`);
      return;
    }
    if (typeof block.block_id === 'string') {
      tooLong(`${at}.block_id`, block.block_id, MESSAGE_LIMITS.blockId);
      if (ids.has(block.block_id)) problems.push(`${at}.block_id: "${block.block_id}" is used twice`);
      ids.add(block.block_id);
    }
    switch (block.type) {
      case 'header':
        textObject(`${at}.text`, block.text, MESSAGE_LIMITS.headerText, ['plain_text']);
        break;
      case 'section': {
        if (block.text === undefined && block.fields === undefined)
          problems.push(`${at}: a section needs text or fields`);
        if (block.text !== undefined) textObject(`${at}.text`, block.text, MESSAGE_LIMITS.sectionText);
        if (block.fields !== undefined) {
          const fields = asArray(block.fields);
          if (fields.length === 0) problems.push(`${at}.fields: empty`);
          if (fields.length > MESSAGE_LIMITS.sectionFields)
            problems.push(`${at}.fields: ${fields.length} fields (max ${MESSAGE_LIMITS.sectionFields})`);
          fields.forEach((f, j) => textObject(`${at}.fields[${j}]`, f, MESSAGE_LIMITS.fieldText));
        }
        break;
      }
      case 'context': {
        const elements = asArray(block.elements);
        if (elements.length === 0) problems.push(`${at}.elements: empty`);
        if (elements.length > MESSAGE_LIMITS.contextElements)
          problems.push(`${at}.elements: ${elements.length} elements (max ${MESSAGE_LIMITS.contextElements})`);
        elements.forEach((e, j) => textObject(`${at}.elements[${j}]`, e, MESSAGE_LIMITS.contextText));
        break;
      }
      case 'divider':
        break;
      default:
        problems.push(`${at}: block type ${String(block.type)} is not checked here`);
    }
  });
  return problems;
}
