import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { ApiError, type FieldErrors } from "../api/client";

/**
 * An admin form's draft and its save: `set` changes one field, `submit` saves the draft with `saveDraft`,
 * then refreshes the list under `listKey` and calls `onDone`; `errors` are the API's 422 messages by field.
 */
export function useDraftForm<Draft, Saved>(
  initial: Draft,
  saveDraft: (draft: Draft) => Promise<Saved>,
  listKey: string,
  onDone: () => void,
) {
  const client = useQueryClient();
  const [draft, setDraft] = useState(initial);
  const save = useMutation({
    mutationFn: () => saveDraft(draft),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: [listKey] });
      onDone();
    },
  });
  const errors: FieldErrors = save.error instanceof ApiError ? save.error.fieldErrors : {};
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }

  return { draft, set, save, errors, submit };
}
