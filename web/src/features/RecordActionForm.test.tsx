import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect, test } from "vitest";

import { DICTIONARIES } from "../test/fixtures";
import { fakeApi, renderAt, signedInAs } from "../test/render";
import { actionBody } from "./actionDraft";
import { RecordActionForm } from "./RecordActionForm";

const LOANS = [{ account_number: "L1", currency: "USD" }];

test("a promise to pay sends its date and amount as exact text with one action id", async () => {
  signedInAs("agent", "A-1");
  const calls = fakeApi({
    "GET /api/dictionaries": () => ({ body: DICTIONARIES }),
    "POST /api/actions": () => ({
      status: 202,
      body: { action_id: "x", status: "accepted", accepted_at: "2026-03-01T00:00:00Z" },
    }),
  });
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

test("a compliance refusal is shown at the type with the rule and when contact is allowed again", async () => {
  signedInAs("agent", "A-1");
  fakeApi({
    "GET /api/dictionaries": () => ({ body: DICTIONARIES }),
    "POST /api/actions": () => ({
      status: 409,
      body: {
        detail: "CONVERSATION_COOLDOWN_7_DAYS: spoke to the customer on 2026-03-01",
        rule: "CONVERSATION_COOLDOWN_7_DAYS",
        contactable_from: "2026-03-08T08:00:00Z",
      },
    }),
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
  signedInAs("agent", "A-1");
  fakeApi({
    "GET /api/dictionaries": () => ({ body: DICTIONARIES }),
    "POST /api/actions": () => ({
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
    }),
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
  };
  const body = actionBody("C1", draft, "id-1", new Date("2026-03-01T10:00:00Z"));
  expect(body).toMatchObject({
    promise: null,
    notes: null,
    account_number: null,
    follow_up_date: null,
    at: "2026-03-01T10:00:00.000Z",
  });
});

const TWO_CURRENCIES = [
  { account_number: "L-USD", currency: "USD" },
  { account_number: "L-VND", currency: "VND" },
];

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

test("with loans in several currencies a promise must name its loan, and its amount shows that loan's currency", async () => {
  signedInAs("agent", "A-1");
  const calls = fakeApi({
    "GET /api/dictionaries": () => ({ body: DICTIONARIES }),
    "POST /api/actions": () => ({ status: 202, body: { action_id: "x", status: "accepted" } }),
  });
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
  signedInAs("agent", "A-1");
  const calls = fakeApi({
    "GET /api/dictionaries": () => ({ body: DICTIONARIES }),
    "POST /api/actions": () => ({ status: 202, body: { action_id: "x", status: "accepted" } }),
  });
  const loans = [...LOANS, { account_number: "L2", currency: "USD" }];
  renderAt("/c", "/c", <RecordActionForm cif="C1" loans={loans} />);
  await userEvent.selectOptions(await screen.findByLabelText("Result"), "PROMISE_TO_PAY");
  await userEvent.type(screen.getByLabelText("Promised date"), "2026-03-10");
  await userEvent.type(screen.getByLabelText("Promised amount (USD)"), "100");
  await userEvent.click(screen.getByRole("button", { name: "Record action" }));
  expect(await screen.findByText("Recorded.")).toBeInTheDocument();
  expect(calls.find((call) => call.method === "POST")!.body).toMatchObject({ account_number: null });
});
