import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect, test } from "vitest";

import { fakeApi, renderAt, signedInAs } from "../test/render";
import SearchPage from "./SearchPage";

const searches = <Call extends { url: URL }>(calls: Call[]) =>
  calls.filter((call) => call.url.pathname === "/api/search").map((call) => call.url.searchParams);

test("Enter in the agent filter searches with the agent just typed", async () => {
  signedInAs("supervisor");
  const calls = fakeApi({ "GET /api/search": () => ({ body: { total: 0, results: [] } }) });
  renderAt("/search", "/search", <SearchPage />);
  await userEvent.type(screen.getByLabelText(/Name, phone/), "nguyen");
  await userEvent.type(screen.getByLabelText("Agent"), "AG7{Enter}");
  await waitFor(() => expect(searches(calls).at(-1)?.get("agent")).toBe("AG7"));
  expect(searches(calls).at(-1)?.get("q")).toBe("nguyen");
  expect(searches(calls).every((params) => params.get("agent") === "AG7")).toBe(true); // never the old value
});

test("leaving the agent filter applies it too", async () => {
  signedInAs("supervisor");
  const calls = fakeApi({ "GET /api/search": () => ({ body: { total: 0, results: [] } }) });
  renderAt("/search", "/search", <SearchPage />);
  await userEvent.type(screen.getByLabelText("Agent"), "AG7");
  await userEvent.tab();
  await waitFor(() => expect(searches(calls).at(-1)?.get("agent")).toBe("AG7"));
});
