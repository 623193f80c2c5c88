import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect, test, vi } from "vitest";

import { fakeApi, renderAt, signedInAs, storedDrafts, suggestions } from "../../test/render";
import UsersPage from "./UsersPage";

/** A stored agent login (of agent AG1) as the API lists it. */
const agentLogin = (username: string) => ({
  username,
  role: "agent",
  agent_id: "AG1",
  team: null,
  active: true,
  created_at: "2026-03-01T00:00:00Z",
});

/** An agent as GET /api/admin/agents lists it. */
const agent = (agent_id: string, name: string, team: string, active = true) => ({
  agent_id,
  name,
  team,
  type: "CALL",
  capacity: 50,
  active,
  skills: { products: [], buckets: [], languages: [] },
  updated_at: "2026-03-01T00:00:00Z",
  updated_by: "admin",
});

const AGENTS = [
  agent("AG1", "Lan", "T-B"),
  agent("AG2", "Minh", "T-A"),
  agent("AG3", "Hoa", "T-B"),
  agent("AG9", "Gone", "T-OLD", false),
];

async function newLogin(username: string, agentId: string) {
  await userEvent.click(await screen.findByRole("button", { name: "New login" }));
  const form = screen.getByRole("form", { name: "Login" });
  await userEvent.type(within(form).getByLabelText("Username"), username);
  await userEvent.type(within(form).getByLabelText("Agent id"), agentId);
  await userEvent.type(within(form).getByLabelText("Password"), "long-enough-password");
  await userEvent.click(within(form).getByRole("button", { name: "Save" }));
  return form;
}

test("a new login only creates: a username that exists is reported at the username", async () => {
  signedInAs("admin");
  const calls = fakeApi({
    "GET /api/admin/users": () => ({ body: [] }),
    "PUT /api/admin/users/agent1": () => ({ status: 412, body: { detail: "login 'agent1' already exists" } }),
  });
  renderAt("/admin/users", "/admin/users", <UsersPage />);
  const form = await newLogin("agent1", "AG1");
  expect(await within(form).findByRole("alert")).toHaveTextContent("login 'agent1' already exists");
  expect(within(form).getByLabelText("Username")).toHaveAttribute("aria-invalid", "true");
  expect(calls.find((call) => call.method === "PUT")!.headers.get("If-None-Match")).toBe("*");
});

test("an agent login for an agent that does not exist is refused at the agent id", async () => {
  signedInAs("admin");
  fakeApi({
    "GET /api/admin/users": () => ({ body: [] }),
    "PUT /api/admin/users/clerk": () => ({
      status: 422,
      body: {
        detail: [
          {
            loc: ["body", "agent_id"],
            field: "agent_id",
            msg: "no agent 'NOPE': create the agent first",
            type: "value_error",
          },
        ],
      },
    }),
  });
  renderAt("/admin/users", "/admin/users", <UsersPage />);
  const form = await newLogin("clerk", "NOPE");
  expect(await within(form).findByRole("alert")).toHaveTextContent("no agent 'NOPE': create the agent first");
  expect(within(form).getByLabelText("Agent id")).toHaveAttribute("aria-invalid", "true");
});

test("a username with characters the API does not allow is refused at the field, nothing sent", async () => {
  signedInAs("admin");
  const calls = fakeApi({ "GET /api/admin/users": () => ({ body: [] }) });
  renderAt("/admin/users", "/admin/users", <UsersPage />);
  const form = await newLogin("ann/b", "AG1");
  expect(await within(form).findByRole("alert")).toHaveTextContent(
    "The username may have letters A–Z, digits and . _ @ - only",
  );
  expect(within(form).getByLabelText("Username")).toHaveAttribute("aria-invalid", "true");
  expect(calls.filter((call) => call.method === "PUT")).toHaveLength(0);
});

test("an unsaved login outlives the page (a sign-in in between) without its password, which is never stored", async () => {
  signedInAs("admin");
  const calls = fakeApi({
    "GET /api/admin/users": () => ({ body: [] }),
    "PUT /api/admin/users/clerk": () => ({
      body: agentLogin("clerk"),
    }),
  });
  const page = renderAt("/admin/users", "/admin/users", <UsersPage />);
  await userEvent.click(await screen.findByRole("button", { name: "New login" }));
  let form = screen.getByRole("form", { name: "Login" });
  await userEvent.type(within(form).getByLabelText("Username"), "clerk");
  await userEvent.type(within(form).getByLabelText("Agent id"), "AG1");
  await userEvent.type(within(form).getByLabelText("Password"), "long-enough-password");
  const kept = storedDrafts();
  expect(kept.join("\n")).toContain('"clerk"');
  for (const value of kept) {
    expect(value).not.toContain("long-enough-password");
    expect(value).not.toContain("password");
  }

  page.unmount();
  renderAt("/admin/users", "/admin/users", <UsersPage />);
  form = await screen.findByRole("form", { name: "Login" });
  expect(within(form).getByRole("status")).toHaveTextContent("Your unsaved changes were restored");
  expect(within(form).getByLabelText("Username")).toHaveValue("clerk");
  expect(within(form).getByLabelText("Agent id")).toHaveValue("AG1");
  expect(within(form).getByLabelText("Password")).toHaveValue("");

  await userEvent.type(within(form).getByLabelText("Password"), "another-long-password");
  await userEvent.click(within(form).getByRole("button", { name: "Save" }));
  await vi.waitFor(() => expect(screen.queryByRole("form", { name: "Login" })).not.toBeInTheDocument());
  const put = calls.find((call) => call.method === "PUT")!;
  expect(put.body).toMatchObject({ role: "agent", agent_id: "AG1", password: "another-long-password" });
  expect(storedDrafts()).toEqual([]);
});

test("Cancel forgets an unsaved login change; nothing opens again", async () => {
  signedInAs("admin");
  fakeApi({
    "GET /api/admin/users": () => ({
      body: [agentLogin("lan")],
    }),
  });
  const page = renderAt("/admin/users", "/admin/users", <UsersPage />);
  await userEvent.click(await screen.findByRole("button", { name: "Edit" }));
  const form = screen.getByRole("form", { name: "Login" });
  await userEvent.clear(within(form).getByLabelText("Agent id"));
  await userEvent.type(within(form).getByLabelText("Agent id"), "AG2");
  expect(storedDrafts().join("\n")).toContain('"AG2"');
  await userEvent.click(within(form).getByRole("button", { name: "Cancel" }));
  expect(screen.queryByRole("form", { name: "Login" })).not.toBeInTheDocument();
  expect(storedDrafts()).toEqual([]);

  page.unmount();
  renderAt("/admin/users", "/admin/users", <UsersPage />);
  expect(await screen.findByRole("button", { name: "Edit" })).toBeInTheDocument();
  expect(screen.queryByRole("form", { name: "Login" })).not.toBeInTheDocument();
});

test("the agent id suggests the active agents by id, with their name and team, but not an inactive one", async () => {
  signedInAs("admin");
  const calls = fakeApi({
    "GET /api/admin/users": () => ({ body: [] }),
    "GET /api/admin/agents": () => ({ body: AGENTS }),
  });
  renderAt("/admin/users", "/admin/users", <UsersPage />);
  await userEvent.click(await screen.findByRole("button", { name: "New login" }));
  const input = within(screen.getByRole("form", { name: "Login" })).getByLabelText("Agent id");
  await vi.waitFor(() =>
    expect(suggestions(input)).toEqual([
      ["AG1", "Lan · T-B"],
      ["AG2", "Minh · T-A"],
      ["AG3", "Hoa · T-B"],
    ]),
  );
  const asked = () =>
    calls
      .filter((call) => call.url.pathname === "/api/admin/agents")
      .map((call) => [call.url.searchParams.get("q"), call.url.searchParams.get("limit")]);
  expect(asked()).toContainEqual([null, "50"]);
  // still free text: an id that is not suggested can be typed (the API judges it); the suggestions are
  // the agents holding what is typed, so a book of thousands is reached
  await userEvent.type(input, "NEW1");
  expect(input).toHaveValue("NEW1");
  await vi.waitFor(() => expect(asked()).toContainEqual(["NEW1", "50"]));
});

/** A team as GET /api/admin/teams lists it. */
const team = (name: string, active_agents: number, inactive_agents = 0) => ({
  team: name,
  active_agents,
  capacity: active_agents * 50,
  inactive_agents,
});

test("a supervisor's team suggests every team with an active agent, with how many, from the teams list", async () => {
  signedInAs("admin");
  fakeApi({
    "GET /api/admin/users": () => ({ body: [] }),
    // the first agents listed name one team only: the teams come from their own list, not from them
    "GET /api/admin/agents": () => ({ body: [agent("AG1", "Lan", "T-A")] }),
    "GET /api/admin/teams": () => ({ body: [team("T-A", 1), team("T-OLD", 0, 3), team("T-Z", 1200)] }),
  });
  renderAt("/admin/users", "/admin/users", <UsersPage />);
  await userEvent.click(await screen.findByRole("button", { name: "New login" }));
  const form = screen.getByRole("form", { name: "Login" });
  await userEvent.selectOptions(within(form).getByLabelText("Role"), "supervisor");
  const input = within(form).getByLabelText("Team");
  await vi.waitFor(() =>
    expect(suggestions(input)).toEqual([
      ["T-A", "1 active agent"],
      ["T-Z", "1,200 active agents"],
    ]),
  );
});

test("when the agents cannot be listed the login form still works, without suggestions or an error", async () => {
  signedInAs("admin");
  const calls = fakeApi({
    "GET /api/admin/users": () => ({ body: [] }),
    "GET /api/admin/agents": () => ({ status: 403, body: { detail: "forbidden" } }),
    "PUT /api/admin/users/clerk": () => ({ body: agentLogin("clerk") }),
  });
  renderAt("/admin/users", "/admin/users", <UsersPage />);
  await userEvent.click(await screen.findByRole("button", { name: "New login" }));
  await vi.waitFor(() => expect(calls.some((call) => call.url.pathname === "/api/admin/agents")).toBe(true));
  const form = screen.getByRole("form", { name: "Login" });
  expect(within(form).queryByRole("alert")).not.toBeInTheDocument();
  expect(suggestions(within(form).getByLabelText("Agent id"))).toEqual([]);

  await userEvent.type(within(form).getByLabelText("Username"), "clerk");
  await userEvent.type(within(form).getByLabelText("Agent id"), "AG1");
  await userEvent.type(within(form).getByLabelText("Password"), "long-enough-password");
  await userEvent.click(within(form).getByRole("button", { name: "Save" }));
  await vi.waitFor(() => expect(screen.queryByRole("form", { name: "Login" })).not.toBeInTheDocument());
  expect(calls.find((call) => call.method === "PUT")!.body).toMatchObject({ agent_id: "AG1" });
});

test("the logins page by a hundred and are found by username or agent id", async () => {
  signedInAs("admin");
  const logins = Array.from({ length: 130 }, (_, n) => agentLogin(`agent${String(n).padStart(3, "0")}`));
  const calls = fakeApi({
    "GET /api/admin/users": (url) => {
      const q = url.searchParams.get("q") ?? "";
      const offset = Number(url.searchParams.get("offset") ?? 0);
      const found = logins.filter((login) => login.username.includes(q));
      return { body: found.slice(offset, offset + Number(url.searchParams.get("limit"))) };
    },
    "GET /api/admin/agents": () => ({ body: AGENTS }),
  });
  renderAt("/admin/users", "/admin/users", <UsersPage />);
  await screen.findByText("agent099");
  expect(screen.queryByText("agent100")).not.toBeInTheDocument();
  await userEvent.click(screen.getByRole("button", { name: "Next" }));
  await screen.findByText("agent129");
  expect(screen.getByRole("navigation", { name: "Pages" })).toHaveTextContent("101–130");

  await userEvent.type(screen.getByRole("searchbox", { name: "Find" }), "agent12");
  await screen.findByText("agent120");
  expect(screen.queryByText("agent129")).toBeInTheDocument();
  expect(screen.queryByRole("navigation", { name: "Pages" })).not.toBeInTheDocument();
  const last = calls.filter((call) => call.url.pathname === "/api/admin/users").at(-1)!;
  expect([last.url.searchParams.get("q"), last.url.searchParams.get("offset")]).toEqual(["agent12", "0"]);
  await userEvent.type(screen.getByRole("searchbox", { name: "Find" }), "x");
  expect(await screen.findByText("No logins match")).toBeInTheDocument();
});
