// For tests of a card that edits one part of the customer's 360 view in place (the case, the contacts added
// in the CRM): a fake API that keeps that part, and the customer page the card is on.

import { screen } from "@testing-library/react";

import type { CustomerView } from "../api/types";
import CustomerPage from "../pages/CustomerPage";
import { DICTIONARIES, VIEW } from "./fixtures";
import { fakeApi, renderAt } from "./render";

// A cif with a slash: the URLs carry it encoded.
export const CIF = "C/1";
export const CUSTOMER_PATH = "/api/customers/C%2F1";

/** What the fake API answers a PUT, given its body. */
export type PutAnswer = (body: Record<string, unknown>) => { status: number; body: unknown };

/**
 * A fake API that keeps one `part` of the customer, from `start`: a PUT to `putPath` answers `put`; by
 * default the part is saved as the next version, its fields taken from the body by `fieldsOf`. The rest of
 * the 360 view is VIEW's, with `others` over it (the bank's contacts, say).
 */
export function customerPartApi<P extends "case" | "crm_contacts">({
  part,
  putPath,
  start,
  fieldsOf,
  put,
  others = {},
}: {
  part: P;
  putPath: string;
  start: CustomerView[P];
  fieldsOf: (body: Record<string, unknown>) => Partial<CustomerView[P]>;
  put?: PutAnswer;
  others?: Partial<CustomerView>;
}) {
  let current = start;
  const calls = fakeApi({
    [`GET ${CUSTOMER_PATH}`]: () => ({
      body: {
        ...VIEW,
        ...others,
        customer: { ...VIEW.customer, cif: CIF },
        [part]: current,
      } satisfies CustomerView,
    }),
    "GET /api/dictionaries": () => ({ body: DICTIONARIES }),
    [`PUT ${putPath}`]: (_url, init) => {
      const body = JSON.parse(String(init.body)) as Record<string, unknown>;
      if (put) return put(body);
      current = {
        ...current,
        ...fieldsOf(body),
        version: current.version + 1,
        updated_at: "2026-03-20T09:30:00Z",
        updated_by: "agent-1",
      };
      return { status: 200, body: current };
    },
  });
  return {
    calls,
    puts: () => calls.filter((call) => call.method === "PUT"),
    customerReads: () => calls.filter((call) => call.url.pathname === CUSTOMER_PATH).length,
    /** Another's save: the part as the API has it now. */
    setPart: (next: CustomerView[P]) => {
      current = next;
    },
  };
}

export const renderCustomerPage = () =>
  renderAt(`/customers/${encodeURIComponent(CIF)}`, "/customers/:cif", <CustomerPage />);

/** The card (a region named by its title) once the customer page shows it. */
export const findCard = (title: string) => screen.findByRole("region", { name: title });
