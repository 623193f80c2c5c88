import { act, render } from "@testing-library/react";
import { QueryClientProvider } from "@tanstack/react-query";
import { afterEach, expect, test, vi } from "vitest";

import { makeQueryClient } from "../App";
import { saveToken } from "../auth/session";
import { FakeEventSource } from "../test/fakeEventSource";
import { signedInAs, tokenFor } from "../test/render";
import { useLiveEvents } from "./events";

function LiveEvents() {
  useLiveEvents(true);
  return null;
}

afterEach(() => vi.useRealTimers());

test("when the browser gives up on the stream it is opened again with the current token, resuming", () => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  vi.stubGlobal("EventSource", FakeEventSource);
  signedInAs("agent", "A-1");
  render(
    <QueryClientProvider client={makeQueryClient()}>
      <LiveEvents />
    </QueryClientProvider>,
  );
  const first = FakeEventSource.last!;
  act(() => first.emit("queue", { type: "queue", agent_id: "A-1", added: ["C1"] }, "1700000000000-0"));

  const renewed = tokenFor({ sub: "agent-1", role: "agent", agent_id: "A-1", team: null, iat: 2 });
  saveToken(renewed, 900);
  first.readyState = FakeEventSource.CLOSED; // e.g. its reconnect was refused: the old token expired
  act(() => first.onerror?.());
  act(() => vi.advanceTimersByTime(1_000));

  const second = FakeEventSource.last!;
  expect(second).not.toBe(first);
  const query = new URL(second.url, "http://localhost").searchParams;
  expect(query.get("access_token")).toBe(renewed);
  expect(query.get("last_event_id")).toBe("1700000000000-0");
});

test("a customer event reads that customer's 360 view again, and a reopened stream resumes after it", () => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  vi.stubGlobal("EventSource", FakeEventSource);
  signedInAs("agent", "A-1");
  const client = makeQueryClient();
  const invalidate = vi.spyOn(client, "invalidateQueries");
  render(
    <QueryClientProvider client={client}>
      <LiveEvents />
    </QueryClientProvider>,
  );
  const first = FakeEventSource.last!;
  const event = { type: "customer", cif: "C-7", changed: "case", version: 3, agent_id: "A-1" };
  act(() => first.emit("customer", event, "1700000000001-0"));
  expect(invalidate).toHaveBeenCalledWith({ queryKey: ["customer", "C-7"] });

  first.readyState = FakeEventSource.CLOSED;
  act(() => first.onerror?.());
  act(() => vi.advanceTimersByTime(1_000));
  const query = new URL(FakeEventSource.last!.url, "http://localhost").searchParams;
  expect(query.get("last_event_id")).toBe("1700000000001-0");
});
