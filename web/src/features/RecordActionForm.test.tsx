import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect, test } from "vitest";

import { fakeApi, renderAt, signedInAs } from "../test/render";
import { RecordActionForm, actionBody } from "./RecordActionForm";

const DICTIONARIES = {
  action_types: [
    { code: "CALL", label: "Call" },
    { code: "LETTER", label: "Letter" },
  ],
  action_subtypes: [
    { code: "OUTBOUND", label: "Outbound" },
    { code: "INBOUND", label: "Inbound" },
  ],
  action_results: [
    { code: "PROMISE_TO_PAY", label: "Promise to pay" },
    { code: "NO_ANSWER", label: "No answer" },
  ],
  segments: [],
  customer_statuses: [],
};

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
