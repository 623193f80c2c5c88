import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect, test } from "vitest";

import { loadSession } from "../auth/session";
import { fakeApi, renderAt } from "../test/render";
import { LoginPage } from "./LoginPage";

test("signing in stores the session with the role from /api/auth/me", async () => {
  const calls = fakeApi({
    "POST /api/auth/token": () => ({ body: { access_token: "abc", token_type: "bearer", expires_in: 900 } }),
    "GET /api/auth/me": () => ({ body: { username: "ann", role: "agent", agent_id: "A-1", team: null } }),
  });
  renderAt("/login", "/login", <LoginPage />);
  await userEvent.type(screen.getByLabelText("Username"), "ann");
  await userEvent.type(screen.getByLabelText("Password"), "secret-pass");
  await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
  expect(await screen.findByText("at /agents/A-1/queue")).toBeInTheDocument();
  expect(loadSession()).toMatchObject({ username: "ann", role: "agent", agentId: "A-1", token: "abc" });
  expect(calls[1]!.url.pathname).toBe("/api/auth/me");
});

test("wrong credentials say so without saying which part was wrong", async () => {
  fakeApi({
    "POST /api/auth/token": () => ({ status: 401, body: { detail: "incorrect username or password" } }),
  });
  renderAt("/login", "/login", <LoginPage />);
  await userEvent.type(screen.getByLabelText("Username"), "ann");
  await userEvent.type(screen.getByLabelText("Password"), "nope-nope");
  await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
  expect(await screen.findByRole("alert")).toHaveTextContent("Incorrect username or password.");
  expect(loadSession()).toBeNull();
});
