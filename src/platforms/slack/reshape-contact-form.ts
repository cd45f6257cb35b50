// Redrawing the open contact modal when a choice changes its shape: "New client" (sex, age and any
// demographics the program asks appear) or the outcome (a transport asks "Taken to"). Everything
// chosen so far is drawn again; what was typed in the free-text fields (notes, CAD number) is never
// sent back to Slack: an input with the same block and action ids keeps what was typed in it when
// the view is updated. "Follow-up by" follows a newly chosen client unless the person picked
// someone themselves: re-filled, it gets a new block id, or Slack would keep the old person in it.
import type { ViewOutput } from '@slack/bolt';
import type { View } from '@slack/types';
import type { ProgramConfig } from '../../config.js';
import { FIELD, type TFieldId } from '../../domain/contact-draft.js';
import { assigneeFollowsClient, type AssigneeDefault } from '../../services/contact-flow.js';
import { buildContactForm, DETAIL_FIELDS } from '../../views/contact-form.js';
import {
  fieldIdOfBlock,
  nextBlockId,
  readContactDraft,
  readContactMetadata,
  renderContactModal,
  ZViewState,
} from './contact-modal.js';
import type { CarelogWebClient } from './web-api.js';

/** The fields of the input blocks of a view as Slack sent it back, in order. */
export function shownInputIds(view: ViewOutput): string[] {
  return shownInputBlocks(view).map(fieldIdOfBlock);
}

/** Input block ids of a view as Slack sent it back. */
export function shownInputBlocks(view: ViewOutput): string[] {
  // What Slack sends back is not trusted to be well formed (a forged or mangled payload).
  const blocks: unknown = view.blocks;
  if (!Array.isArray(blocks)) return [];
  return (blocks as unknown[])
    .filter(
      (b): b is { type: string; block_id: string } =>
        typeof b === 'object' &&
        b !== null &&
        (b as { type?: unknown }).type === 'input' &&
        typeof (b as { block_id?: unknown }).block_id === 'string',
    )
    .map((b) => b.block_id);
}

/** Errors by field, keyed by the block ids the view shows them in (Slack marks a block). */
export function errorsByBlock(view: ViewOutput, errors: Partial<Record<TFieldId, string>>): Record<string, string> {
  const blocks = shownInputBlocks(view);
  return Object.fromEntries(
    Object.entries(errors).map(([id, message]) => [blocks.find((b) => fieldIdOfBlock(b) === id) ?? id, message]),
  );
}

export interface ReshapeContent {
  /** Errors listed in a notice above the fields (for a field the modal did not show yet, which Slack cannot mark). */
  errors?: Partial<Record<TFieldId, string>>;
  /** Show the fields behind "More details" (its button was pressed). */
  showDetails?: boolean;
  /** The client chosen now and what "Follow-up by" starts with for them (assigneeDefaultFor). */
  clientChosen?: { client: string | undefined; followUp: AssigneeDefault };
}

/**
 * The modal for the draft a view's state now holds, with its field ids; null when the view is not
 * carelog's contact form for this program. The fields behind "More details" stay shown once they
 * are. With `clientChosen`, "Follow-up by" follows the client unless the person picked someone.
 */
export function reshapedContactView(
  program: ProgramConfig,
  view: ViewOutput,
  content: ReshapeContent = {},
): { view: View; fieldIds: string[] } | null {
  const { errors, showDetails = false, clientChosen } = content;
  const meta = readContactMetadata(view.private_metadata);
  const state = ZViewState.safeParse(view.state?.values ?? {});
  if (!meta || !state.success || meta.programId !== program.id) return null;
  const { notes: _notes, incidentRef: _incidentRef, ...draft } = readContactDraft(state.data);
  const shownBlocks = shownInputBlocks(view);
  const shown = shownBlocks.map(fieldIdOfBlock);
  let assigneeBlock = shownBlocks.find((b) => fieldIdOfBlock(b) === FIELD.followUpAssignee) ?? FIELD.followUpAssignee;
  let metadata = meta;
  let assigneeDefault: AssigneeDefault['hint'] =
    draft.followUpAssignee && draft.followUpAssignee === meta.assigneeDefault ? 'prefilled' : undefined;
  if (clientChosen && assigneeFollowsClient(draft.followUpAssignee, meta.assigneeDefault)) {
    const next = clientChosen.followUp.assignee;
    // Another value for the box: a new block id, so Slack draws it instead of keeping the old one.
    if (next !== draft.followUpAssignee) assigneeBlock = nextBlockId(assigneeBlock);
    if (next) draft.followUpAssignee = next;
    else delete draft.followUpAssignee;
    const { assigneeDefault: _was, assigneeFor: _for, ...rest } = meta;
    metadata = {
      ...rest,
      ...(next ? { assigneeDefault: next } : {}),
      ...(clientChosen.client ? { assigneeFor: clientChosen.client } : {}),
    };
    assigneeDefault = clientChosen.followUp.hint;
  }
  const shape = {
    categories: program.categories,
    demographics: program.demographics,
    draft,
    showDetails: showDetails || DETAIL_FIELDS.some((id) => shown.includes(id)),
    ...(assigneeDefault ? { assigneeDefault } : {}),
  };
  const model = buildContactForm(shape);
  const fields = model.fields.filter((f) => !f.detail || model.detailsShown);
  const notice =
    errors && Object.keys(errors).length
      ? `Some answers need a look: ${fields
          .filter((f) => errors[f.id])
          .map((f) => `${f.label}: ${errors[f.id]}`)
          .join(' ')}`
      : undefined;
  const form = buildContactForm({ ...shape, ...(notice ? { notice } : {}) });
  return {
    fieldIds: fields.map((f) => f.id),
    view: renderContactModal(form, {
      timezone: program.timezone,
      metadata,
      ...(draft.clientLabel ? { clientLabel: draft.clientLabel } : {}),
      ...(assigneeBlock !== FIELD.followUpAssignee ? { blockIds: { [FIELD.followUpAssignee]: assigneeBlock } } : {}),
    }),
  };
}

export interface ReshapeOptions {
  /**
   * Leave the modal alone when the new choice shows the same fields (an outcome changed to another
   * that is not a transport): nothing to redraw, and no update to race the person's typing.
   */
  onlyIfShapeChanges?: boolean;
  /** Show the fields behind "More details" (its button was pressed). */
  showDetails?: boolean;
  /** The client was chosen: "Follow-up by" follows them (see reshapedContactView). */
  clientChosen?: ReshapeContent['clientChosen'];
}

/** Redraws the modal for the draft its state now holds; false when it is not carelog's or unchanged. */
export async function reshapeContactForm(
  api: CarelogWebClient,
  program: ProgramConfig,
  view: ViewOutput,
  opts: ReshapeOptions = {},
): Promise<boolean> {
  const reshaped = reshapedContactView(program, view, {
    ...(opts.showDetails ? { showDetails: true } : {}),
    ...(opts.clientChosen ? { clientChosen: opts.clientChosen } : {}),
  });
  if (!reshaped) return false;
  if (opts.onlyIfShapeChanges) {
    const shown = shownInputIds(view);
    const ids = reshaped.fieldIds;
    if (ids.length === shown.length && ids.every((id, i) => id === shown[i]) && !opts.clientChosen) return false;
  }
  await api.views.update({
    view_id: view.id,
    // The hash makes Slack refuse this update if the form changed in the meantime.
    hash: view.hash,
    view: reshaped.view,
  });
  return true;
}
