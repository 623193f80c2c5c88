import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect, test } from "vitest";

import { fakeApi, renderAt, signedInAs } from "../../test/render";
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

async function openEditor() {
  signedInAs("admin");
  fakeApi({
    "GET /api/admin/strategy-tools/catalogue": () => ({ body: CATALOGUE }),
    "GET /api/admin/strategies/default": () => ({ body: STRATEGY }),
  });
  renderAt("/admin/strategies", "/admin/strategies", <StrategiesPage />);
  return screen.findByRole("group", { name: "Group Calls" });
}

test("removing a campaign or a group asks first; keeping it changes nothing", async () => {
  const group = await openEditor();
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
  expect(screen.getByRole("alertdialog")).toHaveTextContent("Remove group Calls and its 1 campaign(s)");
  await userEvent.click(
    within(screen.getByRole("alertdialog")).getByRole("button", { name: "Remove group" }),
  );
  expect(screen.queryByRole("group", { name: "Group Calls" })).not.toBeInTheDocument();
});
