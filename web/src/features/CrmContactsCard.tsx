// The phones and emails agents added to a customer (learned on a call or a visit), beside the bank's
// read-only contacts. Agents and supervisors edit the whole list in place, as they do the case: a save
// names the version it was based on, and one overtaken by another's (409) says so and offers to reload.
// The fields are checked as they are typed (as the API checks them), and Save waits until they are right.
// The open form is kept in this tab's storage until it is saved or cancelled, so an expired session loses
// nothing.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent } from "react";

import { ApiError, api, type FieldErrors } from "../api/client";
import type { CrmContactsView, CrmEmail, CrmPhone, CustomerView, EmailType, PhoneType } from "../api/types";
import { useSession } from "../auth/AuthContext";
import { Card } from "../components/Card";
import { Field, SaveAndCancel, inputClass, secondaryButtonClass } from "../components/Field";
import { RestoredNotice } from "../components/RestoredNotice";
import { ErrorState } from "../components/States";
import { useStoredDraft } from "../lib/storedDraft";
import {
  EMAIL_TYPES,
  MAX_EACH,
  PHONE_TYPES,
  contactsBody,
  contactsProblems,
  draftOf,
  isUnchanged,
  newEmail,
  newPhone,
  savedLine,
  type ContactsDraft,
} from "./contactsDraft";

const CRM_CONTACTS_TITLE = "Contacts added in the CRM";

type Kind = "phones" | "emails";
type Row = CrmPhone | CrmEmail;
/** A change to one row: its type, number or address, verified mark or note. */
type RowPatch = {
  type?: PhoneType | EmailType;
  number?: string;
  address?: string;
  is_verified?: boolean;
  note?: string;
};

/** What each list is called, and the field that holds its number or address. */
const KINDS = {
  phones: {
    noun: "phone",
    Noun: "Phone",
    value: "number",
    Value: "Number",
    input: "tel",
    types: PHONE_TYPES,
  },
  emails: {
    noun: "email",
    Noun: "Email",
    value: "address",
    Value: "Address",
    input: "email",
    types: EMAIL_TYPES,
  },
} as const;

/** The API's 422 fields the form shows at a field or a list ("phones.0.number", "emails"). */
const SHOWN = /^(phones|emails)(?:\.(\d+)\.(?:type|number|address|is_verified|note))?$/;

const closed = (): ContactsDraft | null => null;
const isClosed = (draft: ContactsDraft | null) => draft === null;

const valueOf = (row: Row) => ("number" in row ? row.number : row.address);

function Flag({ on, label }: { on: boolean; label: string }) {
  return on ? <span className="ml-1 rounded bg-slate-100 px-1.5 text-xs text-slate-700">{label}</span> : null;
}

function ContactsList({ view }: { view: CrmContactsView }) {
  return (
    <>
      {view.phones.length === 0 && view.emails.length === 0 ? (
        <p className="text-sm text-slate-600">None added yet.</p>
      ) : (
        <ul className="space-y-1 text-sm" data-testid="crm-contacts">
          {view.phones.map((phone) => (
            <li key={phone.number}>
              <a href={`tel:${phone.number}`} className="text-brand-700 hover:underline">
                {phone.number}
              </a>{" "}
              <span className="text-xs text-slate-500">{phone.type}</span>
              <Flag on={phone.is_verified} label="verified" />
              {phone.note && <p className="break-words text-xs text-slate-600">{phone.note}</p>}
            </li>
          ))}
          {view.emails.map((email) => (
            <li key={email.address}>
              <span className="break-all">{email.address}</span>{" "}
              <span className="text-xs text-slate-500">{email.type}</span>
              <Flag on={email.is_verified} label="verified" />
              {email.note && <p className="break-words text-xs text-slate-600">{email.note}</p>}
            </li>
          ))}
        </ul>
      )}
      <p className="mt-3 text-xs text-slate-500">{savedLine(view)}</p>
    </>
  );
}

/** One phone or email of the form: its type, number or address, whether it is verified, a note. */
function ContactRow({
  kind,
  n,
  row,
  errors,
  onChange,
  onRemove,
}: {
  kind: Kind;
  n: number;
  row: Row;
  errors: FieldErrors;
  onChange: (patch: RowPatch) => void;
  onRemove: () => void;
}) {
  const { noun, Noun, value, Value, input, types } = KINDS[kind];
  const name = `${Noun} ${n + 1}`;
  const at = `${kind}.${n}`;
  return (
    <fieldset className="space-y-2 rounded border border-slate-200 px-3 pb-3">
      <legend className="px-1 text-sm font-semibold text-slate-700">{name}</legend>
      <div className="grid gap-2 sm:grid-cols-[minmax(0,8rem)_minmax(0,1fr)]">
        <Field label="Type" error={errors[`${at}.type`]}>
          {(props) => (
            <select
              {...props}
              aria-label={`${name} type`}
              className={inputClass}
              value={row.type}
              onChange={(e) => onChange({ type: e.target.value as RowPatch["type"] })}
            >
              {types.map((type) => (
                <option key={type.code} value={type.code}>
                  {type.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={Value} error={errors[`${at}.${value}`]}>
          {(props) => (
            <input
              {...props}
              type={input}
              aria-label={`${name} ${value}`}
              data-focus={`${kind}.${n}`}
              autoComplete="off"
              className={inputClass}
              value={valueOf(row)}
              onChange={(e) => onChange({ [value]: e.target.value })}
            />
          )}
        </Field>
      </div>
      <Field label="Note" error={errors[`${at}.note`]}>
        {(props) => (
          <input
            {...props}
            aria-label={`${name} note`}
            className={inputClass}
            value={row.note}
            onChange={(e) => onChange({ note: e.target.value })}
          />
        )}
      </Field>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <label className="flex items-center gap-2 text-sm text-slate-700">
          <input
            type="checkbox"
            aria-label={`${name} verified`}
            checked={row.is_verified}
            onChange={(e) => onChange({ is_verified: e.target.checked })}
          />
          Verified with the customer
        </label>
        <button
          type="button"
          className={secondaryButtonClass}
          aria-label={`Remove ${noun} ${n + 1}`}
          onClick={onRemove}
        >
          Remove
        </button>
      </div>
    </fieldset>
  );
}

export function CrmContactsCard({
  cif,
  view,
  canEdit,
}: {
  cif: string;
  view: CrmContactsView;
  canEdit: boolean;
}) {
  const client = useQueryClient();
  const { username } = useSession();
  const customerKey = ["customer", cif];
  // The open form (null: closed): its rows and the version they were based on.
  const stored = useStoredDraft(`crm-contacts/${username}/${cif}`, closed, isClosed);
  const draft = canEdit ? stored.value : null;
  const [restoredNotice, setRestoredNotice] = useState(stored.restored);
  const [reloading, setReloading] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const form = useRef<HTMLFormElement>(null);
  const [focusEdit, setFocusEdit] = useState(false);
  // What takes the focus once the form has rendered: a row's number or address ("phones.2"), or a list's
  // Add button ("add.phones").
  const [focusTarget, setFocusTarget] = useState<string | null>(null);

  const save = useMutation({
    mutationFn: (sent: ContactsDraft) =>
      api<CrmContactsView>(`/api/contacts/${encodeURIComponent(cif)}`, {
        method: "PUT",
        body: contactsBody(sent),
      }),
    onSuccess: (saved) => {
      // The card shows the saved contacts at once; the 360 view is read again.
      client.setQueryData<CustomerView>(customerKey, (old) => (old ? { ...old, crm_contacts: saved } : old));
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

  useEffect(() => {
    if (focusTarget === null || !form.current) return;
    form.current.querySelector<HTMLElement>(`[data-focus="${focusTarget}"]`)?.focus();
    setFocusTarget(null);
  }, [focusTarget, draft]);

  function close() {
    stored.setValue(null);
    setRestoredNotice(false);
    setFocusEdit(true);
  }

  /** Start the form from `from`, the focus on its first number or address (or Add phone). */
  function start(from: CrmContactsView) {
    save.reset();
    setRestoredNotice(false);
    const next = draftOf(from);
    stored.setValue(next);
    setFocusTarget(next.phones.length ? "phones.0" : next.emails.length ? "emails.0" : "add.phones");
  }

  function cancel() {
    save.reset();
    close();
  }

  function edited(change: (current: ContactsDraft) => ContactsDraft) {
    stored.setValue((current) => (current ? change(current) : current));
    // The API's answer was about the contacts before this edit; a 409 stays until they reload.
    if (save.isError && !(save.error instanceof ApiError && save.error.status === 409)) save.reset();
  }

  function setRow(kind: Kind, n: number, patch: RowPatch) {
    edited((current) => ({
      ...current,
      [kind]: (current[kind] as Row[]).map((row, i) => (i === n ? { ...row, ...patch } : row)),
    }));
  }

  function add(kind: Kind) {
    if (!draft || draft[kind].length >= MAX_EACH) return;
    const n = draft[kind].length;
    edited((current) => ({
      ...current,
      [kind]: [...current[kind], kind === "phones" ? newPhone() : newEmail()],
    }));
    setFocusTarget(`${kind}.${n}`);
  }

  function remove(kind: Kind, n: number) {
    if (!draft) return;
    const left = draft[kind].length - 1;
    edited((current) => ({ ...current, [kind]: current[kind].filter((_, i) => i !== n) }));
    // The focus goes to the row now in its place, else the one before, else the list's Add button.
    setFocusTarget(left > n ? `${kind}.${n}` : left > 0 ? `${kind}.${left - 1}` : `add.${kind}`);
  }

  /** Read the customer again; the form goes on from the contacts as saved now (the changes are dropped). */
  async function reload() {
    setReloading(true);
    try {
      await client.refetchQueries({ queryKey: customerKey, exact: true });
    } finally {
      setReloading(false);
    }
    start(client.getQueryData<CustomerView>(customerKey)?.crm_contacts ?? view);
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!draft || save.isPending || Object.keys(contactsProblems(draft)).length) return;
    save.mutate(draft);
  }

  const failure = save.error instanceof ApiError ? save.error : null;
  const stale = failure?.status === 409;
  const apiErrors = failure?.status === 422 ? failure.fieldErrors : {};
  const problems = draft ? contactsProblems(draft) : {};
  const errors = { ...apiErrors, ...problems };
  const isShown = (field: string) => {
    const match = SHOWN.exec(field);
    return Boolean(
      match && draft && (match[2] === undefined || Number(match[2]) < draft[match[1] as Kind].length),
    );
  };
  const atFields = Object.keys(apiErrors).some(isShown);
  const otherError = save.error && !stale && !atFields ? save.error : null;
  const blocked = Object.keys(problems).length > 0;
  // Someone saved since this draft began (restored after a sign-in, or read again since): Save would be refused.
  const movedOn = draft !== null && draft.base !== view.version && !stale;

  const staleBlock = (message: string) => (
    <div className="space-y-2 rounded bg-amber-50 p-2 text-sm text-amber-900">
      <p role="alert">{message}</p>
      <p className="flex flex-wrap items-center gap-2">
        <span>Reload shows the contacts as saved now; your changes here are discarded.</span>
        <button type="button" className={secondaryButtonClass} onClick={() => void reload()}>
          {reloading ? "Reloading…" : "Reload"}
        </button>
      </p>
    </div>
  );

  const list = (kind: Kind, rows: Row[]) => {
    const { noun, Noun } = KINDS[kind];
    const full = rows.length >= MAX_EACH;
    return (
      <div className="space-y-2">
        <h3 className="text-sm font-semibold">{Noun}s</h3>
        {errors[kind] && (
          <p role="alert" className="text-sm text-red-700">
            {errors[kind]}
          </p>
        )}
        {rows.length === 0 && <p className="text-sm text-slate-600">No {noun}s.</p>}
        {rows.map((row, n) => (
          <ContactRow
            key={n}
            kind={kind}
            n={n}
            row={row}
            errors={errors}
            onChange={(patch) => setRow(kind, n, patch)}
            onRemove={() => remove(kind, n)}
          />
        ))}
        <p className="flex flex-wrap items-center gap-2">
          <button
            type="button"
            className={`${secondaryButtonClass} disabled:opacity-50`}
            data-focus={`add.${kind}`}
            disabled={full}
            onClick={() => add(kind)}
          >
            Add {noun}
          </button>
          {full && (
            <span className="text-xs text-slate-500">
              At most {MAX_EACH} {noun}s.
            </span>
          )}
        </p>
      </div>
    );
  };

  return (
    <Card
      title={CRM_CONTACTS_TITLE}
      actions={
        canEdit && draft === null ? (
          <button type="button" ref={editButton} className={secondaryButtonClass} onClick={() => start(view)}>
            Edit contacts
          </button>
        ) : undefined
      }
    >
      {draft === null ? (
        <div className="space-y-3">
          {save.isSuccess && (
            <p role="status" className="rounded bg-emerald-50 p-2 text-sm text-emerald-900">
              Contacts saved (version {save.data.version}).
            </p>
          )}
          <ContactsList view={view} />
        </div>
      ) : (
        <form ref={form} onSubmit={submit} aria-label="Edit the contacts" className="space-y-4" noValidate>
          {restoredNotice && !isUnchanged(draft, view) && (
            <RestoredNotice
              question="Discard your unsaved changes to the contacts?"
              onDiscard={() => start(view)}
            >
              Your unsaved changes to the contacts were restored.
            </RestoredNotice>
          )}
          <p className="text-xs text-slate-500">
            The bank&apos;s own contacts are not changed here. Saved contacts reach the campaigns within
            seconds.
          </p>
          {list("phones", draft.phones)}
          {list("emails", draft.emails)}
          {stale && failure && staleBlock(failure.message)}
          {movedOn &&
            staleBlock(
              `The contacts have been saved as version ${view.version} since you began editing version ${draft.base}: Save would be refused.`,
            )}
          {otherError && <ErrorState error={otherError} />}
          {blocked && <p className="text-xs text-slate-500">Save waits until the marked fields are right.</p>}
          <SaveAndCancel pending={save.isPending} disabled={blocked} onCancel={cancel} />
        </form>
      )}
    </Card>
  );
}
