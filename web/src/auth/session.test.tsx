import { screen, within } from "@testing-library/react";
import { expect, test } from "vitest";

import { fakeApi, renderApp, tokenFor } from "../test/render";
import { loadSession } from "./session";

test("the role comes from the token, not from what storage says about it", async () => {
  sessionStorage.setItem(
    "crm.session",
    JSON.stringify({
      token: tokenFor({ sub: "agent-1", role: "agent", agent_id: "A-1", team: null }),
      expiresAt: Date.now() + 600_000,
      role: "admin", // edited by hand
    }),
  );
  fakeApi({ "GET /api/agents/A-1/queue": () => ({ body: [] }) });
  renderApp("/");
  expect(await screen.findByText("The queue is empty")).toBeInTheDocument();
  const nav = screen.getByRole("navigation", { name: "Main" });
  expect(within(nav).getByRole("link", { name: "My queue" })).toBeInTheDocument();
  expect(within(nav).queryByRole("link", { name: "Users" })).not.toBeInTheDocument();
});

test("a token without a user and a role is no session", () => {
  sessionStorage.setItem("crm.session", JSON.stringify({ token: "t0k3n", expiresAt: Date.now() + 600_000 }));
  expect(loadSession()).toBeNull();
});
