import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { ApiError, type FieldErrors } from "../api/client";

export interface DraftFormOptions<Draft> {
  /** What the user must fix before the draft is sent, by field; checked on submit, then as they edit. */
  validate?: (draft: Draft) => FieldErrors;
  /** The field naming the record: a 412 (it exists already, on a create-only save) is shown there. */
  idField?: string;
}

/**
 * An admin form's draft and its save: `set` changes one field, `submit` checks the draft (`validate`),
 * saves it with `saveDraft`, then refreshes the list under `listKey` and calls `onDone`; `errors` are the
 * form's own messages and the API's (422 by field, 412 at `idField`).
 */
export function useDraftForm<Draft, Saved>(
  initial: Draft,
  saveDraft: (draft: Draft) => Promise<Saved>,
  listKey: string,
  onDone: () => void,
  { validate, idField }: DraftFormOptions<Draft> = {},
) {
  const client = useQueryClient();
  const [draft, setDraft] = useState(initial);
  const [checked, setChecked] = useState(false);
  const save = useMutation({
    mutationFn: () => saveDraft(draft),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: [listKey] });
      onDone();
    },
  });
  const errors: FieldErrors = { ...apiErrors(save.error, idField), ...(checked ? validate?.(draft) : {}) };
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));

  function submit(event: FormEvent) {
    event.preventDefault();
    setChecked(true);
    if (validate && Object.keys(validate(draft)).length) {
      save.reset(); // the API's answer was about an earlier draft
      return;
    }
    save.mutate();
  }

  return { draft, set, save, errors, submit };
}

function apiErrors(error: unknown, idField: string | undefined): FieldErrors {
  if (!(error instanceof ApiError)) return {};
  if (error.status === 412 && idField) return { [idField]: error.message };
  return error.fieldErrors;
}
