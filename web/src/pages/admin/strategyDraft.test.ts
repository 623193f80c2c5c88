import { expect, test } from "vitest";

import { conditionText, conditionValue, contactRuleText, valueText } from "./strategyDraft";

const field = (type: string) => ({ name: "x", type, level: "customer", choices: [], is_bucket: false });

test("condition values take the field's type; decimals stay exact text", () => {
  expect(conditionValue(">=", "30", field("integer"))).toBe(30);
  expect(conditionValue(">", "0.1", field("decimal"))).toBe("0.1");
  expect(conditionValue("=", "TRUE", field("boolean"))).toBe(true);
  expect(conditionValue("IN", "VIP, MASS,", field("text"))).toEqual(["VIP", "MASS"]);
  expect(conditionValue("IS NULL", "whatever", field("text"))).toBeNull();
  expect(valueText(["a", 1])).toBe("a, 1");
});

test("conditions and contact rules read as one line each", () => {
  expect(conditionText({ field: "delinquency.max_dpd", operator: ">=", value: 30 })).toBe(
    "delinquency.max_dpd >= 30",
  );
  expect(conditionText({ field: "segment", operator: "IN", value: ["VIP", "MASS"] })).toBe(
    "segment IN VIP, MASS",
  );
  expect(conditionText({ field: "custom.flag", operator: "IS NULL", value: null })).toBe(
    "custom.flag IS NULL",
  );
  expect(
    contactRuleText({ source: "CUSTOMER", phone_types: ["MOBILE"], email_types: [], verified_only: true }),
  ).toBe("CUSTOMER: MOBILE phone, verified only");
  expect(contactRuleText({})).toBe("CUSTOMER: no phone or email type");
});
