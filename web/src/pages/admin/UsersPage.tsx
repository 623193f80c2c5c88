import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useId } from "react";

import { api } from "../../api/client";
import type { UserAdminView, UserSave } from "../../api/types";
import { useSession } from "../../auth/AuthContext";
import type { Role } from "../../auth/session";
import {
  Field,
  SaveAndCancel,
  buttonClass,
  inputClass,
  secondaryButtonClass,
  tableScrollClass,
} from "../../components/Field";
import { FindBox, useFindAndPage } from "../../components/FindBox";
import { PageNav } from "../../components/PageNav";
import { RestoredNotice } from "../../components/RestoredNotice";
import { Empty, ErrorState, Loading } from "../../components/States";
import { formatDateTime } from "../../lib/format";
import { useOpenForm } from "../../lib/storedDraft";
import { useDraftForm } from "../../lib/useDraftForm";
import { loginProblems } from "./adminChecks";
import { TeamSuggestions } from "./TeamSuggestions";
import { useAgents } from "./useAgents";

const PAGE = 100; // logins a page shows; a bank has up to a few thousand
const ROLES: Role[] = ["agent", "supervisor", "admin", "integration"];

interface Draft {
  username: string;
  role: Role;
  agent_id: string;
  team: string;
  active: boolean;
  password: string;
}

/** A login as the form opens it; the password field starts empty. */
type Login = Omit<Draft, "password">;

interface Editing {
  login: Login;
  isNew: boolean;
}

function UserForm({ initial, isNew, onDone }: { initial: Login; isNew: boolean; onDone: () => void }) {
  const { username: admin } = useSession();
  const { draft, set, save, errors, submit, cancel, discard, restored } = useDraftForm(
    { ...initial, password: "" },
    (saved: Draft) => {
      const body: UserSave = {
        role: saved.role,
        agent_id: saved.role === "agent" ? saved.agent_id.trim() || null : null,
        team: saved.role === "supervisor" ? saved.team.trim() || null : null,
        active: saved.active,
        password: saved.password || null,
      };
      return api<UserAdminView>(`/api/admin/users/${encodeURIComponent(saved.username.trim())}`, {
        method: "PUT",
        body,
        // a new login must not replace an existing one with the same name: the API answers 412 instead
        headers: isNew ? { "If-None-Match": "*" } : undefined,
      });
    },
    "users",
    onDone,
    {
      validate: (checked: Draft) => loginProblems(checked, isNew),
      idField: "username",
      // kept in the tab until saved or cancelled (an expired session loses nothing), the password never
      storeAs: `user-form/${admin}/${isNew ? "new" : `edit/${initial.username}`}`,
      unstored: ["password"],
    },
  );
  // Suggestions only: the fields stay free text and the API judges. Without the list (it failed), none.
  // The agents are those holding what is typed (a book may have thousands).
  const agents = (useAgents({ containing: draft.agent_id, limit: 50 }).data ?? []).filter(
    (agent) => agent.active,
  );
  const agentListId = useId();
  const teamListId = useId();

  return (
    <form
      onSubmit={submit}
      aria-label="Login"
      className="space-y-3 rounded-lg border border-slate-200 bg-white p-4"
      noValidate
    >
      <h2 className="text-lg font-semibold">{isNew ? "New login" : `Edit ${initial.username}`}</h2>
      {restored && (
        <RestoredNotice
          question={isNew ? "Discard the restored entry?" : `Go back to ${initial.username} as saved?`}
          onDiscard={discard}
        >
          Your unsaved changes were restored; a password is never kept, so type it again if you were setting
          one.
        </RestoredNotice>
      )}
      {save.error && !Object.keys(errors).length && <ErrorState error={save.error} />}
      <div className="grid gap-3 sm:grid-cols-3">
        <Field
          label="Username"
          hint={isNew ? "Letters A–Z, digits and . _ @ - (no spaces)" : undefined}
          error={errors.username ?? errors["path.username"]}
        >
          {(props) => (
            <input
              {...props}
              className={inputClass}
              value={draft.username}
              disabled={!isNew}
              required
              autoComplete="off"
              onChange={(e) => set("username", e.target.value)}
            />
          )}
        </Field>
        <Field label="Role" error={errors.role}>
          {(props) => (
            <select
              {...props}
              className={inputClass}
              value={draft.role}
              onChange={(e) => set("role", e.target.value as Role)}
            >
              {ROLES.map((role) => (
                <option key={role}>{role}</option>
              ))}
            </select>
          )}
        </Field>
        {draft.role === "agent" && (
          <Field label="Agent id" error={errors.agent_id}>
            {(props) => (
              <>
                <input
                  {...props}
                  className={inputClass}
                  list={agentListId}
                  value={draft.agent_id}
                  onChange={(e) => set("agent_id", e.target.value)}
                />
                <datalist id={agentListId}>
                  {agents.map((agent) => (
                    <option key={agent.agent_id} value={agent.agent_id}>
                      {[agent.name, agent.team].filter(Boolean).join(" · ")}
                    </option>
                  ))}
                </datalist>
              </>
            )}
          </Field>
        )}
        {draft.role === "supervisor" && (
          <Field label="Team" hint="Empty: every team" error={errors.team}>
            {(props) => (
              <>
                <input
                  {...props}
                  className={inputClass}
                  list={teamListId}
                  value={draft.team}
                  onChange={(e) => set("team", e.target.value)}
                />
                <TeamSuggestions id={teamListId} />
              </>
            )}
          </Field>
        )}
        <Field
          label={isNew ? "Password" : "New password"}
          hint={isNew ? "At least 8 characters" : "Empty: unchanged"}
          error={errors.password}
        >
          {(props) => (
            <input
              {...props}
              type="password"
              autoComplete="new-password"
              className={inputClass}
              value={draft.password}
              onChange={(e) => set("password", e.target.value)}
            />
          )}
        </Field>
      </div>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={draft.active} onChange={(e) => set("active", e.target.checked)} />
        Active
      </label>
      <SaveAndCancel pending={save.isPending} onCancel={cancel} />
    </form>
  );
}

const emptyLogin: Login = { username: "", role: "agent", agent_id: "", team: "", active: true };

export default function UsersPage() {
  const { username: admin } = useSession();
  const { value: editing, setValue: setEditing } = useOpenForm<Editing>(`user-form/${admin}/open`);
  const { containing, find, offset, setOffset } = useFindAndPage();
  const q = containing.trim();
  // One more than a page: whether there is a next one, without a count.
  const users = useQuery({
    queryKey: ["users", q, offset],
    queryFn: ({ signal }) =>
      api<UserAdminView[]>("/api/admin/users", { query: { q, offset, limit: PAGE + 1 }, signal }),
    placeholderData: keepPreviousData,
  });
  const page = users.data?.slice(0, PAGE) ?? [];
  return (
    <section aria-labelledby="users-title" className="space-y-4">
      <div className="flex flex-wrap items-end gap-3">
        <h1 id="users-title" className="text-2xl font-semibold">
          Users and roles
        </h1>
        <FindBox className="ml-auto" placeholder="username or agent id" value={containing} onChange={find} />
        <button
          type="button"
          className={buttonClass}
          onClick={() => setEditing({ login: emptyLogin, isNew: true })}
        >
          New login
        </button>
      </div>
      {editing && (
        <UserForm
          key={editing.login.username || "new"}
          initial={editing.login}
          isNew={editing.isNew}
          onDone={() => setEditing(null)}
        />
      )}
      {users.isPending ? (
        <Loading />
      ) : users.isError ? (
        <ErrorState error={users.error} onRetry={() => void users.refetch()} />
      ) : page.length === 0 && q ? (
        <Empty title="No logins match">No username or agent id holds “{q}”.</Empty>
      ) : page.length === 0 ? (
        <Empty title="No logins" />
      ) : (
        <div className={`${tableScrollClass} rounded-lg border border-slate-200 bg-white`}>
          <table className="w-full text-left text-sm">
            <thead className="bg-slate-50 text-xs uppercase text-slate-600">
              <tr>
                <th scope="col" className="px-3 py-2">
                  Username
                </th>
                <th scope="col" className="px-3 py-2">
                  Role
                </th>
                <th scope="col" className="px-3 py-2">
                  Agent / team
                </th>
                <th scope="col" className="px-3 py-2">
                  Status
                </th>
                <th scope="col" className="px-3 py-2">
                  Created
                </th>
                <th scope="col" className="px-3 py-2">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {page.map((user) => (
                <tr key={user.username} className="border-t border-slate-100">
                  <td className="px-3 py-2 font-medium">{user.username}</td>
                  <td className="px-3 py-2">{user.role}</td>
                  <td className="px-3 py-2">
                    {user.agent_id ?? user.team ?? (user.role === "supervisor" ? "every team" : "—")}
                  </td>
                  <td className="px-3 py-2">
                    {user.active ? "Active" : <span className="text-slate-500">Inactive</span>}
                  </td>
                  <td className="px-3 py-2 text-xs text-slate-600">{formatDateTime(user.created_at)}</td>
                  <td className="px-3 py-2 text-right">
                    <button
                      type="button"
                      className={secondaryButtonClass}
                      onClick={() =>
                        setEditing({
                          isNew: false,
                          login: {
                            username: user.username,
                            role: user.role,
                            agent_id: user.agent_id ?? "",
                            team: user.team ?? "",
                            active: user.active,
                          },
                        })
                      }
                    >
                      Edit
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <PageNav
        offset={offset}
        shown={page.length}
        hasMore={(users.data?.length ?? 0) > PAGE}
        onOffset={setOffset}
        pageSize={PAGE}
      />
    </section>
  );
}
