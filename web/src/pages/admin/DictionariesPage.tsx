// The admin's editor of the code dictionaries: the action types, directions and results the action form
// offers, the customer segments and statuses, and the case states, substates and recovery abilities the case
// form offers. Every dictionary is saved at once, as the next version;
// a save based on an older version is refused (409) rather than undoing another admin's.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useId, useMemo, useState, type FormEvent } from "react";

import { ApiError, api, type FieldErrors } from "../../api/client";
import type { DictionariesAdmin, DictionariesUpdate } from "../../api/types";
import { useSession } from "../../auth/AuthContext";
import { Card } from "../../components/Card";
import { ConfirmButton } from "../../components/ConfirmButton";
import { buttonClass, inputClass, secondaryButtonClass } from "../../components/Field";
import { RestoredNotice } from "../../components/RestoredNotice";
import { ErrorState, Loading } from "../../components/States";
import { formatDateTime } from "../../lib/format";
import { sameDraft, useStoredDraft } from "../../lib/storedDraft";
import {
  DICTIONARY_NAMES,
  DICTIONARY_TITLES,
  completeRows,
  dictionaryProblems,
  entriesOf,
  moved,
  newRow,
  rowField,
  rowsOf,
  serverProblems,
  withCaseStates,
  type DictionaryName,
  type Row,
  type Rows,
  type StoredRow,
} from "./dictionaryDraft";

const ADMIN_KEY = ["admin-dictionaries"];
/** The key under which the forms (the action form) keep `GET /api/dictionaries`. */
const PUBLIC_KEY = ["dictionaries"];

/**
 * The admin's unsaved changes, kept in the tab's storage until they are saved or discarded (an expired
 * session sends the admin to the login page and back): every dictionary's rows, and the version they were
 * based on, which the save names. A draft stored by an older page lacks the dictionaries added since: they
 * are the server's; its substates lack their states: any state (`completeRows`).
 */
interface DictionariesDraft {
  base: number;
  rows: Partial<Record<DictionaryName, StoredRow[]>>;
}

/** What a save sends: every dictionary's rows. */
interface SentDraft {
  base: number;
  rows: Rows;
}

const noDraft = (): DictionariesDraft | null => null;

/** Where the lists in force come from. */
function sourceLine(current: DictionariesAdmin): string {
  if (current.source === "saved") {
    return `Version ${current.version}, saved ${formatDateTime(current.updated_at)} by ${current.updated_by ?? "—"}.`;
  }
  const from =
    current.source === "file"
      ? "From the dictionaries file (CRM_DICTIONARIES_FILE)"
      : "The built-in defaults (no dictionaries file, CRM_DICTIONARIES_FILE, is set)";
  return `${from}; nothing has been saved here yet. Saving stores version 1, which replaces the ${
    current.source === "file" ? "file" : "defaults"
  } from then on.`;
}

const versionName = (version: number) =>
  version === 0 ? "the lists in force before the first save" : `version ${version}`;

/** What the page says about unsaved changes: restored after a sign-in, or overtaken by a newer save. */
function draftLine(base: number, restored: boolean, savedSince: number | undefined): string {
  const start = restored
    ? `Unsaved changes restored (based on ${versionName(base)})`
    : `Your unsaved changes are based on ${versionName(base)}`;
  return savedSince === undefined
    ? `${start}.`
    : `${start}; version ${savedSince} has been saved since, so Save would be refused: discard them to edit version ${savedSince}.`;
}

function Problem({ id, message, alert = false }: { id?: string; message?: string; alert?: boolean }) {
  return message ? (
    <p id={id} role={alert ? "alert" : undefined} className="text-sm text-red-700">
      {message}
    </p>
  ) : null;
}

/**
 * The case states a substate goes with: a box per case-state row of the form (by its label), and one, ticked,
 * per code it names that no case-state row has (so it can be unticked); none ticked: any state.
 */
function StatesChoice({
  row,
  position,
  caseStates,
  onChange,
}: {
  row: Row;
  position: number;
  caseStates: Row[];
  onChange: (row: Row) => void;
}) {
  const id = useId();
  const substate = row.label.trim() || row.code.trim() || `substate ${position}`;
  const codes = caseStates.map((state) => state.code.trim());
  const unknown = [...new Set(row.states)].filter((code) => !codes.includes(code));
  const tick = (code: string, on: boolean) =>
    onChange({
      ...row,
      states: on ? [...row.states, code] : row.states.filter((state) => state !== code),
    });
  const box = "inline-flex items-center gap-1.5 text-sm";
  return (
    <fieldset
      className="min-w-0 sm:col-span-3"
      aria-label={`States for ${substate}`}
      aria-describedby={`${id}-hint`}
    >
      <legend className="mb-1 text-xs font-medium text-slate-600">States</legend>
      <div className="flex flex-wrap items-center gap-x-4 gap-y-1">
        {caseStates.map((state, index) => {
          const code = state.code.trim();
          return (
            <label
              key={state.id}
              className={`${box} has-[:disabled]:text-slate-400`}
              title={code || "Enter the state's code first"}
            >
              <input
                type="checkbox"
                className="size-4 accent-slate-700"
                checked={code !== "" && row.states.includes(code)}
                disabled={!code}
                onChange={(e) => tick(code, e.target.checked)}
              />
              {state.label.trim() || code || `State ${index + 1}`}
            </label>
          );
        })}
        {unknown.map((code) => (
          <label key={`unknown-${code}`} className={`${box} text-red-700`}>
            <input
              type="checkbox"
              className="size-4 accent-red-700"
              checked
              onChange={(e) => tick(code, e.target.checked)}
            />
            <span>
              <span className="font-mono">{code || "(no code)"}</span> (not a case state)
            </span>
          </label>
        ))}
        <span id={`${id}-hint`} className="text-xs text-slate-500">
          {row.states.length ? "Goes with the ticked states only." : "None ticked: goes with any state."}
        </span>
      </div>
    </fieldset>
  );
}

function EntryRow({
  name,
  row,
  position,
  count,
  isProtected,
  caseStates,
  errors,
  autoFocus,
  onChange,
  onMove,
  onRemove,
}: {
  name: DictionaryName;
  row: Row;
  /** 1-based, as the labels say it. */
  position: number;
  count: number;
  isProtected: boolean;
  /** A substate's row: the form's case-state rows, to choose those it goes with. */
  caseStates?: Row[];
  errors: FieldErrors;
  autoFocus: boolean;
  onChange: (row: Row) => void;
  onMove: (by: -1 | 1) => void;
  onRemove: () => void;
}) {
  const id = useId();
  const of = `${position} of ${DICTIONARY_TITLES[name]}`;
  const codeError = errors[rowField(name, row, "code")];
  const labelError = errors[rowField(name, row, "label")];
  const renamed = row.was !== null && !isProtected && row.code.trim() !== row.was;
  const ids = (...parts: (string | false | undefined)[]) => parts.filter(Boolean).join(" ") || undefined;
  return (
    <li className="grid gap-2 rounded border border-slate-200 p-2 sm:grid-cols-[minmax(0,14rem)_minmax(0,1fr)_auto] sm:items-start sm:border-0 sm:p-0">
      <div className="min-w-0 space-y-1">
        <input
          aria-label={`Code ${of}`}
          className={`${inputClass} font-mono read-only:bg-slate-100`}
          placeholder="CODE"
          value={row.code}
          readOnly={isProtected}
          autoFocus={autoFocus}
          autoCapitalize="characters"
          autoComplete="off"
          spellCheck={false}
          aria-invalid={Boolean(codeError)}
          aria-describedby={ids(
            codeError && `${id}-code-error`,
            isProtected && `${id}-protected`,
            renamed && `${id}-renamed`,
          )}
          onChange={(e) => onChange({ ...row, code: e.target.value })}
        />
        <Problem id={`${id}-code-error`} message={codeError} />
        {renamed && (
          <p id={`${id}-renamed`} className="text-xs text-amber-800">
            Was {row.was}: actions already recorded keep {row.was}.
          </p>
        )}
      </div>
      <div className="min-w-0 space-y-1">
        <input
          aria-label={`Label ${of}`}
          className={inputClass}
          placeholder="Label"
          value={row.label}
          autoComplete="off"
          aria-invalid={Boolean(labelError)}
          aria-describedby={ids(labelError && `${id}-label-error`)}
          onChange={(e) => onChange({ ...row, label: e.target.value })}
        />
        <Problem id={`${id}-label-error`} message={labelError} />
      </div>
      <div className="flex flex-wrap items-center gap-1">
        <button
          type="button"
          className={`${secondaryButtonClass} disabled:opacity-50`}
          aria-label={`Move ${of} up`}
          title="Move up"
          disabled={position === 1}
          onClick={() => onMove(-1)}
        >
          ↑
        </button>
        <button
          type="button"
          className={`${secondaryButtonClass} disabled:opacity-50`}
          aria-label={`Move ${of} down`}
          title="Move down"
          disabled={position === count}
          onClick={() => onMove(1)}
        >
          ↓
        </button>
        <button
          type="button"
          className={`${secondaryButtonClass} text-red-700 disabled:text-slate-500 disabled:opacity-50`}
          aria-label={`Remove ${of}`}
          disabled={isProtected}
          aria-describedby={isProtected ? `${id}-protected` : undefined}
          onClick={onRemove}
        >
          Remove
        </button>
      </div>
      {isProtected && (
        <p id={`${id}-protected`} className="text-xs text-slate-600 sm:col-span-3">
          {row.was} cannot be removed or renamed: the product acts on it (the contact rules, promises or
          wrong-number reports); its label can change.
        </p>
      )}
      {caseStates && (
        <StatesChoice row={row} position={position} caseStates={caseStates} onChange={onChange} />
      )}
    </li>
  );
}

function DictionarySection({
  name,
  rows,
  protectedCodes,
  caseStates,
  errors,
  onChange,
}: {
  name: DictionaryName;
  rows: Row[];
  protectedCodes: string[];
  /** The substates' section: the form's case-state rows, which each substate may name. */
  caseStates?: Row[];
  errors: FieldErrors;
  onChange: (rows: Row[]) => void;
}) {
  const title = DICTIONARY_TITLES[name];
  // The row "Add" appended: its code input takes the focus.
  const [added, setAdded] = useState<string | null>(null);
  return (
    <Card title={title} id={`dictionary-${name}`}>
      <div className="space-y-3">
        <Problem message={errors[name]} alert />
        <div
          aria-hidden="true"
          className="hidden gap-2 text-xs font-medium uppercase tracking-wide text-slate-500 sm:grid sm:grid-cols-[minmax(0,14rem)_minmax(0,1fr)_auto]"
        >
          <span>Code</span>
          <span>Label</span>
        </div>
        <ol className="space-y-2">
          {rows.map((row, index) => (
            <EntryRow
              key={row.id}
              name={name}
              row={row}
              position={index + 1}
              count={rows.length}
              isProtected={row.was !== null && protectedCodes.includes(row.was)}
              caseStates={caseStates}
              errors={errors}
              autoFocus={row.id === added}
              onChange={(next) => onChange(rows.map((item) => (item.id === row.id ? next : item)))}
              onMove={(by) => onChange(moved(rows, index, by))}
              onRemove={() => onChange(rows.filter((item) => item.id !== row.id))}
            />
          ))}
        </ol>
        <button
          type="button"
          className={secondaryButtonClass}
          aria-label={`Add to ${title}`}
          onClick={() => {
            const row = newRow();
            setAdded(row.id);
            onChange([...rows, row]);
          }}
        >
          Add
        </button>
      </div>
    </Card>
  );
}

export default function DictionariesPage() {
  const client = useQueryClient();
  const { username } = useSession();
  const current = useQuery({
    queryKey: ADMIN_KEY,
    queryFn: ({ signal }) => api<DictionariesAdmin>("/api/admin/dictionaries", { signal }),
  });
  const data = current.data;
  const savedRows = useMemo(() => (data ? rowsOf(data.dictionaries) : null), [data]);
  // A draft that is the lists in force again is no change: nothing is kept. (Both as the form sends them:
  // a substate's states in the order of the case states.)
  const savedEntries = useMemo(() => (savedRows ? entriesOf(savedRows) : null), [savedRows]);
  const isBlank = useCallback(
    (draft: DictionariesDraft | null) =>
      draft === null ||
      (savedRows !== null &&
        savedEntries !== null &&
        sameDraft(entriesOf(completeRows(draft.rows, savedRows)), savedEntries)),
    [savedRows, savedEntries],
  );
  const stored = useStoredDraft(`dictionaries/${username}`, noDraft, isBlank);
  const draft = stored.value;
  const [restoredNotice, setRestoredNotice] = useState(stored.restored);

  const save = useMutation({
    mutationFn: (sent: SentDraft) =>
      api<DictionariesAdmin>("/api/admin/dictionaries", {
        method: "PUT",
        body: { dictionaries: entriesOf(sent.rows), version: sent.base } satisfies DictionariesUpdate,
      }),
    onSuccess: (saved) => {
      client.setQueryData(ADMIN_KEY, saved);
      // the forms read the new lists
      void client.invalidateQueries({ queryKey: PUBLIC_KEY });
      stored.setValue(null);
      setRestoredNotice(false);
    },
  });

  if (current.isPending) return <Loading />;
  if (current.isError) return <ErrorState error={current.error} onRetry={() => void current.refetch()} />;
  const loaded = current.data;
  const rows = draft ? completeRows(draft.rows, savedRows!) : savedRows!;
  const changed = draft !== null && !isBlank(draft);
  // Someone saved since this draft began: Save would be refused (409).
  const movedOn = changed && draft.base !== loaded.version;
  const showNotice = changed && (restoredNotice || movedOn);

  const failure = save.error instanceof ApiError ? save.error : null;
  const stale = failure?.status === 409;
  const refused =
    failure?.status === 422 && save.variables
      ? serverProblems(failure.fieldErrors, save.variables.rows)
      : null;
  const problems = dictionaryProblems(rows);
  const invalid = Object.keys(problems).length > 0;
  const errors: FieldErrors = { ...refused?.problems, ...problems };
  const refusedAt = refused
    ? DICTIONARY_NAMES.filter((name) =>
        Object.keys(refused.problems).some((key) => key === name || key.startsWith(`${name}.`)),
      )
    : [];

  function setRows(name: DictionaryName, next: Row[]) {
    // The substates follow a case state renamed or removed.
    const edited = name === "case_states" ? withCaseStates(rows, next) : { ...rows, [name]: next };
    stored.setValue({ base: draft ? draft.base : loaded.version, rows: edited });
    // The API's answer was about the lists before this edit; a 409 stays until they reload.
    if (save.isSuccess || (save.isError && !stale)) save.reset();
  }

  // Back to the lists in force: the draft is dropped from the tab's storage too.
  function discard() {
    stored.setValue(null);
    setRestoredNotice(false);
    save.reset();
  }

  async function reload() {
    await current.refetch();
    discard();
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!draft || !changed || invalid || save.isPending) return;
    save.mutate({ base: draft.base, rows });
  }

  return (
    <form aria-labelledby="dictionaries-title" className="space-y-4" onSubmit={submit} noValidate>
      <div className="space-y-1">
        <h1 id="dictionaries-title" className="text-2xl font-semibold">
          Dictionaries
        </h1>
        <p className="text-sm text-slate-600">{sourceLine(loaded)}</p>
        <p className="text-sm text-slate-600">
          The codes and labels the forms offer, in this order. Actions keep the code they were recorded with:
          changing or removing a code here does not change actions already recorded.
        </p>
      </div>
      {showNotice && (
        <RestoredNotice question="Discard your unsaved changes to the dictionaries?" onDiscard={discard}>
          {draftLine(draft.base, restoredNotice, movedOn ? loaded.version : undefined)}
        </RestoredNotice>
      )}
      <fieldset disabled={save.isPending} className="min-w-0 space-y-4">
        {DICTIONARY_NAMES.map((name) => (
          <DictionarySection
            key={name}
            name={name}
            rows={rows[name]}
            protectedCodes={loaded.protected[name] ?? []}
            caseStates={name === "case_substates" ? rows.case_states : undefined}
            errors={errors}
            onChange={(next) => setRows(name, next)}
          />
        ))}
      </fieldset>
      <div className="sticky bottom-0 space-y-2 rounded-lg border border-slate-200 bg-white/95 p-3 shadow-sm">
        {save.isSuccess && (
          <p role="status" className="rounded bg-emerald-50 p-2 text-sm text-emerald-900">
            Saved as version {save.data.version}. The forms offer the new lists from now on.
          </p>
        )}
        {stale && (
          <div className="space-y-2 rounded bg-amber-50 p-2 text-sm text-amber-900">
            <p role="alert">{failure.message}</p>
            <p className="flex flex-wrap items-center gap-2">
              <span>Reload shows the lists as saved now; your changes here are discarded.</span>
              <button type="button" className={secondaryButtonClass} onClick={() => void reload()}>
                {current.isFetching ? "Reloading…" : "Reload"}
              </button>
            </p>
          </div>
        )}
        {refused && (
          <div role="alert" className="space-y-1 text-sm text-red-700">
            <p>
              Not saved: the server refused{" "}
              {refusedAt.length
                ? `${refusedAt.map((name) => DICTIONARY_TITLES[name]).join(", ")}, as shown there.`
                : "the dictionaries."}
            </p>
            {refused.elsewhere.map((message) => (
              <p key={message}>{message}</p>
            ))}
          </div>
        )}
        {save.error && !stale && !refused && <ErrorState error={save.error} />}
        <div className="flex flex-wrap items-center gap-3">
          <button type="submit" className={buttonClass} disabled={!changed || invalid || save.isPending}>
            {save.isPending ? "Saving…" : "Save"}
          </button>
          {changed && !showNotice && (
            <ConfirmButton
              label="Discard changes"
              question="Discard your unsaved changes to the dictionaries?"
              confirmLabel="Discard changes"
              onConfirm={discard}
            />
          )}
          <span className="text-sm text-slate-600">
            {invalid
              ? `Fix the ${Object.keys(problems).length === 1 ? "problem" : `${Object.keys(problems).length} problems`} shown above to save.`
              : changed
                ? "Unsaved changes."
                : "No unsaved changes."}
          </span>
        </div>
      </div>
    </form>
  );
}
