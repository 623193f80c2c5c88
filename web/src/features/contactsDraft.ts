// The draft of the contacts agents add (`PUT /api/contacts/{cif}`): what it sends, and what must be fixed
// before it can be sent, checked the way the API checks it (contracts/crm_contacts.py). Pure, so it is
// tested alone. The addresses' own helpers are in crmAddress.ts.

import type { FieldErrors } from "../api/client";
import type {
  CrmContactsUpdate,
  CrmContactsView,
  CrmEmail,
  CrmPhone,
  EmailType,
  PhoneType,
} from "../api/types";
import { formatDateTime } from "../lib/format";
import { characters } from "../lib/text";
import { MAX_NOTE, addressBody, addressProblems, addressRowOf, type AddressRow } from "./crmAddress";

// contracts/crm_contacts.py and contracts/customers.py.
export const MAX_EACH = 10;
export { MAX_NOTE };
export const PHONE = { min: 3, max: 32, pattern: /^\+?[0-9 ()-]+$/ };
export const EMAIL = { min: 3, max: 254, pattern: /^[^@\s]+@[^@\s]+\.[^@\s]+$/ };

/** How a number or address breaks the rule for one added by hand. */
export type ContactFault = "long" | "short" | "shape" | "no digits";

/**
 * What is wrong with a number or address the contacts card adds or the action form takes typed in (the same
 * one may go to both, so one rule; each words it its own way), or null. A number needs a digit: the pattern
 * alone takes "()-", which the API refuses in a contact added by hand.
 */
export function contactFault(list: "PHONE" | "EMAIL", value: string): ContactFault | null {
  const rule = contactRule(list);
  if (value.length > rule.max) return "long";
  if (value.length < rule.min) return "short";
  if (!rule.pattern.test(value)) return "shape";
  return list === "PHONE" && !phoneKey(value) ? "no digits" : null;
}

/** The length and pattern rule of a number (`PHONE`) or an address (`EMAIL`). */
export const contactRule = (list: "PHONE" | "EMAIL") => (list === "EMAIL" ? EMAIL : PHONE);

export const PHONE_TYPES: { code: PhoneType; label: string }[] = [
  { code: "MOBILE", label: "Mobile" },
  { code: "HOME", label: "Home" },
  { code: "WORK", label: "Work" },
  { code: "OTHER", label: "Other" },
];
export const EMAIL_TYPES: { code: EmailType; label: string }[] = [
  { code: "PERSONAL", label: "Personal" },
  { code: "WORK", label: "Work" },
  { code: "HOME", label: "Home" },
  { code: "OTHER", label: "Other" },
];

/** The rows as the form has them and the version they were based on, which the save names. */
export interface ContactsDraft {
  base: number;
  phones: CrmPhone[];
  emails: CrmEmail[];
  addresses: AddressRow[];
}

/** A draft as an older page kept it in the tab's storage: before addresses, it had none. */
export type StoredContactsDraft = Omit<ContactsDraft, "addresses"> & { addresses?: AddressRow[] };

export const newPhone = (): CrmPhone => ({ type: "MOBILE", number: "", is_verified: false, note: "" });
export const newEmail = (): CrmEmail => ({ type: "PERSONAL", address: "", is_verified: false, note: "" });

/** The form as it opens on the contacts as saved. */
export function draftOf(view: CrmContactsView): ContactsDraft {
  return {
    base: view.version,
    phones: view.phones.map((phone) => ({ ...phone })),
    emails: view.emails.map((email) => ({ ...email })),
    addresses: view.addresses.map(addressRowOf),
  };
}

/**
 * A draft as it was kept in the tab's storage, with every list: one stored by an older page lacks the
 * addresses (added since), which are then the addresses as saved (`saved`), so a save keeps them.
 */
export function completeDraft(stored: StoredContactsDraft, saved: CrmContactsView): ContactsDraft {
  return Array.isArray(stored.addresses)
    ? (stored as ContactsDraft)
    : { ...stored, addresses: saved.addresses.map(addressRowOf) };
}

/**
 * What is sent, every list (one left out would be saved empty): numbers, email and postal addresses without
 * the spaces around them, an address's optional parts left empty as null.
 */
export function contactsBody(draft: ContactsDraft): CrmContactsUpdate {
  return {
    phones: draft.phones.map(({ type, number, is_verified, note }) => ({
      type,
      number: number.trim(),
      is_verified,
      note,
    })),
    emails: draft.emails.map(({ type, address, is_verified, note }) => ({
      type,
      address: address.trim(),
      is_verified,
      note,
    })),
    addresses: draft.addresses.map(addressBody),
    version: draft.base,
  };
}

/** Whether the draft says what the saved contacts say (whatever version it was based on). */
export function isUnchanged(draft: ContactsDraft, view: CrmContactsView): boolean {
  const lists = ({ phones, emails, addresses }: CrmContactsUpdate) =>
    JSON.stringify({ phones, emails, addresses });
  return lists(contactsBody(draft)) === lists(contactsBody(draftOf(view)));
}

/** How the API tells duplicates apart (domain/contacts.py: contact_key): a number's digits, an address in
 * lower case. */
export const phoneKey = (number: string) => number.replace(/[^0-9]/g, "");
export const emailKey = (address: string) => address.trim().toLowerCase();

/** The card's words for a contact's fault: at the field, so short. */
function faultProblem(list: "PHONE" | "EMAIL", value: string): string | null {
  const rule = contactRule(list);
  switch (contactFault(list, value)) {
    case "long":
      return `${value.length} characters: at most ${rule.max}`;
    case "short":
      return `At least ${rule.min} characters`;
    case "shape":
      return list === "EMAIL"
        ? "Not an email address (like name@example.com)"
        : "Only digits, spaces, brackets and dashes, with + at the start if any";
    case "no digits":
      return "Enter the number's digits";
    case null:
      return null;
  }
}

/**
 * What the user must fix before sending, by the API's field names ("phones.0.number", as a 422 names
 * them): a number or address missing, too short or long, not shaped like one, or listed twice (the later
 * one is marked); a note too long. The postal addresses are checked by crmAddress.ts.
 */
export function contactsProblems(draft: ContactsDraft): FieldErrors {
  const problems: FieldErrors = {};
  if (draft.phones.length > MAX_EACH) problems.phones = `At most ${MAX_EACH} phones`;
  if (draft.emails.length > MAX_EACH) problems.emails = `At most ${MAX_EACH} emails`;

  const phoneKeys = draft.phones.map((phone) => phoneKey(phone.number.trim()));
  draft.phones.forEach((phone, n) => {
    const number = phone.number.trim();
    const earlier = phoneKeys.indexOf(phoneKeys[n]!);
    const problem = !number
      ? "Enter the number, or remove this phone"
      : (faultProblem("PHONE", number) ?? (earlier < n ? `The same number as phone ${earlier + 1}` : null));
    if (problem) problems[`phones.${n}.number`] = problem;
    if (characters(phone.note) > MAX_NOTE) {
      problems[`phones.${n}.note`] = `The note has ${characters(phone.note)} characters: at most ${MAX_NOTE}`;
    }
  });

  const emailKeys = draft.emails.map((email) => emailKey(email.address));
  draft.emails.forEach((email, n) => {
    const address = email.address.trim();
    const earlier = emailKeys.indexOf(emailKeys[n]!);
    const problem = !address
      ? "Enter the address, or remove this email"
      : (faultProblem("EMAIL", address) ?? (earlier < n ? `The same address as email ${earlier + 1}` : null));
    if (problem) problems[`emails.${n}.address`] = problem;
    if (characters(email.note) > MAX_NOTE) {
      problems[`emails.${n}.note`] = `The note has ${characters(email.note)} characters: at most ${MAX_NOTE}`;
    }
  });
  return { ...problems, ...addressProblems(draft.addresses, MAX_EACH) };
}

/** The fields of each list's rows that the form shows a message at. */
const ROW_FIELDS = {
  phones: ["type", "number", "note"],
  emails: ["type", "address", "note"],
  addresses: ["type", "line1", "line2", "city", "province", "postal_code", "country", "note"],
};

/**
 * Whether the form shows a 422's field at the field, a row or a list ("phones.0.number", "addresses.1",
 * "emails"): those of a row still in the draft. The others are shown above Save.
 */
export function isShownAtField(field: string, draft: ContactsDraft): boolean {
  const [kind, index, name, ...rest] = field.split(".");
  const list = (["phones", "emails", "addresses"] as const).find((known) => known === kind);
  if (!list || rest.length) return false;
  if (index === undefined) return true;
  if (!/^\d+$/.test(index) || Number(index) >= draft[list].length) return false;
  // A whole row's message shows only on an address (a repeat); a phone's or email's at its fields.
  return name === undefined ? list === "addresses" : ROW_FIELDS[list].includes(name);
}

/** "Saved by X on <date>, version N", or "Never saved". */
export function savedLine(view: CrmContactsView): string {
  if (!view.version) return "Never saved";
  return `Saved by ${view.updated_by ?? "—"} on ${formatDateTime(view.updated_at)}, version ${view.version}`;
}
