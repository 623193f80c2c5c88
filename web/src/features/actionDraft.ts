// The record-action form's draft: what it sends, and what must be fixed before it can be sent. Pure, so it
// is tested alone.

import type { FieldErrors } from "../api/client";
import {
  NO_CONTACT_CHOICES,
  contactChannelOf,
  contactListOf,
  type ContactChoices,
  type ContactInfo,
  type ContactList,
} from "./actionContact";
import { NO_VISIT_CHOICES, visitContactOf, visitOf, type Position, type VisitChoices } from "./actionVisit";
import { PHONE, contactFault, contactRule } from "./contactsDraft";

export const PROMISE = "PROMISE_TO_PAY";
/** The result that makes the strategy stop selecting the contact the action names. */
export const WRONG_NUMBER = "WRONG_NUMBER";
/** The result by which the customer asks to be contacted no more: it holds for good. */
export const CEASE_COMMUNICATION = "CEASE_COMMUNICATION";
/** The result by which the customer disputes a debt: contact about it pauses until resolved or it lapses. */
export const DISPUTE = "DISPUTE";
/**
 * The results that reached the customer (`contracts.actions.RIGHT_PARTY_RESULTS`): one on a number reported
 * wrong, dated after the report, makes the strategy select it again.
 */
export const RIGHT_PARTY_RESULTS: ReadonlySet<string> = new Set([
  "PROMISE_TO_PAY",
  "PAID",
  "REFUSED",
  "CALLBACK",
  "DISPUTE",
  "CEASE_COMMUNICATION",
]);
/**
 * The contact choice "Another number…": the one typed in (`otherContact`). Neither a number nor an address
 * (no digit, no @), so no listed contact has it.
 */
export const ANOTHER_CONTACT = "(another)";

export interface LoanChoice {
  account_number: string;
  currency: string;
}

export interface ActionDraft {
  type: string;
  subtype: string;
  result: string;
  account_number: string;
  notes: string;
  promise_date: string;
  promise_amount: string;
  follow_up_date: string;
  /**
   * The contact used, as listed (`contactChoicesOf`): "" for "Not recorded"; null for the one the form starts
   * on (the campaign's choice, or the bank's primary); `ANOTHER_CONTACT` for the one typed in. A draft stored
   * before the form had it has none: null.
   */
  contact: string | null;
  /** The number or address typed in for "Another number…", as typed. A draft stored before it: "". */
  otherContact: string;
  /** A visit's address, as listed (`visitChoicesOf`): "" for "Not recorded"; null for the one it starts on. */
  visitAddress: string | null;
  /** The agent's position a visit shares (the browser's), or null. */
  position: Position | null;
}

export const blankDraft: ActionDraft = {
  type: "CALL",
  subtype: "OUTBOUND",
  result: "",
  account_number: "",
  notes: "",
  promise_date: "",
  promise_amount: "",
  follow_up_date: "",
  contact: null,
  otherContact: "",
  visitAddress: null,
  position: null,
};

/** A stored draft with what it lacks (one stored before a field was added) from the blank one. */
export function completeDraft(draft: Partial<ActionDraft>): ActionDraft {
  return { ...blankDraft, ...draft };
}

/** Whether the draft holds nothing typed: `blank` as it is (the form's, which may start on another type). */
export function isBlankDraft(draft: Partial<ActionDraft>, blank: ActionDraft = blankDraft): boolean {
  const complete = completeDraft(draft);
  return (Object.keys(blank) as (keyof ActionDraft)[]).every((key) => complete[key] === blank[key]);
}

/**
 * The draft with another action type: the contact (listed or typed) stays while the type records from the
 * same list (a call and an SMS both use phones), and goes back to the one the form starts on otherwise (none
 * for a visit or a letter, which record no number or email): a number typed for a call is no email address.
 * A visit's address and position (`actionVisit.ts`) stay: only a visit sends them.
 */
export function withType(draft: ActionDraft, type: string): ActionDraft {
  const sameList = contactListOf(type) !== null && contactListOf(type) === contactListOf(draft.type);
  return sameList ? { ...draft, type } : { ...draft, type, contact: null, otherContact: "" };
}

/**
 * The contact the form shows as chosen: the draft's while it is one of the listed ones (or "" for "Not
 * recorded", `ANOTHER_CONTACT` for one typed in), else the one the form starts on; "" for a type that
 * records no contact.
 */
export function chosenContact(draft: ActionDraft, choices: ContactChoices): string {
  const list = contactListOf(draft.type);
  if (!list) return "";
  const { options, preferred } = choices[list];
  if (draft.contact === "" || draft.contact === ANOTHER_CONTACT) return draft.contact;
  if (draft.contact !== null && options.some((option) => option.value === draft.contact))
    return draft.contact;
  return preferred ?? "";
}

/** The number or address typed in, without the spaces around it, while "Another number…" is chosen. */
export function typedContact(draft: ActionDraft, choices: ContactChoices): string | null {
  return chosenContact(draft, choices) === ANOTHER_CONTACT ? draft.otherContact.trim() : null;
}

/**
 * What the action sends as its contact: the chosen one (or the one typed in) with its type's channel; null
 * when none.
 */
export function contactOf(draft: ActionDraft, choices: ContactChoices): ContactInfo | null {
  const channel = contactChannelOf(draft.type);
  const typed = typedContact(draft, choices);
  const number = typed ?? chosenContact(draft, choices);
  return channel && number ? { channel, number } : null;
}

/** "number" or "address": what the form calls a contact of the list. */
export const contactNoun = (list: ContactList) => (list === "EMAIL" ? "address" : "number");

/** What is wrong with a number or address typed in, by the contacts card's rule (`contactFault`), in the
 * form's words. */
function typedProblem(list: ContactList, typed: string): string | null {
  const noun = contactNoun(list);
  switch (contactFault(list, typed)) {
    case "long":
      return `Type the ${noun} used: at most ${contactRule(list).max} characters (this has ${typed.length}).`;
    case "short":
      return list === "EMAIL"
        ? "Type the address used, like name@example.com."
        : `Type the number used: at least ${PHONE.min} characters.`;
    case "shape":
    case "no digits":
      return list === "EMAIL"
        ? "Type the address used, like name@example.com."
        : "Type the number used: digits, spaces, +, -, ( ) only.";
    case null:
      return null;
  }
}

/** The API's field names the form shows an error at (the type shows the contact's when it records none). */
const SHOWN_FIELDS: ReadonlySet<string> = new Set([
  "type",
  "subtype",
  "result",
  "contact",
  "contact.number",
  "contact.channel",
  "account_number",
  "promise",
  "promise.date",
  "promise.amount",
  "follow_up_date",
  "notes",
]);

/** The API's errors at fields the form has no input for (e.g. `at`: the moment the form dated it), as text. */
export function unshownErrors(errors: FieldErrors): string[] {
  return Object.entries(errors)
    .filter(([field]) => !SHOWN_FIELDS.has(field))
    .map(([field, message]) => `${field}: ${message}`);
}

/** 14 hours: the latest time zone's offset (UTC+14), where each date begins first. */
const LATEST_ZONE_MS = 14 * 3_600_000;

/**
 * When an action is dated: `now`, unless the business date is after the date everywhere on Earth (a demo's
 * clock runs a day a minute): then on the business date at the wall clock's UTC time of day, as the demo's
 * simulator dates its calls, so that an agent's actions and the simulated ones keep one order (the latest
 * action's follow-up counts) and the "today" figures count them. A bank's business date is never ahead
 * of every calendar, so production dates actions by the wall clock.
 */
export function actionMoment(now: Date, businessDate?: string | null): Date {
  return businessDate && aheadOfEveryCalendar(now, businessDate)
    ? new Date(`${businessDate}T${now.toISOString().slice(11)}`)
    : now;
}

/** Whether `businessDate` (YYYY-MM-DD) is after the date in every time zone at `now`. */
export function aheadOfEveryCalendar(now: Date, businessDate: string): boolean {
  return businessDate > new Date(now.getTime() + LATEST_ZONE_MS).toISOString().slice(0, 10);
}

export function actionBody(
  cif: string,
  draft: ActionDraft,
  actionId: string,
  at: Date,
  choices: ContactChoices = NO_CONTACT_CHOICES,
  visitChoices: VisitChoices = NO_VISIT_CHOICES,
) {
  return {
    action_id: actionId,
    cif,
    account_number: draft.account_number || null,
    type: draft.type,
    subtype: draft.subtype,
    result: draft.result,
    at: at.toISOString(),
    notes: draft.notes.trim() || null,
    promise:
      draft.result === PROMISE ? { date: draft.promise_date, amount: draft.promise_amount.trim() } : null,
    follow_up_date: draft.follow_up_date || null,
    // a visit names the address visited (channel VISIT) and, when the agent shared it, the position
    contact: contactOf(draft, choices) ?? visitContactOf(draft, visitChoices),
    visit: visitOf(draft, visitChoices),
  };
}

/** The customer's loan currencies, each once, in order. */
export function currenciesOf(loans: LoanChoice[]): string[] {
  return [...new Set(loans.map((loan) => loan.currency))].sort();
}

/** The currency an amount is in: the chosen loan's, or the only one the customer's loans have. */
export function promiseCurrency(draft: ActionDraft, loans: LoanChoice[]): string | undefined {
  const chosen = loans.find((loan) => loan.account_number === draft.account_number);
  const currencies = currenciesOf(loans);
  return chosen?.currency ?? (currencies.length === 1 ? currencies[0] : undefined);
}

/** A promise over loans in several currencies has no currency: it must name its loan. */
export function needsLoanChoice(draft: ActionDraft, loans: LoanChoice[]): boolean {
  return draft.result === PROMISE && !draft.account_number && currenciesOf(loans).length > 1;
}

/**
 * What the user must fix before sending, by the API's field names, in plain words. The rest (a date in the
 * past, an amount that is not a number...) is the API's to judge: its 422s are shown at the same fields.
 */
export function draftProblems(
  draft: ActionDraft,
  loans: LoanChoice[],
  choices: ContactChoices = NO_CONTACT_CHOICES,
): FieldErrors {
  const problems: FieldErrors = {};
  const list = contactListOf(draft.type);
  const typed = typedContact(draft, choices);
  if (list && typed) {
    // one the CRM lists but written otherwise is sent as typed: the strategy matches both the same way
    const problem = typedProblem(list, typed);
    if (problem) problems.contact = problem;
  } else if (draft.result === WRONG_NUMBER && !contactOf(draft, choices)) {
    // without it the strategy keeps selecting the number (the API refuses it too, at `contact`)
    if (list && typed === "") problems.contact = `Type the ${contactNoun(list)} that was wrong.`;
    else if (list) problems.contact = "Say which number was wrong.";
    else
      problems.type = "Record a wrong number as a call, an SMS or an email, and say which number was wrong.";
  }
  if (draft.result !== PROMISE) return problems;
  if (needsLoanChoice(draft, loans)) {
    problems.account_number = `The loans are in ${currenciesOf(loans).join(" and ")}: choose the loan this promise is for`;
  }
  if (!draft.promise_date) problems["promise.date"] = "Enter the promised date";
  const amount = draft.promise_amount.trim();
  const currency = promiseCurrency(draft, loans);
  if (!amount) problems["promise.amount"] = "Enter the promised amount";
  else if (currency) {
    const finer = finerThanPaid(amount, currency);
    if (finer) problems["promise.amount"] = finer;
  }
  return problems;
}

/** Decimals an amount in `currency` can be paid in (ISO 4217, as the browser knows it; 2 otherwise). */
export function minorUnits(currency: string): number {
  try {
    return (
      new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ??
      2
    );
  } catch {
    return 2;
  }
}

/** Why `amount` cannot be paid in `currency` (a fraction of a dong, a tenth of a cent), or null. */
export function finerThanPaid(amount: string, currency: string): string | null {
  const fraction = /^\d*\.(\d+)$/.exec(amount)?.[1]?.replace(/0+$/, "") ?? "";
  const units = minorUnits(currency);
  if (fraction.length <= units) return null;
  return units === 0
    ? `${currency} is paid in whole units: no decimals`
    : `${currency} is paid in at most ${units} decimals`;
}
