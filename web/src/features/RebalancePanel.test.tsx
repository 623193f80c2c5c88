import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect, test, vi } from "vitest";

import type { ReassignmentOutcome, ReassignmentStatus } from "../api/types";
import { QueuePage } from "../pages/QueuePage";
import { reassignmentAccepted, reassignmentStatus } from "../test/fixtures";
import { fakeApi, renderAt, signedInAs } from "../test/render";

const move = (cif: string, agentId: string) =>
  reassignmentAccepted({ override_id: `O-${cif}`, cif, agent_id: agentId });

/** What the processor made of the move of `cif` (as GET /api/assignments/requests answers). */
const decision = (
  cif: string,
  agentId: string,
  outcome: ReassignmentOutcome,
  reason: string | null = null,
): ReassignmentStatus => reassignmentStatus({ ...move(cif, agentId), outcome, reason });

/** The queue page's API; the moves' statuses as `statuses` answers for the ids asked (none read, unless told). */
function queueApi(
  rebalance: () => { status?: number; body?: unknown },
  statuses: (ids: string[]) => ReassignmentStatus[] = () => [],
) {
  return fakeApi({
    "GET /api/agents/A-1/queue": () => ({ body: [] }),
    "POST /api/assignments/rebalance": rebalance,
    "GET /api/assignments/requests": (url) => ({ body: statuses(url.searchParams.getAll("override_id")) }),
  });
}

const accepted = (moves: ReturnType<typeof move>[], stays = 0) => ({
  status: 202,
  body: { agent_id: "A-1", team: "North", agent_type: "CALL", moves, stays },
});

type Calls = ReturnType<typeof queueApi>;
const statusReads = (calls: Calls) =>
  calls.filter((call) => call.method === "GET" && call.url.pathname === "/api/assignments/requests");
const queueReads = (calls: Calls) =>
  calls.filter((call) => call.method === "GET" && call.url.pathname === "/api/agents/A-1/queue").length;
const items = (result: HTMLElement) =>
  within(within(result).getByRole("list", { name: "Moved customers" }))
    .getAllByRole("listitem")
    .map((item) => item.textContent);

/** userEvent itself, or one set up to advance fake timers. */
type User = Pick<ReturnType<typeof userEvent.setup>, "click" | "type" | "clear">;

/** Run with fake timers that also advance on their own (Testing Library's waits still work). */
async function withFakeTimers(run: (user: User) => Promise<void>) {
  vi.useFakeTimers({ shouldAdvanceTime: true });
  try {
    await run(userEvent.setup({ advanceTimers: vi.advanceTimersByTime }));
  } finally {
    vi.useRealTimers();
  }
}

/** Open the queue page and rebalance (up to 10); the panel. */
async function rebalanceNow(user: User) {
  const view = renderAt("/agents/A-1/queue", "/agents/:agentId/queue", <QueuePage />);
  const panel = await screen.findByRole("region", { name: "Rebalance" });
  await user.click(within(panel).getByRole("button", { name: "Rebalance" }));
  await user.click(within(panel).getByRole("button", { name: "Move customers" }));
  return { panel, view };
}

test("a supervisor moves up to N of an agent's customers and sees who went where and how many stay", async () => {
  signedInAs("supervisor", null, "North");
  const calls = queueApi(
    () => accepted([move("C7", "A-2"), move("C8", "A-3")], 1),
    () => [decision("C7", "A-2", "PENDING")],
  );
  renderAt("/agents/A-1/queue", "/agents/:agentId/queue", <QueuePage />);
  const panel = await screen.findByRole("region", { name: "Rebalance" });
  const count = within(panel).getByLabelText("Customers to move (at most)");
  expect(count).toHaveValue(10);
  await userEvent.clear(count);
  await userEvent.type(count, "3");
  await userEvent.type(within(panel).getByLabelText("Note (optional)"), "A-1 is on leave");
  await userEvent.click(within(panel).getByRole("button", { name: "Rebalance" }));
  const dialog = within(panel).getByRole("alertdialog", { name: "Rebalance" });
  expect(dialog).toHaveTextContent("Move up to 3 of A-1's customers to other agents?");
  await userEvent.click(within(dialog).getByRole("button", { name: "Move customers" }));

  const posted = calls.filter((call) => call.method === "POST");
  expect(posted).toHaveLength(1);
  expect(posted[0]!.url.pathname).toBe("/api/assignments/rebalance");
  expect(posted[0]!.body).toEqual({ agent_id: "A-1", count: 3, note: "A-1 is on leave" });
  const result = await within(panel).findByRole("status");
  expect(result).toHaveTextContent("Moving 2 customers");
  expect(result).toHaveTextContent("1 customer stays: no other agent of the team fits them and has room.");
  const moved = within(result).getByRole("list", { name: "Moved customers" });
  expect(
    within(moved)
      .getAllByRole("listitem")
      .map((item) => item.textContent),
  ).toEqual(["C7 → A-2 Pending", "C8 → A-3 Pending"]);
  expect(within(moved).getByRole("link", { name: "C7" })).toHaveAttribute("href", "/customers/C7");
});

test("without a note the body has none; a count out of range cannot be sent", async () => {
  signedInAs("admin");
  const calls = queueApi(() => accepted([], 10));
  renderAt("/agents/A-1/queue", "/agents/:agentId/queue", <QueuePage />);
  const panel = await screen.findByRole("region", { name: "Rebalance" });
  const count = within(panel).getByLabelText("Customers to move (at most)");
  await userEvent.clear(count);
  await userEvent.type(count, "1001");
  expect(within(panel).getByRole("button", { name: "Rebalance" })).toBeDisabled();
  expect(count).toHaveAccessibleDescription(/A whole number from 1 to 1,000/);
  await userEvent.clear(count);
  await userEvent.click(within(panel).getByRole("button", { name: "Rebalance" }));
  expect(within(panel).getByRole("button", { name: "Rebalance" })).toBeDisabled();
  await userEvent.type(count, "10");
  await userEvent.click(within(panel).getByRole("button", { name: "Rebalance" }));
  await userEvent.click(within(panel).getByRole("button", { name: "Move customers" }));
  expect(calls.find((call) => call.method === "POST")!.body).toEqual({ agent_id: "A-1", count: 10 });
  expect(await within(panel).findByRole("status")).toHaveTextContent(
    "No customer was moved. 10 customers stay: no other agent of the team fits them and has room.",
  );
  expect(statusReads(calls)).toHaveLength(0); // no moves: nothing to follow
});

test("an unknown agent's rebalance shows the API's answer", async () => {
  signedInAs("supervisor", null, "North");
  queueApi(() => ({ status: 404, body: { detail: "no agent 'A-1' in team North" } }));
  renderAt("/agents/A-1/queue", "/agents/:agentId/queue", <QueuePage />);
  const panel = await screen.findByRole("region", { name: "Rebalance" });
  await userEvent.click(within(panel).getByRole("button", { name: "Rebalance" }));
  await userEvent.click(within(panel).getByRole("button", { name: "Move customers" }));
  expect(await within(panel).findByRole("alert")).toHaveTextContent("no agent 'A-1' in team North");
});

test("an agent viewing their own queue sees no rebalance control", async () => {
  signedInAs("agent", "A-1");
  queueApi(() => ({ status: 500 }));
  renderAt("/agents/A-1/queue", "/agents/:agentId/queue", <QueuePage />);
  expect(await screen.findByText("The queue is empty")).toBeInTheDocument();
  expect(screen.queryByRole("region", { name: "Rebalance" })).not.toBeInTheDocument();
  expect(screen.queryByRole("button", { name: "Rebalance" })).not.toBeInTheDocument();
});

test("the moves' statuses are read by id every second while pending; each move shows its outcome and why", () =>
  withFakeTimers(async (user) => {
    signedInAs("supervisor", null, "North");
    let decided = false;
    const calls = queueApi(
      () => accepted([move("C7", "A-2"), move("C8", "A-3"), move("C9", "A-2")], 1),
      // C8 is not there yet (missing from the answer): pending too.
      () =>
        decided
          ? [
              decision("C7", "A-2", "APPLIED"),
              decision("C8", "A-3", "REFUSED", "full (3 of 3)"),
              decision("C9", "A-2", "APPLIED"),
            ]
          : [decision("C7", "A-2", "APPLIED"), decision("C9", "A-2", "PENDING")],
    );
    const { panel } = await rebalanceNow(user);
    const result = await within(panel).findByRole("status");
    await waitFor(() => expect(items(result)).toContain("C7 → A-2 Applied"));
    expect(result).toHaveTextContent("Moving 3 customers; the queues update in a few seconds.");
    expect(items(result)).toEqual(["C7 → A-2 Applied", "C8 → A-3 Pending", "C9 → A-2 Pending"]);
    const asked = statusReads(calls);
    expect(asked[0]!.url.searchParams.getAll("override_id")).toEqual(["O-C7", "O-C8", "O-C9"]);
    expect(asked[0]!.url.search).toBe("?override_id=O-C7&override_id=O-C8&override_id=O-C9");

    // Pending: read every second.
    const before = statusReads(calls).length;
    await act(() => vi.advanceTimersByTimeAsync(2000));
    expect(statusReads(calls).length).toBeGreaterThanOrEqual(before + 2);
    expect(result).toHaveTextContent("Moving 3 customers");

    // Decided: the summary counts them, the refused one set apart, with its reason beside the move.
    const queueBefore = queueReads(calls);
    decided = true;
    await act(() => vi.advanceTimersByTimeAsync(1000));
    await waitFor(() =>
      expect(result).toHaveTextContent(
        "Moved 2 of 3 customers; 1 refused (see below). 1 customer stays: no other agent of the team fits " +
          "them and has room.",
      ),
    );
    expect(within(result).getByText("1 refused (see below)")).toHaveClass("text-red-800");
    expect(result).not.toHaveClass("bg-emerald-50");
    expect(items(result)).toEqual(["C7 → A-2 Applied", "C8 → A-3 Refused full (3 of 3)", "C9 → A-2 Applied"]);
    expect(within(result).getByText("Refused")).toBeInTheDocument();
    // The queues are read again once all are decided, and the statuses no more.
    await waitFor(() => expect(queueReads(calls)).toBeGreaterThan(queueBefore));
    const reads = statusReads(calls).length;
    await act(() => vi.advanceTimersByTimeAsync(10_000));
    expect(statusReads(calls)).toHaveLength(reads);
  }));

test("all moved and decided at the first read: no more reads, the queue is read again at once", () =>
  withFakeTimers(async (user) => {
    signedInAs("supervisor", null, "North");
    const calls = queueApi(
      () => accepted([move("C7", "A-2"), move("C8", "A-3")]),
      () => [decision("C8", "A-3", "KEPT_FOR_STAY"), decision("C7", "A-2", "APPLIED")],
    );
    const { panel } = await rebalanceNow(user);
    const queueBefore = queueReads(calls);
    const result = await within(panel).findByRole("status");
    await waitFor(() =>
      expect(result).toHaveTextContent("Moved 1 of 2 customers; 1 waiting for their stay."),
    );
    expect(result).toHaveClass("bg-emerald-50");
    expect(items(result)).toEqual(["C7 → A-2 Applied", "C8 → A-3 Waiting for stay"]);
    await waitFor(() => expect(queueReads(calls)).toBe(queueBefore + 1));
    await act(() => vi.advanceTimersByTimeAsync(10_000));
    expect(statusReads(calls)).toHaveLength(1);
    expect(queueReads(calls)).toBe(queueBefore + 2); // and the refresh a few seconds after the answer
  }));

test("moves still pending after the wait are read every few seconds, and not once the panel is gone", () =>
  withFakeTimers(async (user) => {
    signedInAs("supervisor", null, "North");
    const calls = queueApi(() => accepted([move("C7", "A-2")])); // the processor never reads it
    const { panel, view } = await rebalanceNow(user);
    expect(await within(panel).findByRole("status")).toHaveTextContent("Moving 1 customer;");
    await act(() => vi.advanceTimersByTimeAsync(31_000));
    const before = statusReads(calls).length;
    expect(before).toBeGreaterThanOrEqual(25);
    await act(() => vi.advanceTimersByTimeAsync(20_000));
    const late = statusReads(calls).length - before;
    expect(late).toBeGreaterThanOrEqual(2);
    expect(late).toBeLessThanOrEqual(6);
    expect(within(panel).getByRole("status")).toHaveTextContent("Moving 1 customer;");
    expect(items(within(panel).getByRole("status"))).toEqual(["C7 → A-2 Pending"]);

    view.unmount();
    const gone = statusReads(calls).length;
    await act(() => vi.advanceTimersByTimeAsync(20_000));
    expect(statusReads(calls)).toHaveLength(gone);
  }));

test("a new rebalance replaces the result: only its moves are followed", () =>
  withFakeTimers(async (user) => {
    signedInAs("supervisor", null, "North");
    let answer = accepted([move("C7", "A-2")]);
    const calls = queueApi(() => answer);
    const { panel } = await rebalanceNow(user);
    expect(await within(panel).findByRole("status")).toHaveTextContent("Moving 1 customer;");
    answer = accepted([move("C8", "A-3"), move("C9", "A-3")]);
    await user.click(within(panel).getByRole("button", { name: "Rebalance" }));
    await user.click(within(panel).getByRole("button", { name: "Move customers" }));
    await waitFor(() => expect(within(panel).getByRole("status")).toHaveTextContent("Moving 2 customers;"));
    const from = statusReads(calls).length;
    await act(() => vi.advanceTimersByTimeAsync(3000));
    const later = statusReads(calls).slice(from);
    expect(later.length).toBeGreaterThanOrEqual(2);
    for (const call of later) expect(call.url.searchParams.getAll("override_id")).toEqual(["O-C8", "O-C9"]);
  }));

test("the statuses of 250 moves are read in two requests of at most 200 ids", async () => {
  signedInAs("admin");
  const moves = Array.from({ length: 250 }, (_, n) => move(`C${n}`, "A-2"));
  const calls = queueApi(
    () => accepted(moves),
    (ids) => ids.map((id) => decision(id.slice(2), "A-2", "APPLIED")),
  );
  const { panel } = await rebalanceNow(userEvent);
  const result = await within(panel).findByRole("status");
  await waitFor(() => expect(result).toHaveTextContent("Moved 250 customers."));
  const asked = statusReads(calls).map((call) => call.url.searchParams.getAll("override_id"));
  expect(asked.map((ids) => ids.length)).toEqual([200, 50]);
  expect(asked.flat()).toEqual(moves.map((one) => one.override_id));
  expect(within(result).getAllByText("Applied")).toHaveLength(250);
});

test("statuses the API will not give (a 4xx) are not asked again; the moves stay pending, with a note", () =>
  withFakeTimers(async (user) => {
    signedInAs("supervisor", null, "North");
    const calls = fakeApi({
      "GET /api/agents/A-1/queue": () => ({ body: [] }),
      "POST /api/assignments/rebalance": () => accepted([move("C7", "A-2")]),
      "GET /api/assignments/requests": () => ({ status: 422, body: { detail: "too many ids" } }),
    });
    const { panel } = await rebalanceNow(user);
    const result = await within(panel).findByRole("status");
    await waitFor(() =>
      expect(result).toHaveTextContent("What became of the moves cannot be read now: too many ids"),
    );
    expect(result).toHaveTextContent("Moving 1 customer;");
    await act(() => vi.advanceTimersByTimeAsync(10_000));
    expect(statusReads(calls)).toHaveLength(1);
  }));
