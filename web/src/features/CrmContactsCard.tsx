// The phones, emails and postal addresses agents added to a customer (learned on a call or a visit), beside
// the bank's read-only contacts. Agents and supervisors edit the whole list in place, as they do the case: a
// save names the version it was based on, and one overtaken by another's (409) says so and offers to reload.
// The fields are checked as they are typed (as the API checks them), and Save waits until they are right.
// The open form is kept in this tab's storage until it is saved or cancelled, so an expired session loses
// nothing. That machinery is shared with the case card (useVersionedEditor.ts).

import { useEffect, useRef, useState } from "react";

import type { FieldErrors } from "../api/client";
import type { CrmContactsView, CrmEmail, CrmPhone, EmailType, PhoneType } from "../api/types";
import { Card } from "../components/Card";
import { Field, SaveAndCancel, inputClass, secondaryButtonClass } from "../components/Field";
import { RestoredNotice } from "../components/RestoredNotice";
import { EditButton, SaveProblems, SavedNotice } from "../components/SaveNotices";
import { RowFieldset, TypeSelect, VerifiedAndRemove } from "./ContactRowParts";
import { CrmAddressRow } from "./CrmAddressRow";
import { WrongFlag } from "./WrongFlag";
import { reportOf, type WrongReports } from "./actionContact";
import {
  EMAIL_TYPES,
  MAX_EACH,
  PHONE_TYPES,
  completeDraft,
  contactsBody,
  contactsProblems,
  draftOf,
  isShownAtField,
  isUnchanged,
  newEmail,
  newPhone,
  savedLine,
} from "./contactsDraft";
import { newAddress, oneLine, type AddressRow } from "./crmAddress";
import { useVersionedEditor } from "./useVersionedEditor";

const CRM_CONTACTS_TITLE = "Contacts added in the CRM";

type Kind = "phones" | "emails" | "addresses";
type Row = CrmPhone | CrmEmail;
/** A change to one row: its type, number or address, verified mark or note. */
type RowPatch = {
  type?: PhoneType | EmailType;
  number?: string;
  address?: string;
  is_verified?: boolean;
  note?: string;
};

/**
 * What each list is called (one, several), and for phones and emails the field that holds the number or
 * address (an address's rows are CrmAddressRow).
 */
const KINDS = {
  phones: {
    noun: "phone",
    Noun: "Phone",
    plural: "phones",
    Plural: "Phones",
    value: "number",
    Value: "Number",
    input: "tel",
    types: PHONE_TYPES,
  },
  emails: {
    noun: "email",
    Noun: "Email",
    plural: "emails",
    Plural: "Emails",
    value: "address",
    Value: "Address",
    input: "email",
    types: EMAIL_TYPES,
  },
  addresses: { noun: "address", Noun: "Address", plural: "addresses", Plural: "Addresses" },
} as const;

const NOT_REPORTED: WrongReports = new Map();

const valueOf = (row: Row) => ("number" in row ? row.number : row.address);

function Flag({ on, label }: { on: boolean; label: string }) {
  return on ? <span className="ml-1 rounded bg-slate-100 px-1.5 text-xs text-slate-700">{label}</span> : null;
}

function ContactsList({ view, reportedWrong }: { view: CrmContactsView; reportedWrong: WrongReports }) {
  return (
    <>
      {view.phones.length === 0 && view.emails.length === 0 && view.addresses.length === 0 ? (
        <p className="text-sm text-slate-600">No phones, emails or addresses added yet.</p>
      ) : (
        <ul className="space-y-1 text-sm" data-testid="crm-contacts">
          {view.phones.map((phone) => (
            <li key={phone.number}>
              <a href={`tel:${phone.number}`} className="text-brand-700 hover:underline">
                {phone.number}
              </a>{" "}
              <span className="text-xs text-slate-500">{phone.type}</span>
              <Flag on={phone.is_verified} label="verified" />
              <WrongFlag report={reportOf(reportedWrong, phone.number)} />
              {phone.note && <p className="break-words text-xs text-slate-600">{phone.note}</p>}
            </li>
          ))}
          {view.emails.map((email) => (
            <li key={email.address}>
              <span className="break-all">{email.address}</span>{" "}
              <span className="text-xs text-slate-500">{email.type}</span>
              <Flag on={email.is_verified} label="verified" />
              <WrongFlag report={reportOf(reportedWrong, email.address)} />
              {email.note && <p className="break-words text-xs text-slate-600">{email.note}</p>}
            </li>
          ))}
          {view.addresses.map((address, n) => (
            <li key={`address-${n}`}>
              <span className="break-words">{oneLine(address)}</span>{" "}
              <span className="text-xs text-slate-500">{address.type}</span>
              <Flag on={address.is_verified} label="verified" />
              {address.note && <p className="break-words text-xs text-slate-600">{address.note}</p>}
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
  kind: "phones" | "emails";
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
    <RowFieldset name={name}>
      <div className="grid gap-2 sm:grid-cols-[minmax(0,8rem)_minmax(0,1fr)]">
        <TypeSelect<PhoneType | EmailType>
          name={name}
          error={errors[`${at}.type`]}
          value={row.type}
          options={types}
          onChange={(type) => onChange({ type })}
        />
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
      <VerifiedAndRemove
        name={name}
        verified={row.is_verified}
        verifiedText="Verified with the customer"
        removeLabel={`Remove ${noun} ${n + 1}`}
        onVerified={(is_verified) => onChange({ is_verified })}
        onRemove={onRemove}
      />
    </RowFieldset>
  );
}

export function CrmContactsCard({
  cif,
  view,
  canEdit,
  defaultCountry = "",
  reportedWrong = NOT_REPORTED,
}: {
  cif: string;
  view: CrmContactsView;
  canEdit: boolean;
  /** The numbers and addresses agents reported wrong (the 360 view's `reported_wrong`), marked in the list. */
  reportedWrong?: WrongReports;
  /** The country a new address starts in (the customer's, as the bank has it): a two-letter code, or "". */
  defaultCountry?: string;
}) {
  const form = useRef<HTMLFormElement>(null);
  // What takes the focus once the form has rendered: a row's number, email address or address line 1
  // ("phones.2"), or a list's Add button ("add.phones").
  const [focusTarget, setFocusTarget] = useState<string | null>(null);
  const editor = useVersionedEditor({
    cif,
    part: "crm_contacts",
    view,
    canEdit,
    storeAs: "crm-contacts",
    path: "/api/contacts",
    draftOf,
    // A draft stored before addresses: the addresses as saved.
    completeDraft: (stored) => completeDraft(stored, view),
    bodyOf: contactsBody,
    isUnchanged,
    problemsOf: contactsProblems,
    checkAsTyped: true,
    isShownAtField,
    overtaken: (saved, base) =>
      `The contacts have been saved as version ${saved} since you began editing version ${base}: Save would be refused.`,
    // The focus starts on the first row (or Add phone).
    onStart: (next) =>
      setFocusTarget(
        (["phones", "emails", "addresses"] as const)
          .filter((kind) => next[kind].length)
          .map((kind) => `${kind}.0`)[0] ?? "add.phones",
      ),
  });
  const { draft, save, errors } = editor;

  useEffect(() => {
    if (focusTarget === null || !form.current) return;
    form.current.querySelector<HTMLElement>(`[data-focus="${focusTarget}"]`)?.focus();
    setFocusTarget(null);
  }, [focusTarget, draft]);

  function setRow(kind: Kind, n: number, patch: RowPatch | Partial<AddressRow>) {
    editor.edit((current) => ({
      ...current,
      [kind]: (current[kind] as (Row | AddressRow)[]).map((row, i) => (i === n ? { ...row, ...patch } : row)),
    }));
  }

  function add(kind: Kind) {
    if (!draft || draft[kind].length >= MAX_EACH) return;
    const n = draft[kind].length;
    editor.edit((current) => ({
      ...current,
      [kind]: [
        ...current[kind],
        kind === "phones" ? newPhone() : kind === "emails" ? newEmail() : newAddress(defaultCountry),
      ],
    }));
    setFocusTarget(`${kind}.${n}`);
  }

  function remove(kind: Kind, n: number) {
    if (!draft) return;
    const left = draft[kind].length - 1;
    editor.edit((current) => ({ ...current, [kind]: current[kind].filter((_, i) => i !== n) }));
    // The focus goes to the row now in its place, else the one before, else the list's Add button.
    setFocusTarget(left > n ? `${kind}.${n}` : left > 0 ? `${kind}.${left - 1}` : `add.${kind}`);
  }

  const list = (kind: Kind, rows: (Row | AddressRow)[]) => {
    const { noun, plural, Plural } = KINDS[kind];
    const full = rows.length >= MAX_EACH;
    return (
      <div className="space-y-2">
        <h3 className="text-sm font-semibold">{Plural}</h3>
        {errors[kind] && (
          <p role="alert" className="text-sm text-red-700">
            {errors[kind]}
          </p>
        )}
        {rows.length === 0 && <p className="text-sm text-slate-600">No {plural}.</p>}
        {rows.map((row, n) =>
          kind === "addresses" ? (
            <CrmAddressRow
              key={n}
              n={n}
              row={row as AddressRow}
              errors={errors}
              onChange={(patch) => setRow(kind, n, patch)}
              onRemove={() => remove(kind, n)}
            />
          ) : (
            <ContactRow
              key={n}
              kind={kind}
              n={n}
              row={row as Row}
              errors={errors}
              onChange={(patch) => setRow(kind, n, patch)}
              onRemove={() => remove(kind, n)}
            />
          ),
        )}
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
              At most {MAX_EACH} {plural}.
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
        <EditButton shown={canEdit && draft === null} buttonRef={editor.editButton} onClick={editor.open}>
          Edit contacts
        </EditButton>
      }
    >
      {draft === null ? (
        <div className="space-y-3">
          {save.isSuccess && <SavedNotice>Contacts saved (version {save.data.version}).</SavedNotice>}
          <ContactsList view={view} reportedWrong={reportedWrong} />
        </div>
      ) : (
        <form
          ref={form}
          onSubmit={editor.submit}
          aria-label="Edit the contacts"
          className="space-y-4"
          noValidate
        >
          {editor.restored && (
            <RestoredNotice
              question="Discard your unsaved changes to the contacts?"
              onDiscard={editor.discard}
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
          {list("addresses", draft.addresses)}
          <SaveProblems editor={editor} subject="the contacts" />
          {editor.blocked && (
            <p className="text-xs text-slate-500">Save waits until the marked fields are right.</p>
          )}
          <SaveAndCancel pending={save.isPending} disabled={editor.blocked} onCancel={editor.cancel} />
        </form>
      )}
    </Card>
  );
}
