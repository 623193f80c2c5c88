import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect, test } from "vitest";

import { CONTACT_SOURCES, DICTIONARIES, VIEW, bankAddress } from "../test/fixtures";
import { fakeApi, renderAt, signedInAs } from "../test/render";
import CustomerPage from "./CustomerPage";

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

test("with loans in two currencies the header shows each currency's overdue and outstanding", async () => {
  signedInAs("supervisor");
  const view = {
    ...VIEW,
    delinquency: {
      ...VIEW.delinquency,
      overdue_total: "0", // the main currency's (VND) only: overdue is all in USD
      outstanding_total: "116712402.00",
      currency: "VND",
      by_currency: [
        { currency: "USD", overdue: "2503.14", outstanding: "14282.12" },
        { currency: "VND", overdue: "0", outstanding: "116712402.00" },
      ],
    },
  };
  fakeApi({
    "GET /api/customers/C1": () => ({ body: view }),
    "GET /api/dictionaries": () => ({ body: DICTIONARIES }),
  });
  renderAt("/customers/C1", "/customers/:cif", <CustomerPage />);
  const overdue = (await screen.findByText("Overdue")).nextSibling as HTMLElement;
  expect(overdue).toHaveTextContent("$2,503.14");
  expect(overdue).toHaveTextContent("₫0");
  const outstanding = screen.getByText("Outstanding").nextSibling as HTMLElement;
  expect(outstanding).toHaveTextContent("$14,282.12");
  expect(outstanding).toHaveTextContent("₫116,712,402");
});

test("recording an action offers the customer's contacts, the campaign's chosen number first", async () => {
  signedInAs("agent", "A-1");
  const calls = fakeApi({
    "GET /api/customers/C1": () => ({ body: { ...VIEW, ...CONTACT_SOURCES } }),
    "GET /api/dictionaries": () => ({ body: DICTIONARIES }),
    "POST /api/actions": () => ({ status: 202, body: { action_id: "x", status: "accepted" } }),
  });
  renderAt("/customers/C1", "/customers/:cif", <CustomerPage />);
  const form = await screen.findByRole("form", { name: "Record an action" });
  const contact = await within(form).findByLabelText("Contact used");
  expect(contact).toHaveValue("+84 91 555 0001");
  expect(
    within(contact)
      .getAllByRole("option")
      .map((option) => option.textContent),
  ).toContain("+84 90 777 8888 · mobile · Tran Van B (guarantor) · chosen by the campaign");
  await userEvent.selectOptions(within(form).getByLabelText("Result"), "NO_ANSWER");
  await userEvent.click(within(form).getByRole("button", { name: "Record action" }));
  expect(await within(form).findByText("Recorded.")).toBeInTheDocument();
  expect(calls.find((call) => call.method === "POST")!.body).toMatchObject({
    contact: { channel: "PHONE", number: "+84 91 555 0001" },
  });
});

test("numbers and addresses reported wrong are marked where they are listed, and the timeline names them", async () => {
  signedInAs("supervisor");
  const wrongCall = {
    ...VIEW.actions[0],
    action_id: "A-WRONG",
    result: "WRONG_NUMBER",
    promise: null,
    notes: null,
    contact: { channel: "PHONE", number: "(+84) 90-111-2222" },
  };
  const reports = [
    {
      contact: "(+84) 90-111-2222",
      channel: "PHONE",
      at: "2026-03-18T09:00:00Z",
      agent_id: "AG-7",
      action_id: "A-WRONG",
    },
    {
      contact: "+84 90 777 8888",
      channel: "PHONE",
      at: "2026-03-10T09:00:00Z",
      agent_id: "AG-7",
      action_id: "A-OLD",
    },
    {
      contact: "an.nguyen@mail.vn",
      channel: "EMAIL",
      at: "2026-03-09T09:00:00Z",
      agent_id: "AG-8",
      action_id: "A-MAIL",
    },
  ];
  fakeApi({
    "GET /api/customers/C1": () => ({
      body: { ...VIEW, ...CONTACT_SOURCES, actions: [wrongCall], reported_wrong: reports },
    }),
    "GET /api/dictionaries": () => ({ body: DICTIONARIES }),
  });
  renderAt("/customers/C1", "/customers/:cif", <CustomerPage />);
  const mobile = (await screen.findByRole("link", { name: "+84 90 111 2222" })).closest("li")!;
  // the bank's mobile, reported as the CRM wrote it
  expect(within(mobile).getByText("reported wrong")).toHaveAttribute(
    "title",
    expect.stringMatching(/^Reported wrong on Mar 18, 2026, .+ by AG-7$/),
  );
  const work = screen.getByRole("link", { name: "+84 91 555 0001" }).closest("li")!;
  expect(within(work).queryByText("reported wrong")).toBeNull();
  // the guarantor's phone, and an email added in the CRM
  expect(screen.getByText("+84 90 777 8888").closest("span")).toHaveTextContent("reported wrong");
  const added = within(screen.getByTestId("crm-contacts"));
  expect(added.getByText("an.nguyen@mail.vn").closest("li")).toHaveTextContent("reported wrong");
  expect(added.getByRole("link", { name: "(+84) 90-111-2222" }).closest("li")).toHaveTextContent(
    "reported wrong",
  );
  expect(added.getByRole("link", { name: "+84 24 3333 4444" }).closest("li")).not.toHaveTextContent("wrong");
  expect(within(screen.getByTestId("timeline")).getByText(/· \(\+84\) 90-111-2222$/)).toBeInTheDocument();
});

test("a payment in another currency than its loan's is marked as not counted", async () => {
  signedInAs("supervisor");
  const payment = {
    account_number: "L1",
    paid_at: "2026-03-01T10:00:00Z",
    method: "CASH",
    status: "COMPLETED",
    reverses: null,
    reversed_by: null,
  };
  const view = {
    ...VIEW,
    payments: [
      { ...payment, reference_number: "P-USD", amount: "50.00", currency: "USD" },
      { ...payment, reference_number: "P-VND", amount: "300000", currency: "VND" },
    ],
  };
  fakeApi({
    "GET /api/customers/C1": () => ({ body: view }),
    "GET /api/dictionaries": () => ({ body: DICTIONARIES }),
  });
  renderAt("/customers/C1", "/customers/:cif", <CustomerPage />);
  const table = (await screen.findByRole("heading", { name: "Payments" })).closest("section")!;
  const rows = within(table as HTMLElement)
    .getAllByRole("row")
    .slice(1);
  expect(rows[0]).not.toHaveTextContent("Not counted");
  expect(rows[1]).toHaveTextContent("COMPLETEDNot counted: the loan is in USD"); // L1 is in USD
});

test("a judged promise says the day the rules kept or broke it", async () => {
  signedInAs("supervisor");
  const kept = { ...VIEW.promises[0]!, status: "KEPT", paid_amount: "100.50", settled_on: "2026-03-21" };
  const broken = { ...kept, action_id: "A0", status: "BROKEN", paid_amount: "0", settled_on: "2026-03-12" };
  fakeApi({
    "GET /api/customers/C1": () => ({ body: { ...VIEW, promises: [kept, broken] } }),
    "GET /api/dictionaries": () => ({ body: DICTIONARIES }),
  });
  renderAt("/customers/C1", "/customers/:cif", <CustomerPage />);
  const promises = await screen.findByTestId("promises");
  const [keptRow, brokenRow] = within(promises).getAllByRole("listitem");
  expect(keptRow).toHaveTextContent(/paid \$100\.50, kept Mar 21, 2026/);
  expect(brokenRow).toHaveTextContent(/paid \$0\.00, broken Mar 12, 2026/);
});

test("the customer's field agent records a visit by default, and a visit's position links to a map", async () => {
  signedInAs("agent", "F-1");
  const visit = {
    ...VIEW.actions[0]!,
    action_id: "V1",
    type: "VISIT",
    result: "NO_ANSWER",
    promise: null,
    notes: null,
    contact: { channel: "VISIT", number: "27 Pho Hue, Hanoi, VN" },
    visit: { lat: 21.028511, lon: 105.854168, address: "27 Pho Hue, Hanoi, VN" },
  };
  const home = bankAddress("HOME", "27 Pho Hue");
  const period = (agent_type: string, agent_id: string) => ({
    agent_type,
    agent_id,
    campaign_id: null,
    valid_from: "2026-03-01",
    valid_to: null,
    reason: "least loaded fitting agent",
  });
  fakeApi({
    "GET /api/customers/C1": () => ({
      body: {
        ...VIEW,
        contacts: { ...VIEW.contacts, addresses: [home] },
        actions: [visit],
        assignment: { current: [period("CALL", "A-1"), period("FIELD", "F-1")], history: [] },
      },
    }),
    "GET /api/dictionaries": () => ({
      body: {
        ...DICTIONARIES,
        action_types: [...DICTIONARIES.action_types, { code: "VISIT", label: "Visit" }],
      },
    }),
  });
  renderAt("/customers/C1", "/customers/:cif", <CustomerPage />);
  expect(await screen.findByLabelText("Type")).toHaveValue("VISIT");
  expect(screen.getByLabelText("Address visited")).toHaveValue("27 Pho Hue, Hanoi, VN");
  const timeline = screen.getByTestId("timeline");
  expect(within(timeline).getByText(/27 Pho Hue, Hanoi, VN/)).toBeInTheDocument();
  // the codes by their labels in the dictionaries
  expect(within(timeline).getByText("Visit · outbound · no answer")).toBeInTheDocument();
  expect(within(timeline).getByRole("link", { name: "21.02851, 105.85417" })).toHaveAttribute(
    "href",
    "https://www.openstreetmap.org/?mlat=21.028511&mlon=105.854168#map=17/21.028511/105.854168",
  );
});

test("the customer's call agent records a call by default", async () => {
  signedInAs("agent", "A-1");
  fakeApi({
    "GET /api/customers/C1": () => ({
      body: {
        ...VIEW,
        assignment: {
          current: [
            {
              agent_type: "CALL",
              agent_id: "A-1",
              campaign_id: null,
              valid_from: "2026-03-01",
              valid_to: null,
              reason: "",
            },
            {
              agent_type: "FIELD",
              agent_id: "F-1",
              campaign_id: null,
              valid_from: "2026-03-01",
              valid_to: null,
              reason: "",
            },
          ],
          history: [],
        },
      },
    }),
    "GET /api/dictionaries": () => ({ body: DICTIONARIES }),
  });
  renderAt("/customers/C1", "/customers/:cif", <CustomerPage />);
  expect(await screen.findByLabelText("Type")).toHaveValue("CALL");
  expect(screen.queryByLabelText("Address visited")).not.toBeInTheDocument();
});
