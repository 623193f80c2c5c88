import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useCallback, useState, type FormEvent } from "react";

import { ApiError, type FieldErrors } from "../api/client";
import { forgetDraft, sameDraft, useStoredDraft } from "./storedDraft";

export interface DraftFormOptions<Draft> {
  /** What the user must fix before the draft is sent, by field; checked on submit, then as they edit. */
  validate?: (draft: Draft) => FieldErrors;
  /** The field naming the record: a 412 (it exists already, on a create-only save) is shown there. */
  idField?: string;
  /**
   * Keep the draft in the tab's storage under this key (see storedDraft.ts) until it is saved or cancelled,
   * so that signing in again after an expired session loses nothing; `restored` then says it came back.
   */
  storeAs?: string;
  /** Fields never stored (a password): after a sign-in they start from `initial` again. */
  unstored?: readonly (keyof Draft)[];
}

/**
 * An admin form's draft and its save: `set` changes one field, `submit` checks the draft (`validate`),
 * saves it with `saveDraft`, then refreshes the list under `listKey` and calls `onDone`; `errors` are the
 * form's own messages and the API's (422 by field, 412 at `idField`). `cancel` closes the form (`onDone`)
 * and, like a save, forgets the stored draft; `discard` goes back to `initial`, the form staying open.
 * `initial` is read once, when the form opens.
 */
export function useDraftForm<Draft extends object, Saved>(
  initial: Draft,
  saveDraft: (draft: Draft) => Promise<Saved>,
  listKey: string,
  onDone: () => void,
  { validate, idField, storeAs, unstored = [] }: DraftFormOptions<Draft> = {},
) {
  const client = useQueryClient();
  // What is stored and what is not (`unstored`), split once from `initial`.
  const [start] = useState(() => split(initial, unstored));
  const isBlank = useCallback((kept: Partial<Draft>) => sameDraft(kept, start.kept), [start]);
  const stored = useStoredDraft(storeAs ?? null, () => start.kept, isBlank);
  const [secret, setSecret] = useState(start.secret);
  const [restored, setRestored] = useState(stored.restored);
  const draft = { ...start.kept, ...stored.value, ...secret } as Draft;
  const [checked, setChecked] = useState(false);

  function close() {
    if (storeAs) forgetDraft(storeAs);
    onDone();
  }

  const save = useMutation({
    mutationFn: () => saveDraft(draft),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: [listKey] });
      close();
    },
  });
  const errors: FieldErrors = { ...apiErrors(save.error, idField), ...(checked ? validate?.(draft) : {}) };
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    if (unstored.includes(key)) setSecret((current) => ({ ...current, [key]: value }));
    else stored.setValue((current) => ({ ...current, [key]: value }));
  };

  function submit(event: FormEvent) {
    event.preventDefault();
    setChecked(true);
    if (validate && Object.keys(validate(draft)).length) {
      save.reset(); // the API's answer was about an earlier draft
      return;
    }
    save.mutate();
  }

  function discard() {
    stored.setValue(start.kept);
    setSecret(start.secret);
    setChecked(false);
    setRestored(false);
    save.reset();
  }

  return {
    draft,
    set,
    save,
    errors,
    submit,
    cancel: close,
    discard,
    restored: restored && !isBlank(stored.value),
  };
}

/** The fields to store, and the `unstored` ones. */
function split<Draft extends object>(draft: Draft, unstored: readonly (keyof Draft)[]) {
  const kept: Partial<Draft> = { ...draft };
  const secret: Partial<Draft> = {};
  for (const key of unstored) {
    secret[key] = draft[key];
    delete kept[key];
  }
  return { kept, secret };
}

function apiErrors(error: unknown, idField: string | undefined): FieldErrors {
  if (!(error instanceof ApiError)) return {};
  if (error.status === 412 && idField) return { [idField]: error.message };
  return withListFields(error.fieldErrors);
}

/**
 * The API names an item of a list by its index (`skills.languages.1`); a form shows the list as one field
 * (`skills.languages`), so the item's error is given to it too ("item 2: …"), else it would show nowhere.
 */
function withListFields(errors: FieldErrors): FieldErrors {
  const all: FieldErrors = { ...errors };
  for (const [field, message] of Object.entries(errors)) {
    const [, list, index] = /^(.+)\.(\d+)$/.exec(field) ?? [];
    if (list && index && !(list in all)) all[list] = `item ${Number(index) + 1}: ${message}`;
  }
  return all;
}
