// One postal address of the contacts form (CrmContactsCard): its type, lines, city, province, postal code,
// country, whether it is verified, a note. Its messages are keyed by the API's field names
// ("addresses.0.city"); one about the whole row (a repeat) shows under its title.

import { useId } from "react";

import type { FieldErrors } from "../api/client";
import { Field, inputClass } from "../components/Field";
import { RowFieldset, TypeSelect, VerifiedAndRemove } from "./ContactRowParts";
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
    <RowFieldset name={name} error={errors[at]} errorId={rowErrorId}>
      <div className="grid gap-2 sm:grid-cols-[minmax(0,8rem)_minmax(0,1fr)]">
        <TypeSelect
          name={name}
          error={errors[`${at}.type`]}
          value={row.type}
          options={ADDRESS_TYPES}
          onChange={(type) => onChange({ type })}
        />
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
      <VerifiedAndRemove
        name={name}
        verified={row.is_verified}
        verifiedText="Visited or confirmed with the customer"
        removeLabel={`Remove address ${n + 1}`}
        onVerified={(is_verified) => onChange({ is_verified })}
        onRemove={onRemove}
      />
    </RowFieldset>
  );
}
