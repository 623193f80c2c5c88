import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect, test, vi } from "vitest";

import { fakeApi, renderAt, signedInAs, storedDrafts, suggestions } from "../../test/render";
import AgentsPage from "./AgentsPage";

const AGENT = {
  agent_id: "AG1",
  name: "Lan",
  team: "T-A",
  type: "CALL",
  capacity: 50,
  active: true,
  skills: { products: [], buckets: [], languages: [] },
  updated_at: "2026-03-01T00:00:00Z",
  updated_by: "admin",
};

const puts = <Call extends { method: string }>(calls: Call[]) =>
  calls.filter((call) => call.method === "PUT");

/** The page, signed in as an admin, with AG1's form open for editing; the API saves it as sent. */
async function editAgent() {
  signedInAs("admin");
  const calls = fakeApi({
    "GET /api/admin/agents": () => ({ body: [AGENT] }),
    "PUT /api/admin/agents/AG1": () => ({ body: AGENT }),
  });
  renderAt("/admin/agents", "/admin/agents", <AgentsPage />);
  await userEvent.click(await screen.findByRole("button", { name: "Edit" }));
  return calls;
}

async function openNewAgent() {
  await userEvent.click(await screen.findByRole("button", { name: "New agent" }));
  return screen.getByRole("form", { name: "Agent" });
}

test("a new agent only creates: an id that exists is reported at the id, nothing replaced", async () => {
  signedInAs("admin");
  const calls = fakeApi({
    "GET /api/admin/agents": () => ({ body: [AGENT] }),
    "PUT /api/admin/agents/AG1": () => ({ status: 412, body: { detail: "agent 'AG1' already exists" } }),
  });
  renderAt("/admin/agents", "/admin/agents", <AgentsPage />);
  const form = await openNewAgent();
  await userEvent.type(within(form).getByLabelText("Agent id"), "AG1");
  await userEvent.type(within(form).getByLabelText("Name"), "Someone else");
  await userEvent.type(within(form).getByLabelText("Team"), "T-B");
  await userEvent.click(within(form).getByRole("button", { name: "Save" }));
  expect(await within(form).findByRole("alert")).toHaveTextContent("agent 'AG1' already exists");
  expect(within(form).getByLabelText("Agent id")).toHaveAttribute("aria-invalid", "true");
  expect(puts(calls)[0]!.headers.get("If-None-Match")).toBe("*");
});

test("editing an agent replaces it: no create-only condition", async () => {
  const calls = await editAgent();
  await userEvent.click(screen.getByRole("button", { name: "Save" }));
  await screen.findByRole("button", { name: "New agent" });
  expect(puts(calls)).toHaveLength(1);
  expect(puts(calls)[0]!.headers.get("If-None-Match")).toBeNull();
});

test("a blank capacity and a blank or ill-formed id are refused at their fields before anything is sent", async () => {
  signedInAs("admin");
  const calls = fakeApi({ "GET /api/admin/agents": () => ({ body: [] }) });
  renderAt("/admin/agents", "/admin/agents", <AgentsPage />);
  const form = await openNewAgent();
  await userEvent.type(within(form).getByLabelText("Agent id"), "   ");
  await userEvent.type(within(form).getByLabelText("Name"), "Lan");
  await userEvent.type(within(form).getByLabelText("Team"), "T-A");
  await userEvent.clear(within(form).getByLabelText("Capacity (customers)"));
  await userEvent.click(within(form).getByRole("button", { name: "Save" }));
  expect(await within(form).findByText("Enter the agent id")).toBeInTheDocument();
  expect(within(form).getByText(/Enter the capacity/)).toBeInTheDocument();
  expect(within(form).getByLabelText("Capacity (customers)")).toHaveAttribute("aria-invalid", "true");

  await userEvent.type(within(form).getByLabelText("Agent id"), "AG/1");
  expect(within(form).getByText(/letters A–Z, digits and \. _ : - only/)).toBeInTheDocument();
  await userEvent.type(within(form).getByLabelText("Capacity (customers)"), "0");
  expect(within(form).queryByText(/Enter the capacity/)).not.toBeInTheDocument();
  expect(puts(calls)).toHaveLength(0);
});

test("languages are sent lower-cased; one that is no language code is refused at the field, nothing sent", async () => {
  const calls = await editAgent();
  const form = screen.getByRole("form", { name: "Agent" });
  const languages = within(form).getByLabelText("Languages");
  await userEvent.type(languages, "EN, English!");
  await userEvent.click(within(form).getByRole("button", { name: "Save" }));
  expect(
    await within(form).findByText('"english!" is not a language code: two or three letters, like en or vi'),
  ).toBeInTheDocument();
  expect(languages).toHaveAttribute("aria-invalid", "true");
  expect(puts(calls)).toHaveLength(0);
  await userEvent.clear(languages);
  await userEvent.type(languages, " EN , vi,");
  await userEvent.click(within(form).getByRole("button", { name: "Save" }));
  await screen.findByRole("button", { name: "New agent" });
  expect((puts(calls)[0]!.body as { skills: { languages: string[] } }).skills.languages).toEqual([
    "en",
    "vi",
  ]);
});

test("the API's error at an item of a list shows at the list's field", async () => {
  signedInAs("admin");
  fakeApi({
    "GET /api/admin/agents": () => ({ body: [AGENT] }),
    "PUT /api/admin/agents/AG1": () => ({
      status: 422,
      body: {
        detail: [
          {
            loc: ["body", "skills", "languages", 1],
            field: "skills.languages.1",
            msg: "not a language this bank serves",
            type: "x",
          },
        ],
      },
    }),
  });
  renderAt("/admin/agents", "/admin/agents", <AgentsPage />);
  await userEvent.click(await screen.findByRole("button", { name: "Edit" }));
  const form = screen.getByRole("form", { name: "Agent" });
  await userEvent.type(within(form).getByLabelText("Languages"), "en, xx");
  await userEvent.click(within(form).getByRole("button", { name: "Save" }));
  expect(await within(form).findByText("item 2: not a language this bank serves")).toBeInTheDocument();
  expect(within(form).getByLabelText("Languages")).toHaveAttribute("aria-invalid", "true");
});

test("an unsaved new agent outlives the page (a sign-in in between): restored with a notice; Discard asks, then empties it", async () => {
  signedInAs("admin");
  fakeApi({ "GET /api/admin/agents": () => ({ body: [] }) });
  const page = renderAt("/admin/agents", "/admin/agents", <AgentsPage />);
  let form = await openNewAgent();
  await userEvent.type(within(form).getByLabelText("Agent id"), "AG7");
  await userEvent.type(within(form).getByLabelText("Name"), "Mai");

  page.unmount();
  renderAt("/admin/agents", "/admin/agents", <AgentsPage />);
  form = await screen.findByRole("form", { name: "Agent" });
  const notice = within(form).getByRole("status");
  expect(notice).toHaveTextContent("Your unsaved changes were restored.");
  expect(within(form).getByLabelText("Agent id")).toHaveValue("AG7");
  expect(within(form).getByLabelText("Name")).toHaveValue("Mai");

  await userEvent.click(within(notice).getByRole("button", { name: "Discard changes" }));
  expect(within(notice).getByRole("alertdialog")).toHaveTextContent("Discard the restored entry?");
  await userEvent.click(within(notice).getByRole("button", { name: "Discard changes" }));
  expect(within(form).getByLabelText("Agent id")).toHaveValue("");
  expect(within(form).queryByRole("status")).not.toBeInTheDocument();
  await userEvent.click(within(form).getByRole("button", { name: "Cancel" }));
  expect(storedDrafts()).toEqual([]);
});

test("an agent's unsaved edit comes back after a sign-in and is forgotten once saved", async () => {
  signedInAs("admin");
  const calls = fakeApi({
    "GET /api/admin/agents": () => ({ body: [AGENT] }),
    "PUT /api/admin/agents/AG1": () => ({ body: AGENT }),
  });
  const page = renderAt("/admin/agents", "/admin/agents", <AgentsPage />);
  await userEvent.click(await screen.findByRole("button", { name: "Edit" }));
  let form = screen.getByRole("form", { name: "Agent" });
  await userEvent.clear(within(form).getByLabelText("Team"));
  await userEvent.type(within(form).getByLabelText("Team"), "T-B");

  page.unmount();
  renderAt("/admin/agents", "/admin/agents", <AgentsPage />);
  form = await screen.findByRole("form", { name: "Agent" });
  expect(within(form).getByRole("heading", { name: "Edit AG1" })).toBeInTheDocument();
  expect(within(form).getByRole("status")).toHaveTextContent("Your unsaved changes were restored.");
  expect(within(form).getByLabelText("Team")).toHaveValue("T-B");
  await userEvent.click(within(form).getByRole("button", { name: "Save" }));
  await screen.findByRole("button", { name: "New agent" });
  expect(screen.queryByRole("form", { name: "Agent" })).not.toBeInTheDocument();
  expect(puts(calls)[0]!.body).toMatchObject({ name: "Lan", team: "T-B" });
  expect(puts(calls)[0]!.headers.get("If-None-Match")).toBeNull();
  expect(storedDrafts()).toEqual([]);
});

test("a book of thousands of agents pages by a hundred and is searched by id or name", async () => {
  signedInAs("admin");
  // 250 agents, AG000..AG249, paged and searched as the API does
  const book = Array.from({ length: 250 }, (_, n) => ({
    ...AGENT,
    agent_id: `AG${String(n).padStart(3, "0")}`,
    name: n === 201 ? "Nguyễn Lan" : `Agent ${n}`,
  }));
  const calls = fakeApi({
    "GET /api/admin/agents": (url) => {
      const q = (url.searchParams.get("q") ?? "").toLowerCase();
      const offset = Number(url.searchParams.get("offset") ?? 0);
      const limit = Number(url.searchParams.get("limit"));
      const found = book.filter((a) => `${a.agent_id} ${a.name}`.toLowerCase().includes(q));
      return { body: found.slice(offset, offset + limit) };
    },
  });
  renderAt("/admin/agents", "/admin/agents", <AgentsPage />);
  const shownIds = () =>
    screen
      .getAllByRole("row")
      .slice(1)
      .map((row) => within(row).getAllByRole("cell")[0]!.textContent);
  await screen.findByText("AG000");
  expect(shownIds()).toHaveLength(100);
  const pages = screen.getByRole("navigation", { name: "Pages" });
  expect(pages).toHaveTextContent("1–100");
  expect(within(pages).getByRole("button", { name: "Previous" })).toBeDisabled();

  await userEvent.click(within(pages).getByRole("button", { name: "Next" }));
  await userEvent.click(await screen.findByRole("button", { name: "Next" }));
  await screen.findByText("AG249");
  expect(screen.getByRole("navigation", { name: "Pages" })).toHaveTextContent("201–250");
  expect(screen.getByRole("button", { name: "Next" })).toBeDisabled();

  // searching starts from the first page again
  await userEvent.type(screen.getByRole("searchbox", { name: "Find" }), "nguyễn");
  await screen.findByText("AG201");
  expect(shownIds()).toEqual(["Nguyễn LanAG201"]);
  expect(screen.queryByRole("navigation", { name: "Pages" })).not.toBeInTheDocument();
  expect(calls.at(-1)!.url.searchParams.get("offset")).toBe("0");
  await userEvent.type(screen.getByRole("searchbox", { name: "Find" }), "x");
  expect(await screen.findByText("No agents match")).toBeInTheDocument();
});

test("the team filter and an agent's team suggest the teams with an active agent; saving refreshes them", async () => {
  signedInAs("admin");
  const teams = [
    { team: "T-A", active_agents: 2, capacity: 100, inactive_agents: 0 },
    { team: "T-OLD", active_agents: 0, capacity: 0, inactive_agents: 4 },
  ];
  const calls = fakeApi({
    "GET /api/admin/agents": () => ({ body: [AGENT] }),
    "GET /api/admin/teams": () => ({ body: teams }),
    "PUT /api/admin/agents/AG1": () => ({ body: AGENT }),
  });
  renderAt("/admin/agents", "/admin/agents", <AgentsPage />);
  const filter = await screen.findByLabelText("Team");
  await vi.waitFor(() => expect(suggestions(filter)).toEqual([["T-A", "2 active agents"]]));
  await userEvent.type(filter, "T-A");
  const listed = () => calls.filter((call) => call.url.pathname === "/api/admin/agents");
  await vi.waitFor(() => expect(listed().at(-1)!.url.searchParams.get("team")).toBe("T-A"));

  await userEvent.click(await screen.findByRole("button", { name: "Edit" }));
  const form = screen.getByRole("form", { name: "Agent" });
  expect(suggestions(within(form).getByLabelText("Team"))).toEqual([["T-A", "2 active agents"]]);
  const asked = () => calls.filter((call) => call.url.pathname === "/api/admin/teams").length;
  const before = asked();
  await userEvent.click(within(form).getByRole("button", { name: "Save" }));
  await vi.waitFor(() => expect(asked()).toBeGreaterThan(before)); // a saved agent may name a new team
});
