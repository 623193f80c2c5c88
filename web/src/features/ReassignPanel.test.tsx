import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect, test, vi } from "vitest";

import type { AgentChoice, AssignmentOptions, CustomerView } from "../api/types";
import CustomerPage from "../pages/CustomerPage";
import { DICTIONARIES, VIEW } from "../test/fixtures";
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

const ACCEPTED = {
  override_id: "O-1",
  cif: "C1",
  team: "North",
  agent_type: "CALL",
  agent_id: "A-3",
  from_agent_id: "A-1",
  status: "accepted",
  requested_at: "2026-03-20T09:00:00Z",
};

function customerApi(
  options: () => AssignmentOptions[],
  reassign: Handler = () => ({ status: 202, body: ACCEPTED }),
) {
  return fakeApi({
    "GET /api/customers/C1": () => ({ body: VIEW }),
    "GET /api/dictionaries": () => ({ body: DICTIONARIES }),
    "GET /api/assignments/options": () => ({ body: options() }),
    "POST /api/assignments": reassign,
  });
}

async function openReassign() {
  renderAt("/customers/C1", "/customers/:cif", <CustomerPage />);
  await userEvent.click(await screen.findByRole("button", { name: "Reassign" }));
  return await screen.findByRole("form", { name: "Reassign the call agent" });
}

test("a supervisor picks an agent of the pool and requests the move, with a note", async () => {
  signedInAs("supervisor", null, "North");
  let moved = false;
  const calls = customerApi(() => [pool(moved ? "A-3" : "A-1")]);
  const form = await openReassign();
  expect(within(form).getByText(/Now: An \(A-1\)/)).toBeInTheDocument();
  const submit = within(form).getByRole("button", { name: "Request reassignment" });
  expect(submit).toBeDisabled();
  await userEvent.click(within(form).getByRole("radio", { name: "Chi (A-3)" }));
  await userEvent.type(within(form).getByLabelText("Note (optional)"), "  covering for An  ");
  await userEvent.click(submit);

  const posted = calls.filter((call) => call.method === "POST");
  expect(posted).toHaveLength(1);
  expect(posted[0]!.url.pathname).toBe("/api/assignments");
  expect(posted[0]!.body).toEqual({ cif: "C1", agent_id: "A-3", note: "covering for An" });
  expect(await within(form).findByRole("status")).toHaveTextContent(
    "Reassignment to Chi (A-3) requested; the queue updates in a few seconds.",
  );
  expect(within(form).getByLabelText("Note (optional)")).toHaveValue("");

  // The processor applies it: the options are read again until they show the new agent, then the customer.
  const customerReads = () => calls.filter((call) => call.url.pathname === "/api/customers/C1").length;
  const before = customerReads();
  moved = true;
  await waitFor(
    () =>
      expect(within(form).getByRole("status")).toHaveTextContent(
        "Chi (A-3) is now the customer's call agent.",
      ),
    { timeout: 3000 },
  );
  await waitFor(() => expect(customerReads()).toBeGreaterThan(before));
});

test("a move that does not show within the wait says so", async () => {
  vi.useFakeTimers({ shouldAdvanceTime: true });
  try {
    signedInAs("supervisor", null, "North");
    customerApi(() => [pool("A-1")]); // the processor never applies it
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    renderAt("/customers/C1", "/customers/:cif", <CustomerPage />);
    await user.click(await screen.findByRole("button", { name: "Reassign" }));
    const form = await screen.findByRole("form", { name: "Reassign the call agent" });
    await user.click(within(form).getByRole("radio", { name: "Chi (A-3)" }));
    await user.click(within(form).getByRole("button", { name: "Request reassignment" }));
    expect(await within(form).findByRole("status")).toHaveTextContent("requested");
    await vi.advanceTimersByTimeAsync(31_000);
    await waitFor(() =>
      expect(within(form).getByRole("status")).toHaveTextContent(
        "The move to Chi (A-3) has not shown yet: the processors may be behind, or the agent filled up",
      ),
    );
  } finally {
    vi.useRealTimers();
  }
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
