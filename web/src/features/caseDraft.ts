// The case form's draft: what it sends (`PUT /api/cases/{cif}`), how a code reads, and what must be fixed
// before it can be sent. Pure, so it is tested alone.

import type { FieldErrors } from "../api/client";
import type { CaseUpdate, CaseView, DictionaryEntry, SubstateEntry } from "../api/types";
import { formatDateTime } from "../lib/format";
import { characters } from "../lib/text";

// contracts/common.py: LongText.
export const MAX_NOTES = 4000;

/** The form's fields ("" for a code: not set) and the version they were based on, which the save names. */
export interface CaseDraft {
  base: number;
  state: string;
  substate: string;
  recovery_ability: string;
  notes: string;
}

/** The form as it opens on the case as saved. */
export function draftOf(view: CaseView): CaseDraft {
  return {
    base: view.version,
    state: view.state ?? "",
    substate: view.substate ?? "",
    recovery_ability: view.recovery_ability ?? "",
    notes: view.notes ?? "",
  };
}

/**
 * A draft as it was kept in the tab's storage, with every field: one stored by an older page lacks the
 * substate (added since), which is then not set.
 */
export function completeDraft(stored: Omit<CaseDraft, "substate"> & { substate?: string }): CaseDraft {
  return typeof stored.substate === "string" ? (stored as CaseDraft) : { ...stored, substate: "" };
}

/** Whether the draft says what the case says (whatever version it was based on). */
export function isUnchanged(draft: CaseDraft, view: CaseView): boolean {
  const saved = draftOf(view);
  return (
    draft.state === saved.state &&
    draft.substate === saved.substate &&
    draft.recovery_ability === saved.recovery_ability &&
    draft.notes === saved.notes
  );
}

export function caseBody(draft: CaseDraft): CaseUpdate {
  return {
    state: draft.state || null,
    substate: draft.substate || null,
    recovery_ability: draft.recovery_ability || null,
    notes: draft.notes,
    version: draft.base,
  };
}

/** A code as people read it: its label, the code itself once it is no longer in the dictionary, or "Not set". */
export function labelOf(entries: DictionaryEntry[] | undefined, code: string | null | undefined): string {
  if (!code) return "Not set";
  return entries?.find((entry) => entry.code === code)?.label ?? code;
}

/** Whether a substate goes with a case state ("" : not set): it names no states (any), or names this one. */
export function goesWith(entry: SubstateEntry, state: string): boolean {
  return entry.states.length === 0 || entry.states.includes(state);
}

/** The substates to offer with a case state, in the dictionary's order (domain/dictionaries.py's rule). */
export function substatesFor(entries: SubstateEntry[], state: string): SubstateEntry[] {
  return entries.filter((entry) => goesWith(entry, state));
}

/**
 * The draft after choosing a case state: a substate that does not go with it is cleared (the API would
 * refuse the pair), one that does is kept.
 */
export function withState(draft: CaseDraft, state: string, entries: SubstateEntry[]): CaseDraft {
  const substate = entries.find((entry) => entry.code === draft.substate);
  const keep = substate === undefined || goesWith(substate, state);
  return { ...draft, state, substate: keep ? draft.substate : "" };
}

/** What the user must fix before sending, by the API's field names. The codes are the API's to judge. */
export function caseProblems(draft: CaseDraft): FieldErrors {
  const problems: FieldErrors = {};
  const length = characters(draft.notes);
  if (length > MAX_NOTES) {
    problems.notes = `The notes have ${length} characters: at most ${MAX_NOTES}`;
  }
  return problems;
}

/** "Saved by X on <date>, version N", or "Never saved". */
export function savedLine(view: CaseView): string {
  if (!view.version) return "Never saved";
  return `Saved by ${view.updated_by ?? "—"} on ${formatDateTime(view.updated_at)}, version ${view.version}`;
}
