import { expect, test } from "vitest";

import { countOf, formatCount } from "./format";

test("countOf writes the noun singular for one and plural otherwise, the count grouped", () => {
  expect(countOf(1, "customer")).toBe("1 customer");
  expect(countOf(0, "customer")).toBe("0 customers");
  expect(countOf(1200, "action")).toBe(`${formatCount(1200)} actions`);
  expect(countOf(2, "reply", "replies")).toBe("2 replies");
});
