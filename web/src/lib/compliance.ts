// Why a customer may not be called now, as an agent reads it. The API sends stable codes
// (domain.compliance.Rule); a code this build does not know yet is shown as it came.

const RULE_LABELS: Record<string, string> = {
  CEASE_COMMUNICATION: "Asked not to be contacted",
  DISPUTE_OPEN: "Dispute open",
  ATTEMPT_LIMIT_7_IN_7: "7 call attempts in 7 days",
  CONVERSATION_COOLDOWN_7_DAYS: "Spoken to in the last 7 days",
  OUTSIDE_CALLING_HOURS: "Outside calling hours",
};

export function complianceRuleLabel(rule: string | null | undefined): string {
  if (!rule) return "Not contactable";
  return RULE_LABELS[rule] ?? rule;
}
