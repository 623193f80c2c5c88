import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect, test, vi } from "vitest";

import type {
  AgentChoice,
  AssignmentOptions,
  CustomerView,
  ReassignmentOutcome,
  ReassignmentStatus,
} from "../api/types";
import { formatDateTime } from "../lib/format";
import CustomerPage from "../pages/CustomerPage";
import { DICTIONARIES, VIEW, reassignmentAccepted, reassignmentStatus } from "../test/fixtures";
import { fakeApi, renderAt, signedInAs, type Handler } from "../test/render";

const choice = (
  agent_id: string,
  name: string,
  load: number,
  refused: string | null = null,
): AgentChoice => ({
  agent_id,
  name,
  load,
  capacity: 5,
  current: refused === "the customer's agent now",
  fits: refused !== "lacks the skills the campaign requires",
  has_room: load < 5,
  refused,
});

const pool = (agentId: string | null = "A-1"): AssignmentOptions => ({
  cif: "C1",
  team: "North",
  agent_type: "CALL",
  campaign_id: "EARLY",
  agent_id: agentId,
  agents: [
    choice("A-2", "Bình", 1),
    choice("A-3", "Chi", 2),
    choice("A-1", "An", 3, "the customer's agent now"),
    choice("A-4", "Dũng", 5, "full (5 of 5)"),
    choice("A-5", "Em", 0, "lacks the skills the campaign requires"),
  ],
});

const ACCEPTED = reassignmentAccepted();

const status = (
  outcome: ReassignmentOutcome,
  reason: string | null = null,
  more: Partial<ReassignmentStatus> = {},
): ReassignmentStatus => reassignmentStatus({ outcome, reason, ...more });

/** The customer page's API; the move's status is PENDING and there is no reassignment before it, unless told. */
function customerApi(
  options: () => AssignmentOptions[],
  reassign: Handler = () => ({ status: 202, body: ACCEPTED }),
  more: Record<string, Handler> = {},
) {
  return fakeApi({
    "GET /api/customers/C1": () => ({ body: VIEW }),
    "GET /api/dictionaries": () => ({ body: DICTIONARIES }),
    "GET /api/assignments/options": () => ({ body: options() }),
    "POST /api/assignments": reassign,
    "GET /api/assignments/requests/O-1": () => ({ body: status("PENDING") }),
    "GET /api/assignments/requests": () => ({ body: [] }),
    ...more,
  });
}

const reads = (calls: { method: string; url: URL }[], path: string) =>
  calls.filter((call) => call.method === "GET" && call.url.pathname === path).length;

/** userEvent itself, or one set up to advance fake timers. */
type User = Pick<ReturnType<typeof userEvent.setup>, "click" | "type">;

/** Open the panel, pick Chi and request the move; the call agent's form. */
async function requestChi(user: User = userEvent) {
  const form = await openReassign(user);
  await user.click(within(form).getByRole("radio", { name: "Chi (A-3)" }));
  await user.click(within(form).getByRole("button", { name: "Request reassignment" }));
  return form;
}

async function openReassign(user: User = userEvent) {
  renderAt("/customers/C1", "/customers/:cif", <CustomerPage />);
  await user.click(await screen.findByRole("button", { name: "Reassign" }));
  return await screen.findByRole("form", { name: "Reassign the call agent" });
}

/** Run with fake timers that also advance on their own (Testing Library's waits still work). */
async function withFakeTimers(run: (user: User) => Promise<void>) {
  vi.useFakeTimers({ shouldAdvanceTime: true });
  try {
    await run(userEvent.setup({ advanceTimers: vi.advanceTimersByTime }));
  } finally {
    vi.useRealTimers();
  }
}

test("a supervisor picks an agent of the pool and requests the move, with a note", () =>
  withFakeTimers(async (user) => {
    signedInAs("supervisor", null, "North");
    let outcome: ReassignmentOutcome = "PENDING";
    let moved = false;
    const calls = customerApi(() => [pool(moved ? "A-3" : "A-1")], undefined, {
      "GET /api/assignments/requests/O-1": () => ({ body: status(outcome) }),
    });
    const form = await openReassign(user);
    expect(within(form).getByText(/Now: An \(A-1\)/)).toBeInTheDocument();
    const submit = within(form).getByRole("button", { name: "Request reassignment" });
    expect(submit).toBeDisabled();
    await user.click(within(form).getByRole("radio", { name: "Chi (A-3)" }));
    await user.type(within(form).getByLabelText("Note (optional)"), "  covering for An  ");
    const historyReads = reads(calls, "/api/assignments/requests");
    await user.click(submit);

    const posted = calls.filter((call) => call.method === "POST");
    expect(posted).toHaveLength(1);
    expect(posted[0]!.url.pathname).toBe("/api/assignments");
    expect(posted[0]!.body).toEqual({ cif: "C1", agent_id: "A-3", note: "covering for An" });
    expect(await within(form).findByRole("status")).toHaveTextContent(
      "Reassignment to Chi (A-3) requested; the queue updates in a few seconds.",
    );
    expect(within(form).getByLabelText("Note (optional)")).toHaveValue("");
    // The recent reassignments are read again, to list the new one.
    await waitFor(() => expect(reads(calls, "/api/assignments/requests")).toBeGreaterThan(historyReads));

    // The move's status is read every second while it is pending.
    const firstReads = reads(calls, "/api/assignments/requests/O-1");
    await vi.advanceTimersByTimeAsync(3000);
    expect(reads(calls, "/api/assignments/requests/O-1")).toBeGreaterThanOrEqual(firstReads + 2);
    expect(within(form).getByRole("status")).toHaveTextContent("requested");

    // The processor applies it; the options do not show it yet.
    const customerReads = () => reads(calls, "/api/customers/C1");
    const before = customerReads();
    const decidedHistoryReads = reads(calls, "/api/assignments/requests");
    outcome = "APPLIED";
    await vi.advanceTimersByTimeAsync(1000);
    await waitFor(() =>
      expect(within(form).getByRole("status")).toHaveTextContent(
        "The move to Chi (A-3) was applied; the page is updating.",
      ),
    );
    // No longer pending: the recent reassignments are read again.
    await waitFor(() =>
      expect(reads(calls, "/api/assignments/requests")).toBeGreaterThan(decidedHistoryReads),
    );
    expect(customerReads()).toBe(before);

    // The options are read again until they show the new agent, then the customer.
    moved = true;
    await vi.advanceTimersByTimeAsync(1000);
    await waitFor(() =>
      expect(within(form).getByRole("status")).toHaveTextContent(
        "Chi (A-3) is now the customer's call agent.",
      ),
    );
    await waitFor(() => expect(customerReads()).toBeGreaterThan(before));

    // Decided: its status is not read again.
    const statusReads = reads(calls, "/api/assignments/requests/O-1");
    await vi.advanceTimersByTimeAsync(5000);
    expect(reads(calls, "/api/assignments/requests/O-1")).toBe(statusReads);
  }));

test("a move still pending after the wait says the processors have not read it, and is read less often", () =>
  withFakeTimers(async (user) => {
    signedInAs("supervisor", null, "North");
    const calls = customerApi(() => [pool("A-1")]); // the processor never reads it
    const form = await requestChi(user);
    expect(await within(form).findByRole("status")).toHaveTextContent("requested");
    await vi.advanceTimersByTimeAsync(31_000);
    await waitFor(() =>
      expect(within(form).getByRole("status")).toHaveTextContent(
        "Reassignment to Chi (A-3) requested, but the processors have not read it yet (they may be behind).",
      ),
    );
    expect(within(form).getByRole("status")).not.toHaveTextContent(/filled up/);

    // Still read, every few seconds now.
    const before = reads(calls, "/api/assignments/requests/O-1");
    await vi.advanceTimersByTimeAsync(20_000);
    const after = reads(calls, "/api/assignments/requests/O-1") - before;
    expect(after).toBeGreaterThanOrEqual(2);
    expect(after).toBeLessThanOrEqual(6);
  }));

test("a move refused by the processor says why, as an alert, and reads the options again once", () =>
  withFakeTimers(async (user) => {
    signedInAs("supervisor", null, "North");
    const calls = customerApi(() => [pool()], undefined, {
      "GET /api/assignments/requests/O-1": () => ({ body: status("REFUSED", "full (5 of 5)") }),
    });
    const optionReads = () => reads(calls, "/api/assignments/options");
    const form = await openReassign(user);
    await user.click(within(form).getByRole("radio", { name: "Chi (A-3)" }));
    const before = optionReads();
    await user.click(within(form).getByRole("button", { name: "Request reassignment" }));
    expect(await within(form).findByRole("alert")).toHaveTextContent(
      "The move to Chi (A-3) was refused: full (5 of 5). Nothing moved.",
    );
    expect(within(form).queryByRole("status")).not.toBeInTheDocument();
    await waitFor(() => expect(optionReads()).toBe(before + 1));
    await vi.advanceTimersByTimeAsync(5000);
    expect(optionReads()).toBe(before + 1);
  }));

test.each([
  ["KEPT_FOR_STAY", null, "Chi (A-3) will take the customer when their next stay in the pool begins."],
  ["ALREADY", null, "Chi (A-3) was the customer's call agent already; nothing moved."],
  [
    "SUPERSEDED",
    "replaced by a later reassignment",
    "The move to Chi (A-3) was replaced by a later reassignment.",
  ],
] as const)("a move decided %s says so", async (outcome, reason, message) => {
  signedInAs("supervisor", null, "North");
  customerApi(() => [pool()], undefined, {
    "GET /api/assignments/requests/O-1": () => ({ body: status(outcome, reason) }),
  });
  const form = await requestChi();
  await waitFor(() => expect(within(form).getByRole("status")).toHaveTextContent(message));
  expect(within(form).queryByRole("alert")).not.toBeInTheDocument();
});

test("a status not found yet is taken as pending, and the move's outcome shows once it is there", () =>
  withFakeTimers(async (user) => {
    signedInAs("supervisor", null, "North");
    let found = false;
    const calls = customerApi(() => [pool()], undefined, {
      "GET /api/assignments/requests/O-1": () =>
        found ? { body: status("ALREADY") } : { status: 404, body: { detail: "Not Found" } },
    });
    const form = await requestChi(user);
    expect(await within(form).findByRole("status")).toHaveTextContent(
      "Reassignment to Chi (A-3) requested; the queue updates in a few seconds.",
    );
    await vi.advanceTimersByTimeAsync(2000);
    expect(reads(calls, "/api/assignments/requests/O-1")).toBeGreaterThan(1);
    expect(within(form).queryByRole("alert")).not.toBeInTheDocument();
    found = true;
    await vi.advanceTimersByTimeAsync(1000);
    await waitFor(() =>
      expect(within(form).getByRole("status")).toHaveTextContent("already; nothing moved."),
    );
  }));

test("a status not found all through the wait is no longer read, and the form says where to look", () =>
  withFakeTimers(async (user) => {
    signedInAs("supervisor", null, "North");
    const calls = customerApi(() => [pool()], undefined, {
      "GET /api/assignments/requests/O-1": () => ({ status: 404, body: { detail: "Not Found" } }),
    });
    const form = await requestChi(user);
    await vi.advanceTimersByTimeAsync(31_000);
    await waitFor(() =>
      expect(within(form).getByRole("status")).toHaveTextContent(
        "What became of the move to Chi (A-3) cannot be read now; the recent reassignments show it.",
      ),
    );
    const statusReads = reads(calls, "/api/assignments/requests/O-1");
    await vi.advanceTimersByTimeAsync(10_000);
    expect(reads(calls, "/api/assignments/requests/O-1")).toBe(statusReads);
  }));

test("the recent reassignments list each move: when, who, from and to, the note, the outcome and why", async () => {
  signedInAs("supervisor", null, "North");
  const calls = customerApi(() => [pool()], undefined, {
    "GET /api/assignments/requests": () => ({
      body: [
        status("REFUSED", "full (5 of 5)", {
          override_id: "O-3",
          agent_id: "A-4",
          requested_at: "2026-03-21T10:30:00Z",
          note: "An is on leave",
        }),
        status("KEPT_FOR_STAY", null, { override_id: "O-2", from_agent_id: null, agent_id: "B-9" }),
        status("APPLIED", null, { override_id: "O-1", agent_type: "FIELD", requested_by: "admin-1" }),
      ],
    }),
  });
  await openReassign();
  expect(screen.getByRole("heading", { name: "Recent reassignments" })).toBeInTheDocument();
  const list = await screen.findByRole("list", { name: "Recent reassignments" });
  const items = within(list).getAllByRole("listitem");
  expect(items).toHaveLength(3);
  expect(items[0]).toHaveTextContent("Refused");
  expect(items[0]).toHaveTextContent("Call agent: An (A-1) → to Dũng (A-4)");
  expect(items[0]).toHaveTextContent("full (5 of 5)");
  expect(items[0]).toHaveTextContent(`${formatDateTime("2026-03-21T10:30:00Z")} by supervisor-1`);
  expect(items[0]).toHaveTextContent("Note: An is on leave");
  expect(items[1]).toHaveTextContent("Waiting for stay");
  expect(items[1]).toHaveTextContent("Call agent: none → to B-9");
  expect(items[1]).not.toHaveTextContent("Note:");
  expect(items[2]).toHaveTextContent("Applied");
  expect(items[2]).toHaveTextContent("Field agent:");
  expect(items[2]).toHaveTextContent("by admin-1");

  const asked = calls.find((call) => call.url.pathname === "/api/assignments/requests")!;
  expect(asked.url.searchParams.get("cif")).toBe("C1");
  expect(asked.url.searchParams.get("limit")).toBe("10");
});

test("a customer never reassigned says so under the forms", async () => {
  signedInAs("supervisor", null, "North");
  customerApi(() => [pool()]);
  await openReassign();
  expect(await screen.findByText("No reassignments yet.")).toBeInTheDocument();
  expect(screen.queryByRole("list", { name: "Recent reassignments" })).not.toBeInTheDocument();
});

test("agents the customer cannot go to are disabled, with the reason shown", async () => {
  signedInAs("admin");
  customerApi(() => [pool()]);
  const form = await openReassign();
  const full = within(form).getByRole("radio", { name: "Dũng (A-4)" });
  expect(full).toBeDisabled();
  expect(full).toHaveAccessibleDescription("5 of 5 customers · full (5 of 5)");
  expect(within(form).getByRole("radio", { name: "Em (A-5)" })).toBeDisabled();
  expect(within(form).getByText(/lacks the skills the campaign requires/)).toBeInTheDocument();
  expect(within(form).getByRole("radio", { name: "An (A-1)" })).toBeDisabled();
  expect(within(form).getByRole("radio", { name: "Bình (A-2)" })).toBeEnabled();
  expect(within(form).getByRole("radio", { name: "Bình (A-2)" })).toHaveAccessibleDescription(
    "1 of 5 customers",
  );
});

test("a refused move shows the API's reason", async () => {
  signedInAs("supervisor", null, "North");
  customerApi(
    () => [pool()],
    () => ({ status: 409, body: { detail: "agent A-2 is full (5 of 5)" } }),
  );
  const form = await openReassign();
  await userEvent.click(within(form).getByRole("radio", { name: "Bình (A-2)" }));
  await userEvent.click(within(form).getByRole("button", { name: "Request reassignment" }));
  expect(await within(form).findByRole("alert")).toHaveTextContent("agent A-2 is full (5 of 5)");
  expect(within(form).queryByRole("status")).not.toBeInTheDocument();
});

test("a customer waiting in no pool says there is no one to reassign to", async () => {
  signedInAs("supervisor", null, "North");
  customerApi(() => []);
  renderAt("/customers/C1", "/customers/:cif", <CustomerPage />);
  await userEvent.click(await screen.findByRole("button", { name: "Reassign" }));
  expect(await screen.findByText(/Not in any campaign that needs an agent/)).toBeInTheDocument();
  expect(screen.queryByRole("form", { name: /Reassign the/ })).not.toBeInTheDocument();
});

test("a customer waiting for an agent says so", async () => {
  signedInAs("supervisor", null, "North");
  customerApi(() => [pool(null)]);
  const form = await openReassign();
  expect(within(form).getByText(/Now: waiting for an agent/)).toBeInTheDocument();
});

test("an agent sees no reassignment control", async () => {
  signedInAs("agent", "A-1");
  const view = {
    ...VIEW,
    assignment: {
      current: [
        {
          agent_id: "A-1",
          agent_type: "CALL",
          campaign_id: "EARLY",
          reason: "allocated",
          strategy_version: 1,
          team: "North",
          valid_from: "2026-03-01",
          valid_to: null,
        },
      ],
      history: [],
    },
  } as unknown as CustomerView;
  const calls = fakeApi({
    "GET /api/customers/C1": () => ({ body: view }),
    "GET /api/dictionaries": () => ({ body: DICTIONARIES }),
  });
  renderAt("/customers/C1", "/customers/:cif", <CustomerPage />);
  expect(await screen.findByRole("heading", { name: "Assigned agents" })).toBeInTheDocument();
  expect(screen.queryByRole("button", { name: "Reassign" })).not.toBeInTheDocument();
  expect(calls.some((call) => call.url.pathname.startsWith("/api/assignments"))).toBe(false);
});
