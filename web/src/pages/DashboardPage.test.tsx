import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect, test } from "vitest";

import type { PortfolioSummary } from "../api/types";
import { fakeApi, renderAt, signedInAs } from "../test/render";
import { sumDecimals } from "../lib/format";
import DashboardPage from "./DashboardPage";

const activity = (actions: number, contacts: number, promises: number) => ({
  actions,
  contacts,
  promises,
  contact_rate: actions ? contacts / actions : null,
  promise_rate: contacts ? promises / contacts : null,
});

const summary: PortfolioSummary = {
  business_date: "2026-03-20",
  month_start: "2026-03-01",
  team: null,
  buckets: [{ bucket: "30-59", currency: "VND", accounts: 4, overdue: "400", outstanding: "4000" }],
  collected: [{ currency: "VND", today: "60", this_month: "1060" }],
  promises: {
    today: { made: 3, kept: 1, broken: 0, pending: 2, kept_rate: 1 },
    this_month: { made: 5, kept: 2, broken: 1, pending: 2, kept_rate: 2 / 3 },
    settled_today: { kept: 4, broken: 7 },
  },
  activity: { today: activity(8, 4, 1), this_month: activity(40, 10, 5) },
  roll_rates: [],
  cure_rate: { delinquent_at_start: 0, cured: 0, rate: null },
  agents: [
    {
      agent_id: "AG-1",
      name: "Lan",
      team: "T-A",
      type: "CALL",
      active: true,
      assigned: 3,
      capacity: 10,
      utilisation: 0.3,
      actions_today: 6,
      contacts_today: 3,
      promises_today: 1,
      promises_kept_this_month: 2,
      promises_broken_this_month: 1,
      collected: [{ currency: "USD", today: "10.5", this_month: "1060.25" }],
    },
  ],
};

test("shows contact and promise rates and each agent's work today", async () => {
  signedInAs("supervisor");
  fakeApi({ "GET /api/dashboard/portfolio": () => ({ body: summary }) });
  renderAt("/dashboard", "/dashboard", <DashboardPage />);
  const contacts = await screen.findByTestId("activity");
  expect(within(contacts).getByText("Actions today").nextSibling).toHaveTextContent("8");
  expect(within(contacts).getByText("Contact rate").nextSibling).toHaveTextContent("50");
  expect(within(contacts).getByText("Promise rate, month").nextSibling).toHaveTextContent("50");
  const promises = within(screen.getByTestId("promises"));
  expect(promises.getByText("Kept rate, month").nextSibling).toHaveTextContent("66.7");
  // today's kept and broken are the promises judged today, whatever day made (not today's made, kept 1)
  expect(promises.getByText("Made today").nextSibling).toHaveTextContent("3");
  expect(promises.getByText("Kept / broken today").nextSibling).toHaveTextContent("4 / 7");
  expect(promises.getByText("Of them kept / broken").nextSibling).toHaveTextContent("2 / 1");
  const row = screen.getByRole("link", { name: "Lan" }).closest("tr")!;
  expect(within(row).getByText("6")).toBeInTheDocument();
  expect(within(row).getByText("2 / 1")).toBeInTheDocument();
  expect(within(row).getByText(/\$1,060\.25/)).toBeInTheDocument();
});

test("a team supervisor's agents are added up for their team", async () => {
  signedInAs("supervisor", null, "T-A");
  const second = {
    ...summary.agents[0]!,
    agent_id: "AG-2",
    name: "Minh",
    actions_today: 4,
    capacity: 10,
    collected: [{ currency: "USD", today: "0", this_month: "0.75" }],
  };
  fakeApi({
    "GET /api/dashboard/portfolio": () => ({
      body: { ...summary, team: "T-A", agents: [summary.agents[0]!, second] },
    }),
  });
  renderAt("/dashboard", "/dashboard", <DashboardPage />);
  const totals = await screen.findByTestId("agents-total");
  expect(within(totals).getByText("Team T-A")).toBeInTheDocument();
  expect(within(totals).getByText("10")).toBeInTheDocument(); // actions: 6 + 4
  expect(within(totals).getByText("30%")).toBeInTheDocument(); // 6 assigned of 20
  expect(within(totals).getByText("4 / 2")).toBeInTheDocument();
  expect(within(totals).getByText(/\$1,061\.00/)).toBeInTheDocument(); // 1060.25 + 0.75, exactly
});

test("decimal strings add up exactly, signs and fractions of any length", () => {
  expect(sumDecimals(["0.1", "0.2"])).toBe("0.3");
  expect(sumDecimals(["1060", "-40.5", "0.05"])).toBe("1019.55");
  expect(sumDecimals(["-1", "0.25"])).toBe("-0.75");
  expect(sumDecimals(["999999999999999999.99", "0.01"])).toBe("1000000000000000000.00");
  expect(sumDecimals([])).toBe("0");
});

test("a team supervisor is told which figures are the whole portfolio's and which their team's", async () => {
  signedInAs("supervisor", null, "T-A");
  fakeApi({ "GET /api/dashboard/portfolio": () => ({ body: { ...summary, team: "T-A" } }) });
  renderAt("/dashboard", "/dashboard", <DashboardPage />);
  expect(await screen.findByRole("heading", { name: "Collected (whole portfolio)" })).toBeInTheDocument();
  expect(screen.getByRole("heading", { name: "Promises (whole portfolio)" })).toBeInTheDocument();
  expect(
    screen.getByRole("heading", { name: "Accounts per bucket (VND, whole portfolio)" }),
  ).toBeInTheDocument();
  expect(screen.getByRole("heading", { name: "Team T-A: workload and today's work" })).toBeInTheDocument();
  expect(screen.getByTestId("scope")).toHaveTextContent("cover every team");
});

test("a supervisor of every team sees plain titles", async () => {
  signedInAs("supervisor");
  fakeApi({ "GET /api/dashboard/portfolio": () => ({ body: summary }) });
  renderAt("/dashboard", "/dashboard", <DashboardPage />);
  expect(await screen.findByRole("heading", { name: "Collected" })).toBeInTheDocument();
  expect(screen.getByRole("heading", { name: "Agents: workload and today's work" })).toBeInTheDocument();
  expect(screen.queryByTestId("scope")).not.toBeInTheDocument();
});

test("the agents table finds agents by name, id or team, while the totals stay everybody's", async () => {
  signedInAs("supervisor");
  const minh = { ...summary.agents[0]!, agent_id: "AG-2", name: "Trần Minh", team: "T-B", actions_today: 4 };
  fakeApi({
    "GET /api/dashboard/portfolio": () => ({ body: { ...summary, agents: [...summary.agents, minh] } }),
  });
  renderAt("/dashboard", "/dashboard", <DashboardPage />);
  const find = await screen.findByRole("searchbox", { name: "Find" });
  await userEvent.type(find, "trần");
  expect(screen.getByRole("link", { name: "Trần Minh" })).toBeInTheDocument();
  expect(screen.queryByRole("link", { name: "Lan" })).not.toBeInTheDocument();
  expect(screen.getByText("1 of 2 agents")).toBeInTheDocument();
  expect(within(screen.getByTestId("agents-total")).getByText("10")).toBeInTheDocument(); // 6 + 4 actions
  await userEvent.clear(find);
  await userEvent.type(find, "t-a");
  expect(screen.getByRole("link", { name: "Lan" })).toBeInTheDocument();
  expect(screen.queryByRole("link", { name: "Trần Minh" })).not.toBeInTheDocument();
});
