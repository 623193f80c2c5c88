import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect, test } from "vitest";

import { loadSession } from "../auth/session";
import { fakeApi, renderAt, tokenFor } from "../test/render";
import { LoginPage } from "./LoginPage";

test("signing in stores the token; who the user is comes from its claims", async () => {
  const token = tokenFor({ sub: "ann", role: "agent", agent_id: "A-1", team: null, exp: 1 });
  fakeApi({
    "POST /api/auth/token": () => ({ body: { access_token: token, token_type: "bearer", expires_in: 900 } }),
  });
  renderAt("/login", "/login", <LoginPage />);
  await userEvent.type(screen.getByLabelText("Username"), "ann");
  await userEvent.type(screen.getByLabelText("Password"), "secret-pass");
  await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
  expect(await screen.findByText("at /agents/A-1/queue")).toBeInTheDocument();
  expect(loadSession()).toMatchObject({ username: "ann", role: "agent", agentId: "A-1", token });
  // the expiry as the API counts it (expires_in), on this clock: a skewed clock does not sign out early
  expect(loadSession()!.expiresAt).toBeGreaterThan(Date.now() + 890_000);
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
