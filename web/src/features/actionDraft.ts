// The record-action form's draft: what it sends, and what must be fixed before it can be sent. Pure, so it
// is tested alone.

import type { FieldErrors } from "../api/client";

export const PROMISE = "PROMISE_TO_PAY";

export interface LoanChoice {
  account_number: string;
  currency: string;
}

export interface ActionDraft {
  type: string;
  subtype: string;
  result: string;
  account_number: string;
  notes: string;
  promise_date: string;
  promise_amount: string;
  follow_up_date: string;
}

export const blankDraft: ActionDraft = {
  type: "CALL",
  subtype: "OUTBOUND",
  result: "",
  account_number: "",
  notes: "",
  promise_date: "",
  promise_amount: "",
  follow_up_date: "",
};

export function isBlankDraft(draft: ActionDraft): boolean {
  return (Object.keys(blankDraft) as (keyof ActionDraft)[]).every((key) => draft[key] === blankDraft[key]);
}

export function actionBody(cif: string, draft: ActionDraft, actionId: string, at: Date) {
  return {
    action_id: actionId,
    cif,
    account_number: draft.account_number || null,
    type: draft.type,
    subtype: draft.subtype,
    result: draft.result,
    at: at.toISOString(),
    notes: draft.notes.trim() || null,
    promise:
      draft.result === PROMISE ? { date: draft.promise_date, amount: draft.promise_amount.trim() } : null,
    follow_up_date: draft.follow_up_date || null,
  };
}

/** The customer's loan currencies, each once, in order. */
export function currenciesOf(loans: LoanChoice[]): string[] {
  return [...new Set(loans.map((loan) => loan.currency))].sort();
}

/** The currency an amount is in: the chosen loan's, or the only one the customer's loans have. */
export function promiseCurrency(draft: ActionDraft, loans: LoanChoice[]): string | undefined {
  const chosen = loans.find((loan) => loan.account_number === draft.account_number);
  const currencies = currenciesOf(loans);
  return chosen?.currency ?? (currencies.length === 1 ? currencies[0] : undefined);
}

/** A promise over loans in several currencies has no currency: it must name its loan. */
export function needsLoanChoice(draft: ActionDraft, loans: LoanChoice[]): boolean {
  return draft.result === PROMISE && !draft.account_number && currenciesOf(loans).length > 1;
}

/**
 * What the user must fix before sending, by the API's field names, in plain words. The rest (a date in the
 * past, an amount that is not a number...) is the API's to judge: its 422s are shown at the same fields.
 */
export function draftProblems(draft: ActionDraft, loans: LoanChoice[]): FieldErrors {
  const problems: FieldErrors = {};
  if (draft.result !== PROMISE) return problems;
  if (needsLoanChoice(draft, loans)) {
    problems.account_number = `The loans are in ${currenciesOf(loans).join(" and ")}: choose the loan this promise is for`;
  }
  if (!draft.promise_date) problems["promise.date"] = "Enter the promised date";
  if (!draft.promise_amount.trim()) problems["promise.amount"] = "Enter the promised amount";
  return problems;
}
