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

test("a result shows the customer's addresses under the name", async () => {
  signedInAs("agent");
  const result = {
    cif: "C-1",
    name: "Đỗ Minh Khoa",
    phones: ["+84 912 345 678"],
    addresses: ["27 Phố Huế, Hai Bà Trưng, Hà Nội 113000, VN", "19 Hàng Đào, Hà Nội, VN"],
    agent_ids: [],
    overdue_total: {},
    account_numbers: [],
  };
  fakeApi({ "GET /api/search": () => ({ body: { total: 1, page: 1, page_size: 20, results: [result] } }) });
  renderAt("/search?q=pho+hue", "/search", <SearchPage />);
  expect(
    await screen.findByText("27 Phố Huế, Hai Bà Trưng, Hà Nội 113000, VN · 19 Hàng Đào, Hà Nội, VN"),
  ).toBeInTheDocument();
  expect(screen.getByLabelText(/Name, phone, address/)).toHaveValue("pho hue");
});
