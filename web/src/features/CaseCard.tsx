// A customer's case: the CRM's own state of the collection work, the customer's ability to pay, the master
// notes and the open follow-up date. Agents and supervisors edit it in place; a save names the version it
// was based on, and one overtaken by another's (409) says so and offers to reload. The open form is kept in
// this tab's storage until it is saved or cancelled, so an expired session loses nothing.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent } from "react";

import { ApiError, api } from "../api/client";
import type { CaseView, CustomerView, Dictionaries, DictionaryEntry } from "../api/types";
import { useSession } from "../auth/AuthContext";
import { Card } from "../components/Card";
import { Field, SaveAndCancel, inputClass, secondaryButtonClass } from "../components/Field";
import { RestoredNotice } from "../components/RestoredNotice";
import { ErrorState, Loading } from "../components/States";
import { formatDate } from "../lib/format";
import { useStoredDraft } from "../lib/storedDraft";
import { characters } from "../lib/text";
import {
  MAX_NOTES,
  caseBody,
  caseProblems,
  draftOf,
  isUnchanged,
  labelOf,
  savedLine,
  type CaseDraft,
} from "./caseDraft";

/** The fields the form shows the API's 422 at; any other problem is shown above the form. */
const FIELDS = ["state", "recovery_ability", "notes"];

const closed = (): CaseDraft | null => null;
const isClosed = (draft: CaseDraft | null) => draft === null;

function CodeSelect({
  label,
  entries,
  value,
  error,
  autoFocus,
  onChange,
}: {
  label: string;
  entries: DictionaryEntry[];
  value: string;
  error?: string;
  autoFocus?: boolean;
  onChange: (value: string) => void;
}) {
  // A code saved before it left the dictionary stays choosable (the API would refuse it: it says so here).
  const gone = value !== "" && !entries.some((entry) => entry.code === value);
  return (
    <Field label={label} error={error}>
      {(props) => (
        <select
          {...props}
          className={inputClass}
          value={value}
          autoFocus={autoFocus}
          onChange={(e) => onChange(e.target.value)}
        >
          <option value="">Not set</option>
          {entries.map((entry) => (
            <option key={entry.code} value={entry.code}>
              {entry.label}
            </option>
          ))}
          {gone && <option value={value}>{value} (no longer in the list)</option>}
        </select>
      )}
    </Field>
  );
}

function CaseDetails({ view, dictionaries }: { view: CaseView; dictionaries: Dictionaries | undefined }) {
  return (
    <>
      <dl className="grid gap-x-6 gap-y-3 text-sm sm:grid-cols-3">
        <div className="min-w-0">
          <dt className="text-xs uppercase tracking-wide text-slate-500">State</dt>
          <dd className="font-medium">{labelOf(dictionaries?.case_states, view.state)}</dd>
        </div>
        <div className="min-w-0">
          <dt className="text-xs uppercase tracking-wide text-slate-500">Recovery ability</dt>
          <dd className="font-medium">{labelOf(dictionaries?.recovery_abilities, view.recovery_ability)}</dd>
        </div>
        <div className="min-w-0">
          <dt className="text-xs uppercase tracking-wide text-slate-500">Follow-up date</dt>
          <dd className="font-medium">{view.follow_up_date ? formatDate(view.follow_up_date) : "None"}</dd>
          <dd className="text-xs text-slate-500">Set by recording an action with a follow-up date.</dd>
        </div>
        <div className="min-w-0 sm:col-span-3">
          <dt className="text-xs uppercase tracking-wide text-slate-500">Master notes</dt>
          <dd
            className={`whitespace-pre-wrap break-words ${view.notes ? "text-slate-800" : "text-slate-600"}`}
            data-testid="case-notes"
          >
            {view.notes || "No notes yet."}
          </dd>
        </div>
      </dl>
      <p className="mt-3 text-xs text-slate-500">{savedLine(view)}</p>
    </>
  );
}

export function CaseCard({ cif, view, canEdit }: { cif: string; view: CaseView; canEdit: boolean }) {
  const client = useQueryClient();
  const { username } = useSession();
  const dictionaries = useQuery({
    queryKey: ["dictionaries"],
    queryFn: ({ signal }) => api<Dictionaries>("/api/dictionaries", { signal }),
    staleTime: Infinity,
  });
  const customerKey = ["customer", cif];
  // The open form (null: closed): its fields and the version they were based on.
  const stored = useStoredDraft(`case/${username}/${cif}`, closed, isClosed);
  const draft = canEdit ? stored.value : null;
  const [restoredNotice, setRestoredNotice] = useState(stored.restored);
  // Checked on submit, then again as the user edits.
  const [checked, setChecked] = useState(false);
  const [reloading, setReloading] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const [focusEdit, setFocusEdit] = useState(false);

  const save = useMutation({
    mutationFn: (sent: CaseDraft) =>
      api<CaseView>(`/api/cases/${encodeURIComponent(cif)}`, { method: "PUT", body: caseBody(sent) }),
    onSuccess: (saved) => {
      // The card shows the saved case at once; the 360 view is read again (the timeline, the follow-up).
      client.setQueryData<CustomerView>(customerKey, (old) => (old ? { ...old, case: saved } : old));
      void client.invalidateQueries({ queryKey: customerKey });
      close();
    },
  });

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

  function open() {
    save.reset();
    setChecked(false);
    setRestoredNotice(false);
    stored.setValue(draftOf(view));
  }

  function cancel() {
    save.reset();
    close();
  }

  function set(field: "state" | "recovery_ability" | "notes", value: string) {
    stored.setValue((current) => (current ? { ...current, [field]: value } : current));
    // The API's answer was about the case before this edit; a 409 stays until they reload.
    if (save.isError && !(save.error instanceof ApiError && save.error.status === 409)) save.reset();
  }

  /** Read the customer again; the form goes on from the case as saved now (the changes here are dropped). */
  async function reload() {
    setReloading(true);
    try {
      await client.refetchQueries({ queryKey: customerKey, exact: true });
    } finally {
      setReloading(false);
    }
    const fresh = client.getQueryData<CustomerView>(customerKey)?.case ?? view;
    save.reset();
    setChecked(false);
    setRestoredNotice(false);
    stored.setValue(draftOf(fresh));
  }

  function discard() {
    save.reset();
    setChecked(false);
    setRestoredNotice(false);
    stored.setValue(draftOf(view));
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!draft || save.isPending) return;
    setChecked(true);
    if (Object.keys(caseProblems(draft)).length) {
      save.reset(); // the API's answer was about an earlier draft
      return;
    }
    save.mutate(draft);
  }

  const failure = save.error instanceof ApiError ? save.error : null;
  const stale = failure?.status === 409;
  const apiErrors = failure?.status === 422 ? failure.fieldErrors : {};
  const errors = { ...apiErrors, ...(checked && draft ? caseProblems(draft) : {}) };
  const atFields = Object.keys(apiErrors).some((field) => FIELDS.includes(field));
  const otherError = save.error && !stale && !atFields ? save.error : null;
  // Someone saved since this draft began (restored after a sign-in, or read again since): Save would be refused.
  const movedOn = draft !== null && draft.base !== view.version && !stale;
  const dict = dictionaries.data;

  const staleBlock = (message: string) => (
    <div className="space-y-2 rounded bg-amber-50 p-2 text-sm text-amber-900">
      <p role="alert">{message}</p>
      <p className="flex flex-wrap items-center gap-2">
        <span>Reload shows the case as saved now; your changes here are discarded.</span>
        <button type="button" className={secondaryButtonClass} onClick={() => void reload()}>
          {reloading ? "Reloading…" : "Reload"}
        </button>
      </p>
    </div>
  );

  return (
    <Card
      title="Case"
      actions={
        canEdit && draft === null ? (
          <button type="button" ref={editButton} className={secondaryButtonClass} onClick={open}>
            Edit case
          </button>
        ) : undefined
      }
    >
      {draft === null ? (
        <div className="space-y-3">
          {save.isSuccess && (
            <p role="status" className="rounded bg-emerald-50 p-2 text-sm text-emerald-900">
              Case saved (version {save.data.version}).
            </p>
          )}
          <CaseDetails view={view} dictionaries={dict} />
        </div>
      ) : dictionaries.isPending ? (
        <Loading label="Loading the form…" />
      ) : (
        <form onSubmit={submit} aria-label="Edit the case" className="space-y-3" noValidate>
          {restoredNotice && !isUnchanged(draft, view) && (
            <RestoredNotice question="Discard your unsaved changes to the case?" onDiscard={discard}>
              Your unsaved changes to the case were restored.
            </RestoredNotice>
          )}
          {dictionaries.isError && (
            <ErrorState error={dictionaries.error} onRetry={() => void dictionaries.refetch()} />
          )}
          <div className="grid gap-3 sm:grid-cols-2">
            <CodeSelect
              label="State"
              entries={dict?.case_states ?? []}
              value={draft.state}
              error={errors.state}
              autoFocus
              onChange={(value) => set("state", value)}
            />
            <CodeSelect
              label="Recovery ability"
              entries={dict?.recovery_abilities ?? []}
              value={draft.recovery_ability}
              error={errors.recovery_ability}
              onChange={(value) => set("recovery_ability", value)}
            />
          </div>
          <Field
            label="Notes"
            error={errors.notes}
            hint={`${characters(draft.notes)} of ${MAX_NOTES} characters. Line breaks are kept.`}
          >
            {(props) => (
              <textarea
                {...props}
                rows={5}
                className={inputClass}
                value={draft.notes}
                onChange={(e) => set("notes", e.target.value)}
              />
            )}
          </Field>
          <p className="text-xs text-slate-500">
            Follow-up date: {view.follow_up_date ? formatDate(view.follow_up_date) : "None"} (set by recording
            an action with a follow-up date).
          </p>
          {stale && failure && staleBlock(failure.message)}
          {movedOn &&
            staleBlock(
              `The case has been saved as version ${view.version} since you began editing version ${draft.base}: Save would be refused.`,
            )}
          {otherError && <ErrorState error={otherError} />}
          <SaveAndCancel pending={save.isPending} onCancel={cancel} label="Save case" />
        </form>
      )}
    </Card>
  );
}
