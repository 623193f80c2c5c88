import { expect, test } from "vitest";

import { CONTACT_SOURCES } from "../test/fixtures";
import {
  NO_CONTACT_CHOICES,
  contactChannelOf,
  contactChoicesOf,
  contactKey,
  contactListOf,
  isListed,
  reportedWrongText,
  wrongReportsOf,
  type ContactSources,
  type ReportedWrong,
} from "./actionContact";
import {
  ANOTHER_CONTACT,
  actionBody,
  blankDraft,
  chosenContact,
  completeDraft,
  contactOf,
  draftProblems,
  isBlankDraft,
  withType,
  type ActionDraft,
} from "./actionDraft";

const labels = (sources: ContactSources, list: "PHONE" | "EMAIL") =>
  contactChoicesOf(sources)[list].options.map((option) => option.label);

const report = (contact: string, channel = "PHONE", at = "2026-03-02T03:00:00Z"): ReportedWrong => ({
  contact,
  channel,
  at,
  agent_id: "AG-7",
  action_id: `A-${contact}`,
});

test("numbers and addresses reported wrong come last, say so, and are never where the form starts", () => {
  // the bank's primary mobile reported wrong as the CRM wrote it, and the bank's primary email in capitals
  const sources: ContactSources = {
    ...CONTACT_SOURCES,
    strategy: null,
    reported_wrong: [report("(+84) 90-111-2222"), report("AN@EXAMPLE.COM", "EMAIL")],
  };
  expect(labels(sources, "PHONE")).toEqual([
    "+84 91 555 0001 · work",
    "+84 24 3333 4444 · home · added in the CRM",
    "+84 90 777 8888 · Tran Van B (guarantor)",
    "+84 90 111 2222 · mobile · primary · reported wrong",
  ]);
  expect(labels(sources, "EMAIL")).toEqual([
    "an@shop.vn · work",
    "an.nguyen@mail.vn · other · added in the CRM",
    "an@example.com · personal · primary · reported wrong",
  ]);
  // the bank's primary was the default: with it reported wrong, nothing is chosen for the agent
  const choices = contactChoicesOf(sources);
  expect([choices.PHONE.preferred, choices.EMAIL.preferred]).toEqual([null, null]);
  // still offered: a WRONG_NUMBER may be recorded again, and a number may turn out right after all
  expect(isListed(choices, "PHONE", "+84 90 111 2222")).toBe(true);
});

test("the reports are looked up by contact, the latest of each kept", () => {
  const newest = report("+84 90 111 2222", "PHONE", "2026-03-05T03:00:00Z");
  const reports = wrongReportsOf([newest, report("84901112222"), report("   ")]);
  expect([...reports.keys()]).toEqual(["84901112222"]);
  expect(reports.get(contactKey("(+84) 90 111 2222"))).toBe(newest);
  expect(wrongReportsOf(undefined).size).toBe(0);
  expect(reportedWrongText(newest)).toMatch(/^Reported wrong on Mar 5, 2026, .+ by AG-7$/);
});

test("phones: the campaign's choices first in its order, then the customer's others once each, then references'", () => {
  expect(labels(CONTACT_SOURCES, "PHONE")).toEqual([
    "+84 91 555 0001 · work · chosen by the campaign",
    "+84 90 111 2222 · mobile · chosen by the campaign",
    "+84 90 777 8888 · mobile · Tran Van B (guarantor) · chosen by the campaign",
    // the bank's mobile, the CRM's same mobile written otherwise, and the guarantor's are listed above
    "+84 24 3333 4444 · home · added in the CRM",
  ]);
  expect(contactChoicesOf(CONTACT_SOURCES).PHONE.preferred).toBe("+84 91 555 0001");
});

test("without a campaign the customer's numbers come as the bank and the CRM list them, references last", () => {
  const sources = { ...CONTACT_SOURCES, strategy: null };
  expect(labels(sources, "PHONE")).toEqual([
    "+84 90 111 2222 · mobile · primary",
    "+84 91 555 0001 · work",
    "+84 24 3333 4444 · home · added in the CRM",
    "+84 90 777 8888 · Tran Van B (guarantor)",
  ]);
  // the bank's primary is where the form starts
  expect(contactChoicesOf(sources).PHONE.preferred).toBe("+84 90 111 2222");
});

test("emails: the bank's and the CRM's, each address once whatever its case; the bank's primary first chosen", () => {
  expect(labels(CONTACT_SOURCES, "EMAIL")).toEqual([
    "an@example.com · personal · primary",
    "an@shop.vn · work",
    "an.nguyen@mail.vn · other · added in the CRM",
  ]);
  expect(contactChoicesOf(CONTACT_SOURCES).EMAIL.preferred).toBe("an@example.com");
});

test("the default is the campaign's first choice for the channel, else the bank's primary, else none", () => {
  const noPrimary: ContactSources = {
    ...CONTACT_SOURCES,
    strategy: null,
    contacts: {
      ...CONTACT_SOURCES.contacts,
      phones: CONTACT_SOURCES.contacts.phones.map((phone) => ({ ...phone, is_primary: false })),
      emails: [],
    },
  };
  const choices = contactChoicesOf(noPrimary);
  expect(choices.PHONE.preferred).toBeNull();
  expect(choices.EMAIL.preferred).toBeNull();
  expect(choices.EMAIL.options.map((option) => option.value)).toEqual([
    "AN@example.com",
    "an.nguyen@mail.vn",
  ]);

  // a campaign that chose an email only: calls start on the bank's primary, emails on the campaign's choice
  const emailOnly: ContactSources = {
    ...CONTACT_SOURCES,
    strategy: {
      ...CONTACT_SOURCES.strategy!,
      campaigns: CONTACT_SOURCES.strategy!.campaigns.map((campaign) => ({
        ...campaign,
        contacts: [
          { ...campaign.contacts[0]!, channel: "EMAIL" as const, value: "an@shop.vn", type: "WORK" },
        ],
      })),
    },
  };
  const emailChoices = contactChoicesOf(emailOnly);
  expect(emailChoices.PHONE.preferred).toBe("+84 90 111 2222");
  expect(emailChoices.EMAIL.preferred).toBe("an@shop.vn");
  expect(emailChoices.EMAIL.options[0]!.label).toBe("an@shop.vn · work · chosen by the campaign");
});

test("numbers match on their digits and addresses lower-cased, as the strategy flags them", () => {
  expect(contactKey("+84 (90) 111-2222")).toBe("84901112222");
  expect(contactKey(" An@Example.COM ")).toBe("an@example.com");
});

test("calls and SMS record a phone, emails an address, visits and letters none; each with its channel", () => {
  expect(["CALL", "SMS", "EMAIL", "VISIT", "LETTER"].map(contactListOf)).toEqual([
    "PHONE",
    "PHONE",
    "EMAIL",
    null,
    null,
  ]);
  expect(["CALL", "SMS", "EMAIL", "VISIT", "LETTER"].map(contactChannelOf)).toEqual([
    "PHONE",
    "SMS",
    "EMAIL",
    null,
    null,
  ]);
});

const choices = contactChoicesOf(CONTACT_SOURCES);
const draft = (changes: Partial<ActionDraft>): ActionDraft => ({
  ...blankDraft,
  result: "NO_ANSWER",
  ...changes,
});

test("the body sends the contact with the type's channel: the default, the one chosen, or none", () => {
  const at = new Date("2026-03-20T10:00:00Z");
  expect(actionBody("C1", draft({}), "id", at, choices).contact).toEqual({
    channel: "PHONE",
    number: "+84 91 555 0001",
  });
  expect(
    actionBody("C1", draft({ type: "SMS", contact: "+84 24 3333 4444" }), "id", at, choices).contact,
  ).toEqual({
    channel: "SMS",
    number: "+84 24 3333 4444",
  });
  expect(actionBody("C1", draft({ type: "EMAIL" }), "id", at, choices).contact).toEqual({
    channel: "EMAIL",
    number: "an@example.com",
  });
  expect(actionBody("C1", draft({ contact: "" }), "id", at, choices).contact).toBeNull();
  expect(
    actionBody("C1", draft({ type: "VISIT", contact: "+84 24 3333 4444" }), "id", at, choices).contact,
  ).toBeNull();
  // a number no longer listed (a draft kept while the contacts changed): the default instead
  expect(chosenContact(draft({ contact: "+1 555 0100" }), choices)).toBe("+84 91 555 0001");
});

test("changing the type keeps a phone between a call and an SMS, and drops it for an email, a visit or a letter", () => {
  const chosen = draft({ contact: "+84 24 3333 4444" });
  expect(withType(chosen, "SMS").contact).toBe("+84 24 3333 4444");
  expect(withType(chosen, "EMAIL").contact).toBeNull();
  expect(withType(chosen, "VISIT").contact).toBeNull();
  expect(contactOf(withType(chosen, "LETTER"), choices)).toBeNull();
  expect(chosenContact(withType(withType(chosen, "VISIT"), "CALL"), choices)).toBe("+84 91 555 0001");
});

test("a wrong number must say which number was wrong", () => {
  expect(draftProblems(draft({ result: "WRONG_NUMBER", contact: "" }), [], choices)).toEqual({
    contact: "Say which number was wrong.",
  });
  expect(draftProblems(draft({ result: "WRONG_NUMBER" }), [], choices)).toEqual({});
  // no number listed at all: nothing to start on
  expect(draftProblems(draft({ result: "WRONG_NUMBER" }), [])).toEqual({
    contact: "Say which number was wrong.",
  });
  // a visit names no number: the type is what to change
  expect(Object.keys(draftProblems(draft({ result: "WRONG_NUMBER", type: "VISIT" }), [], choices))).toEqual([
    "type",
  ]);
});

test("a draft stored before the contact was added is complete, and blank when nothing was entered", () => {
  const { contact: _contact, ...old } = blankDraft;
  expect(isBlankDraft(old)).toBe(true);
  expect(completeDraft({ ...old, result: "NO_ANSWER" })).toEqual({
    ...blankDraft,
    result: "NO_ANSWER",
    contact: null,
  });
  expect(isBlankDraft({ ...blankDraft, contact: "" })).toBe(false);
});

const typed = (otherContact: string, changes: Partial<ActionDraft> = {}) =>
  draft({ contact: ANOTHER_CONTACT, otherContact, ...changes });

test("a contact typed in is sent without the spaces around it, with the type's channel; none when empty", () => {
  const at = new Date("2026-03-20T10:00:00Z");
  expect(chosenContact(typed(" 0912 345 678 "), choices)).toBe(ANOTHER_CONTACT);
  expect(actionBody("C1", typed(" 0912 345 678 "), "id", at, choices).contact).toEqual({
    channel: "PHONE",
    number: "0912 345 678",
  });
  expect(contactOf(typed("0912 345 678", { type: "SMS" }), choices)).toEqual({
    channel: "SMS",
    number: "0912 345 678",
  });
  expect(contactOf(typed("an.other@mail.vn", { type: "EMAIL" }), choices)).toEqual({
    channel: "EMAIL",
    number: "an.other@mail.vn",
  });
  // with no contacts listed at all, one can still be typed
  expect(contactOf(typed("0912 345 678"), NO_CONTACT_CHOICES)).toEqual({
    channel: "PHONE",
    number: "0912 345 678",
  });
  expect(contactOf(typed("  "), choices)).toBeNull();
  expect(contactOf(typed("0912 345 678", { type: "VISIT" }), choices)).toBeNull();
});

test("a contact typed in is checked as the contacts card checks one it adds", () => {
  expect(draftProblems(typed("(090) 765-4321"), [], choices)).toEqual({});
  expect(draftProblems(typed("090 ABC 1234"), [], choices)).toEqual({
    contact: "Type the number used: digits, spaces, +, -, ( ) only.",
  });
  expect(draftProblems(typed("84+90"), [], choices)).toEqual({
    contact: "Type the number used: digits, spaces, +, -, ( ) only.",
  });
  expect(draftProblems(typed("(-) -"), [], choices)).toEqual({
    contact: "Type the number used: digits, spaces, +, -, ( ) only.", // no digit at all
  });
  expect(draftProblems(typed("12"), [], choices)).toEqual({
    contact: "Type the number used: at least 3 characters.",
  });
  expect(draftProblems(typed("1".repeat(33)), [], choices)).toEqual({
    contact: "Type the number used: at most 32 characters (this has 33).",
  });
  expect(draftProblems(typed("an.other@mail.vn", { type: "EMAIL" }), [], choices)).toEqual({});
  expect(draftProblems(typed("an.other", { type: "EMAIL" }), [], choices)).toEqual({
    contact: "Type the address used, like name@example.com.",
  });
  // left empty, none is recorded: fine, unless it is the wrong number
  expect(draftProblems(typed(""), [], choices)).toEqual({});
  expect(draftProblems(typed(" ", { result: "WRONG_NUMBER" }), [], choices)).toEqual({
    contact: "Type the number that was wrong.",
  });
  expect(draftProblems(typed("", { result: "WRONG_NUMBER", type: "EMAIL" }), [], choices)).toEqual({
    contact: "Type the address that was wrong.",
  });
  expect(draftProblems(typed("0912 345 678", { result: "WRONG_NUMBER" }), [], choices)).toEqual({});
});

test("a number typed in as the CRM lists it, written otherwise, is sent as typed and found listed", () => {
  expect(draftProblems(typed("+84 (90) 111-2222", { result: "WRONG_NUMBER" }), [], choices)).toEqual({});
  expect(contactOf(typed("+84 (90) 111-2222"), choices)?.number).toBe("+84 (90) 111-2222");
  expect(isListed(choices, "PHONE", "+84 (90) 111-2222")).toBe(true);
  expect(isListed(choices, "PHONE", "0912 345 678")).toBe(false);
  expect(isListed(choices, "PHONE", "()-")).toBe(false);
  expect(isListed(choices, "EMAIL", " AN@Shop.VN ")).toBe(true);
  expect(isListed(choices, "EMAIL", "an.other@mail.vn")).toBe(false);
});

test("changing the type keeps a number typed in between a call and an SMS, and drops it for an email", () => {
  const chosen = typed("0912 345 678");
  expect(withType(chosen, "SMS")).toMatchObject({ contact: ANOTHER_CONTACT, otherContact: "0912 345 678" });
  expect(withType(chosen, "EMAIL")).toMatchObject({ contact: null, otherContact: "" });
  expect(chosenContact(withType(chosen, "EMAIL"), choices)).toBe("an@example.com");
  expect(withType(chosen, "VISIT")).toMatchObject({ contact: null, otherContact: "" });
});

test("a draft stored before a contact could be typed in loads with none typed", () => {
  const { otherContact: _other, ...old } = {
    ...blankDraft,
    result: "NO_ANSWER",
    contact: "+84 24 3333 4444",
  };
  expect(completeDraft(old)).toEqual({ ...old, otherContact: "" });
  expect(contactOf(completeDraft(old), choices)).toEqual({ channel: "PHONE", number: "+84 24 3333 4444" });
  const { otherContact: _blank, ...oldBlank } = blankDraft;
  expect(isBlankDraft(oldBlank)).toBe(true);
  expect(isBlankDraft({ ...blankDraft, contact: ANOTHER_CONTACT })).toBe(false);
});
