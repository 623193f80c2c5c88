import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect, test } from "vitest";

import { fakeApi, renderAt, signedInAs } from "../../test/render";
import DeadLettersPage from "./DeadLettersPage";

const topics = [
  {
    topic: "payments.dlq",
    source_topic: "payments",
    count: 3,
    redriven: 1,
    oldest: "2026-03-02T08:00:00Z",
    newest: "2026-03-02T09:00:00Z",
    reasons: [
      { reason: "amount: not a number", count: 2 },
      { reason: "invalid JSON", count: 1 },
    ],
  },
  {
    topic: "bank.loans.dlq",
    source_topic: "bank.loans",
    count: 0,
    redriven: 0,
    oldest: null,
    newest: null,
    reasons: [],
  },
];

const letter = (partition: number, offset: number, key: string, redriven = false) => ({
  partition,
  offset,
  dead_lettered_at: "2026-03-02T09:00:00Z",
  redriven,
  reason: "amount: not a number",
  letter: {
    source_topic: "payments",
    partition: 1,
    offset: offset + 10,
    key,
    value: `{"reference_number": "${key}", "amount": "lots"}`,
    value_b64: "",
    error: "amount: not a number",
    error_type: "ValidationError",
    processor: "delinquency",
    failed_at: "2026-03-02T09:00:00Z",
  },
});

function api() {
  return fakeApi({
    "GET /api/admin/dlq": () => ({ body: topics }),
    "GET /api/admin/dlq/payments.dlq": () => ({
      body: {
        topic: "payments.dlq",
        total: 3,
        offset: 0,
        limit: 50,
        items: [letter(0, 4, "LN-A"), letter(1, 2, "LN-B"), letter(0, 1, "LN-C", true)],
      },
    }),
    "POST /api/admin/dlq/payments.dlq/redrive": () => ({
      body: {
        topic: "payments.dlq",
        source_topic: "payments",
        dry_run: false,
        redriven: [{ partition: 1, offset: 2, key: "LN-B", new_partition: 1, new_offset: 40 }],
        skipped: [],
        failed: [],
      },
    }),
  });
}

test("shows counts, re-driven counts and the top reasons per dead-letter topic", async () => {
  signedInAs("admin");
  api();
  renderAt("/admin/dead-letters", "/admin/dead-letters", <DeadLettersPage />);
  const rows = await screen.findAllByTestId("dlq-topic");
  expect(rows).toHaveLength(2);
  expect(within(rows[0]!).getByText("payments.dlq")).toBeInTheDocument();
  expect(within(rows[0]!).getByText("amount: not a number", { exact: false })).toBeInTheDocument();
  expect(within(rows[1]!).getByRole("button", { name: "Open bank.loans.dlq" })).toBeDisabled();
});

test("opens a topic, shows a dead letter's details and re-drives the selected ones after confirming", async () => {
  signedInAs("admin");
  const calls = api();
  renderAt("/admin/dead-letters", "/admin/dead-letters", <DeadLettersPage />);
  await userEvent.click(await screen.findByRole("button", { name: "Open payments.dlq" }));
  const letters = await screen.findAllByTestId("dlq-letter");
  expect(letters).toHaveLength(3);
  expect(within(letters[2]!).getByText("re-driven")).toBeInTheDocument(); // no checkbox for it

  await userEvent.click(screen.getByRole("button", { name: "Details of 1:2" }));
  expect(screen.getByText('{"reference_number": "LN-B", "amount": "lots"}')).toBeInTheDocument();
  expect(screen.getByText("payments partition 1 offset 12")).toBeInTheDocument();

  const redrive = screen.getByRole("button", { name: "Re-drive selected (0)" });
  expect(redrive).toBeDisabled();
  await userEvent.click(screen.getByRole("checkbox", { name: "Select 1:2" }));
  await userEvent.click(screen.getByRole("button", { name: "Re-drive selected (1)" }));
  const confirm = screen.getByRole("alertdialog", { name: "Confirm re-drive" });
  expect(within(confirm).getByText("Produce 1 original message to payments again?")).toBeInTheDocument();
  expect(calls.filter((c) => c.method === "POST")).toHaveLength(0); // nothing before the confirmation
  await userEvent.click(within(confirm).getByRole("button", { name: "Confirm re-drive" }));

  expect(await screen.findByRole("status")).toHaveTextContent("Re-drove 1 to payments");
  const posts = calls.filter((c) => c.method === "POST");
  expect(posts).toHaveLength(1);
  expect(posts[0]!.body).toEqual({ positions: [{ partition: 1, offset: 2 }] });
});

test("no dead letters anywhere says so", async () => {
  signedInAs("admin");
  fakeApi({ "GET /api/admin/dlq": () => ({ body: [{ ...topics[1] }] }) });
  renderAt("/admin/dead-letters", "/admin/dead-letters", <DeadLettersPage />);
  expect(await screen.findByText("No dead letters")).toBeInTheDocument();
});
