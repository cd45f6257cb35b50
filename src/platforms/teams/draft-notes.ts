// Notes typed into a Teams form that had to come back (errors, "New client") are never put into the
// card. They travel in the card's action data sealed with the notes key, bound to the program, the
// form and the person, so they cannot be opened anywhere else or replayed into another form.
// Unlike stored notes they are not bound to a contact: there is none yet (the contact's id is chosen
// when the form is saved), and the form id already names the one draft they belong to. They are
// sealed as v2 envelopes like every other (lengths checked); a v1 draft still in a card sent before
// v2 opens under this same context until the card is answered.
import type { Keyring } from '../../services/crypto.js';

function context(programId: string, formId: string, memberId: string): string {
  return `carelog:teams-draft-notes:${programId}:${formId}:${memberId}`;
}

export interface DraftNotesScope {
  programId: string;
  formId: string;
  memberId: string;
}

export function sealDraftNotes(keyring: Keyring, scope: DraftNotesScope, notes: string): string {
  return keyring.encrypt(notes, context(scope.programId, scope.formId, scope.memberId)).envelope;
}

/** The notes sealed earlier, or null when they cannot be opened (another form, person or key). */
export function openDraftNotes(keyring: Keyring, scope: DraftNotesScope, sealed: string): string | null {
  try {
    return keyring.decrypt(sealed, context(scope.programId, scope.formId, scope.memberId));
  } catch {
    return null;
  }
}
