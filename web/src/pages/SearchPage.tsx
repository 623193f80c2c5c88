import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router-dom";

import { api } from "../api/client";
import type { SearchResults } from "../api/types";
import { useSession } from "../auth/AuthContext";
import { buttonClass, inputBaseClass, inputClass, secondaryButtonClass } from "../components/Field";
import { Empty, ErrorState, Loading } from "../components/States";
import { BUCKETS, BucketBadge } from "../lib/bucket";
import { formatCount, formatMoneyByCurrency } from "../lib/format";
import { customerPath } from "../routes";

const PAGE_SIZE = 20;

export default function SearchPage() {
  const session = useSession();
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const bucket = params.get("bucket") ?? "";
  const agent = params.get("agent") ?? "";
  const page = Number(params.get("page") ?? "1") || 1;
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);
  // Typed, not yet applied: Enter (the form's submit) and leaving the field both apply it.
  const [agentText, setAgentText] = useState(agent);
  useEffect(() => setAgentText(agent), [agent]);

  const results = useQuery({
    queryKey: ["search", q, bucket, agent, page],
    queryFn: ({ signal }) =>
      api<SearchResults>("/api/search", { query: { q, bucket, agent, page, page_size: PAGE_SIZE }, signal }),
    enabled: Boolean(q || bucket || agent),
    placeholderData: keepPreviousData,
  });

  function update(changes: Record<string, string>) {
    const next = new URLSearchParams(params);
    for (const [name, value] of Object.entries(changes)) {
      if (value) next.set(name, value);
      else next.delete(name);
    }
    setParams(next);
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    update({ q: text.trim(), ...(session.role !== "agent" && { agent: agentText.trim() }), page: "" });
  }

  const pages = results.data ? Math.max(1, Math.ceil(results.data.total / PAGE_SIZE)) : 1;

  return (
    <section aria-labelledby="search-title" className="space-y-4">
      <h1 id="search-title" className="text-2xl font-semibold">
        Search customers
      </h1>
      <form onSubmit={submit} role="search" className="flex flex-wrap items-end gap-3">
        <div className="min-w-64 flex-1">
          <label htmlFor="q" className="block text-sm font-medium text-slate-700">
            Name, phone, address, national id, cif or account number
          </label>
          <input
            id="q"
            type="search"
            autoFocus
            value={text}
            onChange={(event) => setText(event.target.value)}
            className={`${inputClass} mt-1`}
            maxLength={100}
          />
        </div>
        <div>
          <label htmlFor="bucket" className="block text-sm font-medium text-slate-700">
            Bucket
          </label>
          <select
            id="bucket"
            value={bucket}
            onChange={(event) => update({ bucket: event.target.value, page: "" })}
            // as tall as the text inputs beside it (a select is drawn shorter), so that the labels line up
            className={`${inputClass} mt-1 h-10.5`}
          >
            <option value="">Any</option>
            {BUCKETS.map((label) => (
              <option key={label} value={label}>
                {label}
              </option>
            ))}
          </select>
        </div>
        {session.role !== "agent" && (
          <div>
            <label htmlFor="agent" className="block text-sm font-medium text-slate-700">
              Agent
            </label>
            <input
              id="agent"
              value={agentText}
              onChange={(event) => setAgentText(event.target.value)}
              onBlur={() => agentText.trim() !== agent && update({ agent: agentText.trim(), page: "" })}
              className={`${inputBaseClass} mt-1 w-36`}
            />
          </div>
        )}
        <button type="submit" className={buttonClass}>
          Search
        </button>
      </form>
      {!q && !bucket && !agent ? (
        <Empty title="Find a customer">
          Type part of a name, at least 4 digits of a phone, the words of an address, or an identifier.
        </Empty>
      ) : results.isPending ? (
        <Loading label="Searching…" />
      ) : results.isError ? (
        <ErrorState error={results.error} onRetry={() => void results.refetch()} />
      ) : results.data.results.length === 0 ? (
        <Empty title="No customer matches">
          {session.role === "agent" ? "Only your own customers are searched." : "Try fewer words or digits."}
        </Empty>
      ) : (
        <div className="space-y-3">
          <p className="text-sm text-slate-600" aria-live="polite">
            {formatCount(results.data.total)} found
          </p>
          <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white">
            {results.data.results.map((hit) => (
              <li key={hit.cif} className="flex flex-wrap items-center gap-x-6 gap-y-1 px-4 py-3">
                <div className="min-w-48 flex-1">
                  <Link to={customerPath(hit.cif)} className="font-medium text-brand-700 hover:underline">
                    {hit.name ?? hit.cif}
                  </Link>
                  <div className="text-xs text-slate-500">
                    {hit.cif}
                    {hit.national_id && ` · ID ${hit.national_id}`}
                    {hit.phones && hit.phones.length > 0 && ` · ${hit.phones.join(", ")}`}
                  </div>
                  {hit.addresses && hit.addresses.length > 0 && (
                    <div className="text-xs text-slate-500">{hit.addresses.join(" · ")}</div>
                  )}
                </div>
                <BucketBadge bucket={hit.bucket} />
                <span className="text-sm tabular-nums">
                  {hit.max_dpd != null ? `${hit.max_dpd} DPD` : ""}
                </span>
                <span className="text-sm tabular-nums">{formatMoneyByCurrency(hit.overdue_total)}</span>
                <span className="text-xs text-slate-600">
                  {hit.agent_ids && hit.agent_ids.length > 0 ? hit.agent_ids.join(", ") : "no agent"}
                </span>
              </li>
            ))}
          </ul>
          {pages > 1 && (
            <nav aria-label="Pages" className="flex items-center gap-3">
              <button
                type="button"
                className={secondaryButtonClass}
                disabled={page <= 1}
                onClick={() => update({ page: String(page - 1) })}
              >
                Previous
              </button>
              <span className="text-sm">
                Page {page} of {formatCount(pages)}
              </span>
              <button
                type="button"
                className={secondaryButtonClass}
                disabled={page >= pages}
                onClick={() => update({ page: String(page + 1) })}
              >
                Next
              </button>
            </nav>
          )}
        </div>
      )}
    </section>
  );
}
