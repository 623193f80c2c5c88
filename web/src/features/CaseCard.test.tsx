import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect, test } from "vitest";

import type { CaseView } from "../api/types";
import { customerPartApi, findCard, renderCustomerPage, type PutAnswer } from "../test/customerPart";
import { DICTIONARIES, NO_CASE } from "../test/fixtures";
import { signedInAs, storedDrafts } from "../test/render";
import { formatDate } from "../lib/format";
import {
  caseBody,
  completeDraft,
  draftOf,
  isUnchanged,
  labelOf,
  savedLine,
  substatesFor,
  withState,
} from "./caseDraft";

const CASE_PATH = "/api/cases/C%2F1";

const SAVED: CaseView = {
  state: "NEGOTIATING",
  substate: "AWAITING_DOCUMENTS",
  recovery_ability: "OLD_CODE", // no longer in the dictionary
  notes: "Spoke to the wife.\nCall after 6 pm.",
  follow_up_date: "2026-03-25",
  version: 2,
  updated_at: "2026-03-18T10:00:00Z",
  updated_by: "agent1",
};

/** A fake API that keeps the case: a PUT answers `put` (by default: saved as the next version). */
const caseApi = (start: CaseView, put?: PutAnswer) =>
  customerPartApi({
    part: "case",
    putPath: CASE_PATH,
    start,
    put,
    fieldsOf: (body) => ({
      state: body.state as string | null,
      substate: body.substate as string | null,
      recovery_ability: body.recovery_ability as string | null,
      notes: body.notes as string,
    }),
  });

const renderPage = renderCustomerPage;
const caseCard = () => findCard("Case");

test("the case reads with the dictionaries' labels, the code of one no longer there, notes as written", async () => {
  signedInAs("agent", "A-1");
  caseApi(SAVED);
  renderPage();
  const card = await caseCard();
  expect(await within(card).findByText("Negotiating")).toBeInTheDocument();
  expect(within(card).getByText("Substate").nextElementSibling).toHaveTextContent("Waiting for documents");
  expect(within(card).getByText("OLD_CODE")).toBeInTheDocument();
  expect(within(card).getByText(formatDate("2026-03-25"))).toBeInTheDocument();
  expect(within(card).getByText("Set by recording an action with a follow-up date.")).toBeInTheDocument();
  expect(within(card).getByTestId("case-notes").textContent).toBe("Spoke to the wife.\nCall after 6 pm.");
  expect(within(card).getByText(/^Saved by agent1 on .*, version 2$/)).toBeInTheDocument();
  expect(within(card).getByRole("button", { name: "Edit case" })).toBeInTheDocument();
});

test("a case never saved reads as such", async () => {
  signedInAs("supervisor");
  caseApi(NO_CASE);
  renderPage();
  const card = await caseCard();
  expect(within(card).getAllByText("Not set")).toHaveLength(3);
  expect(within(card).getByText("None")).toBeInTheDocument();
  expect(within(card).getByText("No notes yet.")).toBeInTheDocument();
  expect(within(card).getByText("Never saved")).toBeInTheDocument();
});

test("an agent edits the case and saves it: the body names the version; the customer is read again", async () => {
  signedInAs("agent", "A-1");
  const api = caseApi(NO_CASE);
  renderPage();
  const card = await caseCard();
  await userEvent.click(within(card).getByRole("button", { name: "Edit case" }));
  const form = await within(card).findByRole("form", { name: "Edit the case" });
  const state = within(form).getByLabelText("State");
  expect(state).toHaveFocus();
  expect(
    within(state)
      .getAllByRole("option")
      .map((option) => option.textContent),
  ).toEqual(["Not set", "New", "Trying to reach the customer", "Negotiating", "On a payment plan"]);
  await userEvent.selectOptions(state, "NEGOTIATING");
  // the substate comes right after the state
  expect(
    within(form)
      .getAllByRole("combobox")
      .map((select) => (select as HTMLSelectElement).labels[0]?.textContent),
  ).toEqual(["State", "Substate", "Recovery ability"]);
  const substate = within(form).getByLabelText("Substate");
  expect(substate).toHaveValue("");
  expect(
    within(substate)
      .getAllByRole("option")
      .map((option) => option.textContent),
  ).toEqual([
    "Not set",
    "Waiting for the customer to call back",
    "Waiting for documents",
    "Payment plan proposed",
    "Payment plan broken",
  ]);
  await userEvent.selectOptions(substate, "PLAN_PROPOSED");
  await userEvent.selectOptions(within(form).getByLabelText("Recovery ability"), "MEDIUM");
  const notes = within(form).getByLabelText("Notes");
  await userEvent.type(notes, "Lost his job.{Enter}Offer a plan.");
  expect(notes).toHaveAccessibleDescription("27 of 4000 characters. Line breaks are kept.");
  const readsBefore = api.customerReads();

  await userEvent.click(within(form).getByRole("button", { name: "Save case" }));
  expect(await within(card).findByRole("status")).toHaveTextContent("Case saved (version 1).");
  expect(api.puts()).toHaveLength(1);
  expect(api.puts()[0]!.url.pathname).toBe(CASE_PATH);
  expect(api.puts()[0]!.body).toEqual({
    state: "NEGOTIATING",
    substate: "PLAN_PROPOSED",
    recovery_ability: "MEDIUM",
    notes: "Lost his job.\nOffer a plan.",
    version: 0,
  });
  expect(within(card).queryByRole("form")).not.toBeInTheDocument();
  expect(within(card).getByText("Negotiating")).toBeInTheDocument();
  expect(within(card).getByText("Payment plan proposed")).toBeInTheDocument();
  expect(within(card).getByText("Able to pay part")).toBeInTheDocument();
  expect(within(card).getByTestId("case-notes").textContent).toBe("Lost his job.\nOffer a plan.");
  expect(within(card).getByText(/^Saved by agent-1 on .*, version 1$/)).toBeInTheDocument();
  expect(within(card).getByRole("button", { name: "Edit case" })).toHaveFocus();
  await screen.findByText(/version 1$/);
  expect(api.customerReads()).toBeGreaterThan(readsBefore);
  expect(storedDrafts()).toEqual([]);
});

test("Not set clears a code; Cancel closes the form and sends nothing", async () => {
  signedInAs("supervisor");
  const api = caseApi({ ...SAVED, recovery_ability: "LOW" });
  renderPage();
  const card = await caseCard();
  await userEvent.click(within(card).getByRole("button", { name: "Edit case" }));
  const form = await within(card).findByRole("form", { name: "Edit the case" });
  expect(within(form).getByLabelText("State")).toHaveValue("NEGOTIATING");
  expect(within(form).getByLabelText("Substate")).toHaveValue("AWAITING_DOCUMENTS");
  expect(within(form).getByLabelText("Notes")).toHaveValue(SAVED.notes);
  await userEvent.selectOptions(within(form).getByLabelText("Recovery ability"), "");
  await userEvent.click(within(form).getByRole("button", { name: "Cancel" }));
  expect(within(card).queryByRole("form")).not.toBeInTheDocument();
  expect(within(card).getByText("Unlikely to pay")).toBeInTheDocument();
  expect(api.puts()).toHaveLength(0);
  expect(storedDrafts()).toEqual([]);

  await userEvent.click(within(card).getByRole("button", { name: "Edit case" }));
  await userEvent.selectOptions(within(card).getByLabelText("Recovery ability"), "");
  await userEvent.selectOptions(within(card).getByLabelText("Substate"), "");
  await userEvent.click(within(card).getByRole("button", { name: "Save case" }));
  await within(card).findByText("Case saved (version 3).");
  expect(api.puts()[0]!.body).toEqual({
    state: "NEGOTIATING",
    substate: null,
    recovery_ability: null,
    notes: SAVED.notes,
    version: 2,
  });
});

test("a save overtaken by another's (409) shows why; Reload reads the customer and edits the case as saved now", async () => {
  signedInAs("agent", "A-1");
  const detail =
    "the case was saved by agent2 at 2026-03-20 since version 2 was read: it is at version 3; read it again and redo the change";
  let refuse = true;
  const api = caseApi(SAVED, (body) =>
    refuse
      ? { status: 409, body: { detail } }
      : { status: 200, body: { ...SAVED, ...body, version: 4, updated_by: "agent-1" } },
  );
  renderPage();
  const card = await caseCard();
  await userEvent.click(within(card).getByRole("button", { name: "Edit case" }));
  await userEvent.selectOptions(await within(card).findByLabelText("State"), "PAYMENT_PLAN");
  await userEvent.click(within(card).getByRole("button", { name: "Save case" }));
  expect(await within(card).findByRole("alert")).toHaveTextContent(detail);
  expect(within(card).getByRole("form", { name: "Edit the case" })).toBeInTheDocument();

  api.setPart({ ...SAVED, state: "LEGAL", version: 3, updated_by: "agent2" });
  const readsBefore = api.customerReads();
  await userEvent.click(within(card).getByRole("button", { name: "Reload" }));
  await within(card).findByRole("option", { name: "LEGAL (no longer in the list)" });
  expect(api.customerReads()).toBe(readsBefore + 1);
  expect(within(card).getByLabelText("State")).toHaveValue("LEGAL");
  expect(within(card).queryByRole("alert")).not.toBeInTheDocument();

  refuse = false;
  await userEvent.selectOptions(within(card).getByLabelText("State"), "PAYMENT_PLAN");
  await userEvent.click(within(card).getByRole("button", { name: "Save case" }));
  await within(card).findByText("Case saved (version 4).");
  expect(api.puts()[1]!.body).toMatchObject({ state: "PAYMENT_PLAN", version: 3 });
});

test("a code the API refuses (422) is shown at its field", async () => {
  signedInAs("agent", "A-1");
  const message = "unknown state code 'NEGOTIATING'; allowed: NEW, CONTACTING";
  caseApi(NO_CASE, () => ({
    status: 422,
    body: { detail: [{ loc: ["body", "state"], msg: message, type: "value_error" }] },
  }));
  renderPage();
  const card = await caseCard();
  await userEvent.click(within(card).getByRole("button", { name: "Edit case" }));
  const state = await within(card).findByLabelText("State");
  await userEvent.selectOptions(state, "NEGOTIATING");
  await userEvent.click(within(card).getByRole("button", { name: "Save case" }));
  expect(await within(card).findByRole("alert")).toHaveTextContent(message);
  expect(state).toHaveAttribute("aria-invalid", "true");
  expect(state).toHaveAccessibleDescription(message);
  expect(within(card).getByLabelText("Recovery ability")).toHaveAttribute("aria-invalid", "false");

  // An edit makes the answer out of date: it goes.
  await userEvent.selectOptions(state, "NEW");
  expect(state).toHaveAttribute("aria-invalid", "false");
});

test("a substate the API refuses (422) is shown at the Substate select", async () => {
  signedInAs("agent", "A-1");
  const message = "unknown substate code 'PLAN_BROKEN'; allowed: AWAITING_CALLBACK";
  caseApi(NO_CASE, () => ({
    status: 422,
    body: { detail: [{ loc: ["body", "substate"], msg: message, type: "value_error" }] },
  }));
  renderPage();
  const card = await caseCard();
  await userEvent.click(within(card).getByRole("button", { name: "Edit case" }));
  const substate = await within(card).findByLabelText("Substate");
  await userEvent.selectOptions(within(card).getByLabelText("State"), "NEGOTIATING");
  await userEvent.selectOptions(substate, "PLAN_BROKEN");
  await userEvent.click(within(card).getByRole("button", { name: "Save case" }));
  expect(await within(card).findByRole("alert")).toHaveTextContent(message);
  expect(substate).toHaveAttribute("aria-invalid", "true");
  expect(substate).toHaveAccessibleDescription(message);
  expect(within(card).getByLabelText("State")).toHaveAttribute("aria-invalid", "false");
});

test("admins and integrations see the case but cannot edit it", async () => {
  for (const role of ["admin", "integration"] as const) {
    signedInAs(role);
    caseApi(SAVED);
    const page = renderPage();
    const card = await caseCard();
    expect(await within(card).findByText("Negotiating")).toBeInTheDocument();
    expect(within(card).queryByRole("button", { name: "Edit case" })).not.toBeInTheDocument();
    page.unmount();
    sessionStorage.clear();
  }
});

test("the open form and its unsaved input outlive the page (a sign-in in between)", async () => {
  signedInAs("agent", "A-1");
  const api = caseApi(SAVED);
  const page = renderPage();
  let card = await caseCard();
  await userEvent.click(within(card).getByRole("button", { name: "Edit case" }));
  await userEvent.type(await within(card).findByLabelText("Notes"), "{Enter}Wife says he is abroad.");
  page.unmount();

  renderPage();
  card = await caseCard();
  const notes = await within(card).findByLabelText("Notes");
  expect(notes).toHaveValue(`${SAVED.notes}\nWife says he is abroad.`);
  expect(within(card).getByRole("status")).toHaveTextContent(
    "Your unsaved changes to the case were restored.",
  );
  await userEvent.click(within(card).getByRole("button", { name: "Save case" }));
  await within(card).findByText("Case saved (version 3).");
  expect(api.puts()[0]!.body).toMatchObject({ notes: `${SAVED.notes}\nWife says he is abroad.`, version: 2 });
  expect(storedDrafts()).toEqual([]);
});

test("a draft kept by the page before the substate (none in it) opens with the substate not set", async () => {
  signedInAs("agent", "A-1");
  // What the older page kept in the tab: the notes changed, no substate.
  const { substate: _substate, ...older } = { ...draftOf(SAVED), notes: "Wife says he is abroad." };
  sessionStorage.setItem("crm.draft.case/agent-1/C/1", JSON.stringify(older));
  const api = caseApi({ ...SAVED, substate: null });
  renderPage();
  const card = await caseCard();
  const form = await within(card).findByRole("form", { name: "Edit the case" });
  expect(within(form).getByLabelText("Notes")).toHaveValue("Wife says he is abroad.");
  expect(within(form).getByLabelText("State")).toHaveValue("NEGOTIATING");
  expect(within(form).getByLabelText("Substate")).toHaveValue("");
  expect(within(card).getByRole("status")).toHaveTextContent(
    "Your unsaved changes to the case were restored.",
  );

  await userEvent.selectOptions(within(form).getByLabelText("Substate"), "AWAITING_CALLBACK");
  await userEvent.click(within(form).getByRole("button", { name: "Save case" }));
  await within(card).findByText("Case saved (version 3).");
  expect(api.puts()[0]!.body).toEqual({
    state: "NEGOTIATING",
    substate: "AWAITING_CALLBACK",
    recovery_ability: "OLD_CODE",
    notes: "Wife says he is abroad.",
    version: 2,
  });
  expect(within(card).getByText("Waiting for the customer to call back")).toBeInTheDocument();
  expect(storedDrafts()).toEqual([]);
});

const optionsOf = (select: HTMLElement) =>
  within(select)
    .getAllByRole("option")
    .map((option) => option.textContent);

test("the substates offered are those that go with the state; choosing another state clears one that does not", async () => {
  signedInAs("agent", "A-1");
  const api = caseApi({ ...SAVED, substate: "PLAN_PROPOSED", recovery_ability: "LOW" });
  renderPage();
  const card = await caseCard();
  await userEvent.click(within(card).getByRole("button", { name: "Edit case" }));
  const form = await within(card).findByRole("form", { name: "Edit the case" });
  const state = within(form).getByLabelText("State");
  const substate = within(form).getByLabelText("Substate");
  expect(substate).toHaveValue("PLAN_PROPOSED");
  // a payment plan: documents, or a broken plan (which goes with any state); not a plan proposed
  await userEvent.selectOptions(state, "PAYMENT_PLAN");
  expect(substate).toHaveValue("");
  expect(optionsOf(substate)).toEqual(["Not set", "Waiting for documents", "Payment plan broken"]);
  await userEvent.selectOptions(substate, "PLAN_BROKEN");
  await userEvent.selectOptions(state, "CONTACTING");
  expect(substate).toHaveValue("PLAN_BROKEN"); // it goes with any state: kept
  expect(optionsOf(substate)).toEqual([
    "Not set",
    "Waiting for the customer to call back",
    "Payment plan broken",
  ]);
  await userEvent.selectOptions(state, "");
  expect(substate).toHaveAccessibleDescription("Choose a state to see the substates that go with it.");
  expect(optionsOf(substate)).toEqual(["Not set", "Payment plan broken"]);
  await userEvent.selectOptions(state, "CONTACTING");
  await userEvent.click(within(form).getByRole("button", { name: "Save case" }));
  await within(card).findByText("Case saved (version 3).");
  expect(api.puts()[0]!.body).toMatchObject({ state: "CONTACTING", substate: "PLAN_BROKEN" });
});

test("a pair saved before the substate's states were narrowed opens as it is and saves unchanged", async () => {
  signedInAs("agent", "A-1");
  const api = caseApi({ ...SAVED, state: "NEW", substate: "AWAITING_DOCUMENTS", recovery_ability: "LOW" });
  renderPage();
  const card = await caseCard();
  await userEvent.click(within(card).getByRole("button", { name: "Edit case" }));
  const form = await within(card).findByRole("form", { name: "Edit the case" });
  const substate = within(form).getByLabelText("Substate");
  expect(substate).toHaveValue("AWAITING_DOCUMENTS");
  expect(optionsOf(substate)).toEqual([
    "Not set",
    "Payment plan broken",
    "AWAITING_DOCUMENTS (not with this state)",
  ]);
  await userEvent.type(within(form).getByLabelText("Notes"), " Called.");
  await userEvent.click(within(form).getByRole("button", { name: "Save case" }));
  await within(card).findByText("Case saved (version 3).");
  expect(api.puts()[0]!.body).toMatchObject({ state: "NEW", substate: "AWAITING_DOCUMENTS" });
});

test("the draft helpers: the body, labels, the saved line", () => {
  const draft = { ...draftOf(NO_CASE), state: "NEW" };
  expect(caseBody(draft)).toEqual({
    state: "NEW",
    substate: null,
    recovery_ability: null,
    notes: "",
    version: 0,
  });
  expect(caseBody({ ...draft, substate: "JUDGMENT" })).toMatchObject({ substate: "JUDGMENT" });
  expect(draftOf(SAVED).substate).toBe("AWAITING_DOCUMENTS");
  expect(isUnchanged(draftOf(SAVED), { ...SAVED, substate: "PLAN_BROKEN" })).toBe(false);
  expect(completeDraft(draft)).toBe(draft);
  const { substate: _substate, ...older } = draftOf(NO_CASE);
  expect(completeDraft(older)).toEqual(draftOf(NO_CASE));
  expect(labelOf(DICTIONARIES.case_substates, "PLAN_BROKEN")).toBe("Payment plan broken");
  expect(labelOf(DICTIONARIES.case_states, "NEW")).toBe("New");
  expect(labelOf(DICTIONARIES.case_states, "GONE")).toBe("GONE");
  expect(labelOf(undefined, null)).toBe("Not set");
  expect(savedLine(NO_CASE)).toBe("Never saved");
  expect(savedLine(SAVED)).toMatch(/^Saved by agent1 on .*, version 2$/);
  const substates = DICTIONARIES.case_substates;
  expect(substatesFor(substates, "NEW").map((entry) => entry.code)).toEqual(["PLAN_BROKEN"]);
  const negotiating = { ...draftOf(SAVED), substate: "PLAN_PROPOSED" };
  expect(withState(negotiating, "PAYMENT_PLAN", substates).substate).toBe("");
  expect(withState(negotiating, "NEGOTIATING", substates)).toEqual(negotiating);
  expect(withState({ ...negotiating, substate: "GONE" }, "NEW", substates).substate).toBe("GONE");
});
