// The parts every row of the contacts form has (a phone or email of CrmContactsCard, an address of
// CrmAddressRow): the framed row with its title, its type, its verified mark and its Remove button.

import type { ReactNode } from "react";

import { Field, inputClass, secondaryButtonClass } from "../components/Field";

/**
 * A row's frame, titled `name` ("Phone 1"). `error` (a message about the whole row, as a repeat) shows
 * under the title, with the id `errorId`, and describes the row.
 */
export function RowFieldset({
  name,
  error,
  errorId,
  children,
}: {
  name: string;
  error?: string;
  errorId?: string;
  children: ReactNode;
}) {
  return (
    <fieldset
      className="space-y-2 rounded border border-slate-200 px-3 pb-3"
      aria-describedby={error ? errorId : undefined}
    >
      <legend className="px-1 text-sm font-semibold text-slate-700">{name}</legend>
      {error && (
        <p id={errorId} role="alert" className="text-sm text-red-700">
          {error}
        </p>
      )}
      {children}
    </fieldset>
  );
}

/** A row's type, one of `options`, labelled "`name` type" ("Phone 1 type"). */
export function TypeSelect<T extends string>({
  name,
  error,
  value,
  options,
  onChange,
}: {
  name: string;
  error?: string;
  value: T;
  options: readonly { code: T; label: string }[];
  onChange: (type: T) => void;
}) {
  return (
    <Field label="Type" error={error}>
      {(props) => (
        <select
          {...props}
          aria-label={`${name} type`}
          className={inputClass}
          value={value}
          onChange={(e) => onChange(e.target.value as T)}
        >
          {options.map((type) => (
            <option key={type.code} value={type.code}>
              {type.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/**
 * A row's last line: whether it is verified ("`name` verified", beside `verifiedText`), and its Remove
 * button (labelled `removeLabel`, as "Remove phone 1").
 */
export function VerifiedAndRemove({
  name,
  verified,
  verifiedText,
  removeLabel,
  onVerified,
  onRemove,
}: {
  name: string;
  verified: boolean;
  verifiedText: string;
  removeLabel: string;
  onVerified: (verified: boolean) => void;
  onRemove: () => void;
}) {
  return (
    <div className="flex flex-wrap items-center justify-between gap-2">
      <label className="flex items-center gap-2 text-sm text-slate-700">
        <input
          type="checkbox"
          aria-label={`${name} verified`}
          checked={verified}
          onChange={(e) => onVerified(e.target.checked)}
        />
        {verifiedText}
      </label>
      <button type="button" className={secondaryButtonClass} aria-label={removeLabel} onClick={onRemove}>
        Remove
      </button>
    </div>
  );
}
