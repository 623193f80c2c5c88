// Which contact point an action used: the phone numbers and email addresses the record-action form offers,
// built from the customer's 360 view, and which one it starts on. Pure, so it is tested alone.
//
// The campaign's chosen contacts come first (what the agent was most likely told to use), then the
// customer's other numbers from the bank and the CRM, then their references' phones. Each number or address
// is listed once, matched as the strategy matches them (`domain.contacts.contact_key`): a phone by its
// digits, an email lower-cased. A WRONG_NUMBER names one of them, and the strategy stops selecting it: one
// reported wrong before (the view's `reported_wrong`) says so and comes last, and the form never starts on
// it. The agent may also type one the CRM does not list (an inbound call's: `ANOTHER_CONTACT`,
// actionDraft.ts).

import type { ActionCreate, CustomerView } from "../api/types";
import { formatDateTime } from "../lib/format";
import { codeWords, contactPerson, contactText } from "../lib/queueContact";
import { emailKey, phoneKey } from "./contactsDraft";

export type ContactInfo = NonNullable<ActionCreate["contact"]>;
export type ContactChannel = ContactInfo["channel"];
/** Which kind of contact point a list holds. */
export type ContactList = "PHONE" | "EMAIL";

export interface ContactOption {
  /** The number or address as listed: what is sent. */
  value: string;
  label: string;
  /** Reported wrong and not reached since: the campaigns do not select it. */
  reportedWrong?: boolean;
}

export interface ContactListChoices {
  options: ContactOption[];
  /** What the form starts on: the campaign's first choice, else the bank's primary; null: "Not recorded". */
  preferred: string | null;
}

export type ContactChoices = Record<ContactList, ContactListChoices>;

/** A customer with no contacts (or a form shown without them): only "Not recorded". */
export const NO_CONTACT_CHOICES: ContactChoices = {
  PHONE: { options: [], preferred: null },
  EMAIL: { options: [], preferred: null },
};

/** The parts of the 360 view the choices come from (`reported_wrong`: none when left out). */
export type ContactSources = Pick<CustomerView, "contacts" | "crm_contacts" | "references" | "strategy"> &
  Partial<Pick<CustomerView, "reported_wrong">>;

export type ReportedWrong = CustomerView["reported_wrong"][number];
/** The numbers and addresses reported wrong, by `contactKey`: look a listed one up as the strategy would. */
export type WrongReports = ReadonlyMap<string, ReportedWrong>;

/** How duplicates are matched, as the strategy matches flags: a phone's digits, an email lower-cased. */
export function contactKey(value: string): string {
  if (value.includes("@")) return emailKey(value);
  return phoneKey(value) || value.trim();
}

/** The reports by contact; the API sends the latest of each first, and the first one found is kept. */
export function wrongReportsOf(reports: readonly ReportedWrong[] | undefined): WrongReports {
  const byKey = new Map<string, ReportedWrong>();
  for (const report of reports ?? []) {
    const key = contactKey(report.contact);
    if (key && !byKey.has(key)) byKey.set(key, report);
  }
  return byKey;
}

/** The report of a listed number or address, if it was reported wrong. */
export function reportOf(reports: WrongReports, value: string): ReportedWrong | undefined {
  return reports.get(contactKey(value));
}

/** "Reported wrong on Nov 1, 2026, 05:59 AM by AG00004": when and by whom. */
export function reportedWrongText(report: ReportedWrong): string {
  return `Reported wrong on ${formatDateTime(report.at)} by ${report.agent_id}`;
}

/** The option that is this number or address, matched as the list is (`contactKey`); none for a blank one. */
function listedAs(options: ContactOption[], value: string): ContactOption | undefined {
  const key = contactKey(value);
  return key ? options.find((option) => contactKey(option.value) === key) : undefined;
}

/** Whether a number or address typed in is one the list has, matched as the list is (`contactKey`). */
export function isListed(choices: ContactChoices, list: ContactList, value: string): boolean {
  return listedAs(choices[list].options, value) !== undefined;
}

/** Whether a number or address is one the list has as reported wrong, matched as the list is. */
export function isReportedWrong(choices: ContactChoices, list: ContactList, value: string): boolean {
  return listedAs(choices[list].options, value)?.reportedWrong === true;
}

/** The list an action type records its contact from: phones for a call or an SMS, emails for an email. */
export function contactListOf(type: string): ContactList | null {
  if (type === "CALL" || type === "SMS") return "PHONE";
  if (type === "EMAIL") return "EMAIL";
  return null;
}

/** The channel an action of this type reached the contact by (the action contract's `contact.channel`). */
export function contactChannelOf(type: string): ContactChannel | null {
  if (type === "CALL") return "PHONE";
  if (type === "SMS") return "SMS";
  if (type === "EMAIL") return "EMAIL";
  return null;
}

/** The parts that are there, as an option's label shows them: "+84 90 111 2222 · mobile · primary". */
export function join(...parts: (string | null | undefined)[]): string {
  return parts.filter((part) => part).join(" · ");
}

/** Options in order, each number or address once (the first listing wins), blank values left out. */
function listOnce(entries: ContactOption[]): ContactOption[] {
  const seen = new Set<string>();
  const options: ContactOption[] = [];
  for (const entry of entries) {
    if (!entry.value.trim()) continue;
    const key = contactKey(entry.value);
    if (seen.has(key)) continue;
    seen.add(key);
    options.push(entry);
  }
  return options;
}

/** The contacts the customer's campaigns chose for a channel, in the order chosen. */
function chosenByCampaigns(view: ContactSources, list: ContactList): ContactOption[] {
  return (view.strategy?.campaigns ?? []).flatMap((campaign) =>
    campaign.contacts
      .filter((contact) => contact.channel === list)
      .map((contact) => ({
        value: contact.value,
        label: join(contactText(contact), contactPerson(contact), "chosen by the campaign"),
      })),
  );
}

function phoneOptions(view: ContactSources): ContactOption[] {
  return [
    ...chosenByCampaigns(view, "PHONE"),
    ...view.contacts.phones.map((phone) => ({
      value: phone.number,
      label: join(phone.number, codeWords(phone.type), phone.is_primary ? "primary" : null),
    })),
    ...view.crm_contacts.phones.map((phone) => ({
      value: phone.number,
      label: join(phone.number, codeWords(phone.type), "added in the CRM"),
    })),
    ...view.references.flatMap((reference) => {
      const name = reference.customer_name ?? reference.name;
      const person = contactPerson({ name, relationship: reference.relationship });
      return reference.phones.map((phone) => ({ value: phone.number, label: join(phone.number, person) }));
    }),
  ];
}

function emailOptions(view: ContactSources): ContactOption[] {
  return [
    ...chosenByCampaigns(view, "EMAIL"),
    ...view.contacts.emails.map((email) => ({
      value: email.address,
      label: join(email.address, codeWords(email.type), email.is_primary ? "primary" : null),
    })),
    ...view.crm_contacts.emails.map((email) => ({
      value: email.address,
      label: join(email.address, codeWords(email.type), "added in the CRM"),
    })),
  ];
}

/**
 * The contact an action of this list starts on, as the list shows it: the first the campaign chose, else
 * the bank's primary one, else none.
 */
export function preferredContact(
  view: ContactSources,
  list: ContactList,
  options: ContactOption[],
): string | null {
  const chosen = chosenByCampaigns(view, list)[0]?.value;
  const primary =
    list === "PHONE"
      ? view.contacts.phones.find((phone) => phone.is_primary)?.number
      : view.contacts.emails.find((email) => email.is_primary)?.address;
  for (const wanted of [chosen, primary]) {
    const listed = wanted ? listedAs(options, wanted) : undefined;
    if (listed) return listed.value;
  }
  return null;
}

/** The options with those reported wrong marked and moved last, each part in its order. */
function wrongLast(options: ContactOption[], reports: WrongReports): ContactOption[] {
  const marked = options.map((option) =>
    reportOf(reports, option.value)
      ? { ...option, label: join(option.label, "reported wrong"), reportedWrong: true }
      : option,
  );
  return [
    ...marked.filter((option) => !option.reportedWrong),
    ...marked.filter((option) => option.reportedWrong),
  ];
}

/** What the record-action form offers for each list, and what it starts on (never one reported wrong). */
export function contactChoicesOf(view: ContactSources): ContactChoices {
  const reports = wrongReportsOf(view.reported_wrong);
  const phones = wrongLast(listOnce(phoneOptions(view)), reports);
  const emails = wrongLast(listOnce(emailOptions(view)), reports);
  const usable = (options: ContactOption[]) => options.filter((option) => !option.reportedWrong);
  return {
    PHONE: { options: phones, preferred: preferredContact(view, "PHONE", usable(phones)) },
    EMAIL: { options: emails, preferred: preferredContact(view, "EMAIL", usable(emails)) },
  };
}
