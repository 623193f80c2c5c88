import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { expect, test, vi } from "vitest";

import { api } from "../api/client";
import { fakeApi, signedInAs, tokenFor } from "../test/render";
import { AuthProvider, useAuth } from "./AuthContext";
import { IDLE_AFTER_MS, RENEW_WITHIN_MS, renewIfDue, resetRenewal } from "./renewal";
import { currentToken, loadSession } from "./session";

const renewed = tokenFor({ sub: "agent-1", role: "agent", agent_id: "A-1", team: null });
const refreshOk = () => ({ body: { access_token: renewed, token_type: "bearer", expires_in: 900 } });

const refreshes = <Call extends { url: URL }>(calls: Call[]) =>
  calls.filter((call) => call.url.pathname === "/api/auth/refresh");

test("a token that expires within 5 minutes is renewed once, however many ask at the same time", async () => {
  signedInAs("agent", "A-1", null, 200);
  const old = currentToken();
  const calls = fakeApi({ "POST /api/auth/refresh": refreshOk });
  await Promise.all([renewIfDue(), renewIfDue(), renewIfDue()]);
  expect(refreshes(calls)).toHaveLength(1);
  expect(refreshes(calls)[0]!.headers.get("Authorization")).toBe(`Bearer ${old}`);
  expect(currentToken()).toBe(renewed);
  expect(loadSession()!.expiresAt).toBeGreaterThan(Date.now() + 890_000);
});

test("a token with more than 5 minutes left is not renewed", () => {
  signedInAs("agent", "A-1", null, RENEW_WITHIN_MS / 1000 + 60);
  const calls = fakeApi({ "POST /api/auth/refresh": refreshOk });
  expect(renewIfDue()).toBeNull();
  expect(calls).toHaveLength(0);
});

test("a refused renewal (the login was deactivated) signs out; a failed one keeps the session", async () => {
  signedInAs("agent", "A-1", null, 200);
  fakeApi({ "POST /api/auth/refresh": () => ({ status: 503, body: { detail: "down" } }) });
  await renewIfDue();
  expect(loadSession()).not.toBeNull();
  expect(renewIfDue()).toBeNull(); // not again at once

  fakeApi({ "POST /api/auth/refresh": () => ({ status: 401, body: { detail: "inactive" } }) });
  await renewIfDue(Date.now() + 31_000);
  expect(loadSession()).toBeNull();
});

function WhoAmI() {
  const { session } = useAuth();
  return <p>{session ? `token ${session.token}` : "signed out"}</p>;
}

test("a key press or a click renews a token about to expire", async () => {
  signedInAs("agent", "A-1", null, 200);
  const calls = fakeApi({ "POST /api/auth/refresh": refreshOk });
  render(
    <AuthProvider>
      <WhoAmI />
    </AuthProvider>,
  );
  fireEvent.keyDown(window, { key: "a" });
  expect(await screen.findByText(`token ${renewed}`)).toBeInTheDocument();
  expect(refreshes(calls)).toHaveLength(1);
});

test("an API call renews a token about to expire, and is sent with a valid one", async () => {
  signedInAs("agent", "A-1", null, 10); // would expire on the way: the call waits for the renewal
  const calls = fakeApi({
    "POST /api/auth/refresh": refreshOk,
    "GET /api/dictionaries": () => ({ body: {} }),
  });
  await api("/api/dictionaries");
  expect(calls.map((call) => call.url.pathname)).toEqual(["/api/auth/refresh", "/api/dictionaries"]);
  await waitFor(() => expect(currentToken()).toBe(renewed));
});

test("a background call of a tab left idle renews nothing: the session ends", async () => {
  signedInAs("agent", "A-1", null, 200);
  const calls = fakeApi({
    "POST /api/auth/refresh": refreshOk,
    "GET /api/dictionaries": () => ({ body: {} }),
  });
  const now = Date.now();
  vi.spyOn(Date, "now").mockReturnValue(now + IDLE_AFTER_MS + 1); // nobody touched the page since
  try {
    await api("/api/dictionaries");
  } finally {
    vi.restoreAllMocks();
    resetRenewal();
  }
  expect(calls.map((call) => call.url.pathname)).toEqual(["/api/dictionaries"]);
});
