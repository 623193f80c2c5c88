import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect, test } from "vitest";

import { DICTIONARIES, VIEW } from "./test/fixtures";
import { fakeApi, renderApp, signedInAs, tokenFor } from "./test/render";

test("a session that expires mid-form loses nothing: after signing in again the draft is back, same action", async () => {
  signedInAs("agent", "A-1");
  const posted: { action_id: string }[] = [];
  fakeApi({
    "GET /api/customers/C1": () => ({ body: VIEW }),
    "GET /api/dictionaries": () => ({ body: DICTIONARIES }),
    "POST /api/actions": (_url, init) => {
      posted.push(JSON.parse(String(init.body)));
      return posted.length === 1
        ? { status: 401, body: { detail: "token expired" } }
        : { status: 202, body: { action_id: "x", status: "accepted" } };
    },
    "POST /api/auth/token": () => ({
      body: {
        access_token: tokenFor({ sub: "agent-1", role: "agent", agent_id: "A-1", team: null }),
        token_type: "bearer",
        expires_in: 900,
      },
    }),
  });
  renderApp("/customers/C1");
  let form = await screen.findByRole("form", { name: "Record an action" });
  await userEvent.selectOptions(await within(form).findByLabelText("Result"), "NO_ANSWER");
  await userEvent.type(within(form).getByLabelText("Notes"), "left a message with the wife");
  await userEvent.click(within(form).getByRole("button", { name: "Record action" }));

  expect(await screen.findByText("Your session has expired. Please sign in again.")).toBeInTheDocument();
  await userEvent.type(screen.getByLabelText("Username"), "agent-1");
  await userEvent.type(screen.getByLabelText("Password"), "demo-password");
  await userEvent.click(screen.getByRole("button", { name: "Sign in" }));

  form = await screen.findByRole("form", { name: "Record an action" });
  expect(await within(form).findByLabelText("Notes")).toHaveValue("left a message with the wife");
  expect(within(form).getByLabelText("Result")).toHaveValue("NO_ANSWER");
  expect(within(form).getByRole("status")).toHaveTextContent("was restored");
  await userEvent.click(within(form).getByRole("button", { name: "Record action" }));
  expect(await within(form).findByText("Recorded.")).toBeInTheDocument();
  expect(posted[1]!.action_id).toBe(posted[0]!.action_id); // the same action: accepted once
  expect(within(form).getByLabelText("Notes")).toHaveValue("");
  expect(Object.keys(sessionStorage).filter((key) => key.startsWith("crm.draft."))).toEqual([]);
});

test("a supervisor finds Strategies in the nav and reads the strategy there; an agent has neither", async () => {
  signedInAs("supervisor");
  const calls = fakeApi({
    "GET /api/admin/strategies/default": () => ({
      body: {
        strategy_id: "default",
        version: 1,
        published_at: "2026-03-01T00:00:00Z",
        published_by: "admin",
        groups: [],
      },
    }),
  });
  const app = renderApp("/search");
  const nav = await screen.findByRole("navigation", { name: "Main" });
  expect(within(nav).queryByRole("link", { name: "Agents" })).not.toBeInTheDocument();
  await userEvent.click(within(nav).getByRole("link", { name: "Strategies" }));
  expect(await screen.findByRole("region", { name: "Current version" })).toBeInTheDocument();
  expect(screen.getByText(/Read only for supervisors/)).toBeInTheDocument();
  expect(screen.queryByRole("button", { name: "Publish" })).not.toBeInTheDocument();
  expect(calls.every((call) => call.method === "GET")).toBe(true);
  app.unmount();
  sessionStorage.clear();

  signedInAs("agent", "A-1");
  const agentCalls = fakeApi({});
  renderApp("/admin/strategies");
  const agentNav = await screen.findByRole("navigation", { name: "Main" });
  expect(within(agentNav).getByRole("link", { name: "Search" })).toBeInTheDocument();
  expect(within(agentNav).queryByRole("link", { name: "Strategies" })).not.toBeInTheDocument();
  expect(await screen.findByRole("alert")).toHaveTextContent("You do not have access to this.");
  expect(agentCalls.filter((call) => call.url.pathname.startsWith("/api/admin/"))).toEqual([]);
});
