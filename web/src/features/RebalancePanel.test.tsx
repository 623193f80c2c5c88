import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect, test } from "vitest";

import { QueuePage } from "../pages/QueuePage";
import { fakeApi, renderAt, signedInAs } from "../test/render";

const move = (cif: string, agentId: string) => ({
  override_id: `O-${cif}`,
  cif,
  team: "North",
  agent_type: "CALL",
  agent_id: agentId,
  from_agent_id: "A-1",
  status: "accepted",
  requested_at: "2026-03-20T09:00:00Z",
});

function queueApi(rebalance: () => { status?: number; body?: unknown }) {
  return fakeApi({
    "GET /api/agents/A-1/queue": () => ({ body: [] }),
    "POST /api/assignments/rebalance": rebalance,
  });
}

test("a supervisor moves up to N of an agent's customers and sees who went where and how many stay", async () => {
  signedInAs("supervisor", null, "North");
  const calls = queueApi(() => ({
    status: 202,
    body: {
      agent_id: "A-1",
      team: "North",
      agent_type: "CALL",
      moves: [move("C7", "A-2"), move("C8", "A-3")],
      stays: 1,
    },
  }));
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
  ).toEqual(["C7 → A-2", "C8 → A-3"]);
});

test("without a note the body has none; a count out of range cannot be sent", async () => {
  signedInAs("admin");
  const calls = queueApi(() => ({
    status: 202,
    body: { agent_id: "A-1", team: "North", agent_type: "CALL", moves: [], stays: 10 },
  }));
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
