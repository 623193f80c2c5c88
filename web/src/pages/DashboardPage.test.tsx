import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect, test } from "vitest";

import type { PortfolioSummary } from "../api/types";
import { fakeApi, renderAt, signedInAs } from "../test/render";
import DashboardPage, { AGENTS_PAGE } from "./DashboardPage";

const activity = (actions: number, contacts: number, promises: number) => ({
  actions,
  contacts,
  promises,
  contact_rate: actions ? contacts / actions : null,
  promise_rate: contacts ? promises / contacts : null,
});

/** One agent's figures, as the only agent's row and as the sum of one. */
const lan = {
  assigned: 3,
  capacity: 10,
  utilisation: 0.3,
  actions_today: 6,
  contacts_today: 3,
  promises_today: 1,
  promises_kept_this_month: 2,
  promises_broken_this_month: 1,
  collected: [{ currency: "USD", today: "10.5", this_month: "1060.25" }],
};

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
      ...lan,
    },
  ],
  agents_total: 1,
  agents_sum: { agents: 1, ...lan },
};

type Agent = PortfolioSummary["agents"][number];
const agent = (n: number, name: string, team = "T-A"): Agent => ({
  ...summary.agents[0]!,
  agent_id: `AG-${String(n).padStart(3, "0")}`,
  name,
  team,
});

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

test("the totals row is the API's sum of every agent of the team, not of the page listed", async () => {
  signedInAs("supervisor", null, "T-A");
  const sum = {
    ...summary.agents_sum,
    agents: 2,
    assigned: 6,
    capacity: 20,
    utilisation: 0.3,
    actions_today: 10,
    promises_kept_this_month: 4,
    promises_broken_this_month: 2,
    collected: [{ currency: "USD", today: "10.5", this_month: "1061.00" }],
  };
  fakeApi({
    "GET /api/dashboard/portfolio": () => ({
      body: { ...summary, team: "T-A", agents_total: 2, agents_sum: sum },
    }),
  });
  renderAt("/dashboard", "/dashboard", <DashboardPage />);
  const totals = await screen.findByTestId("agents-total");
  expect(within(totals).getByText("Team T-A")).toBeInTheDocument();
  expect(within(totals).getByText("10")).toBeInTheDocument(); // actions: the sum's, not the listed agent's 6
  expect(within(totals).getByText("30%")).toBeInTheDocument();
  expect(within(totals).getByText("4 / 2")).toBeInTheDocument();
  expect(within(totals).getByText(/\$1,061\.00/)).toBeInTheDocument();
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

test("the agents table asks the API for the agents holding what is typed, while the totals stay everybody's", async () => {
  signedInAs("supervisor");
  const minh = { ...agent(2, "Trần Minh", "T-B"), actions_today: 4 };
  const everyone = { ...summary.agents_sum, agents: 2, actions_today: 10, capacity: 20 };
  const calls = fakeApi({
    "GET /api/dashboard/portfolio": (url) => {
      const wanted = url.searchParams.get("agents_find");
      const agents = wanted === "trần" ? [minh] : wanted === "nobody" ? [] : [summary.agents[0]!, minh];
      return { body: { ...summary, agents, agents_total: agents.length, agents_sum: everyone } };
    },
  });
  renderAt("/dashboard", "/dashboard", <DashboardPage />);
  const find = await screen.findByRole("searchbox", { name: "Find" });
  expect(screen.getByRole("link", { name: "Lan" })).toBeInTheDocument();
  await userEvent.type(find, "trần");
  expect(await screen.findByText("1 of 2 agents")).toBeInTheDocument();
  expect(screen.getByRole("link", { name: "Trần Minh" })).toBeInTheDocument();
  expect(screen.queryByRole("link", { name: "Lan" })).not.toBeInTheDocument();
  expect(within(screen.getByTestId("agents-total")).getByText("10")).toBeInTheDocument(); // 6 + 4 actions
  const asked = calls.filter((c) => c.url.searchParams.get("agents_find") === "trần");
  expect(asked.length).toBeGreaterThan(0);
  expect(asked[0]!.url.searchParams.get("agents_limit")).toBe(String(AGENTS_PAGE));
  await userEvent.clear(find);
  await userEvent.type(find, "nobody");
  expect(await screen.findByText("No agent's name, id or team holds “nobody”.")).toBeInTheDocument();
  expect(screen.getByText("0 of 2 agents")).toBeInTheDocument();
});

test("a bank's thousands of agents are listed a page at a time", async () => {
  signedInAs("supervisor");
  const all = Array.from({ length: 250 }, (_, i) => agent(i + 1, `Agent ${i + 1}`));
  const calls = fakeApi({
    "GET /api/dashboard/portfolio": (url) => {
      const offset = Number(url.searchParams.get("agents_offset") ?? 0);
      const agents = all.slice(offset, offset + AGENTS_PAGE);
      return {
        body: {
          ...summary,
          agents,
          agents_total: all.length,
          agents_sum: { ...summary.agents_sum, agents: 250 },
        },
      };
    },
  });
  renderAt("/dashboard", "/dashboard", <DashboardPage />);
  expect(await screen.findByRole("link", { name: "Agent 1" })).toBeInTheDocument();
  expect(screen.getByText("1–100 of 250")).toBeInTheDocument();
  expect(screen.queryByRole("link", { name: "Agent 101" })).not.toBeInTheDocument();
  await userEvent.click(screen.getByRole("button", { name: "Next" }));
  expect(await screen.findByRole("link", { name: "Agent 101" })).toBeInTheDocument();
  expect(screen.getByText("101–200 of 250")).toBeInTheDocument();
  expect(screen.queryByRole("link", { name: "Agent 1" })).not.toBeInTheDocument();
  expect(calls.some((c) => c.url.searchParams.get("agents_offset") === "100")).toBe(true);
});

test("a find the API cannot answer says so and offers to try again", { timeout: 10_000 }, async () => {
  signedInAs("supervisor");
  fakeApi({
    "GET /api/dashboard/portfolio": (url) =>
      url.searchParams.get("agents_find")
        ? { status: 503, body: { detail: "the database is not answering" } }
        : { body: summary },
  });
  renderAt("/dashboard", "/dashboard", <DashboardPage />);
  await userEvent.type(await screen.findByRole("searchbox", { name: "Find" }), "lan");
  // after the client's two retries of a 5xx (one second, then two)
  expect(await screen.findByText(/the database is not answering/, {}, { timeout: 6000 })).toBeInTheDocument();
  expect(screen.getByRole("button", { name: /try again/i })).toBeInTheDocument();
});
