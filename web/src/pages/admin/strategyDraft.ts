// Editing a strategy draft: pure helpers over the API's StrategyUpdate shape, so they are tested alone.

import type {
  CampaignDraft,
  ConditionDraft,
  ContactRuleDraft,
  GroupDraft,
  StrategyCatalogue,
} from "../../api/types";

export const NO_VALUE = new Set(["IS NULL", "IS NOT NULL"]);
export const LIST_VALUE = new Set(["IN", "NOT IN"]);

type FieldInfo = StrategyCatalogue["fields"][number];

/** The typed JSON value of a condition from what the admin typed, by the field's type. */
export function conditionValue(
  operator: string,
  text: string,
  field: FieldInfo | undefined,
): ConditionDraft["value"] {
  if (NO_VALUE.has(operator)) return null;
  const one = (part: string): string | number | boolean => {
    const trimmed = part.trim();
    if (field?.type === "boolean") return trimmed.toLowerCase() === "true";
    if (field?.type === "integer" && /^-?\d+$/.test(trimmed)) return Number(trimmed);
    return trimmed; // decimals stay text: exact, never a float
  };
  if (LIST_VALUE.has(operator)) {
    return text
      .split(",")
      .map((part) => part.trim())
      .filter(Boolean)
      .map(one);
  }
  return one(text);
}

/** What to show in the value box for a stored condition value. */
export function valueText(value: ConditionDraft["value"]): string {
  if (value === null || value === undefined) return "";
  return Array.isArray(value) ? value.join(", ") : String(value);
}

/** A condition as one line of text, for reading: "delinquency.max_dpd >= 30", "segment IN VIP, MASS". */
export function conditionText(condition: ConditionDraft): string {
  const head = `${condition.field} ${condition.operator}`;
  return NO_VALUE.has(condition.operator) ? head : `${head} ${valueText(condition.value)}`;
}

/** A contact rule as one line of text: "CUSTOMER: MOBILE phone, HOME phone, verified only". */
export function contactRuleText(rule: ContactRuleDraft): string {
  const kinds = [
    ...(rule.phone_types ?? []).map((kind) => `${kind} phone`),
    ...(rule.email_types ?? []).map((kind) => `${kind} email`),
  ];
  if (rule.relationships?.length) kinds.push(`relationships ${rule.relationships.join(", ")}`);
  if (rule.verified_only) kinds.push("verified only");
  return `${rule.source ?? "CUSTOMER"}: ${kinds.join(", ") || "no phone or email type"}`;
}

export function fieldInfo(catalogue: StrategyCatalogue | undefined, name: string): FieldInfo | undefined {
  const known = catalogue?.fields.find((field) => field.name === name);
  if (known || !catalogue || !name.startsWith(catalogue.custom_prefix)) return known;
  return {
    name,
    type: "dynamic",
    level: "loan",
    choices: [],
    is_bucket: false,
    operators: catalogue.operators,
  };
}

/** The operators to offer on a field: those it takes (no ">=" on codes such as a segment, whose order is
 * only alphabetical), every one for a field the catalogue does not know, and the condition's own operator
 * even when the field does not take it, so a stored condition shows as it is (publishing then says why). */
export function operatorsFor(
  catalogue: StrategyCatalogue,
  field: FieldInfo | undefined,
  current: string,
): string[] {
  const offered = field?.operators?.length ? field.operators : catalogue.operators;
  return offered.includes(current) ? offered : [...offered, current];
}

/** The condition on another field: its operator kept when the new field takes it, else "=". */
export function withField(
  condition: ConditionDraft,
  name: string,
  catalogue: StrategyCatalogue,
): ConditionDraft {
  const takes = fieldInfo(catalogue, name)?.operators;
  const keeps = !takes?.length || takes.includes(condition.operator);
  return { ...condition, field: name, operator: keeps ? condition.operator : "=" };
}

export function newCampaign(group: GroupDraft): CampaignDraft {
  const n = group.campaigns.length + 1;
  return {
    id: `${group.id}-c${n}`,
    name: `Campaign ${n}`,
    priority: n * 10,
    conditions: [],
    contact_rules: [],
  };
}

export function newGroup(groups: GroupDraft[]): GroupDraft {
  const n = groups.length + 1;
  const group: GroupDraft = { id: `group-${n}`, name: `Group ${n}`, campaigns: [] };
  return { ...group, campaigns: [newCampaign(group)] };
}

/** "delinquency.max_dpd >= 1", the usual first condition, valid as it stands. */
export function newCondition(catalogue: StrategyCatalogue | undefined): ConditionDraft {
  const known = catalogue?.fields.some((field) => field.name === FIRST_CONDITION.field) ?? true;
  return known || !catalogue?.fields[0]
    ? { ...FIRST_CONDITION }
    : { field: catalogue.fields[0].name, operator: "IS NOT NULL", value: null };
}

const FIRST_CONDITION: ConditionDraft = { field: "delinquency.max_dpd", operator: ">=", value: 1 };

/** A group's campaigns in the order the strategy processor tries them: priority, then the smaller id. */
export function inTriedOrder(campaigns: CampaignDraft[]): CampaignDraft[] {
  return [...campaigns].sort((a, b) => a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Immutable update of one element of a list. */
export function replaceAt<T>(list: T[], index: number, item: T): T[] {
  return list.map((current, i) => (i === index ? item : current));
}

export function removeAt<T>(list: T[], index: number): T[] {
  return list.filter((_, i) => i !== index);
}
