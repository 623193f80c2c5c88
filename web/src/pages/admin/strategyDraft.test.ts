import { expect, test } from "vitest";

import { conditionValue, valueText } from "./strategyDraft";

const field = (type: string) => ({ name: "x", type, level: "customer", choices: [], is_bucket: false });

test("condition values take the field's type; decimals stay exact text", () => {
  expect(conditionValue(">=", "30", field("integer"))).toBe(30);
  expect(conditionValue(">", "0.1", field("decimal"))).toBe("0.1");
  expect(conditionValue("=", "TRUE", field("boolean"))).toBe(true);
  expect(conditionValue("IN", "VIP, MASS,", field("text"))).toEqual(["VIP", "MASS"]);
  expect(conditionValue("IS NULL", "whatever", field("text"))).toBeNull();
  expect(valueText(["a", 1])).toBe("a, 1");
});
