import { useQuery } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { useNavigate, useParams } from "react-router-dom";

import { apiRequest } from "../api/client";
import { latestQueueEventId } from "../api/events";
import type { QueueEntry } from "../api/types";
import { useSession } from "../auth/AuthContext";
import { tableScrollClass } from "../components/Field";
import { Empty, ErrorState, Loading } from "../components/States";
import { RebalancePanel } from "../features/RebalancePanel";
import { mapSearchLink } from "../features/actionVisit";
import { BucketBadge } from "../lib/bucket";
import { complianceRuleLabel } from "../lib/compliance";
import { countOf, formatCount, formatDateTime, formatMoney } from "../lib/format";
import { codeWords, contactHref, contactLabel, contactPerson } from "../lib/queueContact";
import { customerPath } from "../routes";

const PAGE = 50;

async function fetchQueue(agentId: string, limit: number, signal: AbortSignal) {
  const seenEvent = latestQueueEventId(agentId);
  const { data, headers } = await apiRequest<QueueEntry[]>(
    `/api/agents/${encodeURIComponent(agentId)}/queue`,
    {
      query: { limit },
      signal,
      headers: seenEvent ? { "X-Queue-Event-Id": seenEvent } : undefined,
    },
  );
  return { entries: data, total: Number(headers.get("X-Total-Count") ?? data.length) };
}

/** The first customer that may be contacted now, in priority order. */
export function nextContactable(entries: QueueEntry[]): QueueEntry | undefined {
  return entries.find((entry) => entry.contactable_now);
}

/**
 * Why "Next customer" is off when the queue holds customers but none may be contacted now (calling hours, a
 * cool-down…), and from when the first may be; null otherwise.
 */
export function noneContactableNow(entries: QueueEntry[]): string | null {
  if (entries.length === 0 || nextContactable(entries)) return null;
  const times = entries.flatMap((entry) =>
    entry.contactable_from ? [Date.parse(entry.contactable_from)] : [],
  );
  const first = times.length ? formatDateTime(new Date(Math.min(...times)).toISOString()) : null;
  return `No customer here may be contacted now${first ? `: the first may be from ${first}` : ""}.`;
}

/**
 * What to dial or write to: the contact the customer's campaign chose first. A link (tel:, mailto:) only
 * while the customer may be contacted now; otherwise the value is muted text, so that a blocked customer
 * (asked not to be contacted, outside calling hours…) is not one tap from a call. Without one (the
 * campaign's rules chose none: every number reported wrong, none of the types it wants), the row says so,
 * and the customer page has the rest. A field agent's entry also says where to visit.
 */
function ContactLine({ entry }: { entry: QueueEntry }) {
  const contact = entry.contact;
  // a field agent's entry: where to go (the customer's primary address, else their home)
  const visit = entry.address ? (
    <p className="mt-0.5 wrap-anywhere text-xs text-slate-700">
      <span className="font-medium">Visit</span>{" "}
      <a
        href={mapSearchLink(entry.address)}
        target="_blank"
        rel="noreferrer"
        title="Find it on the map"
        // find the way, without also opening the customer (the row's click)
        onClick={(event) => event.stopPropagation()}
        className="text-brand-700 underline hover:text-brand-800"
      >
        {entry.address}
      </a>
    </p>
  ) : null;
  if (!contact) return visit ?? <p className="mt-0.5 text-xs text-slate-600">No number or address chosen</p>;
  const href = entry.contactable_now ? contactHref(contact) : null;
  const type = codeWords(contact.type);
  const person = contactPerson(contact);
  return (
    <>
      <p className={`mt-0.5 wrap-anywhere ${entry.contactable_now ? "text-slate-700" : "text-slate-600"}`}>
        {href ? (
          <a
            href={href}
            aria-label={contactLabel(contact)}
            // dial or write, without also opening the customer (the row's click)
            onClick={(event) => event.stopPropagation()}
            className="font-medium text-brand-700 underline hover:text-brand-800"
          >
            {contact.value}
          </a>
        ) : (
          <span>{contact.value}</span>
        )}
        {type && <span className="text-xs"> · {type}</span>}
        {person && <span className="text-xs"> — {person}</span>}
      </p>
      {visit}
    </>
  );
}

export function QueuePage() {
  const { agentId = "" } = useParams();
  const navigate = useNavigate();
  const { role } = useSession();
  const canRebalance = role === "supervisor" || role === "admin";
  const [limit, setLimit] = useState(PAGE);
  const [selected, setSelected] = useState(0);
  const query = useQuery({
    queryKey: ["queue", agentId, limit],
    queryFn: ({ signal }) => fetchQueue(agentId, limit, signal),
    placeholderData: (previous) => previous,
  });
  const entries = query.data?.entries ?? [];
  const waiting = noneContactableNow(entries);
  const table = useRef<HTMLTableSectionElement>(null);
  // Set by j/k: the row they select is scrolled into view (not on load, which would jump the page).
  const movedByKey = useRef(false);

  useEffect(() => {
    if (!movedByKey.current) return;
    movedByKey.current = false;
    table.current?.children[selected]?.scrollIntoView({ block: "nearest" });
  }, [selected]);

  const open = useCallback(
    (entry: QueueEntry | undefined) => entry && navigate(customerPath(entry.cif)),
    [navigate],
  );

  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      const target = event.target as HTMLElement;
      if (["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName) || event.metaKey || event.ctrlKey) return;
      // Enter on a focused link or button (a contact's tel: link, Show more) does what that one does
      if (event.key === "Enter" && target.closest("a, button")) return;
      if (event.key === "j" || event.key === "ArrowDown") {
        movedByKey.current = true;
        setSelected((i) => Math.min(i + 1, entries.length - 1));
      } else if (event.key === "k" || event.key === "ArrowUp") {
        movedByKey.current = true;
        setSelected((i) => Math.max(i - 1, 0));
      } else if (event.key === "Enter") open(entries[selected]);
      else if (event.key === "n") open(nextContactable(entries));
      else return;
      event.preventDefault();
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [entries, selected, open]);

  return (
    <section aria-labelledby="queue-title" className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 id="queue-title" className="text-2xl font-semibold">
            Queue of {agentId}
          </h1>
          <p className="text-sm text-slate-600">
            {query.data ? `${countOf(query.data.total, "customer")}, highest priority first.` : " "} Keys:{" "}
            <kbd>n</kbd> next contactable, <kbd>j</kbd>/<kbd>k</kbd> move, <kbd>Enter</kbd> open.
          </p>
        </div>
        <button
          type="button"
          onClick={() => open(nextContactable(entries))}
          disabled={!nextContactable(entries)}
          className="rounded bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-50"
        >
          Next customer
        </button>
      </div>
      {waiting && (
        <p role="status" className="text-sm text-amber-800">
          {waiting}
        </p>
      )}
      {query.isPending ? (
        <Loading label="Loading the queue…" />
      ) : query.isError ? (
        <ErrorState error={query.error} onRetry={() => void query.refetch()} />
      ) : entries.length === 0 ? (
        <Empty title="The queue is empty">No customer needs this agent right now.</Empty>
      ) : (
        <div className={`${tableScrollClass} rounded-lg border border-slate-200 bg-white`}>
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Customers in priority order</caption>
            <thead className="bg-slate-50 text-xs uppercase text-slate-600">
              <tr>
                <th scope="col" className="hidden px-3 py-2 sm:table-cell">
                  #
                </th>
                <th scope="col" className="px-3 py-2">
                  Customer
                </th>
                <th scope="col" className="px-3 py-2 text-right">
                  DPD
                </th>
                <th scope="col" className="hidden px-3 py-2 sm:table-cell">
                  Bucket
                </th>
                <th scope="col" className="px-3 py-2 text-right">
                  Overdue
                </th>
                <th scope="col" className="hidden px-3 py-2 md:table-cell">
                  Campaign
                </th>
                <th scope="col" className="hidden px-3 py-2 md:table-cell">
                  Why here
                </th>
                <th scope="col" className="px-3 py-2">
                  Contact
                </th>
              </tr>
            </thead>
            <tbody ref={table}>
              {entries.map((entry, index) => (
                <tr
                  key={entry.cif}
                  aria-selected={index === selected}
                  onClick={() => open(entry)}
                  className={`cursor-pointer border-t border-slate-100 hover:bg-brand-50 ${
                    index === selected ? "bg-brand-50" : ""
                  }`}
                  data-testid="queue-row"
                >
                  <td className="hidden px-3 py-2 text-slate-600 sm:table-cell">{index + 1}</td>
                  <td className="px-3 py-2">
                    <a
                      href={customerPath(entry.cif)}
                      onClick={(event) => {
                        event.preventDefault();
                        open(entry);
                      }}
                      className="font-medium text-brand-700 hover:underline"
                    >
                      {entry.name}
                    </a>
                    <div className="text-xs text-slate-600">{entry.cif}</div>
                    {/* under the name on every screen: what to dial matters most on a phone */}
                    <ContactLine entry={entry} />
                    {/* on a phone the rank, bucket, campaign and reason columns are hidden, so that whether the
                        customer may be contacted now fits on the screen: the reason shows here */}
                    <p className="text-xs text-slate-700 md:hidden">{entry.reason}</p>
                  </td>
                  <td className="px-3 py-2 text-right tabular-nums">{entry.dpd}</td>
                  <td className="hidden px-3 py-2 sm:table-cell">
                    <BucketBadge bucket={entry.bucket} />
                  </td>
                  <td className="px-3 py-2 text-right tabular-nums">
                    {formatMoney(entry.overdue_amount, entry.currency)}
                  </td>
                  <td className="hidden px-3 py-2 md:table-cell">{entry.campaign ?? "—"}</td>
                  <td className="hidden max-w-xs px-3 py-2 text-slate-700 md:table-cell">{entry.reason}</td>
                  <td className="px-3 py-2">
                    {entry.contactable_now ? (
                      <span className="font-medium text-emerald-700">Now</span>
                    ) : (
                      <span className="text-amber-800" title={entry.blocked_by ?? undefined}>
                        {complianceRuleLabel(entry.blocked_by)}
                        {entry.contactable_from && (
                          <span className="block text-xs">from {formatDateTime(entry.contactable_from)}</span>
                        )}
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {query.data && query.data.total > entries.length && (
            <div className="border-t border-slate-100 p-3 text-center">
              <button
                type="button"
                onClick={() => setLimit((n) => Math.min(n + PAGE, 500))}
                className="rounded border border-slate-300 px-3 py-1 text-sm hover:bg-slate-100"
              >
                Show more ({formatCount(query.data.total - entries.length)} left)
              </button>
            </div>
          )}
        </div>
      )}
      {/* below the queue: a supervisor reads the queue first */}
      {canRebalance && <RebalancePanel key={agentId} agentId={agentId} />}
    </section>
  );
}
