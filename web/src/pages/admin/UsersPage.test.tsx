import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect, test } from "vitest";

import { fakeApi, renderAt, signedInAs } from "../../test/render";
import UsersPage from "./UsersPage";

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
