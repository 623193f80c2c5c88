// The postal addresses agents add to a customer (`addresses` of `PUT /api/contacts/{cif}`): the form's row,
// what it sends, how it reads on one line, how repeats are told apart and what must be fixed before it can
// be sent, as the API has them (contracts/customers.py: Place, contracts/crm_contacts.py: CrmAddress).
// Pure, so it is tested alone.

import type { FieldErrors } from "../api/client";
import type { CrmAddress, EmailType } from "../api/types";
import { characters } from "../lib/text";

// contracts/common.py: ShortText, CountryCode; contracts/customers.py: Place.
export const MAX_PART = 200;
export const MAX_POSTAL_CODE = 16;
export const COUNTRY = /^[A-Z]{2}$/;
// contracts/crm_contacts.py: Note, the same for phones, emails and addresses.
export const MAX_NOTE = 200;

/** The API's address types are the email types (contracts/common.py: AddressType). */
export const ADDRESS_TYPES: { code: EmailType; label: string }[] = [
  { code: "PERSONAL", label: "Personal" },
  { code: "WORK", label: "Work" },
  { code: "HOME", label: "Home" },
  { code: "OTHER", label: "Other" },
];

/** An address as the form has it: "" for an optional part left out (sent as null). */
export interface AddressRow {
  type: EmailType;
  line1: string;
  line2: string;
  city: string;
  province: string;
  postal_code: string;
  country: string;
  is_verified: boolean;
  note: string;
}

/** The parts of an address that say where it is (all matched for repeats), in the API's order. */
type Place = Pick<CrmAddress, "line1" | "line2" | "city" | "province" | "postal_code" | "country">;

/** A new row, in `country` (a two-letter code, or "" for the user to fill in). */
export const newAddress = (country = ""): AddressRow => ({
  type: "HOME",
  line1: "",
  line2: "",
  city: "",
  province: "",
  postal_code: "",
  country,
  is_verified: false,
  note: "",
});

/** The row of an address as saved. */
export const addressRowOf = (address: CrmAddress): AddressRow => ({
  type: address.type,
  line1: address.line1,
  line2: address.line2 ?? "",
  city: address.city,
  province: address.province ?? "",
  postal_code: address.postal_code ?? "",
  country: address.country,
  is_verified: address.is_verified,
  note: address.note,
});

const optional = (value: string) => value.trim() || null;

/**
 * What is sent: the parts without the spaces around them, optional ones left empty as null, the country in
 * capitals.
 */
export const addressBody = (row: AddressRow): CrmAddress => ({
  type: row.type,
  line1: row.line1.trim(),
  line2: optional(row.line2),
  city: row.city.trim(),
  province: optional(row.province),
  postal_code: optional(row.postal_code),
  country: row.country.trim().toUpperCase(),
  is_verified: row.is_verified,
  note: row.note,
});

/** The address on one line, as the API's audit names it: "12 Ly Thuong Kiet, Hoan Kiem, Hanoi 100000, VN". */
export function oneLine(address: Place): string {
  const city = [address.city, address.postal_code].filter(Boolean).join(" ");
  return [address.line1, address.line2, address.province, city, address.country].filter(Boolean).join(", ");
}

// Python's str.casefold, nearly: upper case first folds "ß" to "ss" as it does.
const fold = (text: string) => text.toUpperCase().toLowerCase();

/** How the API tells repeats apart (Place.key): every part, case and runs of spaces aside. */
export function addressKey(address: Place): string {
  const parts = [
    address.line1,
    address.line2,
    address.city,
    address.province,
    address.postal_code,
    address.country,
  ];
  return parts
    .map((part) =>
      fold(part ?? "")
        .split(/\s+/)
        .filter(Boolean)
        .join(" "),
    )
    .join("|");
}

function tooLong(value: string, max: number): string | null {
  const count = characters(value);
  return count > max ? `${count} characters: at most ${max}` : null;
}

/**
 * What the user must fix in the addresses before sending, by the API's field names ("addresses.0.city", as
 * a 422 names them): a part missing or too long, a country not a two-letter code, a note too long; an
 * address listed twice marks the later row ("addresses.1").
 */
export function addressProblems(rows: AddressRow[], maxRows: number): FieldErrors {
  const problems: FieldErrors = {};
  if (rows.length > maxRows) problems.addresses = `At most ${maxRows} addresses`;
  const keys = rows.map((row) => addressKey(addressBody(row)));
  rows.forEach((row, n) => {
    const sent = addressBody(row);
    const at = `addresses.${n}`;
    const found: FieldErrors = {};
    const line1 = sent.line1 ? tooLong(sent.line1, MAX_PART) : "Enter the first line, or remove this address";
    if (line1) found[`${at}.line1`] = line1;
    const line2 = sent.line2 && tooLong(sent.line2, MAX_PART);
    if (line2) found[`${at}.line2`] = line2;
    const city = sent.city ? tooLong(sent.city, MAX_PART) : "Enter the city";
    if (city) found[`${at}.city`] = city;
    const province = sent.province && tooLong(sent.province, MAX_PART);
    if (province) found[`${at}.province`] = province;
    const postalCode = sent.postal_code && tooLong(sent.postal_code, MAX_POSTAL_CODE);
    if (postalCode) found[`${at}.postal_code`] = postalCode;
    if (!sent.country) found[`${at}.country`] = "Enter the country's two-letter code (like VN)";
    else if (!COUNTRY.test(sent.country))
      found[`${at}.country`] = "Two letters: the country's code (like VN)";
    if (characters(row.note) > MAX_NOTE) {
      found[`${at}.note`] = `The note has ${characters(row.note)} characters: at most ${MAX_NOTE}`;
    }
    // A repeat only once the row is otherwise right: two empty rows need filling in, not telling apart.
    const earlier = keys.indexOf(keys[n]!);
    if (Object.keys(found).length === 0 && earlier < n)
      found[at] = `The same address as address ${earlier + 1}`;
    Object.assign(problems, found);
  });
  return problems;
}
