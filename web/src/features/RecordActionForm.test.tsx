import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, expect, test, vi } from "vitest";

import { CONTACT_SOURCES, DICTIONARIES, NO_CRM_CONTACTS, bankAddress } from "../test/fixtures";
import { fakeApi, renderAt, signedInAs } from "../test/render";
import { contactChoicesOf } from "./actionContact";
import { ANOTHER_CONTACT, actionBody, actionMoment, blankDraft, finerThanPaid } from "./actionDraft";
import { visitChoicesOf } from "./actionVisit";
import { RecordActionForm } from "./RecordActionForm";

const LOANS = [{ account_number: "L1", currency: "USD" }];

/** Signed in as agent A-1, against an API that answers every action with `reply`: the calls made to it. */
function actionsApi(reply: { status: number; body: unknown }) {
  signedInAs("agent", "A-1");
  return fakeApi({
    "GET /api/dictionaries": () => ({ body: DICTIONARIES }),
    "POST /api/actions": () => reply,
  });
}

const acceptingApi = () =>
  actionsApi({
    status: 202,
    body: { action_id: "x", status: "accepted", accepted_at: "2026-03-01T00:00:00Z" },
  });

test("a promise to pay sends its date and amount as exact text with one action id", async () => {
  const calls = acceptingApi();
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={LOANS} />);
  await userEvent.selectOptions(await screen.findByLabelText("Result"), "PROMISE_TO_PAY");
  await userEvent.type(screen.getByLabelText("Promised date"), "2026-03-10");
  await userEvent.type(screen.getByLabelText("Promised amount (USD)"), "1250000.50");
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  expect(await screen.findByText("Recorded.")).toBeInTheDocument();
  const posted = calls.find((call) => call.method === "POST")!.body as Record<string, unknown>;
  expect(posted).toMatchObject({
    cif: "C1",
    type: "CALL",
    result: "PROMISE_TO_PAY",
    promise: { date: "2026-03-10", amount: "1250000.50" },
  });
  expect(typeof posted.action_id).toBe("string");
});

test("an action is dated by the wall clock unless the business date is after every calendar's date", () => {
  const now = new Date("2026-12-07T23:30:00.250Z"); // already Dec 8 east of UTC+0:30, Dec 9 nowhere
  expect(actionMoment(now, null)).toBe(now);
  expect(actionMoment(now, "2026-12-01")).toBe(now); // a bank's book: behind the clock
  expect(actionMoment(now, "2026-12-08")).toBe(now); // today in Vietnam: a bank's book of today
  // a demo's book, months ahead: on its date at the wall clock's time of day, as its simulator dates calls
  expect(actionMoment(now, "2027-02-19").toISOString()).toBe("2027-02-19T23:30:00.250Z");
  expect(actionMoment(now, "2026-12-09").toISOString()).toBe("2026-12-09T23:30:00.250Z");
});

test("with a business date ahead of every calendar, the form dates the action on it and says so", async () => {
  const calls = acceptingApi();
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={LOANS} businessDate="2999-01-31" />);
  await userEvent.selectOptions(await screen.findByLabelText("Result"), "NO_ANSWER");
  expect(screen.getByText(/Dated on the business date, .*2999/)).toBeInTheDocument();
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  expect(await screen.findByText("Recorded.")).toBeInTheDocument();
  const posted = calls.find((call) => call.method === "POST")!.body as { at: string };
  expect(posted.at.slice(0, 10)).toBe("2999-01-31");
  // at the wall clock's time of day (UTC)
  const timeOfDay = Date.parse(posted.at) - Date.parse("2999-01-31T00:00:00Z");
  expect(Math.abs(timeOfDay - (Date.now() % 86_400_000))).toBeLessThan(60_000);
});

test("with a business date of today or before, the action is dated now and nothing is said", async () => {
  const calls = acceptingApi();
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={LOANS} businessDate="2026-01-02" />);
  await userEvent.selectOptions(await screen.findByLabelText("Result"), "NO_ANSWER");
  expect(screen.queryByText(/Dated on the business date/)).not.toBeInTheDocument();
  const before = Date.now();
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  expect(await screen.findByText("Recorded.")).toBeInTheDocument();
  const posted = calls.find((call) => call.method === "POST")!.body as { at: string };
  expect(Math.abs(Date.parse(posted.at) - before)).toBeLessThan(60_000);
});

test("a compliance refusal is shown at the type with the rule and when contact is allowed again", async () => {
  actionsApi({
    status: 409,
    body: {
      detail: "CONVERSATION_COOLDOWN_7_DAYS: spoke to the customer on 2026-03-01",
      rule: "CONVERSATION_COOLDOWN_7_DAYS",
      contactable_from: "2026-03-08T08:00:00Z",
    },
  });
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={LOANS} />);
  await userEvent.selectOptions(await screen.findByLabelText("Result"), "NO_ANSWER");
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  const alert = await screen.findByRole("alert");
  expect(alert).toHaveTextContent("CONVERSATION_COOLDOWN_7_DAYS");
  expect(alert).toHaveTextContent("contactable from");
  expect(screen.getByLabelText("Type")).toHaveAttribute("aria-invalid", "true");
});

test("a 422 is shown next to its field", async () => {
  actionsApi({
    status: 422,
    body: {
      detail: [
        {
          loc: ["body", "promise", "date"],
          field: "promise.date",
          msg: "before the action's day",
          type: "x",
        },
      ],
    },
  });
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={LOANS} />);
  await userEvent.selectOptions(await screen.findByLabelText("Result"), "PROMISE_TO_PAY");
  await userEvent.type(screen.getByLabelText("Promised date"), "2020-01-01");
  await userEvent.type(screen.getByLabelText("Promised amount (USD)"), "5");
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  expect(await screen.findByText("before the action's day")).toBeInTheDocument();
  expect(screen.getByLabelText("Promised date")).toHaveAttribute("aria-invalid", "true");
});

test("the body carries no promise unless the result is a promise", () => {
  const draft = {
    type: "CALL",
    subtype: "OUTBOUND",
    result: "NO_ANSWER",
    account_number: "",
    notes: " ",
    promise_date: "2026-01-01",
    promise_amount: "3",
    follow_up_date: "",
    contact: null,
    otherContact: "",
    visitAddress: null,
    position: null,
  };
  const body = actionBody("C1", draft, "id-1", new Date("2026-03-01T10:00:00Z"));
  expect(body).toMatchObject({
    promise: null,
    notes: null,
    account_number: null,
    follow_up_date: null,
    contact: null, // no contacts to choose from
    at: "2026-03-01T10:00:00.000Z",
  });
});

const TWO_CURRENCIES = [
  { account_number: "L-USD", currency: "USD" },
  { account_number: "L-VND", currency: "VND" },
];

test("a 422 at a field the form has no input for is shown, not swallowed", async () => {
  actionsApi({
    status: 422,
    body: {
      detail: [
        { loc: ["body", "at"], field: "at", msg: "2027-02-24T05:04:44Z is in the future", type: "x" },
        { loc: ["body", "notes"], field: "notes", msg: "too long", type: "x" },
      ],
    },
  });
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={LOANS} />);
  await userEvent.selectOptions(await screen.findByLabelText("Result"), "NO_ANSWER");
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  const alert = (await screen.findByText("The action was not recorded:")).closest("[role=alert]");
  expect(alert).toHaveTextContent("at: 2027-02-24T05:04:44Z is in the future");
  expect(alert).not.toHaveTextContent("too long"); // that one shows at its field
  expect(screen.getByText("too long")).toBeInTheDocument();
});

test("a promise without a date or an amount says so at each field, in plain words, and sends nothing", async () => {
  signedInAs("agent", "A-1");
  const calls = fakeApi({ "GET /api/dictionaries": () => ({ body: DICTIONARIES }) });
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={LOANS} />);
  await userEvent.selectOptions(await screen.findByLabelText("Result"), "PROMISE_TO_PAY");
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  expect(await screen.findByText("Enter the promised date")).toBeInTheDocument();
  expect(screen.getByText("Enter the promised amount")).toBeInTheDocument();
  expect(screen.getByLabelText("Promised date")).toHaveAttribute("aria-invalid", "true");
  expect(calls.filter((call) => call.method === "POST")).toHaveLength(0);
  // fixed fields lose their message at once
  await userEvent.type(screen.getByLabelText("Promised amount (USD)"), "5");
  expect(screen.queryByText("Enter the promised amount")).not.toBeInTheDocument();
  expect(screen.getByText("Enter the promised date")).toBeInTheDocument();
});

test("a promised amount finer than its currency is paid in says so before anything is sent", async () => {
  signedInAs("agent", "A-1");
  const calls = fakeApi({ "GET /api/dictionaries": () => ({ body: DICTIONARIES }) });
  const dong = [{ account_number: "L-VND", currency: "VND" }];
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={dong} />);
  await userEvent.selectOptions(await screen.findByLabelText("Result"), "PROMISE_TO_PAY");
  await userEvent.type(screen.getByLabelText("Promised date"), "2030-01-01");
  await userEvent.type(screen.getByLabelText("Promised amount (VND)"), "1500000.50");
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  expect(await screen.findByText("VND is paid in whole units: no decimals")).toBeInTheDocument();
  expect(calls.filter((call) => call.method === "POST")).toHaveLength(0);
  expect(finerThanPaid("1500000.00", "VND")).toBeNull(); // trailing zeros are only a style
  expect(finerThanPaid("12.505", "USD")).toBe("USD is paid in at most 2 decimals");
  expect(finerThanPaid("12.50", "USD")).toBeNull();
  expect(finerThanPaid("1.125", "KWD")).toBeNull();
});

test("with loans in several currencies a promise must name its loan, and its amount shows that loan's currency", async () => {
  const calls = acceptingApi();
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={TWO_CURRENCIES} />);
  await userEvent.selectOptions(await screen.findByLabelText("Result"), "PROMISE_TO_PAY");
  // no currency guessed from the first loan
  expect(screen.getByLabelText("Promised amount")).toBeInTheDocument();
  await userEvent.type(screen.getByLabelText("Promised date"), "2026-03-10");
  await userEvent.type(screen.getByLabelText("Promised amount"), "100");
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  expect(await screen.findByRole("alert")).toHaveTextContent(
    "The loans are in USD and VND: choose the loan this promise is for",
  );
  expect(screen.getByLabelText("Loan")).toHaveAttribute("aria-invalid", "true");
  expect(calls.filter((call) => call.method === "POST")).toHaveLength(0);

  await userEvent.selectOptions(screen.getByLabelText("Loan"), "L-VND");
  expect(screen.getByLabelText("Promised amount (VND)")).toHaveValue("100");
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  expect(await screen.findByText("Recorded.")).toBeInTheDocument();
  expect(calls.find((call) => call.method === "POST")!.body).toMatchObject({ account_number: "L-VND" });
});

test("with loans in one currency a promise over all of them needs no loan", async () => {
  const calls = acceptingApi();
  const loans = [...LOANS, { account_number: "L2", currency: "USD" }];
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={loans} />);
  await userEvent.selectOptions(await screen.findByLabelText("Result"), "PROMISE_TO_PAY");
  await userEvent.type(screen.getByLabelText("Promised date"), "2026-03-10");
  await userEvent.type(screen.getByLabelText("Promised amount (USD)"), "100");
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  expect(await screen.findByText("Recorded.")).toBeInTheDocument();
  expect(calls.find((call) => call.method === "POST")!.body).toMatchObject({ account_number: null });
});

// The default action types and a WRONG_NUMBER result, and the contacts of CONTACT_SOURCES: a campaign that
// chose +84 91 555 0001 first.
const ALL_TYPES = {
  ...DICTIONARIES,
  action_types: [
    { code: "CALL", label: "Call" },
    { code: "SMS", label: "SMS" },
    { code: "EMAIL", label: "Email" },
    { code: "VISIT", label: "Visit" },
    { code: "LETTER", label: "Letter" },
  ],
  action_results: [
    ...DICTIONARIES.action_results,
    { code: "WRONG_NUMBER", label: "Wrong number" },
    { code: "REFUSED", label: "Refused to pay" },
    { code: "CEASE_COMMUNICATION", label: "Asked us to stop contacting them" },
    { code: "DISPUTE", label: "Disputes the debt" },
  ],
};
const CHOICES = contactChoicesOf(CONTACT_SOURCES);

function recording(reply: () => { status: number; body: unknown } = () => accepted) {
  signedInAs("agent", "A-1");
  return fakeApi({
    "GET /api/dictionaries": () => ({ body: ALL_TYPES }),
    "POST /api/actions": reply,
  });
}
const accepted = { status: 202, body: { action_id: "x", status: "accepted" } };
const posted = (calls: ReturnType<typeof fakeApi>) =>
  calls.filter((call) => call.method === "POST").map((call) => call.body as Record<string, unknown>);
const optionsOf = (select: HTMLElement) =>
  Array.from((select as HTMLSelectElement).options).map((option) => option.textContent);

test("a call lists the campaign's chosen number first, starts on it, and sends it as the phone used", async () => {
  const calls = recording();
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={LOANS} contactChoices={CHOICES} />);
  const contact = await screen.findByLabelText("Contact used");
  expect(optionsOf(contact)).toEqual([
    "Not recorded",
    "+84 91 555 0001 · work · chosen by the campaign",
    "+84 90 111 2222 · mobile · chosen by the campaign",
    "+84 90 777 8888 · mobile · Tran Van B (guarantor) · chosen by the campaign",
    "+84 24 3333 4444 · home · added in the CRM",
    "Another number…",
  ]);
  expect(contact).toHaveValue("+84 91 555 0001");
  await userEvent.selectOptions(screen.getByLabelText("Result"), "NO_ANSWER");
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  expect(await screen.findByText("Recorded.")).toBeInTheDocument();
  expect(posted(calls)[0]).toMatchObject({
    type: "CALL",
    contact: { channel: "PHONE", number: "+84 91 555 0001" },
  });
});

test("an SMS sends the chosen phone by SMS; 'Not recorded' sends none", async () => {
  const calls = recording();
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={LOANS} contactChoices={CHOICES} />);
  await userEvent.selectOptions(await screen.findByLabelText("Type"), "SMS");
  await userEvent.selectOptions(screen.getByLabelText("Contact used"), "+84 24 3333 4444");
  await userEvent.selectOptions(screen.getByLabelText("Result"), "NO_ANSWER");
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  expect(await screen.findByText("Recorded.")).toBeInTheDocument();
  expect(posted(calls)[0]).toMatchObject({
    type: "SMS",
    contact: { channel: "SMS", number: "+84 24 3333 4444" },
  });

  // the form is blank again: back on the campaign's number
  expect(screen.getByLabelText("Contact used")).toHaveValue("+84 91 555 0001");
  await userEvent.selectOptions(screen.getByLabelText("Contact used"), "Not recorded");
  await userEvent.selectOptions(screen.getByLabelText("Result"), "NO_ANSWER");
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  await waitFor(() => expect(posted(calls)).toHaveLength(2));
  expect(posted(calls)[1]).toMatchObject({ contact: null });
});

test("an email lists the customer's addresses and sends the one used", async () => {
  const calls = recording();
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={LOANS} contactChoices={CHOICES} />);
  await userEvent.selectOptions(await screen.findByLabelText("Type"), "EMAIL");
  const contact = screen.getByLabelText("Contact used");
  expect(optionsOf(contact)).toEqual([
    "Not recorded",
    "an@example.com · personal · primary",
    "an@shop.vn · work",
    "an.nguyen@mail.vn · other · added in the CRM",
    "Another address…",
  ]);
  expect(contact).toHaveValue("an@example.com");
  await userEvent.selectOptions(screen.getByLabelText("Result"), "NO_ANSWER");
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  expect(await screen.findByText("Recorded.")).toBeInTheDocument();
  expect(posted(calls)[0]).toMatchObject({ contact: { channel: "EMAIL", number: "an@example.com" } });
});

test("a letter, or a visit to a customer without an address on record, has no contact to choose, and sends none", async () => {
  const calls = recording();
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={LOANS} contactChoices={CHOICES} />);
  await userEvent.selectOptions(await screen.findByLabelText("Contact used"), "+84 24 3333 4444");
  await userEvent.selectOptions(screen.getByLabelText("Type"), "VISIT");
  expect(screen.queryByLabelText("Contact used")).not.toBeInTheDocument();
  await userEvent.selectOptions(screen.getByLabelText("Result"), "NO_ANSWER");
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  expect(await screen.findByText("Recorded.")).toBeInTheDocument();
  expect(posted(calls)[0]).toMatchObject({ type: "VISIT", contact: null });
});

test("a wrong number without the number is refused before sending; with it, the campaign will stop using it", async () => {
  const calls = recording();
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={LOANS} contactChoices={CHOICES} />);
  await userEvent.selectOptions(await screen.findByLabelText("Result"), "WRONG_NUMBER");
  expect(screen.getByText("The campaign will stop using this number.")).toBeInTheDocument();
  await userEvent.selectOptions(screen.getByLabelText("Contact used"), "Not recorded");
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  expect(await screen.findByRole("alert")).toHaveTextContent("Say which number was wrong.");
  expect(screen.getByLabelText("Contact used")).toHaveAttribute("aria-invalid", "true");
  expect(posted(calls)).toHaveLength(0);

  await userEvent.selectOptions(screen.getByLabelText("Contact used"), "+84 90 111 2222");
  expect(screen.queryByText("Say which number was wrong.")).not.toBeInTheDocument();
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  expect(await screen.findByRole("status")).toHaveTextContent(
    "Recorded. The campaign will stop using +84 90 111 2222.",
  );
  expect(posted(calls)[0]).toMatchObject({
    result: "WRONG_NUMBER",
    contact: { channel: "PHONE", number: "+84 90 111 2222" },
  });
});

test("reaching the customer on a number reported wrong says the campaign will use it again", async () => {
  const calls = recording();
  const choices = contactChoicesOf({
    ...CONTACT_SOURCES,
    strategy: null,
    reported_wrong: [
      {
        contact: "+84 91 555 0001",
        channel: "PHONE",
        at: "2026-03-02T03:00:00Z",
        agent_id: "AG-7",
        action_id: "A-W",
      },
    ],
  });
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={LOANS} contactChoices={choices} />);
  const contact = await screen.findByLabelText("Contact used");
  expect(optionsOf(contact).at(-2)).toBe("+84 91 555 0001 · work · reported wrong");
  await userEvent.selectOptions(contact, "+84 91 555 0001");
  await userEvent.selectOptions(screen.getByLabelText("Result"), "NO_ANSWER"); // reached nobody
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  expect(await screen.findByRole("status")).toHaveTextContent(/^Recorded\.$/);

  await userEvent.selectOptions(screen.getByLabelText("Contact used"), "+84 91 555 0001");
  await userEvent.selectOptions(screen.getByLabelText("Result"), "REFUSED");
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  expect(await screen.findByRole("status")).toHaveTextContent(
    "Recorded. +84 91 555 0001 reached the customer, so the campaign will use it again.",
  );
  expect(posted(calls).map((body) => body.result)).toEqual(["NO_ANSWER", "REFUSED"]);
});

test("a wrong number recorded as a visit is refused at the type: a visit names no number", async () => {
  const calls = recording();
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={LOANS} contactChoices={CHOICES} />);
  await userEvent.selectOptions(await screen.findByLabelText("Type"), "VISIT");
  await userEvent.selectOptions(screen.getByLabelText("Result"), "WRONG_NUMBER");
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  expect(await screen.findByRole("alert")).toHaveTextContent("say which number was wrong");
  expect(screen.getByLabelText("Type")).toHaveAttribute("aria-invalid", "true");
  expect(posted(calls)).toHaveLength(0);
});

test("the API's 422 at the contact is shown at the contact", async () => {
  const calls = recording(() => ({
    status: 422,
    body: {
      detail: [
        {
          loc: ["body"],
          field: "contact",
          msg: "contact: result WRONG_NUMBER needs the contact that was wrong",
          type: "cross_field",
        },
      ],
    },
  }));
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={LOANS} contactChoices={CHOICES} />);
  await userEvent.selectOptions(await screen.findByLabelText("Result"), "WRONG_NUMBER");
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  expect(await screen.findByRole("alert")).toHaveTextContent(
    "contact: result WRONG_NUMBER needs the contact that was wrong",
  );
  expect(screen.getByLabelText("Contact used")).toHaveAttribute("aria-invalid", "true");
  expect(screen.getByLabelText("Result")).toHaveAttribute("aria-invalid", "false");
  expect(posted(calls)).toHaveLength(1);
});

test("a draft stored before the form had a contact loads, on the campaign's number, as the same action", async () => {
  const calls = recording();
  const { contact: _contact, ...old } = { ...blankDraft, result: "NO_ANSWER", notes: "his brother answered" };
  sessionStorage.setItem("crm.draft.action/agent-1/C1", JSON.stringify({ draft: old, actionId: "old-1" }));
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={LOANS} contactChoices={CHOICES} />);
  expect(await screen.findByText(/was restored/)).toBeInTheDocument();
  expect(screen.getByLabelText("Notes")).toHaveValue("his brother answered");
  expect(screen.getByLabelText("Contact used")).toHaveValue("+84 91 555 0001");
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  expect(await screen.findByText("Recorded.")).toBeInTheDocument();
  expect(posted(calls)[0]).toMatchObject({
    action_id: "old-1",
    result: "NO_ANSWER",
    contact: { channel: "PHONE", number: "+84 91 555 0001" },
  });
});

test("the contact chosen is kept with the draft", async () => {
  recording();
  const first = renderAt("/c", "/c", <RecordActionForm cif="C1" loans={LOANS} contactChoices={CHOICES} />);
  await userEvent.selectOptions(await screen.findByLabelText("Contact used"), "+84 24 3333 4444");
  first.unmount();
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={LOANS} contactChoices={CHOICES} />);
  expect(await screen.findByLabelText("Contact used")).toHaveValue("+84 24 3333 4444");
  expect(screen.getByText(/was restored/)).toBeInTheDocument();
});

test("a number the CRM does not list is typed in, taking the focus, and sent as the phone used", async () => {
  const calls = recording();
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={LOANS} contactChoices={CHOICES} />);
  expect(screen.queryByLabelText("Number used")).not.toBeInTheDocument();
  await userEvent.selectOptions(await screen.findByLabelText("Contact used"), "Another number…");
  const typed = screen.getByLabelText("Number used");
  expect(typed).toHaveFocus();
  expect(typed).toHaveAttribute("type", "tel");
  expect(typed).toHaveAttribute("autocomplete", "off");
  await userEvent.type(typed, " +84 98 765 4321 ");
  await userEvent.selectOptions(screen.getByLabelText("Result"), "NO_ANSWER");
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  expect(await screen.findByText("Recorded.")).toBeInTheDocument();
  expect(posted(calls)[0]).toMatchObject({ contact: { channel: "PHONE", number: "+84 98 765 4321" } });

  // left empty: none recorded
  await userEvent.selectOptions(screen.getByLabelText("Contact used"), "Another number…");
  await userEvent.selectOptions(screen.getByLabelText("Result"), "NO_ANSWER");
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  await waitFor(() => expect(posted(calls)).toHaveLength(2));
  expect(posted(calls)[1]).toMatchObject({ contact: null });
});

test("an email typed in is sent as the address used", async () => {
  const calls = recording();
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={LOANS} contactChoices={CHOICES} />);
  await userEvent.selectOptions(await screen.findByLabelText("Type"), "EMAIL");
  await userEvent.selectOptions(screen.getByLabelText("Contact used"), "Another address…");
  const typed = screen.getByLabelText("Address used");
  expect(typed).toHaveFocus();
  expect(typed).toHaveAttribute("type", "email");
  await userEvent.type(typed, "an.other@mail.vn");
  await userEvent.selectOptions(screen.getByLabelText("Result"), "NO_ANSWER");
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  expect(await screen.findByText("Recorded.")).toBeInTheDocument();
  expect(posted(calls)[0]).toMatchObject({
    type: "EMAIL",
    contact: { channel: "EMAIL", number: "an.other@mail.vn" },
  });
});

test("a number typed in that is not one is refused at its input, and nothing is sent", async () => {
  const calls = recording();
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={LOANS} contactChoices={CHOICES} />);
  await userEvent.selectOptions(await screen.findByLabelText("Contact used"), "Another number…");
  await userEvent.type(screen.getByLabelText("Number used"), "090 ABC 1234");
  await userEvent.selectOptions(screen.getByLabelText("Result"), "NO_ANSWER");
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  const message = "Type the number used: digits, spaces, +, -, ( ) only.";
  expect(await screen.findByRole("alert")).toHaveTextContent(message);
  expect(screen.getByLabelText("Number used")).toHaveAttribute("aria-invalid", "true");
  expect(screen.getByLabelText("Number used")).toHaveAccessibleDescription(message);
  expect(screen.getByLabelText("Contact used")).toHaveAttribute("aria-invalid", "false");
  expect(posted(calls)).toHaveLength(0);

  await userEvent.clear(screen.getByLabelText("Number used"));
  await userEvent.type(screen.getByLabelText("Number used"), "090 222 1234");
  expect(screen.queryByText(message)).not.toBeInTheDocument();
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  expect(await screen.findByText("Recorded.")).toBeInTheDocument();
  expect(posted(calls)[0]).toMatchObject({ contact: { channel: "PHONE", number: "090 222 1234" } });
});

test("a wrong number typed in must be typed; the CRM need not list it", async () => {
  const calls = recording();
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={LOANS} contactChoices={CHOICES} />);
  await userEvent.selectOptions(await screen.findByLabelText("Result"), "WRONG_NUMBER");
  await userEvent.selectOptions(screen.getByLabelText("Contact used"), "Another number…");
  expect(screen.queryByText(/will stop using/)).not.toBeInTheDocument();
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  expect(await screen.findByRole("alert")).toHaveTextContent("Type the number that was wrong.");
  expect(screen.getByLabelText("Number used")).toHaveAttribute("aria-invalid", "true");
  expect(posted(calls)).toHaveLength(0);

  await userEvent.type(screen.getByLabelText("Number used"), "+84 98 765 4321");
  expect(screen.getByLabelText("Number used")).toHaveAccessibleDescription(
    "Recorded as wrong; the CRM does not list this number.",
  );
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  expect(await screen.findByRole("status")).toHaveTextContent("Recorded: +84 98 765 4321 is a wrong number.");
  expect(posted(calls)[0]).toMatchObject({
    result: "WRONG_NUMBER",
    contact: { channel: "PHONE", number: "+84 98 765 4321" },
  });
});

test("a wrong number typed in as the CRM lists it is sent as typed, and the campaign stops using it", async () => {
  const calls = recording();
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={LOANS} contactChoices={CHOICES} />);
  await userEvent.selectOptions(await screen.findByLabelText("Result"), "WRONG_NUMBER");
  await userEvent.selectOptions(screen.getByLabelText("Contact used"), "Another number…");
  await userEvent.type(screen.getByLabelText("Number used"), "+84 90 111 2222");
  expect(screen.getByLabelText("Number used")).toHaveAccessibleDescription(
    "The campaign will stop using this number.",
  );
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  expect(await screen.findByRole("status")).toHaveTextContent(
    "Recorded. The campaign will stop using +84 90 111 2222.",
  );
  expect(posted(calls)[0]).toMatchObject({ contact: { channel: "PHONE", number: "+84 90 111 2222" } });
});

test("the number typed in stays for an SMS, goes for an email, and is kept with the draft", async () => {
  recording();
  const first = renderAt("/c", "/c", <RecordActionForm cif="C1" loans={LOANS} contactChoices={CHOICES} />);
  await userEvent.selectOptions(await screen.findByLabelText("Contact used"), "Another number…");
  await userEvent.type(screen.getByLabelText("Number used"), "0912 345 678");
  await userEvent.selectOptions(screen.getByLabelText("Type"), "SMS");
  expect(screen.getByLabelText("Number used")).toHaveValue("0912 345 678");
  first.unmount();

  // restored: the input is there again, but takes no focus
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={LOANS} contactChoices={CHOICES} />);
  expect(await screen.findByLabelText("Number used")).toHaveValue("0912 345 678");
  expect(screen.getByLabelText("Number used")).not.toHaveFocus();
  expect(screen.getByLabelText("Contact used")).toHaveValue(ANOTHER_CONTACT);

  await userEvent.selectOptions(screen.getByLabelText("Type"), "EMAIL");
  expect(screen.getByLabelText("Contact used")).toHaveValue("an@example.com");
  expect(screen.queryByLabelText("Address used")).not.toBeInTheDocument();
  await userEvent.selectOptions(screen.getByLabelText("Contact used"), "Another address…");
  expect(screen.getByLabelText("Address used")).toHaveValue("");
  await userEvent.selectOptions(screen.getByLabelText("Type"), "CALL");
  expect(screen.getByLabelText("Contact used")).toHaveValue("+84 91 555 0001");
});

test("a draft stored before a contact could be typed in loads, and one can be typed", async () => {
  const calls = recording();
  const { otherContact: _other, ...old } = {
    ...blankDraft,
    result: "NO_ANSWER",
    contact: "+84 24 3333 4444",
  };
  sessionStorage.setItem("crm.draft.action/agent-1/C1", JSON.stringify({ draft: old, actionId: "old-2" }));
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={LOANS} contactChoices={CHOICES} />);
  expect(await screen.findByText(/was restored/)).toBeInTheDocument();
  expect(screen.getByLabelText("Contact used")).toHaveValue("+84 24 3333 4444");
  await userEvent.selectOptions(screen.getByLabelText("Contact used"), "Another number…");
  expect(screen.getByLabelText("Number used")).toHaveValue("");
  await userEvent.type(screen.getByLabelText("Number used"), "024 3999 0000");
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  expect(await screen.findByText("Recorded.")).toBeInTheDocument();
  expect(posted(calls)[0]).toMatchObject({
    action_id: "old-2",
    contact: { channel: "PHONE", number: "024 3999 0000" },
  });
});

test("a cease request says, at the result, that it holds for good", async () => {
  recording();
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={LOANS} />);
  const result = await screen.findByLabelText("Result");
  await userEvent.selectOptions(result, "CEASE_COMMUNICATION");
  const hint = "For good: no queue will offer this customer for a call or a visit again.";
  expect(screen.getByText(hint)).toBeInTheDocument();
  expect(result).toHaveAccessibleDescription(hint);
  await userEvent.selectOptions(result, "REFUSED");
  expect(screen.queryByText(hint)).not.toBeInTheDocument();
});

test("a dispute says, at the result, what it pauses and for how long", async () => {
  recording();
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={LOANS} />);
  const result = await screen.findByLabelText("Result");
  await userEvent.selectOptions(result, "DISPUTE");
  const every =
    "Pauses contact about every loan of the customer until a resolution is recorded, or for 30 days.";
  expect(result).toHaveAccessibleDescription(every);
  await userEvent.selectOptions(screen.getByLabelText("Loan"), "L1");
  expect(result).toHaveAccessibleDescription(
    "Pauses contact about loan L1 until a resolution is recorded, or for 30 days.",
  );
});

// A customer with a home and a work address, and a browser whose position is `answer` (an error's code, or
// coordinates).
const VISITS = visitChoicesOf({
  contacts: {
    phones: [],
    emails: [],
    addresses: [bankAddress("WORK", "1 Office Park"), bankAddress("HOME", "27 Pho Hue")],
  },
  crm_contacts: NO_CRM_CONTACTS,
});

function browserPosition(
  answer: { code: number } | { latitude: number; longitude: number; accuracy: number },
) {
  const getCurrentPosition = vi.fn((found: PositionCallback, failed?: PositionErrorCallback | null) => {
    if ("code" in answer) failed?.({ code: answer.code, message: "" } as GeolocationPositionError);
    else found({ coords: answer, timestamp: 0 } as unknown as GeolocationPosition);
  });
  Object.defineProperty(navigator, "geolocation", { value: { getCurrentPosition }, configurable: true });
  return getCurrentPosition;
}

afterEach(() => {
  Reflect.deleteProperty(navigator, "geolocation");
});

test("a visit names the address visited, the customer's home unless another is chosen, and the position shared", async () => {
  const calls = recording();
  const located = browserPosition({ latitude: 21.028511234, longitude: 105.854167891, accuracy: 14.6 });
  renderAt(
    "/c",
    "/c",
    <RecordActionForm cif="C1" loans={LOANS} contactChoices={CHOICES} visitChoices={VISITS} />,
  );
  await userEvent.selectOptions(await screen.findByLabelText("Type"), "VISIT");
  const address = screen.getByLabelText("Address visited");
  expect(address).toHaveValue("27 Pho Hue, Hanoi, VN");
  expect(optionsOf(address)).toEqual([
    "Not recorded",
    "1 Office Park, Hanoi, VN · work",
    "27 Pho Hue, Hanoi, VN · home",
  ]);
  await userEvent.click(screen.getByRole("button", { name: "Add my position" }));
  expect(located).toHaveBeenCalledTimes(1);
  expect(screen.getByTestId("visit-position")).toHaveTextContent("21.028511, 105.854168 (within 15 m)");
  await userEvent.selectOptions(screen.getByLabelText("Result"), "NO_ANSWER");
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  expect(await screen.findByText("Recorded.")).toBeInTheDocument();
  expect(posted(calls)[0]).toMatchObject({
    type: "VISIT",
    contact: { channel: "VISIT", number: "27 Pho Hue, Hanoi, VN" },
    visit: { lat: 21.028511, lon: 105.854168, address: "27 Pho Hue, Hanoi, VN" },
  });
  // the next action starts afresh: no position kept from this one
  await userEvent.selectOptions(screen.getByLabelText("Type"), "VISIT");
  expect(screen.getByRole("button", { name: "Add my position" })).toBeInTheDocument();
});

test("a position removed, or one the browser would not give, is not sent, and the agent is told why", async () => {
  const calls = recording();
  browserPosition({ code: 1 });
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={LOANS} visitChoices={VISITS} />);
  await userEvent.selectOptions(await screen.findByLabelText("Type"), "VISIT");
  await userEvent.selectOptions(screen.getByLabelText("Address visited"), "1 Office Park, Hanoi, VN");
  await userEvent.click(screen.getByRole("button", { name: "Add my position" }));
  expect(screen.getByRole("alert")).toHaveTextContent("allow this site to use your location");
  await userEvent.selectOptions(screen.getByLabelText("Result"), "NO_ANSWER");
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  expect(await screen.findByText("Recorded.")).toBeInTheDocument();
  expect(posted(calls)[0]).toMatchObject({
    contact: { channel: "VISIT", number: "1 Office Park, Hanoi, VN" },
    visit: null,
  });

  browserPosition({ latitude: 1.5, longitude: 2.5, accuracy: 8 });
  await userEvent.selectOptions(screen.getByLabelText("Type"), "VISIT");
  await userEvent.click(screen.getByRole("button", { name: "Add my position" }));
  await userEvent.click(screen.getByRole("button", { name: "Remove" }));
  await userEvent.selectOptions(screen.getByLabelText("Address visited"), "");
  await userEvent.selectOptions(screen.getByLabelText("Result"), "NO_ANSWER");
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  await waitFor(() => expect(posted(calls)).toHaveLength(2));
  expect(posted(calls)[1]).toMatchObject({ type: "VISIT", contact: null, visit: null });
});

test("a browser that cannot give a position at all says so", async () => {
  recording();
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={LOANS} visitChoices={VISITS} />);
  await userEvent.selectOptions(await screen.findByLabelText("Type"), "VISIT");
  await userEvent.click(screen.getByRole("button", { name: "Add my position" }));
  expect(screen.getByRole("alert")).toHaveTextContent("needs HTTPS");
});

test("the customer's field agent starts on a visit, and an untouched one is not kept as a draft", async () => {
  recording();
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={LOANS} visitChoices={VISITS} startType="VISIT" />);
  expect(await screen.findByLabelText("Type")).toHaveValue("VISIT");
  expect(screen.getByLabelText("Address visited")).toHaveValue("27 Pho Hue, Hanoi, VN");
  expect(Object.keys(sessionStorage).filter((key) => key.includes("action/"))).toEqual([]);
  await userEvent.selectOptions(screen.getByLabelText("Result"), "NO_ANSWER");
  expect(Object.keys(sessionStorage).filter((key) => key.includes("action/"))).toHaveLength(1);
});
