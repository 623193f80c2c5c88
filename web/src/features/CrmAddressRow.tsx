// One postal address of the contacts form (CrmContactsCard): its type, lines, city, province, postal code,
// country, whether it is verified, a note. Its messages are keyed by the API's field names
// ("addresses.0.city"); one about the whole row (a repeat) shows under its title.

import { useId } from "react";

import type { FieldErrors } from "../api/client";
import type { EmailType } from "../api/types";
import { Field, inputClass, secondaryButtonClass } from "../components/Field";
import { ADDRESS_TYPES, type AddressRow } from "./crmAddress";

type TextPart = "line1" | "line2" | "city" | "province" | "postal_code" | "country" | "note";

export function CrmAddressRow({
  n,
  row,
  errors,
  onChange,
  onRemove,
}: {
  n: number;
  row: AddressRow;
  errors: FieldErrors;
  onChange: (patch: Partial<AddressRow>) => void;
  onRemove: () => void;
}) {
  const name = `Address ${n + 1}`;
  const at = `addresses.${n}`;
  const rowErrorId = useId();
  const rowError = errors[at];

  const text = (part: TextPart, label: string, named: string, focus = false) => (
    <Field label={label} error={errors[`${at}.${part}`]}>
      {(props) => (
        <input
          {...props}
          aria-label={`${name} ${named}`}
          data-focus={focus ? at : undefined}
          autoComplete="off"
          className={inputClass}
          value={row[part]}
          onChange={(e) =>
            // The country is a code in capitals: typed "vn" reads "VN".
            onChange({ [part]: part === "country" ? e.target.value.toUpperCase() : e.target.value })
          }
        />
      )}
    </Field>
  );

  return (
    <fieldset
      className="space-y-2 rounded border border-slate-200 px-3 pb-3"
      aria-describedby={rowError ? rowErrorId : undefined}
    >
      <legend className="px-1 text-sm font-semibold text-slate-700">{name}</legend>
      {rowError && (
        <p id={rowErrorId} role="alert" className="text-sm text-red-700">
          {rowError}
        </p>
      )}
      <div className="grid gap-2 sm:grid-cols-[minmax(0,8rem)_minmax(0,1fr)]">
        <Field label="Type" error={errors[`${at}.type`]}>
          {(props) => (
            <select
              {...props}
              aria-label={`${name} type`}
              className={inputClass}
              value={row.type}
              onChange={(e) => onChange({ type: e.target.value as EmailType })}
            >
              {ADDRESS_TYPES.map((type) => (
                <option key={type.code} value={type.code}>
                  {type.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        {text("line1", "Address line 1", "line 1", true)}
      </div>
      {text("line2", "Address line 2 (optional)", "line 2")}
      <div className="grid gap-2 sm:grid-cols-2">
        {text("city", "City", "city")}
        {text("province", "Province (optional)", "province")}
      </div>
      <div className="grid gap-2 sm:grid-cols-2">
        {text("postal_code", "Postal code (optional)", "postal code")}
        {text("country", "Country (two letters, like VN)", "country")}
      </div>
      {text("note", "Note", "note")}
      <div className="flex flex-wrap items-center justify-between gap-2">
        <label className="flex items-center gap-2 text-sm text-slate-700">
          <input
            type="checkbox"
            aria-label={`${name} verified`}
            checked={row.is_verified}
            onChange={(e) => onChange({ is_verified: e.target.checked })}
          />
          Visited or confirmed with the customer
        </label>
        <button
          type="button"
          className={secondaryButtonClass}
          aria-label={`Remove address ${n + 1}`}
          onClick={onRemove}
        >
          Remove
        </button>
      </div>
    </fieldset>
  );
}
