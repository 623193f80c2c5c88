import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect, test } from "vitest";

import { fakeApi, renderAt, signedInAs } from "../../test/render";
import type { DeadLetterReason } from "../../api/types";
import DeadLettersPage, { contractWarning } from "./DeadLettersPage";

const topics = [
  {
    topic: "payments.dlq",
    source_topic: "payments",
    count: 3,
    redriven: 1,
    oldest: "2026-03-02T08:00:00Z",
    newest: "2026-03-02T09:00:00Z",
    reasons: [
      { reason: "amount: not a number", count: 2, redrivable: true, failed_contract: true },
      { reason: "invalid JSON", count: 1, redrivable: true, failed_contract: true },
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
  failed_contract: true,
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
        // every reason of the topic, beyond the overview's commonest
        reasons: [
          ...topics[0]!.reasons,
          { reason: "currency: unknown", count: 1, redrivable: true, failed_contract: false },
        ],
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
  // both of its reasons are messages the payments contract refused: re-driven as they are, refused again
  expect(within(rows[0]!).getAllByText("failed the payments contract")).toHaveLength(2);
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
  expect(letters[0]).toHaveTextContent("amount: not a number failed the payments contract");

  await userEvent.click(screen.getByRole("button", { name: "Details of 1:2" }));
  expect(screen.getByText('{"reference_number": "LN-B", "amount": "lots"}')).toBeInTheDocument();
  expect(screen.getByText("payments partition 1 offset 12")).toBeInTheDocument();

  const redrive = screen.getByRole("button", { name: "Re-drive selected (0)" });
  expect(redrive).toBeDisabled();
  await userEvent.click(screen.getByRole("checkbox", { name: "Select 1:2" }));
  await userEvent.click(screen.getByRole("button", { name: "Re-drive selected (1)" }));
  const confirm = screen.getByRole("alertdialog", { name: "Confirm re-drive" });
  expect(within(confirm).getByText("Produce 1 original message to payments again?")).toBeInTheDocument();
  // its message failed the contract: as it is, it would be refused again
  expect(confirm).toHaveTextContent(
    "It failed the payments contract: re-driven as it is, it will be dead-lettered again unless the contract changed since",
  );
  expect(calls.filter((c) => c.method === "POST")).toHaveLength(0); // nothing before the confirmation
  await userEvent.click(within(confirm).getByRole("button", { name: "Confirm re-drive" }));

  expect(await screen.findByRole("status")).toHaveTextContent("Re-drove 1 to payments");
  const posts = calls.filter((c) => c.method === "POST");
  expect(posts).toHaveLength(1);
  expect(posts[0]!.body).toEqual({ positions: [{ partition: 1, offset: 2 }] });
});

test("a letter that kept only the start of a value too large says so and cannot be selected", async () => {
  signedInAs("admin");
  const cut = letter(0, 9, "LN-HUGE");
  cut.letter = { ...cut.letter, value: '{"reference_number": "99', value_size: 1200000 } as typeof cut.letter;
  fakeApi({
    "GET /api/admin/dlq": () => ({ body: topics }),
    "GET /api/admin/dlq/payments.dlq": () => ({
      body: { topic: "payments.dlq", total: 1, offset: 0, limit: 50, items: [cut], reasons: [] },
    }),
  });
  renderAt("/admin/dead-letters", "/admin/dead-letters", <DeadLettersPage />);
  await userEvent.click(await screen.findByRole("button", { name: "Open payments.dlq" }));
  expect(await screen.findByRole("checkbox", { name: "Select 0:9" })).toBeDisabled();
  await userEvent.click(screen.getByRole("button", { name: "Details of 0:9" }));
  expect(
    screen.getByText(/Only its start: the original \(1,200,000 bytes\) was too large/),
  ).toBeInTheDocument();
});

test("no dead letters anywhere says so", async () => {
  signedInAs("admin");
  fakeApi({ "GET /api/admin/dlq": () => ({ body: [{ ...topics[1] }] }) });
  renderAt("/admin/dead-letters", "/admin/dead-letters", <DeadLettersPage />);
  expect(await screen.findByText("No dead letters")).toBeInTheDocument();
});

const moved = (offset: number, key: string, failed_contract = false) => ({
  partition: 0,
  offset,
  key,
  new_partition: 0,
  new_offset: offset + 100,
  failed_contract,
});

/** The API with the payments topic's reasons replaced; dry runs and re-drives both answer with `dryRun`'s lists. */
function reasonApi(
  reasons: DeadLetterReason[],
  dryRun: {
    redriven: ReturnType<typeof moved>[];
    skipped: { partition: number; offset: number; why: string }[];
  },
) {
  const reply = (dry: boolean) => ({
    topic: "payments.dlq",
    source_topic: "payments",
    dry_run: dry,
    redriven: dryRun.redriven,
    skipped: dryRun.skipped,
    failed: [],
  });
  return fakeApi({
    "GET /api/admin/dlq": () => ({ body: topics }),
    "GET /api/admin/dlq/payments.dlq": () => ({
      body: { topic: "payments.dlq", total: 1, offset: 0, limit: 50, items: [letter(0, 4, "LN-A")], reasons },
    }),
    "POST /api/admin/dlq/payments.dlq/redrive": (_url, init) => {
      const body = JSON.parse(String(init.body)) as { dry_run?: boolean };
      return { body: reply(body.dry_run === true) };
    },
  });
}

async function openPayments() {
  renderAt("/admin/dead-letters", "/admin/dead-letters", <DeadLettersPage />);
  await userEvent.click(await screen.findByRole("button", { name: "Open payments.dlq" }));
  return screen.findByRole("region", { name: "By reason" });
}

test("the topic view lists its reasons with their counts", async () => {
  signedInAs("admin");
  api();
  const section = await openPayments();
  const lines = within(section).getAllByTestId("dlq-reason");
  expect(lines).toHaveLength(3); // the page's reasons: all of the topic's, not the overview's commonest
  expect(lines[0]).toHaveTextContent("2 ×amount: not a number");
  expect(lines[1]).toHaveTextContent("1 ×invalid JSON");
  expect(lines[2]).toHaveTextContent("1 ×currency: unknown");
  expect(lines[0]).toHaveTextContent("failed the payments contract");
  expect(lines[2]).not.toHaveTextContent("failed the payments contract"); // a processor's own fault
  expect(
    within(lines[0]!).getByRole("button", {
      name: "Re-drive every dead letter with reason: amount: not a number",
    }),
  ).toHaveTextContent("Re-drive all…");
});

test("a reason of letters the API cannot read offers no re-drive and says why", async () => {
  signedInAs("admin");
  reasonApi(
    [
      {
        reason: "unreadable dead letter: key: Text must not contain the NUL character",
        count: 2,
        redrivable: false,
        failed_contract: false,
      },
    ],
    {
      redriven: [],
      skipped: [],
    },
  );
  const section = await openPayments();
  const [line] = within(section).getAllByTestId("dlq-reason");
  expect(within(line!).queryByRole("button")).toBeNull();
  expect(line).toHaveTextContent("Not readable as a dead letter: it cannot be re-driven.");
});

test("re-driving a reason asks the API with a dry run first, confirms its counts, then re-drives", async () => {
  signedInAs("admin");
  const calls = reasonApi(
    [{ reason: "amount: not a number", count: 3, redrivable: true, failed_contract: false }],
    {
      redriven: [moved(4, "LN-A", true), moved(5, "LN-D")],
      skipped: [{ partition: 0, offset: 1, why: "already re-driven" }],
    },
  );
  const section = await openPayments();
  await userEvent.click(
    within(section).getByRole("button", {
      name: "Re-drive every dead letter with reason: amount: not a number",
    }),
  );

  const confirm = await within(section).findByRole("alertdialog");
  expect(confirm).toHaveTextContent("Produce 2 original messages to payments again?");
  expect(confirm).toHaveTextContent("1 already re-driven or not re-drivable are skipped");
  expect(confirm).toHaveTextContent(
    "1 of them failed the payments contract: re-driven as they are, they will",
  );
  let posts = calls.filter((c) => c.method === "POST");
  expect(posts).toHaveLength(1);
  expect(posts[0]!.body).toEqual({ reason: "amount: not a number", dry_run: true });

  await userEvent.click(within(confirm).getByRole("button", { name: "Confirm re-drive" }));
  expect(await screen.findByRole("status")).toHaveTextContent(
    "Re-drove 2 to payments; skipped 1 (already re-driven)",
  );
  posts = calls.filter((c) => c.method === "POST");
  expect(posts).toHaveLength(2);
  expect(posts[1]!.body).toEqual({ reason: "amount: not a number" });
  expect(within(section).queryByRole("alertdialog")).not.toBeInTheDocument();
});

test("a reason longer than 200 characters is sent cut to its first 200", async () => {
  signedInAs("admin");
  const long = `amount: ${"x".repeat(250)}`;
  const calls = reasonApi([{ reason: long, count: 1, redrivable: true, failed_contract: false }], {
    redriven: [moved(4, "LN-A")],
    skipped: [],
  });
  const section = await openPayments();
  await userEvent.click(
    within(section).getByRole("button", { name: `Re-drive every dead letter with reason: ${long}` }),
  );
  const confirm = await within(section).findByRole("alertdialog");
  expect(confirm).toHaveTextContent("Produce 1 original message to payments again?");
  expect(confirm).not.toHaveTextContent("skipped");
  await userEvent.click(within(confirm).getByRole("button", { name: "Confirm re-drive" }));
  await screen.findByRole("status");

  const posts = calls.filter((c) => c.method === "POST");
  expect(posts.map((p) => p.body)).toEqual([
    { reason: long.slice(0, 200), dry_run: true },
    { reason: long.slice(0, 200) },
  ]);
});

test("a dry run with nothing to re-drive says so and offers no confirmation", async () => {
  signedInAs("admin");
  const calls = reasonApi([{ reason: "invalid JSON", count: 2, redrivable: true, failed_contract: false }], {
    redriven: [],
    skipped: [
      { partition: 0, offset: 1, why: "already re-driven" },
      { partition: 0, offset: 2, why: "already re-driven" },
    ],
  });
  const section = await openPayments();
  await userEvent.click(
    within(section).getByRole("button", { name: "Re-drive every dead letter with reason: invalid JSON" }),
  );
  const dialog = await within(section).findByRole("alertdialog");
  expect(dialog).toHaveTextContent("Nothing to re-drive: 2 skipped (already re-driven).");
  expect(within(dialog).queryByRole("button", { name: "Confirm re-drive" })).not.toBeInTheDocument();
  await userEvent.click(within(dialog).getByRole("button", { name: "Close" }));
  expect(within(section).queryByRole("alertdialog")).not.toBeInTheDocument();
  expect(calls.filter((c) => c.method === "POST")).toHaveLength(1); // the dry run only
});

test("cancelling a reason's re-drive sends nothing after the dry run", async () => {
  signedInAs("admin");
  const calls = reasonApi(
    [{ reason: "amount: not a number", count: 1, redrivable: true, failed_contract: false }],
    {
      redriven: [moved(4, "LN-A")],
      skipped: [],
    },
  );
  const section = await openPayments();
  await userEvent.click(
    within(section).getByRole("button", {
      name: "Re-drive every dead letter with reason: amount: not a number",
    }),
  );
  const confirm = await within(section).findByRole("alertdialog");
  await userEvent.click(within(confirm).getByRole("button", { name: "Cancel" }));

  expect(within(section).queryByRole("alertdialog")).not.toBeInTheDocument();
  expect(
    within(section).getByRole("button", {
      name: "Re-drive every dead letter with reason: amount: not a number",
    }),
  ).toBeEnabled();
  const posts = calls.filter((c) => c.method === "POST");
  expect(posts).toHaveLength(1);
  expect(posts[0]!.body).toEqual({ reason: "amount: not a number", dry_run: true });
  expect(screen.queryByRole("status")).not.toBeInTheDocument();
});

test("the contract warning says it, they all or how many of them", () => {
  expect(contractWarning(0, 3, "payments")).toBeNull(); // none failed the contract: a processor's fault
  expect(contractWarning(1, 1, "payments")).toMatch(
    /^It failed the payments contract: re-driven as it is, it /,
  );
  expect(contractWarning(3, 3, "bank.loans")).toMatch(
    /^They all failed the bank.loans contract: re-driven as they are/,
  );
  expect(contractWarning(2, 5, "payments")).toMatch(/^2 of them failed the payments contract/);
});
