import { QueryClientProvider, type QueryClient } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router-dom";
import { expect, test, vi } from "vitest";

import { makeQueryClient } from "../../App";
import type { DictionariesAdmin } from "../../api/types";
import { AuthProvider } from "../../auth/AuthContext";
import { DICTIONARIES } from "../../test/fixtures";
import { fakeApi, renderApp, signedInAs, storedDrafts } from "../../test/render";
import DictionariesPage from "./DictionariesPage";

const SAVED: DictionariesAdmin = {
  dictionaries: {
    action_types: [
      { code: "CALL", label: "Call" },
      { code: "LETTER", label: "Letter" },
      { code: "VISIT", label: "Visit" },
    ],
    action_subtypes: [
      { code: "OUTBOUND", label: "Outbound" },
      { code: "INBOUND", label: "Inbound" },
    ],
    action_results: [
      { code: "PROMISE_TO_PAY", label: "Promise to pay" },
      { code: "NO_ANSWER", label: "No answer" },
      { code: "DISPUTE", label: "Dispute" },
    ],
    segments: [{ code: "MASS", label: "Mass" }],
    customer_statuses: [{ code: "ACTIVE", label: "Active" }],
    case_states: [
      { code: "NEW", label: "New" },
      { code: "LEGAL", label: "Legal action" },
    ],
    case_substates: [
      { code: "AWAITING_CALLBACK", label: "Waiting for the customer to call back", states: ["NEW"] },
      { code: "COURT_FILED", label: "Filed in court", states: ["LEGAL"] },
    ],
    recovery_abilities: [
      { code: "HIGH", label: "Able and willing to pay" },
      { code: "NONE", label: "Cannot pay" },
    ],
  },
  source: "saved",
  version: 3,
  updated_at: "2026-03-01T10:00:00Z",
  updated_by: "root",
  protected: {
    action_types: ["CALL"],
    action_results: ["DISPUTE"],
    case_states: [],
    case_substates: [],
    recovery_abilities: [],
  },
};

const FROM_FILE: DictionariesAdmin = {
  ...SAVED,
  source: "file",
  version: 0,
  updated_at: null,
  updated_by: null,
};

const puts = <Call extends { method: string }>(calls: Call[]) =>
  calls.filter((call) => call.method === "PUT");

/** The page the way the app shows it, with the query client at hand (to see what a save invalidates). */
function renderPage(client: QueryClient = makeQueryClient()) {
  const page = render(
    <QueryClientProvider client={client}>
      <AuthProvider>
        <MemoryRouter initialEntries={["/admin/dictionaries"]}>
          <DictionariesPage />
        </MemoryRouter>
      </AuthProvider>
    </QueryClientProvider>,
  );
  return { page, client };
}

/** A saved dictionary's rows as an older page kept them in a stored draft (no substate's states). */
const rows = (name: keyof typeof SAVED.dictionaries) =>
  SAVED.dictionaries[name].map((entry, index) => ({
    id: `${name}-${index}`,
    code: entry.code,
    label: entry.label,
    was: entry.code,
  }));
const section = (title: string) => screen.getByRole("region", { name: title });
/** The case states a substate goes with, by the substate's label. */
const statesOf = (substate: string) => screen.getByRole("group", { name: `States for ${substate}` });
const stateBox = (substate: string, state: string) =>
  within(statesOf(substate)).getByRole("checkbox", { name: state });
/** The substates as the PUT sent them: code and states. */
const sentSubstates = (body: unknown) =>
  (
    body as { dictionaries: { case_substates: { code: string; states: string[] }[] } }
  ).dictionaries.case_substates.map(({ code, states }) => [code, states]);
/** The PUT's body: based on version 3, the saved dictionaries with the `changed` ones replaced. */
const savedOver = (changed: Partial<typeof SAVED.dictionaries>) => ({
  version: 3,
  dictionaries: { ...SAVED.dictionaries, ...changed },
});
const saveButton = () => screen.getByRole("button", { name: "Save" });

async function loaded() {
  await screen.findByRole("heading", { name: "Dictionaries", level: 1 });
}

/** A fake API serving `SAVED` that refuses every save with these 422 field errors. */
const refusingApi = (detail: { loc: (string | number)[]; field: string; msg: string; type: string }[]) =>
  fakeApi({
    "GET /api/admin/dictionaries": () => ({ body: SAVED }),
    "PUT /api/admin/dictionaries": () => ({ status: 422, body: { detail } }),
  });

/** A fake API serving `SAVED` (or `served`) that saves the lists it is sent as version 4. */
const savingApi = (served: typeof SAVED = SAVED) =>
  fakeApi({
    "GET /api/admin/dictionaries": () => ({ body: served }),
    "PUT /api/admin/dictionaries": (_url, init) => ({
      body: { ...SAVED, version: 4, dictionaries: JSON.parse(String(init.body)).dictionaries },
    }),
  });

test("shows where the lists come from, one section per dictionary, rows in order; nothing to save yet", async () => {
  signedInAs("admin");
  fakeApi({ "GET /api/admin/dictionaries": () => ({ body: SAVED }) });
  renderPage();
  await loaded();
  expect(screen.getByText(/^Version 3, saved .* by root\.$/)).toBeInTheDocument();
  for (const title of [
    "Action types",
    "Action directions",
    "Action results",
    "Customer segments",
    "Customer statuses",
    "Case states",
    "Case substates",
    "Recovery abilities",
  ]) {
    expect(section(title)).toBeInTheDocument();
  }
  // in form order: the case's dictionaries after the customer's
  const titles = screen.getAllByRole("heading", { level: 2 }).map((heading) => heading.textContent);
  expect(titles.slice(-4)).toEqual([
    "Customer statuses",
    "Case states",
    "Case substates",
    "Recovery abilities",
  ]);
  expect(screen.getByLabelText("Code 2 of Case states")).toHaveValue("LEGAL");
  expect(screen.getByLabelText("Code 2 of Case substates")).toHaveValue("COURT_FILED");
  expect(screen.getByLabelText("Label 1 of Case substates")).toHaveValue(
    "Waiting for the customer to call back",
  );
  expect(screen.getByLabelText("Label 2 of Recovery abilities")).toHaveValue("Cannot pay");
  expect(screen.getByLabelText("Code 2 of Action results")).toHaveValue("NO_ANSWER");
  expect(screen.getByLabelText("Label 2 of Action results")).toHaveValue("No answer");
  expect(screen.getByLabelText("Code 1 of Action directions")).toHaveValue("OUTBOUND");
  expect(saveButton()).toBeDisabled();
  expect(screen.queryByRole("button", { name: "Discard changes" })).not.toBeInTheDocument();
  expect(screen.getByText("No unsaved changes.")).toBeInTheDocument();
});

test("lists from the dictionaries file: saving replaces the file from then on", async () => {
  signedInAs("admin");
  fakeApi({ "GET /api/admin/dictionaries": () => ({ body: FROM_FILE }) });
  renderPage();
  await loaded();
  expect(
    screen.getByText(
      "From the dictionaries file (CRM_DICTIONARIES_FILE); nothing has been saved here yet. Saving stores version 1, which replaces the file from then on.",
    ),
  ).toBeInTheDocument();
});

test("add, edit, move and remove rows, then save: every list in form order and the version it was based on", async () => {
  signedInAs("admin");
  const after: DictionariesAdmin = {
    ...SAVED,
    version: 4,
    updated_at: "2026-03-02T10:00:00Z",
    updated_by: "admin-1",
  };
  const calls = fakeApi({
    "GET /api/admin/dictionaries": () => ({ body: SAVED }),
    "PUT /api/admin/dictionaries": (_url, init) => ({
      body: { ...after, dictionaries: JSON.parse(String(init.body)).dictionaries },
    }),
  });
  const client = makeQueryClient();
  client.setQueryData(["dictionaries"], DICTIONARIES); // what the action form has read
  renderPage(client);
  await loaded();

  await userEvent.click(screen.getByRole("button", { name: "Add to Action results" }));
  const code = screen.getByLabelText("Code 4 of Action results");
  expect(code).toHaveFocus();
  await userEvent.type(code, "WRONG_NUMBER");
  await userEvent.type(screen.getByLabelText("Label 4 of Action results"), "Wrong number");
  await userEvent.clear(screen.getByLabelText("Label 1 of Action types"));
  await userEvent.type(screen.getByLabelText("Label 1 of Action types"), "Phone call");
  await userEvent.click(screen.getByRole("button", { name: "Move 2 of Action results up" }));
  expect(screen.getByLabelText("Code 1 of Action results")).toHaveValue("NO_ANSWER");
  await userEvent.click(screen.getByRole("button", { name: "Move 1 of Action directions down" }));
  await userEvent.click(screen.getByRole("button", { name: "Remove 2 of Action types" }));
  expect(screen.getByLabelText("Code 2 of Action types")).toHaveValue("VISIT");
  await userEvent.click(screen.getByRole("button", { name: "Add to Case states" }));
  await userEvent.type(screen.getByLabelText("Code 3 of Case states"), "HARDSHIP");
  await userEvent.type(screen.getByLabelText("Label 3 of Case states"), "Hardship review");
  await userEvent.click(screen.getByRole("button", { name: "Add to Case substates" }));
  await userEvent.type(screen.getByLabelText("Code 3 of Case substates"), "JUDGMENT");
  await userEvent.type(screen.getByLabelText("Label 3 of Case substates"), "Judgment obtained");
  await userEvent.click(screen.getByRole("button", { name: "Move 2 of Case substates up" }));
  await userEvent.clear(screen.getByLabelText("Label 1 of Recovery abilities"));
  await userEvent.type(screen.getByLabelText("Label 1 of Recovery abilities"), "Able to pay");
  expect(screen.getByText("Unsaved changes.")).toBeInTheDocument();

  await userEvent.click(saveButton());
  expect(await screen.findByRole("status")).toHaveTextContent("Saved as version 4.");
  expect(puts(calls)).toHaveLength(1);
  expect(puts(calls)[0]!.body).toEqual({
    version: 3,
    dictionaries: {
      action_types: [
        { code: "CALL", label: "Phone call" },
        { code: "VISIT", label: "Visit" },
      ],
      action_subtypes: [
        { code: "INBOUND", label: "Inbound" },
        { code: "OUTBOUND", label: "Outbound" },
      ],
      action_results: [
        { code: "NO_ANSWER", label: "No answer" },
        { code: "PROMISE_TO_PAY", label: "Promise to pay" },
        { code: "DISPUTE", label: "Dispute" },
        { code: "WRONG_NUMBER", label: "Wrong number" },
      ],
      segments: [{ code: "MASS", label: "Mass" }],
      customer_statuses: [{ code: "ACTIVE", label: "Active" }],
      case_states: [
        { code: "NEW", label: "New" },
        { code: "LEGAL", label: "Legal action" },
        { code: "HARDSHIP", label: "Hardship review" },
      ],
      case_substates: [
        { code: "COURT_FILED", label: "Filed in court", states: ["LEGAL"] },
        { code: "AWAITING_CALLBACK", label: "Waiting for the customer to call back", states: ["NEW"] },
        { code: "JUDGMENT", label: "Judgment obtained", states: [] },
      ],
      recovery_abilities: [
        { code: "HIGH", label: "Able to pay" },
        { code: "NONE", label: "Cannot pay" },
      ],
    },
  });
  // The form now shows the new version; the forms' cached dictionaries are read again.
  expect(screen.getByText(/^Version 4, saved .* by admin-1\.$/)).toBeInTheDocument();
  expect(screen.getByLabelText("Code 4 of Action results")).toHaveValue("WRONG_NUMBER");
  expect(saveButton()).toBeDisabled();
  expect(client.getQueryState(["dictionaries"])?.isInvalidated).toBe(true);
  expect(storedDrafts()).toEqual([]);
});

test("a code the product acts on cannot be removed or renamed; its label can change", async () => {
  signedInAs("admin");
  fakeApi({ "GET /api/admin/dictionaries": () => ({ body: SAVED }) });
  renderPage();
  await loaded();
  const types = section("Action types");
  const remove = within(types).getByRole("button", { name: "Remove 1 of Action types" });
  expect(remove).toBeDisabled();
  expect(remove).toHaveAccessibleDescription(
    "CALL cannot be removed or renamed: the product acts on it (the contact rules, promises or wrong-number reports); its label can change.",
  );
  expect(within(types).getByLabelText("Code 1 of Action types")).toHaveAttribute("readonly");
  expect(within(types).getByRole("button", { name: "Remove 2 of Action types" })).toBeEnabled();
  expect(
    within(section("Action results")).getByRole("button", { name: "Remove 3 of Action results" }),
  ).toBeDisabled();

  const label = within(types).getByLabelText("Label 1 of Action types");
  expect(label).not.toHaveAttribute("readonly");
  await userEvent.type(label, " (phone)");
  expect(label).toHaveValue("Call (phone)");
  expect(saveButton()).toBeEnabled();
});

test("renaming a saved code says that recorded actions keep the old one", async () => {
  signedInAs("admin");
  fakeApi({ "GET /api/admin/dictionaries": () => ({ body: SAVED }) });
  renderPage();
  await loaded();
  const code = screen.getByLabelText("Code 2 of Action types");
  await userEvent.clear(code);
  await userEvent.type(code, "POST");
  expect(code).toHaveAccessibleDescription("Was LETTER: actions already recorded keep LETTER.");
});

test("a bad code and a code twice are shown at their rows and block Save; nothing is sent", async () => {
  signedInAs("admin");
  const calls = fakeApi({ "GET /api/admin/dictionaries": () => ({ body: SAVED }) });
  renderPage();
  await loaded();
  const code = screen.getByLabelText("Code 2 of Action directions");
  await userEvent.clear(code);
  await userEvent.type(code, "in bound");
  expect(code).toHaveAttribute("aria-invalid", "true");
  expect(code).toHaveAccessibleDescription(
    expect.stringContaining("A code has capital letters A–Z, digits and _ only"),
  );
  expect(saveButton()).toBeDisabled();
  expect(screen.getByText("Fix the problem shown above to save.")).toBeInTheDocument();

  await userEvent.clear(code);
  await userEvent.type(code, "OUTBOUND");
  expect(
    within(section("Action directions")).getByText("OUTBOUND appears twice in Action directions"),
  ).toBeInTheDocument();
  expect(saveButton()).toBeDisabled();

  await userEvent.click(screen.getByRole("button", { name: "Add to Customer segments" }));
  expect(screen.getByLabelText("Code 2 of Customer segments")).toHaveAccessibleDescription("Enter a code");
  expect(screen.getByLabelText("Label 2 of Customer segments")).toHaveAccessibleDescription("Enter a label");
  expect(screen.getByText("Fix the 3 problems shown above to save.")).toBeInTheDocument();
  await userEvent.click(screen.getByRole("button", { name: "Remove 1 of Customer segments" }));
  await userEvent.click(screen.getByRole("button", { name: "Remove 1 of Customer segments" }));
  expect(within(section("Customer segments")).getByRole("alert")).toHaveTextContent(
    "Keep at least one entry in Customer segments",
  );

  await userEvent.click(saveButton()); // disabled: nothing happens
  await userEvent.type(code, "{Enter}"); // nor by Enter in a field
  expect(puts(calls)).toHaveLength(0);
});

test("the server's 422 is shown at the dictionary (and the row) it names", async () => {
  signedInAs("admin");
  refusingApi([
    {
      loc: ["body", "dictionaries", "action_results"],
      field: "dictionaries.action_results",
      msg: "NO_ANSWER cannot be removed: the contact rules act on it (its label can change)",
      type: "value_error",
    },
    {
      loc: ["body", "dictionaries", "segments", 0, "label"],
      field: "dictionaries.segments.0.label",
      msg: "String should have at most 200 characters",
      type: "string_too_long",
    },
  ]);
  renderPage();
  await loaded();
  await userEvent.click(screen.getByRole("button", { name: "Remove 2 of Action results" }));
  await userEvent.click(saveButton());
  expect(await within(section("Action results")).findByRole("alert")).toHaveTextContent(
    "NO_ANSWER cannot be removed: the contact rules act on it",
  );
  expect(screen.getByLabelText("Label 1 of Customer segments")).toHaveAttribute("aria-invalid", "true");
  expect(screen.getByLabelText("Label 1 of Customer segments")).toHaveAccessibleDescription(
    "String should have at most 200 characters",
  );
  expect(
    screen.getByText(/Not saved: the server refused Action results, Customer segments/),
  ).toBeInTheDocument();

  // An edit makes the answer out of date: it goes.
  await userEvent.type(screen.getByLabelText("Label 1 of Action types"), "!");
  expect(within(section("Action results")).queryByRole("alert")).not.toBeInTheDocument();
});

test("a save overtaken by another (409) shows why and reloads the lists on request", async () => {
  signedInAs("admin");
  let current = SAVED;
  const calls = fakeApi({
    "GET /api/admin/dictionaries": () => ({ body: current }),
    "PUT /api/admin/dictionaries": () => {
      current = {
        ...SAVED,
        version: 4,
        updated_by: "other-admin",
        dictionaries: { ...SAVED.dictionaries, segments: [{ code: "VIP", label: "VIP" }] },
      };
      return {
        status: 409,
        body: {
          detail:
            "the dictionaries were saved by other-admin since version 3 was read: they are at version 4; read them again and redo the change",
        },
      };
    },
  });
  renderPage();
  await loaded();
  await userEvent.clear(screen.getByLabelText("Label 1 of Customer segments"));
  await userEvent.type(screen.getByLabelText("Label 1 of Customer segments"), "Mass market");
  await userEvent.click(saveButton());
  expect(await screen.findByRole("alert")).toHaveTextContent(
    "the dictionaries were saved by other-admin since version 3 was read",
  );
  expect(puts(calls)[0]!.body).toMatchObject({ version: 3 });

  await userEvent.click(screen.getByRole("button", { name: "Reload" }));
  expect(await screen.findByText(/^Version 4, saved .* by other-admin\.$/)).toBeInTheDocument();
  expect(screen.getByLabelText("Code 1 of Customer segments")).toHaveValue("VIP");
  expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  expect(saveButton()).toBeDisabled();
  expect(storedDrafts()).toEqual([]);
});

test("Discard changes asks first, then goes back to the saved lists", async () => {
  signedInAs("admin");
  fakeApi({ "GET /api/admin/dictionaries": () => ({ body: SAVED }) });
  renderPage();
  await loaded();
  await userEvent.click(screen.getByRole("button", { name: "Remove 1 of Customer statuses" }));
  await userEvent.click(screen.getByRole("button", { name: "Add to Customer statuses" }));
  await userEvent.click(screen.getByRole("button", { name: "Discard changes" }));
  const ask = screen.getByRole("alertdialog", { name: "Discard changes" });
  expect(ask).toHaveTextContent("Discard your unsaved changes to the dictionaries?");
  await userEvent.click(within(ask).getByRole("button", { name: "Discard changes" }));
  expect(screen.getByLabelText("Code 1 of Customer statuses")).toHaveValue("ACTIVE");
  expect(screen.queryByLabelText("Code 2 of Customer statuses")).not.toBeInTheDocument();
  expect(saveButton()).toBeDisabled();
  expect(storedDrafts()).toEqual([]);
});

test("unsaved changes outlive the page (a sign-in in between) with the version they were based on", async () => {
  signedInAs("admin");
  let current = SAVED;
  const calls = fakeApi({
    "GET /api/admin/dictionaries": () => ({ body: current }),
    "PUT /api/admin/dictionaries": () => ({ status: 409, body: { detail: "saved since" } }),
  });
  let { page } = renderPage();
  await loaded();
  await userEvent.type(screen.getByLabelText("Label 2 of Action types"), "s");
  expect(storedDrafts().join("\n")).toContain('"Letters"');
  expect(JSON.parse(storedDrafts()[0]!)).toMatchObject({ base: 3 });

  page.unmount();
  ({ page } = renderPage());
  await loaded();
  expect(screen.getByLabelText("Label 2 of Action types")).toHaveValue("Letters");
  expect(screen.getByRole("status")).toHaveTextContent("Unsaved changes restored (based on version 3).");

  // Another admin saved meanwhile: the page says so; a save would name version 3 and be refused.
  page.unmount();
  current = { ...SAVED, version: 4 };
  renderPage();
  await loaded();
  const notice = screen.getByRole("status");
  expect(notice).toHaveTextContent("version 4 has been saved since, so Save would be refused");
  await userEvent.click(saveButton());
  await screen.findByText("saved since");
  expect(puts(calls)[0]!.body).toMatchObject({ version: 3 });

  await userEvent.click(within(notice).getByRole("button", { name: "Discard changes" }));
  await userEvent.click(within(notice).getByRole("button", { name: "Discard changes" }));
  await vi.waitFor(() => expect(screen.getByLabelText("Label 2 of Action types")).toHaveValue("Letter"));
  expect(storedDrafts()).toEqual([]);
});

test("a draft stored by the page before the case's dictionaries loads: their lists are the server's", async () => {
  signedInAs("admin");
  // What the older page (five dictionaries) kept in the tab: one label changed.
  sessionStorage.setItem(
    "crm.draft.dictionaries/admin-1",
    JSON.stringify({
      base: 3,
      rows: {
        action_types: rows("action_types").map((row, index) =>
          index === 1 ? { ...row, label: "Letters" } : row,
        ),
        action_subtypes: rows("action_subtypes"),
        action_results: rows("action_results"),
        segments: rows("segments"),
        customer_statuses: rows("customer_statuses"),
      },
    }),
  );
  const calls = savingApi();
  renderPage();
  await loaded();
  expect(screen.getByLabelText("Label 2 of Action types")).toHaveValue("Letters");
  expect(screen.getByRole("status")).toHaveTextContent("Unsaved changes restored (based on version 3).");
  expect(screen.getByLabelText("Code 2 of Case states")).toHaveValue("LEGAL");
  expect(screen.getByLabelText("Label 1 of Recovery abilities")).toHaveValue("Able and willing to pay");
  expect(screen.getByLabelText("Code 2 of Case substates")).toHaveValue("COURT_FILED");

  await userEvent.click(saveButton());
  expect(await screen.findByText(/^Saved as version 4\./)).toBeInTheDocument();
  expect(puts(calls)[0]!.body).toEqual(
    savedOver({
      action_types: [
        { code: "CALL", label: "Call" },
        { code: "LETTER", label: "Letters" },
        { code: "VISIT", label: "Visit" },
      ],
    }),
  );
  expect(storedDrafts()).toEqual([]);
});

test("a draft stored by the page before the case substates loads: their list is the server's, and is saved", async () => {
  signedInAs("admin");
  // What the older page (seven dictionaries, no case_substates) kept in the tab: a case state added.
  sessionStorage.setItem(
    "crm.draft.dictionaries/admin-1",
    JSON.stringify({
      base: 3,
      rows: {
        action_types: rows("action_types"),
        action_subtypes: rows("action_subtypes"),
        action_results: rows("action_results"),
        segments: rows("segments"),
        customer_statuses: rows("customer_statuses"),
        case_states: [
          ...rows("case_states"),
          { id: "new-1", code: "HARDSHIP", label: "Hardship", was: null },
        ],
        recovery_abilities: rows("recovery_abilities"),
      },
    }),
  );
  const calls = savingApi();
  renderPage();
  await loaded();
  expect(screen.getByRole("status")).toHaveTextContent("Unsaved changes restored (based on version 3).");
  expect(screen.getByLabelText("Code 3 of Case states")).toHaveValue("HARDSHIP");
  expect(screen.getByLabelText("Code 1 of Case substates")).toHaveValue("AWAITING_CALLBACK");
  expect(screen.getByLabelText("Label 2 of Case substates")).toHaveValue("Filed in court");

  await userEvent.clear(screen.getByLabelText("Label 2 of Case substates"));
  await userEvent.type(screen.getByLabelText("Label 2 of Case substates"), "Filed with the court");
  await userEvent.click(saveButton());
  expect(await screen.findByText(/^Saved as version 4\./)).toBeInTheDocument();
  expect(puts(calls)[0]!.body).toEqual(
    savedOver({
      case_states: [...SAVED.dictionaries.case_states, { code: "HARDSHIP", label: "Hardship" }],
      case_substates: [
        { code: "AWAITING_CALLBACK", label: "Waiting for the customer to call back", states: ["NEW"] },
        { code: "COURT_FILED", label: "Filed with the court", states: ["LEGAL"] },
      ],
    }),
  );
  expect(Object.keys((puts(calls)[0]!.body as { dictionaries: object }).dictionaries)).toEqual([
    "action_types",
    "action_subtypes",
    "action_results",
    "segments",
    "customer_statuses",
    "case_states",
    "case_substates",
    "recovery_abilities",
  ]);
  expect(storedDrafts()).toEqual([]);
});

test("each substate shows the case states it goes with; ticking and unticking change what is saved", async () => {
  signedInAs("admin");
  const calls = savingApi();
  renderPage();
  await loaded();
  const court = statesOf("Filed in court");
  expect(court).toHaveAccessibleDescription("Goes with the ticked states only.");
  expect(within(court).getAllByRole("checkbox")).toHaveLength(2); // one per case state
  expect(stateBox("Filed in court", "Legal action")).toBeChecked();
  expect(stateBox("Filed in court", "New")).not.toBeChecked();
  expect(stateBox("Waiting for the customer to call back", "New")).toBeChecked();
  // only the substates choose states
  expect(within(section("Case states")).queryByRole("checkbox")).not.toBeInTheDocument();
  expect(within(section("Recovery abilities")).queryByRole("checkbox")).not.toBeInTheDocument();

  // ticked and unticked again: no change
  await userEvent.click(stateBox("Filed in court", "New"));
  expect(screen.getByText("Unsaved changes.")).toBeInTheDocument();
  await userEvent.click(stateBox("Filed in court", "New"));
  expect(screen.getByText("No unsaved changes.")).toBeInTheDocument();
  expect(storedDrafts()).toEqual([]);

  await userEvent.click(stateBox("Filed in court", "New"));
  await userEvent.click(stateBox("Waiting for the customer to call back", "New"));
  expect(stateBox("Waiting for the customer to call back", "New")).not.toBeChecked();
  expect(statesOf("Waiting for the customer to call back")).toHaveAccessibleDescription(
    "None ticked: goes with any state.",
  );
  await userEvent.click(saveButton());
  expect(await screen.findByText(/^Saved as version 4\./)).toBeInTheDocument();
  expect(puts(calls)[0]!.body).toEqual(
    savedOver({
      case_substates: [
        { code: "AWAITING_CALLBACK", label: "Waiting for the customer to call back", states: [] },
        // in the order of the case states, whatever the order they were ticked in
        { code: "COURT_FILED", label: "Filed in court", states: ["NEW", "LEGAL"] },
      ],
    }),
  );
  expect(stateBox("Filed in court", "New")).toBeChecked();
});

test("a case state renamed is followed by the substates; one removed is dropped from them; one added can be ticked", async () => {
  signedInAs("admin");
  const calls = savingApi();
  renderPage();
  await loaded();
  const code = screen.getByLabelText("Code 2 of Case states");
  await userEvent.clear(code);
  await userEvent.type(code, "COURT");
  expect(stateBox("Filed in court", "Legal action")).toBeChecked();

  await userEvent.click(screen.getByRole("button", { name: "Remove 1 of Case states" }));
  expect(within(statesOf("Waiting for the customer to call back")).getAllByRole("checkbox")).toHaveLength(1);
  expect(stateBox("Waiting for the customer to call back", "Legal action")).not.toBeChecked();

  await userEvent.click(screen.getByRole("button", { name: "Add to Case states" }));
  expect(stateBox("Filed in court", "State 2")).toBeDisabled(); // no code yet
  await userEvent.type(screen.getByLabelText("Code 2 of Case states"), "HARDSHIP");
  await userEvent.type(screen.getByLabelText("Label 2 of Case states"), "Hardship");
  await userEvent.click(stateBox("Waiting for the customer to call back", "Hardship"));

  await userEvent.click(saveButton());
  expect(await screen.findByText(/^Saved as version 4\./)).toBeInTheDocument();
  const body = puts(calls)[0]!.body as { dictionaries: typeof SAVED.dictionaries };
  expect(body.dictionaries.case_states).toEqual([
    { code: "COURT", label: "Legal action" },
    { code: "HARDSHIP", label: "Hardship" },
  ]);
  expect(sentSubstates(body)).toEqual([
    ["AWAITING_CALLBACK", ["HARDSHIP"]],
    ["COURT_FILED", ["COURT"]],
  ]);
  expect(body.dictionaries.recovery_abilities).toEqual(SAVED.dictionaries.recovery_abilities);
});

test("a substate naming a state the form no longer has blocks Save until it is unticked", async () => {
  signedInAs("admin");
  // A draft from before the case substates, with LEGAL renamed: the server's substates still name LEGAL.
  sessionStorage.setItem(
    "crm.draft.dictionaries/admin-1",
    JSON.stringify({
      base: 3,
      rows: {
        ...Object.fromEntries(
          (
            ["action_types", "action_subtypes", "action_results", "segments", "customer_statuses"] as const
          ).map((name) => [name, rows(name)]),
        ),
        case_states: rows("case_states").map((row) =>
          row.code === "LEGAL" ? { ...row, code: "COURT" } : row,
        ),
        recovery_abilities: rows("recovery_abilities"),
      },
    }),
  );
  const calls = savingApi();
  renderPage();
  await loaded();
  expect(within(section("Case substates")).getByRole("alert")).toHaveTextContent(
    "LEGAL is not a case state (substate COURT_FILED)",
  );
  expect(saveButton()).toBeDisabled();
  expect(screen.getByText("Fix the problem shown above to save.")).toBeInTheDocument();
  const stale = stateBox("Filed in court", "LEGAL (not a case state)");
  expect(stale).toBeChecked();
  expect(stateBox("Filed in court", "Legal action")).not.toBeChecked();

  await userEvent.click(stale);
  expect(within(section("Case substates")).queryByRole("alert")).not.toBeInTheDocument();
  await userEvent.click(stateBox("Filed in court", "Legal action"));
  await userEvent.click(saveButton());
  expect(await screen.findByText(/^Saved as version 4\./)).toBeInTheDocument();
  expect(sentSubstates(puts(calls)[0]!.body)).toEqual([
    ["AWAITING_CALLBACK", ["NEW"]],
    ["COURT_FILED", ["COURT"]],
  ]);
});

test("a draft stored before the substates named their states loads them as any state", async () => {
  signedInAs("admin");
  // What the older page (substates without states) kept in the tab: a substate's label changed.
  sessionStorage.setItem(
    "crm.draft.dictionaries/admin-1",
    JSON.stringify({
      base: 3,
      rows: {
        ...Object.fromEntries(
          (Object.keys(SAVED.dictionaries) as (keyof typeof SAVED.dictionaries)[]).map((name) => [
            name,
            rows(name),
          ]),
        ),
        case_substates: rows("case_substates").map((row, index) =>
          index === 1 ? { ...row, label: "Filed with the court" } : row,
        ),
      },
    }),
  );
  const calls = savingApi({
    ...SAVED,
    dictionaries: {
      ...SAVED.dictionaries,
      case_substates: SAVED.dictionaries.case_substates.map((entry) => ({ ...entry, states: [] })),
    },
  });
  renderPage();
  await loaded();
  expect(screen.getByRole("status")).toHaveTextContent("Unsaved changes restored (based on version 3).");
  expect(screen.getByLabelText("Label 2 of Case substates")).toHaveValue("Filed with the court");
  expect(within(statesOf("Filed with the court")).getAllByRole("checkbox")).toHaveLength(2);
  for (const box of within(statesOf("Filed with the court")).getAllByRole("checkbox"))
    expect(box).not.toBeChecked();
  await userEvent.click(stateBox("Filed with the court", "Legal action"));
  await userEvent.click(saveButton());
  expect(await screen.findByText(/^Saved as version 4\./)).toBeInTheDocument();
  expect(puts(calls)[0]!.body).toEqual(
    savedOver({
      case_substates: [
        { code: "AWAITING_CALLBACK", label: "Waiting for the customer to call back", states: [] },
        { code: "COURT_FILED", label: "Filed with the court", states: ["LEGAL"] },
      ],
    }),
  );
});

test("the server's refusal of a substate's states is shown at the substates", async () => {
  signedInAs("admin");
  refusingApi([
    {
      loc: ["body", "dictionaries", "case_substates"],
      field: "dictionaries.case_substates",
      msg: "case_substates[1].states: LEGAL is not a case state (substate COURT_FILED)",
      type: "value_error",
    },
  ]);
  renderPage();
  await loaded();
  await userEvent.click(stateBox("Filed in court", "New"));
  await userEvent.click(saveButton());
  expect(await within(section("Case substates")).findByRole("alert")).toHaveTextContent(
    "case_substates[1].states: LEGAL is not a case state (substate COURT_FILED)",
  );
  expect(screen.getByText(/Not saved: the server refused Case substates/)).toBeInTheDocument();
});

test("only admins have the page: its link is in their navigation, not a supervisor's or an agent's", async () => {
  signedInAs("admin");
  fakeApi({ "GET /api/admin/dictionaries": () => ({ body: SAVED }) });
  const app = renderApp("/admin/strategies");
  const nav = await screen.findByRole("navigation", { name: "Main" });
  await userEvent.click(within(nav).getByRole("link", { name: "Dictionaries" }));
  expect(await screen.findByRole("heading", { name: "Dictionaries", level: 1 })).toBeInTheDocument();
  app.unmount();
  sessionStorage.clear();

  for (const [role, agentId] of [
    ["supervisor", null],
    ["agent", "A-1"],
  ] as const) {
    signedInAs(role, agentId);
    const calls = fakeApi({});
    const other = renderApp("/admin/dictionaries");
    const otherNav = await screen.findByRole("navigation", { name: "Main" });
    expect(within(otherNav).queryByRole("link", { name: "Dictionaries" })).not.toBeInTheDocument();
    expect(await screen.findByRole("alert")).toHaveTextContent("You do not have access to this.");
    expect(calls.filter((call) => call.url.pathname === "/api/admin/dictionaries")).toEqual([]);
    other.unmount();
    sessionStorage.clear();
  }
});
