// API answers shared by several tests.

import type {
  CaseView,
  CrmAddress,
  CrmContactsView,
  CustomerView,
  Dictionaries,
  ReassignmentAccepted,
  ReassignmentStatus,
} from "../api/types";
import type { ContactSources } from "../features/actionContact";

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
    {
      code: "AWAITING_CALLBACK",
      label: "Waiting for the customer to call back",
      states: ["CONTACTING", "NEGOTIATING"],
    },
    { code: "AWAITING_DOCUMENTS", label: "Waiting for documents", states: ["NEGOTIATING", "PAYMENT_PLAN"] },
    { code: "PLAN_PROPOSED", label: "Payment plan proposed", states: ["NEGOTIATING"] },
    { code: "PLAN_BROKEN", label: "Payment plan broken", states: [] }, // any state
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

/**
 * Where a customer's contacts come from in the 360 view: the bank's (a primary mobile, a work phone, two
 * emails), the CRM's (the bank's mobile again, written differently, and a new phone and email), a guarantor's
 * phone, and a campaign that chose the work phone first, then the mobile, then the guarantor.
 */
export const CONTACT_SOURCES: ContactSources = {
  contacts: {
    phones: [
      { type: "MOBILE", number: "+84 90 111 2222", is_primary: true, is_verified: true },
      { type: "WORK", number: "+84 91 555 0001", is_primary: false, is_verified: false },
    ],
    emails: [
      { type: "PERSONAL", address: "an@example.com", is_primary: true, is_verified: true },
      { type: "WORK", address: "an@shop.vn", is_primary: false, is_verified: false },
    ],
    addresses: [],
  },
  crm_contacts: {
    ...NO_CRM_CONTACTS,
    phones: [
      { type: "MOBILE", number: "(+84) 90-111-2222", is_verified: false, note: "" },
      { type: "HOME", number: "+84 24 3333 4444", is_verified: false, note: "" },
    ],
    emails: [
      { type: "PERSONAL", address: "AN@example.com", is_verified: false, note: "" },
      { type: "OTHER", address: "an.nguyen@mail.vn", is_verified: false, note: "" },
    ],
  },
  references: [
    {
      name: "Tran Van B",
      customer_name: null,
      ref_cif: null,
      relationship: "GUARANTOR",
      phones: [{ type: "MOBILE", number: "+84 90 777 8888", is_primary: true, is_verified: false }],
    },
  ],
  strategy: {
    strategy_id: "default",
    strategy_version: 3,
    business_date: "2026-03-20",
    delinquent: true,
    campaigns: [
      {
        campaign_id: "early",
        campaign_name: "Early calls",
        group_id: "g",
        reason: "bucket 30-59",
        matched_loan: "L1",
        agent_type: "CALL",
        team: null,
        required_skills: { buckets: [], languages: [], products: [] },
        contacts: [
          {
            channel: "PHONE",
            value: "+84 91 555 0001",
            type: "WORK",
            source: "CUSTOMER",
            rule: 0,
            is_primary: false,
            is_verified: false,
            ref_cif: null,
            relationship: null,
            name: null,
          },
          {
            channel: "PHONE",
            value: "+84 90 111 2222",
            type: "MOBILE",
            source: "CUSTOMER",
            rule: 0,
            is_primary: true,
            is_verified: true,
            ref_cif: null,
            relationship: null,
            name: null,
          },
          {
            channel: "PHONE",
            value: "+84 90 777 8888",
            type: "MOBILE",
            source: "REFERENCE",
            rule: 1,
            is_primary: true,
            is_verified: false,
            ref_cif: null,
            relationship: "GUARANTOR",
            name: "Tran Van B",
          },
        ],
      },
    ],
  },
};

/** An address an agent added after a visit. */
export const SHOP_ADDRESS: CrmAddress = {
  type: "WORK",
  line1: "12 Ly Thuong Kiet",
  line2: null,
  city: "Hanoi",
  province: "Hoan Kiem",
  postal_code: "100000",
  country: "VN",
  is_verified: true,
  note: "the shop, weekdays; ask for Mrs Lan",
};

/** Which reassignment, and what it moves: customer C1's call agent, An (A-1), to Chi (A-3), in North. */
const REASSIGNMENT = {
  override_id: "O-1",
  cif: "C1",
  team: "North",
  agent_type: "CALL",
  agent_id: "A-3",
  from_agent_id: "A-1",
  requested_at: "2026-03-20T09:00:00Z",
} as const;

/** A reassignment the API accepted (202 from POST /api/assignments), as REASSIGNMENT unless told. */
export const reassignmentAccepted = (
  overrides: Partial<ReassignmentAccepted> = {},
): ReassignmentAccepted => ({
  ...REASSIGNMENT,
  status: "accepted",
  ...overrides,
});

/**
 * What the processor made of a reassignment (as GET /api/assignments/requests answers): REASSIGNMENT, asked
 * for by supervisor-1 without a note, PENDING unless told; once decided, on 2026-03-20 a few seconds later.
 */
export function reassignmentStatus(overrides: Partial<ReassignmentStatus> = {}): ReassignmentStatus {
  const decided = (overrides.outcome ?? "PENDING") !== "PENDING";
  return {
    ...REASSIGNMENT,
    episode: 1,
    requested_by: "supervisor-1",
    note: null,
    outcome: "PENDING",
    reason: null,
    business_date: decided ? "2026-03-20" : null,
    decided_at: decided ? "2026-03-20T09:00:03Z" : null,
    ...overrides,
  };
}

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

/** One of the bank's addresses of a customer (the 360 view's `contacts.addresses`), in Hanoi. */
export const bankAddress = (type: "HOME" | "WORK" | "OTHER", line1: string, is_primary = false) => ({
  type,
  line1,
  line2: null,
  city: "Hanoi",
  province: null,
  postal_code: null,
  country: "VN",
  is_primary,
  is_verified: false,
});
