// Editing one part of the customer's 360 view in place (the case, the contacts agents added), the way both
// of its cards do: the open form is a draft kept in this tab's storage until it is saved or cancelled (so an
// expired session loses nothing), a save names the version the draft began from, and one overtaken by
// another's (409) says so and offers to reload.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent } from "react";

import { ApiError, api, type FieldErrors } from "../api/client";
import type { CustomerView } from "../api/types";
import { useSession } from "../auth/AuthContext";
import { useStoredDraft } from "../lib/storedDraft";

/** The parts of the 360 view that are edited in place. */
type EditedPart = "case" | "crm_contacts";

export interface VersionedEditorOptions<P extends EditedPart, Draft extends { base: number }> {
  cif: string;
  part: P;
  /** The part as saved (as the 360 view has it now). */
  view: CustomerView[P];
  canEdit: boolean;
  /** The draft's name in the tab's storage, before the user and the cif ("case"). */
  storeAs: string;
  /** Where the draft is PUT, before the cif ("/api/cases"). */
  path: string;
  draftOf: (view: CustomerView[P]) => Draft;
  /**
   * The draft as kept in the tab's storage, with every field: one stored by an older page lacks the fields
   * added since (the same draft when it has them all). By default the stored draft as it is.
   */
  completeDraft?: (stored: Draft) => Draft;
  /** What the PUT sends; it names `draft.base`. */
  bodyOf: (draft: Draft) => unknown;
  isUnchanged: (draft: Draft, view: CustomerView[P]) => boolean;
  /** What the user must fix before the draft is sent, by the API's field names. */
  problemsOf: (draft: Draft) => FieldErrors;
  /**
   * Problems are shown as they are typed, and Save waits until there are none; otherwise they are shown
   * from the first Save on.
   */
  checkAsTyped?: boolean;
  /** Whether the form shows this field of a 422 at the field; the others are shown above Save. */
  isShownAtField: (field: string, draft: Draft) => boolean;
  /** What the form says when someone saved since the draft began (`saved`: the version now). */
  overtaken: (saved: number, base: number) => string;
  /** The form starts (again) from the part as saved: opened, discarded or reloaded. */
  onStart?: (draft: Draft) => void;
}

const closed = (): null => null;
const isClosed = (draft: unknown) => draft === null;

export function useVersionedEditor<P extends EditedPart, Draft extends { base: number }>({
  cif,
  part,
  view,
  canEdit,
  storeAs,
  path,
  draftOf,
  completeDraft = (stored) => stored,
  bodyOf,
  isUnchanged,
  problemsOf,
  checkAsTyped = false,
  isShownAtField,
  overtaken,
  onStart,
}: VersionedEditorOptions<P, Draft>) {
  const client = useQueryClient();
  const { username } = useSession();
  const customerKey = ["customer", cif];
  // The open form (null: closed): its fields and the version they were based on.
  const stored = useStoredDraft<Draft | null>(`${storeAs}/${username}/${cif}`, closed, isClosed);
  const draft = canEdit && stored.value !== null ? completeDraft(stored.value) : null;
  const [restoredNotice, setRestoredNotice] = useState(stored.restored);
  // Save has been pressed: from then on the problems are shown (unless they are shown as typed anyway).
  const [checked, setChecked] = useState(false);
  const [reloading, setReloading] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const [focusEdit, setFocusEdit] = useState(false);

  const save = useMutation({
    mutationFn: (sent: Draft) =>
      api<CustomerView[P]>(`${path}/${encodeURIComponent(cif)}`, { method: "PUT", body: bodyOf(sent) }),
    onSuccess: (saved) => {
      // The card shows the saved part at once; the 360 view is read again (the timeline, the follow-up).
      client.setQueryData<CustomerView>(customerKey, (old) => (old ? { ...old, [part]: saved } : old));
      void client.invalidateQueries({ queryKey: customerKey });
      close();
    },
  });

  // Once the form has closed, the focus goes back to the Edit button (rendered again only now).
  useEffect(() => {
    if (focusEdit && draft === null) {
      editButton.current?.focus();
      setFocusEdit(false);
    }
  }, [focusEdit, draft]);

  function close() {
    stored.setValue(null);
    setChecked(false);
    setRestoredNotice(false);
    setFocusEdit(true);
  }

  /** Start the form from `from`, the part as saved. */
  function start(from: CustomerView[P]) {
    save.reset();
    setChecked(false);
    setRestoredNotice(false);
    const next = draftOf(from);
    stored.setValue(next);
    onStart?.(next);
  }

  function cancel() {
    save.reset();
    close();
  }

  function edit(change: (current: Draft) => Draft) {
    stored.setValue((current) => (current ? change(completeDraft(current)) : current));
    // The API's answer was about the draft before this edit; a 409 stays until they reload.
    if (save.isError && !(save.error instanceof ApiError && save.error.status === 409)) save.reset();
  }

  /** Read the customer again; the form goes on from the part as saved now (the changes here are dropped). */
  async function reload() {
    setReloading(true);
    try {
      await client.refetchQueries({ queryKey: customerKey, exact: true });
    } finally {
      setReloading(false);
    }
    start(client.getQueryData<CustomerView>(customerKey)?.[part] ?? view);
  }

  const problems = draft ? problemsOf(draft) : {};
  const blocked = checkAsTyped && Object.keys(problems).length > 0;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!draft || save.isPending || blocked) return;
    setChecked(true);
    if (Object.keys(problems).length) {
      save.reset(); // the API's answer was about an earlier draft
      return;
    }
    save.mutate(draft);
  }

  const failure = save.error instanceof ApiError ? save.error : null;
  const stale = failure?.status === 409;
  const apiErrors = failure?.status === 422 ? failure.fieldErrors : {};
  const atFields = draft !== null && Object.keys(apiErrors).some((field) => isShownAtField(field, draft));
  // Someone saved since this draft began (restored after a sign-in, or read again since): Save would be refused.
  const movedOn = draft !== null && draft.base !== view.version && !stale;

  return {
    /** The open form's draft; null: closed. */
    draft,
    save,
    /** The form's messages by field: the API's 422 and the draft's problems (once they are shown). */
    errors: { ...apiErrors, ...(checkAsTyped || checked ? problems : {}) },
    /** An error of the save shown above Save: neither a 409 nor at a field. */
    otherError: save.error && !stale && !atFields ? save.error : null,
    /** Save waits until the problems are fixed (`checkAsTyped`). */
    blocked,
    /** Why Save was (or would be) refused: another save came first; Reload is the way on. */
    conflict: stale && failure ? failure.message : movedOn ? overtaken(view.version, draft.base) : null,
    reloading,
    reload: () => void reload(),
    /** Show that the draft came back after a sign-in (while it differs from the part as saved). */
    restored: restoredNotice && draft !== null && !isUnchanged(draft, view),
    /** For the card's Edit button: the focus goes back to it once the form closes. */
    editButton,
    open: () => start(view),
    /** Drop the restored changes: the form starts again from the part as saved. */
    discard: () => start(view),
    cancel,
    edit,
    submit,
  };
}
