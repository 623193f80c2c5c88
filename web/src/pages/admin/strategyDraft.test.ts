import { expect, test } from "vitest";

import type { ConditionDraft } from "../../api/types";

import {
  conditionText,
  conditionValue,
  contactRuleText,
  fieldInfo,
  inTriedOrder,
  newCondition,
  operatorsFor,
  valueText,
  withField,
} from "./strategyDraft";

const field = (type: string) => ({
  name: "x",
  type,
  level: "customer",
  choices: [],
  is_bucket: false,
  operators: [],
});

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

test("the operators offered follow the field, and a stored condition keeps its own", () => {
  const catalogue = {
    buckets: [],
    contact_sources: [],
    custom_prefix: "custom.",
    email_types: [],
    phone_types: [],
    operators: ["=", ">", "IN", "LIKE"],
    fields: [
      { ...field("text"), name: "customer.segment", operators: ["=", "IN", "LIKE"] },
      { ...field("integer"), name: "delinquency.max_dpd", operators: ["=", ">", "IN"] },
    ],
  };
  const segment = fieldInfo(catalogue, "customer.segment");
  expect(operatorsFor(catalogue, segment, "=")).toEqual(["=", "IN", "LIKE"]);
  expect(operatorsFor(catalogue, segment, ">")).toEqual(["=", "IN", "LIKE", ">"]); // as stored
  expect(operatorsFor(catalogue, fieldInfo(catalogue, "custom.tier"), "=")).toEqual(catalogue.operators);
  expect(operatorsFor(catalogue, undefined, "=")).toEqual(catalogue.operators); // a field being typed

  const dpd: ConditionDraft = { field: "delinquency.max_dpd", operator: ">", value: 30 };
  expect(withField(dpd, "customer.segment", catalogue).operator).toBe("=");
  expect(withField({ ...dpd, operator: "IN" }, "customer.segment", catalogue).operator).toBe("IN");
  expect(withField(dpd, "custom.tier", catalogue).operator).toBe(">");
  expect(withField(dpd, "customer.seg", catalogue)).toEqual({ ...dpd, field: "customer.seg" });

  expect(newCondition(catalogue)).toEqual({ field: "delinquency.max_dpd", operator: ">=", value: 1 });
  const withoutDpd = { ...catalogue, fields: catalogue.fields.slice(0, 1) };
  expect(newCondition(withoutDpd)).toEqual({
    field: "customer.segment",
    operator: "IS NOT NULL",
    value: null,
  });
});

test("a group's campaigns read in the order they are tried: priority, then the smaller id", () => {
  const campaign = (id: string, priority: number) => ({ id, name: id, priority, conditions: [] });
  const tried = inTriedOrder([
    campaign("LATE", 10),
    campaign("LEGAL", 5),
    campaign("B", 10),
    campaign("A0", 0),
  ]);
  expect(tried.map((c) => c.id)).toEqual(["A0", "LEGAL", "B", "LATE"]);
});
