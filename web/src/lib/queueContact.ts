// The contact a queue entry's campaign chose first (its contact rules), as an agent reads it in the
// queue: what to dial or write to, of which type, and whose it is when it is a reference person's.

import type { QueueContact } from "../api/types";

/** A code as words: lower-case, underscores to spaces ("MOBILE" → "mobile", "CO_BORROWER" → "co borrower"). */
export function codeWords(code: string | null | undefined): string {
  return (code ?? "").trim().replaceAll("_", " ").toLowerCase();
}

/**
 * The link that dials or writes to the contact: `tel:` with the number's digits only (a leading +
 * kept), `mailto:` with the address; null when there is nothing to link to.
 */
export function contactHref(contact: QueueContact): string | null {
  const value = contact.value.trim();
  if (contact.channel === "PHONE") {
    const digits = value.replace(/\D/g, "");
    if (!digits) return null;
    return `tel:${value.startsWith("+") ? "+" : ""}${digits}`;
  }
  if (contact.channel === "EMAIL") {
    if (!value) return null;
    // `?` and `#` would start a query or fragment; encodeURI leaves them as they are
    return `mailto:${encodeURI(value).replace(/[?#]/g, encodeURIComponent)}`;
  }
  return null;
}

/** The value and its type: "+84 91 555 0001 · mobile". */
export function contactText(contact: QueueContact): string {
  const type = codeWords(contact.type);
  return type ? `${contact.value} · ${type}` : contact.value;
}

/** Whose contact it is when it is a reference person's: "Tran Van B (guarantor)"; null for the customer's own. */
export function contactPerson(contact: Pick<QueueContact, "name" | "relationship">): string | null {
  const name = contact.name?.trim();
  const relationship = codeWords(contact.relationship);
  if (name && relationship) return `${name} (${relationship})`;
  return name || relationship || null;
}

/** The link's accessible name: "Call +84 91 555 0001 (mobile)", "Email an@example.com (work), Tran Van B (guarantor)". */
export function contactLabel(contact: QueueContact): string {
  const verb = contact.channel === "EMAIL" ? "Email" : "Call";
  const type = codeWords(contact.type);
  const person = contactPerson(contact);
  return `${verb} ${contact.value}${type ? ` (${type})` : ""}${person ? `, ${person}` : ""}`;
}
