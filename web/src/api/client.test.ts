import { expect, test } from "vitest";

import { fakeApi } from "../test/render";
import { api, withQuery } from "./client";

test("a query's values are encoded once each; empty ones are left out, false and 0 are not", () => {
  expect(withQuery("/api/search", { q: "Nguyễn & co", page: 0, open: false, agent: "", bucket: null })).toBe(
    "/api/search?q=Nguy%E1%BB%85n+%26+co&page=0&open=false",
  );
  expect(withQuery("/api/search", { limit: undefined })).toBe("/api/search");
  expect(withQuery("/api/search")).toBe("/api/search");
});

test("an array value repeats its name, in order, leaving out empty items; an empty array adds nothing", () => {
  expect(withQuery("/api/assignments/requests", { override_id: ["a", "b/c", "", null, "a"] })).toBe(
    "/api/assignments/requests?override_id=a&override_id=b%2Fc&override_id=a",
  );
  expect(withQuery("/api/x", { id: [], limit: 5 })).toBe("/api/x?limit=5");
  expect(withQuery("/api/x", { n: [1, 2], flag: true })).toBe("/api/x?n=1&n=2&flag=true");
});

test("api() sends repeated parameters as given", async () => {
  const calls = fakeApi({ "GET /api/assignments/requests": () => ({ body: [] }) });
  await expect(api("/api/assignments/requests", { query: { override_id: ["O-1", "O-2"] } })).resolves.toEqual(
    [],
  );
  expect(calls[0]!.url.searchParams.getAll("override_id")).toEqual(["O-1", "O-2"]);
});
