// API answers shared by several tests.

import type { CaseView, CrmContactsView, CustomerView, Dictionaries } from "../api/types";

export const DICTIONARIES: Dictionaries = {
  action_types: [
    { code: "CALL", label: "Call" },
    { code: "LETTER", label: "Letter" },
  ],
  action_subtypes: [
    { code: "OUTBOUND", label: "Outbound" },
    { code: "INBOUND", label: "Inbound" },
  ],
  action_results: [
    { code: "PROMISE_TO_PAY", label: "Promise to pay" },
    { code: "NO_ANSWER", label: "No answer" },
  ],
  segments: [],
  customer_statuses: [],
  case_states: [
    { code: "NEW", label: "New" },
    { code: "CONTACTING", label: "Trying to reach the customer" },
    { code: "NEGOTIATING", label: "Negotiating" },
    { code: "PAYMENT_PLAN", label: "On a payment plan" },
  ],
  case_substates: [
    { code: "AWAITING_CALLBACK", label: "Waiting for the customer to call back" },
    { code: "AWAITING_DOCUMENTS", label: "Waiting for documents" },
    { code: "PLAN_PROPOSED", label: "Payment plan proposed" },
    { code: "PLAN_BROKEN", label: "Payment plan broken" },
  ],
  recovery_abilities: [
    { code: "HIGH", label: "Able and willing to pay" },
    { code: "MEDIUM", label: "Able to pay part" },
    { code: "LOW", label: "Unlikely to pay" },
    { code: "NONE", label: "Cannot pay" },
  ],
};

/** A case never saved: nothing set, no notes, no follow-up. */
export const NO_CASE: CaseView = {
  state: null,
  substate: null,
  recovery_ability: null,
  notes: "",
  follow_up_date: null,
  version: 0,
  updated_at: null,
  updated_by: null,
};

/** No contacts added in the CRM yet. */
export const NO_CRM_CONTACTS: CrmContactsView = {
  phones: [],
  emails: [],
  addresses: [],
  version: 0,
  updated_at: null,
  updated_by: null,
};

/** A customer with one USD loan, a pending promise and one action, a case never saved, no CRM contacts. */
export const VIEW = {
  business_date: "2026-03-20",
  customer: {
    cif: "C1",
    type: "INDIVIDUAL",
    name: "Nguyễn Văn An",
    national_id: "079",
    company_name: null,
    registration_number: null,
    tax_id: null,
    date_of_birth: null,
    segment: "MASS",
    status: "ACTIVE",
    timezone: "Asia/Ho_Chi_Minh",
    source_system: "T24",
    updated_at: "2026-03-01T00:00:00Z",
  },
  contacts: {
    phones: [{ type: "MOBILE", number: "+84 90 111 2222", is_primary: true, is_verified: true }],
    emails: [],
    addresses: [],
  },
  references: [],
  loans: [
    {
      account_number: "L1",
      cif: "C1",
      product_type: "AUTO_LOAN",
      currency: "USD",
      status: "OPEN",
      dpd: 40,
      bucket: "30-59",
      overdue_amount: "100.50",
      outstanding: "800",
      as_of: "2026-03-01T00:00:00Z",
      installments: [],
      original_amount: "1000",
      disbursement_date: "2025-01-01",
      maturity_date: "2027-01-01",
      interest_rate: "10",
      term_months: 24,
      oldest_unpaid_due: "2026-02-08",
      custom_fields: {},
      collateral_numbers: [],
    },
  ],
  collaterals: [],
  payments: [],
  actions: [
    {
      action_id: "A1",
      account_number: "L1",
      agent_id: "AG-1",
      type: "CALL",
      subtype: "OUTBOUND",
      result: "PROMISE_TO_PAY",
      at: "2026-03-19T09:00:00Z",
      notes: "will pay friday",
      promise: { date: "2026-03-22", amount: "100.50" },
      follow_up_date: null,
      contact: null,
      visit: null,
    },
  ],
  promises: [
    {
      action_id: "A1",
      account_number: "L1",
      date: "2026-03-22",
      amount: "100.50",
      status: "PENDING",
      paid_amount: "0",
      made_on: "2026-03-19",
      agent_id: "AG-1",
      evaluated_on: "2026-03-20",
    },
  ],
  strategy: null,
  assignment: { current: [], history: [] },
  delinquency: {
    max_dpd: 40,
    bucket: "30-59",
    overdue_total: "100.50",
    outstanding_total: "800",
    currency: "USD",
    by_currency: [],
    loans: 1,
    loans_delinquent: 1,
    oldest_unpaid_due: "2026-02-08",
  },
  case: NO_CASE,
  crm_contacts: NO_CRM_CONTACTS,
} as unknown as CustomerView;
