// A customer's case: the CRM's own state of the collection work and where within it it is (the substate),
// the customer's ability to pay, the master notes and the open follow-up date. Agents and supervisors edit it
// in place; a save names the version it was based on, and one overtaken by another's (409) says so and
// offers to reload. The open form is kept in this tab's storage until it is saved or cancelled, so an
// expired session loses nothing (a draft kept by an older page, without the substate, opens with it not
// set). That machinery is shared with the contacts card (useVersionedEditor.ts); this file has what is the
// case's own.

import { useQuery } from "@tanstack/react-query";

import { api } from "../api/client";
import type { CaseView, Dictionaries, DictionaryEntry } from "../api/types";
import { Card } from "../components/Card";
import { Field, SaveAndCancel, inputClass } from "../components/Field";
import { RestoredNotice } from "../components/RestoredNotice";
import { EditButton, SaveProblems, SavedNotice } from "../components/SaveNotices";
import { ErrorState, Loading } from "../components/States";
import { formatDate } from "../lib/format";
import { characters } from "../lib/text";
import {
  MAX_NOTES,
  caseBody,
  caseProblems,
  completeDraft,
  draftOf,
  isUnchanged,
  labelOf,
  savedLine,
  substatesFor,
  withState,
} from "./caseDraft";
import { useVersionedEditor } from "./useVersionedEditor";

/** The fields the form shows the API's 422 at; any other problem is shown above the form. */
const FIELDS = ["state", "substate", "recovery_ability", "notes"];

function CodeSelect({
  label,
  entries,
  value,
  error,
  hint,
  autoFocus,
  unlisted = "no longer in the list",
  onChange,
}: {
  label: string;
  entries: DictionaryEntry[];
  value: string;
  error?: string;
  hint?: string;
  autoFocus?: boolean;
  unlisted?: string;
  onChange: (value: string) => void;
}) {
  // A code saved before it left the list stays choosable (the API would refuse it: it says so here).
  const gone = value !== "" && !entries.some((entry) => entry.code === value);
  return (
    <Field label={label} error={error} hint={hint}>
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
          {gone && (
            <option value={value}>
              {value} ({unlisted})
            </option>
          )}
        </select>
      )}
    </Field>
  );
}

function CaseDetails({ view, dictionaries }: { view: CaseView; dictionaries: Dictionaries | undefined }) {
  return (
    <>
      <dl className="grid gap-x-6 gap-y-3 text-sm sm:grid-cols-2 lg:grid-cols-4">
        <div className="min-w-0">
          <dt className="text-xs uppercase tracking-wide text-slate-500">State</dt>
          <dd className="font-medium">{labelOf(dictionaries?.case_states, view.state)}</dd>
        </div>
        <div className="min-w-0">
          <dt className="text-xs uppercase tracking-wide text-slate-500">Substate</dt>
          <dd className="font-medium">{labelOf(dictionaries?.case_substates, view.substate)}</dd>
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
        <div className="min-w-0 sm:col-span-2 lg:col-span-4">
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
  const dictionaries = useQuery({
    queryKey: ["dictionaries"],
    queryFn: ({ signal }) => api<Dictionaries>("/api/dictionaries", { signal }),
    staleTime: Infinity,
  });
  const editor = useVersionedEditor({
    cif,
    part: "case",
    view,
    canEdit,
    storeAs: "case",
    path: "/api/cases",
    draftOf,
    completeDraft,
    bodyOf: caseBody,
    isUnchanged,
    problemsOf: caseProblems,
    isShownAtField: (field) => FIELDS.includes(field),
    overtaken: (saved, base) =>
      `The case has been saved as version ${saved} since you began editing version ${base}: Save would be refused.`,
  });
  const { draft, save, errors } = editor;
  const dict = dictionaries.data;

  const set = (field: "substate" | "recovery_ability" | "notes", value: string) =>
    editor.edit((current) => ({ ...current, [field]: value }));
  const substates = dict?.case_substates ?? [];
  const setState = (state: string) => editor.edit((current) => withState(current, state, substates));

  return (
    <Card
      title="Case"
      actions={
        <EditButton shown={canEdit && draft === null} buttonRef={editor.editButton} onClick={editor.open}>
          Edit case
        </EditButton>
      }
    >
      {draft === null ? (
        <div className="space-y-3">
          {save.isSuccess && <SavedNotice>Case saved (version {save.data.version}).</SavedNotice>}
          <CaseDetails view={view} dictionaries={dict} />
        </div>
      ) : dictionaries.isPending ? (
        <Loading label="Loading the form…" />
      ) : (
        <form onSubmit={editor.submit} aria-label="Edit the case" className="space-y-3" noValidate>
          {editor.restored && (
            <RestoredNotice question="Discard your unsaved changes to the case?" onDiscard={editor.discard}>
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
              onChange={setState}
            />
            <CodeSelect
              label="Substate"
              entries={substatesFor(substates, draft.state)}
              value={draft.substate}
              error={errors.substate}
              hint={
                !draft.state && substatesFor(substates, "").length < substates.length
                  ? "Choose a state to see the substates that go with it."
                  : undefined
              }
              unlisted={
                substates.some((entry) => entry.code === draft.substate)
                  ? "not with this state"
                  : "no longer in the list"
              }
              onChange={(value) => set("substate", value)}
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
          <SaveProblems editor={editor} subject="the case" />
          <SaveAndCancel pending={save.isPending} onCancel={editor.cancel} label="Save case" />
        </form>
      )}
    </Card>
  );
}
