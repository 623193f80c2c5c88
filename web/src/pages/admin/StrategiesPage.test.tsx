import { focusManager } from "@tanstack/react-query";
import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect, onTestFinished, test, vi } from "vitest";

import { formatDateTime } from "../../lib/format";
import { fakeApi, renderAt, signedInAs, storedDrafts, type Handler } from "../../test/render";
import StrategiesPage from "./StrategiesPage";

const CATALOGUE = {
  buckets: ["1-29"],
  contact_sources: [],
  custom_prefix: "custom.",
  email_types: [],
  fields: [
    { name: "delinquency.max_dpd", type: "integer", level: "customer", choices: [], is_bucket: false },
  ],
  operators: [">="],
  phone_types: [],
};

const STRATEGY = {
  strategy_id: "default",
  version: 3,
  published_at: "2026-03-01T00:00:00Z",
  published_by: "admin",
  groups: [
    {
      id: "calls",
      name: "Calls",
      campaigns: [
        { id: "early", name: "Early", priority: 10, conditions: [], contact_rules: [] },
        { id: "late", name: "Late", priority: 20, conditions: [], contact_rules: [] },
      ],
    },
  ],
};

/** Picks version 2 (of 3) in the history card and waits for it to show; returns the card. */
async function viewSecondVersion() {
  const history = screen.getByRole("region", { name: "Version history" });
  const picker = within(history).getByRole("combobox", { name: "Version to view" });
  expect(
    within(picker)
      .getAllByRole("option")
      .map((option) => option.textContent),
  ).toEqual(["Choose a version", "3 (current)", "2", "1"]);
  await userEvent.selectOptions(picker, "2");
  expect(
    await within(history).findByText(
      `Version 2, published ${formatDateTime("2026-02-01T09:30:00Z")} by alice. Read only.`,
    ),
  ).toBeInTheDocument();
  return history;
}

async function openEditor(routes: Record<string, Handler> = {}) {
  signedInAs("admin");
  const calls = fakeApi({
    "GET /api/admin/strategy-tools/catalogue": () => ({ body: CATALOGUE }),
    "GET /api/admin/strategies/default": () => ({ body: STRATEGY }),
    ...routes,
  });
  const page = renderAt("/admin/strategies", "/admin/strategies", <StrategiesPage />);
  const group = await screen.findByRole("group", { name: "Group Calls" });
  return { group, calls, page };
}

const VERSION_2 = {
  strategy_id: "default",
  version: 2,
  published_at: "2026-02-01T09:30:00Z",
  published_by: "alice",
  groups: [
    {
      id: "calls",
      name: "Calls",
      campaigns: [
        {
          id: "legacy",
          name: "Legacy",
          priority: 5,
          team: "north",
          agent_type: "CALL",
          required_skills: { buckets: [], languages: [], products: [] },
          conditions: [{ field: "delinquency.max_dpd", operator: ">=", value: 30 }],
          contact_rules: [
            {
              source: "CUSTOMER",
              phone_types: ["MOBILE"],
              email_types: [],
              verified_only: true,
              relationships: [],
            },
          ],
        },
      ],
    },
  ],
};

test("removing a campaign or a group asks first; keeping it changes nothing", async () => {
  const { group } = await openEditor();
  await userEvent.click(within(group).getAllByRole("button", { name: "Remove campaign" })[0]!);
  const question = screen.getByRole("alertdialog", { name: "Remove campaign" });
  expect(question).toHaveTextContent("Remove campaign Early from the draft?");
  await userEvent.click(within(question).getByRole("button", { name: "Keep it" }));
  expect(within(group).getByRole("group", { name: "Early" })).toBeInTheDocument();

  await userEvent.click(within(group).getAllByRole("button", { name: "Remove campaign" })[0]!);
  await userEvent.click(
    within(screen.getByRole("alertdialog")).getByRole("button", { name: "Remove campaign" }),
  );
  expect(within(group).queryByRole("group", { name: "Early" })).not.toBeInTheDocument();
  expect(within(group).getByRole("group", { name: "Late" })).toBeInTheDocument();

  await userEvent.click(within(group).getByRole("button", { name: "Remove group" }));
  expect(screen.getByRole("alertdialog")).toHaveTextContent("Remove group Calls and its 1 campaign from");
  await userEvent.click(
    within(screen.getByRole("alertdialog")).getByRole("button", { name: "Remove group" }),
  );
  expect(screen.queryByRole("group", { name: "Group Calls" })).not.toBeInTheDocument();
});

test("re-evaluating all customers asks first, then posts once and says what was requested", async () => {
  const requestedAt = "2026-03-02T08:15:00Z";
  const { calls } = await openEditor({
    "POST /api/admin/strategies/default/reevaluate": () => ({
      status: 202,
      body: { strategy_id: "default", version: 3, partitions: 6, requested_at: requestedAt },
    }),
  });
  // The answer waits until released, so the button can be seen disabled while the request runs.
  const answer = globalThis.fetch;
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
    if (init?.method === "POST") await held;
    return answer(input, init);
  });
  const card = screen.getByRole("region", { name: "Re-evaluation" });
  expect(card).toHaveTextContent("Evaluates every customer again under the current version (3)");

  await userEvent.click(within(card).getByRole("button", { name: "Re-evaluate all customers" }));
  const question = within(card).getByRole("alertdialog", { name: "Re-evaluate all customers" });
  expect(question).toHaveTextContent("Re-evaluate every customer under version 3 now?");
  await userEvent.click(within(question).getByRole("button", { name: "Keep it" }));
  expect(calls.filter((call) => call.method === "POST")).toHaveLength(0);

  await userEvent.click(within(card).getByRole("button", { name: "Re-evaluate all customers" }));
  await userEvent.click(within(card).getByRole("button", { name: "Re-evaluate" }));
  expect(await within(card).findByRole("button", { name: "Re-evaluate all customers" })).toBeDisabled();
  release();

  expect(await within(card).findByText(/Re-evaluation of version 3 requested/)).toHaveTextContent(
    `Re-evaluation of version 3 requested (6 partitions) at ${formatDateTime(requestedAt)}.`,
  );
  expect(within(card).getByRole("button", { name: "Re-evaluate all customers" })).toBeEnabled();
  const posts = calls.filter((call) => call.method === "POST");
  expect(posts.map((call) => call.url.pathname)).toEqual(["/api/admin/strategies/default/reevaluate"]);
});

test("a refused re-evaluation shows the API's detail", async () => {
  await openEditor({
    "POST /api/admin/strategies/default/reevaluate": () => ({
      status: 503,
      body: { detail: "Kafka did not accept the message: timed out; nothing was changed" },
    }),
  });
  const card = screen.getByRole("region", { name: "Re-evaluation" });
  await userEvent.click(within(card).getByRole("button", { name: "Re-evaluate all customers" }));
  await userEvent.click(within(card).getByRole("button", { name: "Re-evaluate" }));
  expect(await within(card).findByRole("alert")).toHaveTextContent(
    "Kafka did not accept the message: timed out; nothing was changed",
  );
  expect(within(card).queryByText(/requested/)).not.toBeInTheDocument();
});

test("an older version is fetched and shown read only, and can be loaded into the editor", async () => {
  const { group, calls } = await openEditor({
    "GET /api/admin/strategies/default/versions/2": () => ({ body: VERSION_2 }),
  });
  const history = await viewSecondVersion();
  expect(calls.map((call) => `${call.method} ${call.url.pathname}`)).toContain(
    "GET /api/admin/strategies/default/versions/2",
  );
  expect(within(history).getByText(/^Legacy/)).toHaveTextContent("Legacy (legacy, priority 5)");
  expect(within(history).getByText("team north · call agents")).toBeInTheDocument();
  expect(within(history).getByText("delinquency.max_dpd >= 30")).toBeInTheDocument();
  expect(within(history).getByText("CUSTOMER: MOBILE phone, verified only")).toBeInTheDocument();
  expect(within(history).queryByRole("textbox")).not.toBeInTheDocument();
  // The live draft is untouched until the admin loads the version.
  expect(within(group).getByRole("group", { name: "Early" })).toBeInTheDocument();

  await userEvent.click(within(history).getByRole("button", { name: "Load into editor" }));
  await userEvent.click(
    within(within(history).getByRole("alertdialog")).getByRole("button", { name: "Load into editor" }),
  );
  const editor = screen.getByRole("group", { name: "Group Calls" });
  expect(within(editor).getByRole("group", { name: "Legacy" })).toBeInTheDocument();
  expect(within(editor).queryByRole("group", { name: "Early" })).not.toBeInTheDocument();
  expect(within(history).getByRole("status")).toHaveTextContent(
    "Version 2 loaded into the editor as the draft; Publish makes it version 4.",
  );
});

test("a version the API does not have is said so plainly", async () => {
  const { calls } = await openEditor({
    "GET /api/admin/strategies/default/versions/1": () => ({
      status: 404,
      body: { detail: "strategy 'default' has no version 1" },
    }),
  });
  const history = screen.getByRole("region", { name: "Version history" });
  await userEvent.selectOptions(within(history).getByRole("combobox", { name: "Version to view" }), "1");
  expect(await within(history).findByRole("alert")).toHaveTextContent(
    "Version 1 of this strategy does not exist.",
  );
  expect(calls.filter((call) => call.url.pathname.endsWith("/versions/1"))).toHaveLength(1);
});

test("a supervisor reads the current version and the history, with nothing to edit, publish or re-evaluate", async () => {
  signedInAs("supervisor");
  const calls = fakeApi({
    "GET /api/admin/strategy-tools/catalogue": () => ({ body: CATALOGUE }),
    "GET /api/admin/strategies/default": () => ({ body: STRATEGY }),
    "GET /api/admin/strategies/default/versions/2": () => ({ body: VERSION_2 }),
  });
  renderAt("/admin/strategies", "/admin/strategies", <StrategiesPage />);

  const currentCard = await screen.findByRole("region", { name: "Current version" });
  expect(screen.getByRole("heading", { level: 1, name: "Strategy" })).toBeInTheDocument();
  expect(screen.getByText(/Read only for supervisors: admins publish changes\./)).toBeInTheDocument();
  expect(
    within(currentCard).getByText(`Version 3, published ${formatDateTime("2026-03-01T00:00:00Z")} by admin.`),
  ).toBeInTheDocument();
  expect(within(currentCard).getByText(/^Early/)).toHaveTextContent("Early (early, priority 10)");
  expect(within(currentCard).getByText(/^Late/)).toHaveTextContent("Late (late, priority 20)");

  // No editor, no Preview/Publish, no re-evaluation.
  expect(screen.queryByRole("group", { name: "Group Calls" })).not.toBeInTheDocument();
  expect(screen.queryByRole("textbox")).not.toBeInTheDocument();
  expect(screen.queryByRole("spinbutton")).not.toBeInTheDocument();
  expect(screen.queryByRole("checkbox")).not.toBeInTheDocument();
  expect(screen.queryByRole("region", { name: "Re-evaluation" })).not.toBeInTheDocument();
  for (const name of [/Preview/, /Publish/, /Re-evaluate/, /Add group/]) {
    expect(screen.queryByRole("button", { name })).not.toBeInTheDocument();
  }

  const history = await viewSecondVersion();
  expect(within(history).getByText("delinquency.max_dpd >= 30")).toBeInTheDocument();
  expect(within(history).queryByRole("button", { name: "Load into editor" })).not.toBeInTheDocument();
  expect(screen.queryAllByRole("button")).toEqual([]);

  // Only reads, and none of the admin's tools (the catalogue is the editor's).
  expect(calls.map((call) => `${call.method} ${call.url.pathname}`)).toEqual([
    "GET /api/admin/strategies/default",
    "GET /api/admin/strategies/default/versions/2",
  ]);
});

test("a supervisor is told when no strategy has been published yet", async () => {
  signedInAs("supervisor");
  const calls = fakeApi({
    "GET /api/admin/strategies/default": () => ({ status: 404, body: { detail: "no strategy" } }),
  });
  renderAt("/admin/strategies", "/admin/strategies", <StrategiesPage />);
  expect(await screen.findByText("Not published yet.")).toBeInTheDocument();
  expect(screen.queryByRole("region", { name: "Version history" })).not.toBeInTheDocument();
  expect(calls.every((call) => call.method === "GET")).toBe(true);
});

test("an admin still gets the editor, Publish and the re-evaluation, not the supervisor's read-only page", async () => {
  const { calls } = await openEditor();
  expect(screen.getByRole("button", { name: "Publish" })).toBeInTheDocument();
  expect(screen.getByRole("button", { name: "Preview" })).toBeInTheDocument();
  expect(screen.getByRole("region", { name: "Re-evaluation" })).toBeInTheDocument();
  expect(screen.queryByRole("region", { name: "Current version" })).not.toBeInTheDocument();
  expect(screen.queryByText(/Read only for supervisors/)).not.toBeInTheDocument();
  expect(calls.map((call) => `${call.method} ${call.url.pathname}`)).toContain(
    "GET /api/admin/strategy-tools/catalogue",
  );
});

/** The drafts kept in the tab's storage, parsed. */
const keptDrafts = () => storedDrafts().map((text) => JSON.parse(text) as unknown);

/** Renames campaign Early in the editor: a change to the draft. */
async function renameEarly(group: HTMLElement, name: string) {
  const campaign = within(group).getByRole("group", { name: "Early" });
  await userEvent.clear(within(campaign).getByLabelText("Name"));
  await userEvent.type(within(campaign).getByLabelText("Name"), name);
  expect(within(group).getByRole("group", { name })).toBeInTheDocument();
}

/** The page again, as after signing in again: a fresh mount over the same tab's storage. */
async function comeBack(previous: { unmount: () => void }) {
  previous.unmount();
  const page = renderAt("/admin/strategies", "/admin/strategies", <StrategiesPage />);
  const group = await screen.findByRole("group", { name: "Group Calls" });
  return { page, group };
}

const [EARLY, LATE] = STRATEGY.groups[0]!.campaigns;
const RENAMED = [{ ...STRATEGY.groups[0]!, campaigns: [{ ...EARLY!, name: "Early birds" }, LATE!] }];

test("unpublished changes outlive the page (a sign-in in between): restored with a notice; Discard asks, then goes back to the published version", async () => {
  const { group, page } = await openEditor();
  await renameEarly(group, "Early birds");
  expect(keptDrafts()).toEqual([{ base: 3, groups: RENAMED }]);

  const { group: again } = await comeBack(page);
  expect(within(again).getByRole("group", { name: "Early birds" })).toBeInTheDocument();
  expect(within(again).queryByRole("group", { name: "Early" })).not.toBeInTheDocument();
  const notice = screen.getByRole("status");
  expect(notice).toHaveTextContent("Unpublished changes restored (based on version 3).");
  expect(notice).not.toHaveTextContent("published since");

  await userEvent.click(within(notice).getByRole("button", { name: "Discard changes" }));
  const question = within(notice).getByRole("alertdialog", { name: "Discard changes" });
  expect(question).toHaveTextContent("Discard the unpublished changes and go back to version 3?");
  await userEvent.click(within(question).getByRole("button", { name: "Keep it" }));
  expect(within(again).getByRole("group", { name: "Early birds" })).toBeInTheDocument();

  await userEvent.click(within(notice).getByRole("button", { name: "Discard changes" }));
  await userEvent.click(within(notice).getByRole("button", { name: "Discard changes" }));
  expect(within(again).getByRole("group", { name: "Early" })).toBeInTheDocument();
  expect(within(again).queryByRole("group", { name: "Early birds" })).not.toBeInTheDocument();
  expect(screen.queryByRole("status")).not.toBeInTheDocument();
  expect(keptDrafts()).toEqual([]);
});

test("a draft edited back to the published version keeps nothing", async () => {
  const { group } = await openEditor();
  await renameEarly(group, "Early birds");
  expect(keptDrafts()).toHaveLength(1);
  const campaign = within(group).getByRole("group", { name: "Early birds" });
  await userEvent.clear(within(campaign).getByLabelText("Name"));
  await userEvent.type(within(campaign).getByLabelText("Name"), "Early");
  expect(keptDrafts()).toEqual([]);
});

test("Publish stores the draft as the new version and keeps nothing in the tab", async () => {
  let current = STRATEGY;
  const { group, page, calls } = await openEditor({
    "GET /api/admin/strategies/default": () => ({ body: current }),
    "PUT /api/admin/strategies/default": (_url, init) => {
      current = { ...STRATEGY, version: 4, groups: JSON.parse(String(init.body)).groups };
      return { body: current };
    },
  });
  await renameEarly(group, "Early birds");
  expect(keptDrafts()).toHaveLength(1);
  await userEvent.click(screen.getByRole("button", { name: "Publish" }));
  expect(await screen.findByText(/^Published version 4/)).toBeInTheDocument();
  expect(calls.find((call) => call.method === "PUT")!.body).toEqual({ groups: RENAMED });
  expect(keptDrafts()).toEqual([]);

  const { group: again } = await comeBack(page);
  expect(within(again).getByRole("group", { name: "Early birds" })).toBeInTheDocument();
  expect(screen.queryByText(/restored/)).not.toBeInTheDocument();
});

test("a restored draft says when another version has been published since: Publish would replace it", async () => {
  let current = STRATEGY;
  const { group, page } = await openEditor({
    "GET /api/admin/strategies/default": () => ({ body: current }),
  });
  await renameEarly(group, "Early birds");
  // Meanwhile somebody else publishes version 4.
  current = { ...STRATEGY, version: 4, published_by: "alice" };

  const { group: again } = await comeBack(page);
  expect(within(again).getByRole("group", { name: "Early birds" })).toBeInTheDocument();
  const notice = screen.getByRole("status");
  expect(notice).toHaveTextContent(
    "Unpublished changes restored (based on version 3); version 4 has been published since, so Publish would replace it.",
  );
  await userEvent.click(within(notice).getByRole("button", { name: "Discard changes" }));
  expect(within(notice).getByRole("alertdialog")).toHaveTextContent(
    "Discard the unpublished changes and go back to version 4?",
  );
  expect(keptDrafts()).toEqual([{ base: 3, groups: RENAMED }]);
});

test("while the admin edits, a version published by somebody else is said so: Publish would replace it", async () => {
  let current = STRATEGY;
  const { group } = await openEditor({
    "GET /api/admin/strategies/default": () => ({ body: current }),
  });
  await renameEarly(group, "Early birds");
  expect(screen.queryByRole("status")).not.toBeInTheDocument();

  // Somebody else publishes version 4; the page reads the strategy again when the admin comes back to it.
  current = { ...STRATEGY, version: 4, published_by: "alice" };
  const now = Date.now();
  vi.spyOn(Date, "now").mockReturnValue(now + 60_000);
  onTestFinished(() => {
    vi.restoreAllMocks();
    focusManager.setFocused(undefined);
  });
  focusManager.setFocused(false);
  focusManager.setFocused(true);
  expect(await screen.findByRole("status")).toHaveTextContent(
    "Your unpublished changes were based on version 3; version 4 has been published since, so Publish would replace it.",
  );
  expect(within(group).getByRole("group", { name: "Early birds" })).toBeInTheDocument();
});

test("a preview says how many customers it counted, as of which business date, and each campaign's share", async () => {
  const { group } = await openEditor({
    "POST /api/admin/strategy-tools/preview": () => ({
      body: {
        strategy_id: "default",
        business_date: "2026-03-02",
        estimated: false,
        evaluated: 1200,
        population: 1200,
        groups: [
          {
            group_id: "calls",
            name: "Calls",
            unmatched: 200,
            campaigns: [{ campaign_id: "early", name: "Early", customers: 1000 }],
          },
        ],
      },
    }),
  });
  await userEvent.click(screen.getByRole("button", { name: "Preview" }));
  // the business date reads as every other date does, not as ISO
  expect(
    await screen.findByText("Counted over 1,200 of 1,200 customers, as of business date Mar 2, 2026."),
  ).toBeInTheDocument();
  expect(within(group).getByRole("group", { name: /^Early/ })).toHaveTextContent("1,000 customers");
});

test("a condition offers only the operators its field takes, and the API's refusal shows at the operator", async () => {
  const catalogue = {
    ...CATALOGUE,
    fields: [
      { ...CATALOGUE.fields[0]!, operators: ["=", ">=", "IN", "IS NULL"] },
      {
        name: "customer.segment",
        type: "text",
        level: "customer",
        choices: ["MASS", "VIP"],
        is_bucket: false,
        operators: ["=", "IN", "LIKE", "IS NULL"],
      },
    ],
    operators: ["=", ">=", "IN", "LIKE", "IS NULL"],
  };
  const operator = "groups.0.campaigns.0.conditions.0.operator";
  const { group } = await openEditor({
    "GET /api/admin/strategy-tools/catalogue": () => ({ body: catalogue }),
    "PUT /api/admin/strategies/default": () => ({
      status: 422,
      body: {
        detail: [{ loc: ["body", ...operator.split(".")], field: operator, msg: "codes have no order" }],
      },
    }),
  });
  const early = within(group).getByRole("group", { name: "Early" });
  await userEvent.click(within(early).getByRole("button", { name: "Add condition" }));
  const offered = () =>
    within(within(early).getByRole("combobox", { name: "Operator" }))
      .getAllByRole("option")
      .map((option) => option.textContent);
  // a new condition is valid as it stands
  expect(within(early).getByRole("combobox", { name: "Field" })).toHaveValue("delinquency.max_dpd");
  expect(within(early).getByRole("combobox", { name: "Operator" })).toHaveValue(">=");
  expect(offered()).toEqual(["=", ">=", "IN", "IS NULL"]);

  const field = within(early).getByRole("combobox", { name: "Field" });
  await userEvent.clear(field);
  await userEvent.type(field, "customer.segment");
  expect(within(early).getByRole("combobox", { name: "Operator" })).toHaveValue("=");
  expect(offered()).toEqual(["=", "IN", "LIKE", "IS NULL"]);

  await userEvent.click(screen.getByRole("button", { name: "Publish" }));
  const select = within(early).getByRole("combobox", { name: "Operator" });
  expect(await within(early).findByRole("alert")).toHaveTextContent("codes have no order");
  expect(select).toHaveAttribute("aria-invalid", "true");
});
