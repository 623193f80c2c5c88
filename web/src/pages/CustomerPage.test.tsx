import { screen, within } from "@testing-library/react";
import { expect, test } from "vitest";

import type { CustomerView } from "../api/types";
import { fakeApi, renderAt, signedInAs } from "../test/render";
import CustomerPage from "./CustomerPage";

const VIEW = {
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
} as unknown as CustomerView;

test("the 360 view shows the worst figures, loans, the promise with its status and the timeline", async () => {
  signedInAs("supervisor");
  fakeApi({
    "GET /api/customers/C1": () => ({ body: VIEW }),
    "GET /api/dictionaries": () => ({
      body: {
        action_types: [],
        action_subtypes: [],
        action_results: [],
        segments: [],
        customer_statuses: [],
      },
    }),
  });
  renderAt("/customers/C1", "/customers/:cif", <CustomerPage />);
  expect(await screen.findByRole("heading", { name: "Nguyễn Văn An" })).toBeInTheDocument();
  expect(screen.getAllByText("$100.50").length).toBeGreaterThan(0);
  const promises = screen.getByTestId("promises");
  expect(within(promises).getByText("PENDING")).toBeInTheDocument();
  expect(within(screen.getByTestId("timeline")).getByText("will pay friday")).toBeInTheDocument();
  expect(screen.getByRole("link", { name: "+84 90 111 2222" })).toHaveAttribute(
    "href",
    "tel:+84 90 111 2222",
  );
});

test("a customer the caller may not see reads as not found", async () => {
  signedInAs("agent", "A-2");
  fakeApi({ "GET /api/customers/C1": () => ({ status: 404, body: { detail: "no customer 'C1'" } }) });
  renderAt("/customers/C1", "/customers/:cif", <CustomerPage />);
  expect(await screen.findByRole("alert")).toHaveTextContent("Not found, or not yours to see.");
});
