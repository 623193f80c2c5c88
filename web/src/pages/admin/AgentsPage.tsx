import { useId, useState } from "react";
import { Link } from "react-router-dom";

import { api } from "../../api/client";
import type { AgentPublic } from "../../api/types";
import { useSession } from "../../auth/AuthContext";
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
import { BUCKETS } from "../../lib/bucket";
import { formatDateTime } from "../../lib/format";
import { useOpenForm } from "../../lib/storedDraft";
import { useDraftForm } from "../../lib/useDraftForm";
import { queuePath } from "../../routes";
import { agentProblems, languagesOf } from "./adminChecks";
import { TeamSuggestions } from "./TeamSuggestions";
import { useAgents } from "./useAgents";

const PAGE = 100; // agents a page shows; a bank has up to a few thousand
const PRODUCTS = ["PERSONAL_LOAN", "MORTGAGE", "AUTO_LOAN", "CREDIT_CARD", "OVERDRAFT"] as const;

interface Draft {
  agent_id: string;
  name: string;
  team: string;
  type: "CALL" | "FIELD";
  capacity: string;
  active: boolean;
  products: string[];
  buckets: string[];
  languages: string;
}

const emptyDraft: Draft = {
  agent_id: "",
  name: "",
  team: "",
  type: "CALL",
  capacity: "100",
  active: true,
  products: [],
  buckets: [],
  languages: "",
};

function draftOf(agent: AgentPublic): Draft {
  return {
    agent_id: agent.agent_id,
    name: agent.name,
    team: agent.team,
    type: agent.type,
    capacity: String(agent.capacity),
    active: agent.active,
    products: [...agent.skills.products],
    buckets: [...agent.skills.buckets],
    languages: agent.skills.languages.join(", "),
  };
}

function bodyOf(draft: Draft) {
  return {
    name: draft.name.trim(),
    team: draft.team.trim(),
    type: draft.type,
    capacity: Number(draft.capacity),
    active: draft.active,
    skills: {
      products: draft.products,
      buckets: draft.buckets,
      languages: languagesOf(draft.languages),
    },
  };
}

function toggle(list: string[], value: string): string[] {
  return list.includes(value) ? list.filter((item) => item !== value) : [...list, value];
}

interface Editing {
  draft: Draft;
  isNew: boolean;
}

function AgentForm({ initial, isNew, onDone }: { initial: Draft; isNew: boolean; onDone: () => void }) {
  const { username } = useSession();
  const { draft, set, save, errors, submit, cancel, discard, restored } = useDraftForm(
    initial,
    (saved: Draft) =>
      api<AgentPublic>(`/api/admin/agents/${encodeURIComponent(saved.agent_id.trim())}`, {
        method: "PUT",
        body: bodyOf(saved),
        // a new agent must not replace an existing one with the same id: the API answers 412 instead
        headers: isNew ? { "If-None-Match": "*" } : undefined,
      }),
    "agents",
    onDone,
    {
      validate: (checked: Draft) => agentProblems(checked, isNew),
      idField: "agent_id",
      // kept in the tab until saved or cancelled: an expired session loses nothing
      storeAs: `agent-form/${username}/${isNew ? "new" : `edit/${initial.agent_id}`}`,
    },
  );
  const teamListId = useId();

  return (
    <form
      onSubmit={submit}
      className="space-y-3 rounded-lg border border-slate-200 bg-white p-4"
      aria-label="Agent"
      noValidate
    >
      <h2 className="text-lg font-semibold">{isNew ? "New agent" : `Edit ${initial.agent_id}`}</h2>
      {restored && (
        <RestoredNotice
          question={isNew ? "Discard the restored entry?" : `Go back to ${initial.agent_id} as saved?`}
          onDiscard={discard}
        >
          Your unsaved changes were restored.
        </RestoredNotice>
      )}
      {save.error && !Object.keys(errors).length && <ErrorState error={save.error} />}
      <div className="grid gap-3 sm:grid-cols-2">
        <Field
          label="Agent id"
          hint={isNew ? "Letters A–Z, digits and . _ : - (no spaces)" : undefined}
          error={errors.agent_id ?? errors["path.agent_id"]}
        >
          {(props) => (
            <input
              {...props}
              className={inputClass}
              value={draft.agent_id}
              disabled={!isNew}
              required
              onChange={(e) => set("agent_id", e.target.value)}
            />
          )}
        </Field>
        <Field label="Name" error={errors.name}>
          {(props) => (
            <input
              {...props}
              className={inputClass}
              value={draft.name}
              required
              onChange={(e) => set("name", e.target.value)}
            />
          )}
        </Field>
        <Field label="Team" error={errors.team}>
          {(props) => (
            <>
              <input
                {...props}
                className={inputClass}
                list={teamListId}
                value={draft.team}
                required
                onChange={(e) => set("team", e.target.value)}
              />
              <TeamSuggestions id={teamListId} />
            </>
          )}
        </Field>
        <Field label="Type" error={errors.type}>
          {(props) => (
            <select
              {...props}
              className={inputClass}
              value={draft.type}
              onChange={(e) => set("type", e.target.value as Draft["type"])}
            >
              <option value="CALL">Call</option>
              <option value="FIELD">Field</option>
            </select>
          )}
        </Field>
        <Field label="Capacity (customers)" error={errors.capacity}>
          {(props) => (
            <input
              {...props}
              type="number"
              min={0}
              step={1}
              required
              className={inputClass}
              value={draft.capacity}
              onChange={(e) => set("capacity", e.target.value)}
            />
          )}
        </Field>
        <Field label="Languages" hint="Comma-separated, e.g. en, vi" error={errors["skills.languages"]}>
          {(props) => (
            <input
              {...props}
              className={inputClass}
              value={draft.languages}
              onChange={(e) => set("languages", e.target.value)}
            />
          )}
        </Field>
      </div>
      <fieldset>
        <legend className="text-sm font-medium text-slate-700">Products (none: any)</legend>
        <div className="mt-1 flex flex-wrap gap-3">
          {PRODUCTS.map((product) => (
            <label key={product} className="flex items-center gap-1 text-sm">
              <input
                type="checkbox"
                checked={draft.products.includes(product)}
                onChange={() => set("products", toggle(draft.products, product))}
              />
              {product}
            </label>
          ))}
        </div>
      </fieldset>
      <fieldset>
        <legend className="text-sm font-medium text-slate-700">Buckets (none: any)</legend>
        <div className="mt-1 flex flex-wrap gap-3">
          {BUCKETS.filter((bucket) => bucket !== "CURRENT").map((bucket) => (
            <label key={bucket} className="flex items-center gap-1 text-sm">
              <input
                type="checkbox"
                checked={draft.buckets.includes(bucket)}
                onChange={() => set("buckets", toggle(draft.buckets, bucket))}
              />
              {bucket}
            </label>
          ))}
        </div>
      </fieldset>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={draft.active} onChange={(e) => set("active", e.target.checked)} />
        Active (inactive agents get no customers; theirs are reallocated)
      </label>
      <SaveAndCancel pending={save.isPending} onCancel={cancel} />
    </form>
  );
}

export default function AgentsPage() {
  const [team, setTeam] = useState("");
  const teamFilterListId = useId();
  const { containing, find, offset, setOffset } = useFindAndPage();
  const { username } = useSession();
  const { value: editing, setValue: setEditing } = useOpenForm<Editing>(`agent-form/${username}/open`);
  // One more than a page: whether there is a next one, without a count.
  const agents = useAgents({ team, containing, offset, limit: PAGE + 1 });
  const page = agents.data?.slice(0, PAGE) ?? [];

  return (
    <section aria-labelledby="agents-title" className="space-y-4">
      <div className="flex flex-wrap items-end gap-3">
        <h1 id="agents-title" className="text-2xl font-semibold">
          Agents and teams
        </h1>
        <FindBox className="ml-auto" placeholder="id or name" value={containing} onChange={find} />
        <label className="text-sm">
          <span className="mr-2 text-slate-700">Team</span>
          <input
            className="rounded border border-slate-300 px-2 py-1"
            list={teamFilterListId}
            value={team}
            onChange={(e) => {
              setTeam(e.target.value);
              setOffset(0);
            }}
          />
          <TeamSuggestions id={teamFilterListId} />
        </label>
        <button
          type="button"
          className={buttonClass}
          onClick={() => setEditing({ draft: emptyDraft, isNew: true })}
        >
          New agent
        </button>
      </div>
      {editing && (
        <AgentForm
          key={editing.draft.agent_id || "new"}
          initial={editing.draft}
          isNew={editing.isNew}
          onDone={() => setEditing(null)}
        />
      )}
      {agents.isPending ? (
        <Loading />
      ) : agents.isError ? (
        <ErrorState error={agents.error} onRetry={() => void agents.refetch()} />
      ) : page.length === 0 && (team || containing.trim()) ? (
        <Empty title="No agents match">Nothing in the list has that id, name or team.</Empty>
      ) : page.length === 0 ? (
        <Empty title="No agents yet">Add the first one with “New agent”.</Empty>
      ) : (
        <div className={`${tableScrollClass} rounded-lg border border-slate-200 bg-white`}>
          <table className="w-full text-left text-sm">
            <thead className="bg-slate-50 text-xs uppercase text-slate-600">
              <tr>
                <th scope="col" className="px-3 py-2">
                  Agent
                </th>
                <th scope="col" className="px-3 py-2">
                  Team
                </th>
                <th scope="col" className="px-3 py-2">
                  Type
                </th>
                <th scope="col" className="px-3 py-2 text-right">
                  Capacity
                </th>
                <th scope="col" className="px-3 py-2">
                  Skills
                </th>
                <th scope="col" className="px-3 py-2">
                  Status
                </th>
                <th scope="col" className="px-3 py-2">
                  Changed
                </th>
                <th scope="col" className="px-3 py-2">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {page.map((agent) => (
                <tr key={agent.agent_id} className="border-t border-slate-100">
                  <td className="px-3 py-2">
                    <div className="font-medium">{agent.name}</div>
                    <div className="text-xs text-slate-500">{agent.agent_id}</div>
                  </td>
                  <td className="whitespace-nowrap px-3 py-2">{agent.team}</td>
                  <td className="px-3 py-2">{agent.type}</td>
                  <td className="px-3 py-2 text-right tabular-nums">{agent.capacity}</td>
                  <td className="px-3 py-2 text-xs text-slate-600">
                    {[...agent.skills.products, ...agent.skills.buckets, ...agent.skills.languages].join(
                      ", ",
                    ) || "any"}
                  </td>
                  <td className="px-3 py-2">
                    {agent.active ? "Active" : <span className="text-slate-500">Inactive</span>}
                  </td>
                  <td className="px-3 py-2 text-xs text-slate-600">
                    {formatDateTime(agent.updated_at)} by {agent.updated_by}
                  </td>
                  <td className="space-x-2 whitespace-nowrap px-3 py-2 text-right">
                    <Link to={queuePath(agent.agent_id)} className="text-brand-700 hover:underline">
                      Queue
                    </Link>
                    <button
                      type="button"
                      className={secondaryButtonClass}
                      onClick={() => setEditing({ draft: draftOf(agent), isNew: false })}
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
        hasMore={(agents.data?.length ?? 0) > PAGE}
        onOffset={setOffset}
        pageSize={PAGE}
      />
    </section>
  );
}
