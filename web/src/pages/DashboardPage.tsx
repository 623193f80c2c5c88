import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

import { api } from "../api/client";
import type { PortfolioSummary } from "../api/types";
import { Card, Figure } from "../components/Card";
import { KeyboardScrollBox, compactTableClass, tableScrollClass } from "../components/Field";
import { FindBox, useFindAndPage } from "../components/FindBox";
import { PageNav } from "../components/PageNav";
import { Empty, ErrorState, Loading } from "../components/States";
import { BUCKETS } from "../lib/bucket";
import {
  countOf,
  formatCount,
  formatDate,
  formatMoney,
  formatMoneyByCurrency,
  formatPercent,
} from "../lib/format";
import { queuePath } from "../routes";

/** Accounts and money per bucket of one currency, in bucket order, for the chart. */
export function bucketSeries(summary: PortfolioSummary, currency: string) {
  return BUCKETS.map((bucket) => {
    const figures = summary.buckets.find((b) => b.bucket === bucket && b.currency === currency);
    return { bucket, accounts: figures?.accounts ?? 0, overdue: figures?.overdue ?? "0" };
  });
}

type Collected = PortfolioSummary["collected"][number];

/** Money collected this month per currency, as `formatMoneyByCurrency` shows it. */
function thisMonth(collected: Collected[]): Record<string, string> {
  return Object.fromEntries(collected.map((c) => [c.currency, c.this_month]));
}

/** The agents the API lists unless asked for another page: the live events push these. */
export const AGENTS_PAGE = 100;

/** "kept / broken", as every promise figure of the page shows them. */
function keptBroken(kept: number, broken: number): string {
  return `${formatCount(kept)} / ${formatCount(broken)}`;
}

function mainCurrency(summary: PortfolioSummary): string | undefined {
  const accounts = new Map<string, number>();
  summary.buckets.forEach((b) => accounts.set(b.currency, (accounts.get(b.currency) ?? 0) + b.accounts));
  return [...accounts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}

export default function DashboardPage() {
  // Live: the events stream replaces this query's data with each new portfolio figure.
  const summary = useQuery({
    queryKey: ["portfolio"],
    queryFn: ({ signal }) => api<PortfolioSummary>("/api/dashboard/portfolio", { signal }),
    refetchInterval: 60_000, // a safety net should the event stream be down
  });
  // Which agents the table lists: a bank has thousands, so the API finds and pages them. The live figures
  // hold the first page; another page, or a find, is asked for again each time the figures change.
  const { containing, find, offset, setOffset } = useFindAndPage();
  const wanted = containing.trim();
  const ownPage = wanted !== "" || offset > 0;
  const agentsPage = useQuery({
    queryKey: ["portfolio", "agents", wanted, offset, summary.dataUpdatedAt],
    queryFn: ({ signal }) =>
      api<PortfolioSummary>("/api/dashboard/portfolio", {
        query: { agents_find: wanted, agents_offset: offset, agents_limit: AGENTS_PAGE },
        signal,
      }),
    enabled: ownPage && summary.isSuccess,
    placeholderData: (previous) => previous,
    gcTime: 10_000, // one entry per change of the figures: the older ones are never read again
  });
  if (summary.isPending) return <Loading label="Loading the portfolio…" />;
  if (summary.isError) return <ErrorState error={summary.error} onRetry={() => void summary.refetch()} />;
  const data = summary.data;
  const currency = mainCurrency(data);
  const listed = ownPage ? agentsPage.data : data;
  const everyone = data.agents_sum;
  if (!data.business_date) {
    return (
      <Empty title="No business date yet">
        The portfolio appears once the first business date is processed.
      </Empty>
    );
  }
  const series = currency ? bucketSeries(data, currency) : [];
  // A team supervisor sees the whole portfolio's figures (the API's are portfolio-wide) beside their own
  // team's agents: each section says which it is.
  const whole = (title: string, ...notes: (string | undefined)[]) => {
    const all = [...notes, data.team ? "whole portfolio" : undefined].filter(Boolean);
    return all.length ? `${title} (${all.join(", ")})` : title;
  };

  return (
    <div className="space-y-4">
      <header className="flex flex-wrap items-end justify-between gap-2">
        <h1 className="text-2xl font-semibold">Portfolio</h1>
        <p className="text-sm text-slate-600" aria-live="polite">
          Business date {formatDate(data.business_date)}
        </p>
      </header>
      {data.team && (
        <p className="text-sm text-slate-700" data-testid="scope">
          The agents table is your team&apos;s, <strong>team {data.team}</strong>. The other figures, marked
          &ldquo;whole portfolio&rdquo;, cover every team.
        </p>
      )}
      <div className="grid gap-4 md:grid-cols-2 xl:grid-cols-4">
        <Card title={whole("Collected")}>
          <div className="space-y-2" data-testid="collected">
            {data.collected.length === 0 && <p className="text-sm text-slate-600">Nothing yet.</p>}
            {data.collected.map((c) => (
              <dl key={c.currency} className="grid grid-cols-2 gap-2">
                <Figure label={`Today (${c.currency})`} value={formatMoney(c.today, c.currency)} />
                <Figure label="This month" value={formatMoney(c.this_month, c.currency)} />
              </dl>
            ))}
          </div>
        </Card>
        <Card title={whole("Promises")}>
          <dl className="grid grid-cols-2 gap-2" data-testid="promises">
            <Figure label="Made today" value={formatCount(data.promises.today.made)} />
            <Figure
              label="Kept / broken today"
              value={keptBroken(data.promises.settled_today.kept, data.promises.settled_today.broken)}
              hint="Promises judged today, whatever day they were made: paid in full, or past their date and grace"
            />
            <Figure label="Made this month" value={formatCount(data.promises.this_month.made)} />
            <Figure
              label="Of them kept / broken"
              value={keptBroken(data.promises.this_month.kept, data.promises.this_month.broken)}
              hint="Of the promises made this month: kept / broken so far"
            />
            <Figure
              label="Kept rate, month"
              value={formatPercent(data.promises.this_month.kept_rate)}
              hint="Kept / (kept + broken), of the promises made this month"
            />
          </dl>
        </Card>
        <Card title={whole("Contacts")}>
          <dl className="grid grid-cols-2 gap-2" data-testid="activity">
            <Figure label="Actions today" value={formatCount(data.activity.today.actions)} />
            <Figure label="Reached today" value={formatCount(data.activity.today.contacts)} />
            <Figure
              label="Contact rate"
              value={formatPercent(data.activity.today.contact_rate)}
              hint="Right-party contacts / actions, today"
            />
            <Figure
              label="Promise rate"
              value={formatPercent(data.activity.today.promise_rate)}
              hint="Promises to pay / right-party contacts, today"
            />
            <Figure
              label="Contact rate, month"
              value={formatPercent(data.activity.this_month.contact_rate)}
              hint={`${formatCount(data.activity.this_month.contacts)} of ${countOf(data.activity.this_month.actions, "action")} reached the customer`}
            />
            <Figure
              label="Promise rate, month"
              value={formatPercent(data.activity.this_month.promise_rate)}
              hint={`${countOf(data.activity.this_month.promises, "promise")} from ${countOf(data.activity.this_month.contacts, "contact")}`}
            />
          </dl>
        </Card>
        <Card title={whole("Roll and cure")}>
          <dl className="space-y-1 text-sm">
            <Figure
              label="Cure rate"
              value={formatPercent(data.cure_rate.rate)}
              hint={`${data.cure_rate.cured} of ${data.cure_rate.delinquent_at_start} delinquent accounts`}
            />
            {data.roll_rates.map((roll) => (
              <div key={roll.from_bucket} className="flex justify-between">
                <dt>
                  {roll.from_bucket} → {roll.to_bucket}
                </dt>
                <dd className="tabular-nums">
                  {formatPercent(roll.rate)}{" "}
                  <span className="text-xs text-slate-500">
                    ({roll.rolled_forward}/{roll.accounts_at_start})
                  </span>
                </dd>
              </div>
            ))}
          </dl>
        </Card>
      </div>
      <Card title={whole("Accounts per bucket", currency)}>
        <div className="h-64" role="img" aria-label="Bar chart of accounts per bucket">
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={series}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="bucket" />
              <YAxis allowDecimals={false} />
              <Tooltip />
              <Bar dataKey="accounts" name="Accounts" fill="#1d5fd1" isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </div>
        <KeyboardScrollBox label="Accounts and amounts per bucket" className="mt-3">
          <table className={compactTableClass} data-testid="bucket-table">
            <caption className="sr-only">Accounts and amounts per bucket</caption>
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th scope="col">Bucket</th>
                <th scope="col">Currency</th>
                <th scope="col" className="text-right">
                  Accounts
                </th>
                <th scope="col" className="text-right">
                  Overdue
                </th>
                <th scope="col" className="text-right">
                  Outstanding
                </th>
              </tr>
            </thead>
            <tbody>
              {data.buckets.map((b) => (
                <tr key={`${b.bucket}/${b.currency}`} className="border-t border-slate-100">
                  <td>{b.bucket}</td>
                  <td>{b.currency}</td>
                  <td className="text-right tabular-nums">{formatCount(b.accounts)}</td>
                  <td className="text-right tabular-nums">{formatMoney(b.overdue, b.currency)}</td>
                  <td className="text-right tabular-nums">{formatMoney(b.outstanding, b.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </KeyboardScrollBox>
      </Card>
      <Card title={`${data.team ? `Team ${data.team}` : "Agents"}: workload and today's work`}>
        {everyone.agents === 0 ? (
          <p className="text-sm text-slate-600">No agents.</p>
        ) : (
          <>
            <div className="mb-2 flex flex-wrap items-center gap-3">
              <FindBox placeholder="name, id or team" value={containing} onChange={find} />
              {wanted && listed && (
                <span className="text-sm text-slate-600" aria-live="polite">
                  {formatCount(listed.agents_total)} of {formatCount(everyone.agents)} agents
                </span>
              )}
            </div>
            <div className={tableScrollClass}>
              <table className={compactTableClass}>
                <thead className="text-xs uppercase text-slate-500">
                  <tr>
                    <th scope="col">Agent</th>
                    <th scope="col">Team</th>
                    <th scope="col" className="text-right">
                      Assigned
                    </th>
                    <th scope="col" className="text-right">
                      Capacity
                    </th>
                    <th scope="col" className="w-1/5">
                      Utilisation
                    </th>
                    <th scope="col" className="text-right" title="Actions recorded today">
                      Actions
                    </th>
                    <th scope="col" className="text-right" title="Right-party contacts today">
                      Reached
                    </th>
                    <th scope="col" className="text-right" title="Promises to pay taken today">
                      Promises
                    </th>
                    <th
                      scope="col"
                      className="text-right"
                      title="Of the promises taken this month: kept / broken"
                    >
                      Kept / broken (month)
                    </th>
                    <th
                      scope="col"
                      className="text-right"
                      title="Payments this month on the customers the agent holds now, reversals deducted"
                    >
                      Collected (month)
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {!listed ? (
                    <tr>
                      <td colSpan={10} className="text-slate-600">
                        {agentsPage.isError ? (
                          <ErrorState error={agentsPage.error} onRetry={() => void agentsPage.refetch()} />
                        ) : (
                          "Finding agents…"
                        )}
                      </td>
                    </tr>
                  ) : listed.agents.length === 0 ? (
                    <tr>
                      <td colSpan={10} className="text-slate-600">
                        {wanted
                          ? `No agent's name, id or team holds “${wanted}”.`
                          : "No agents on this page."}
                      </td>
                    </tr>
                  ) : null}
                  {listed?.agents.map((agent) => (
                    <tr key={agent.agent_id} className="border-t border-slate-100">
                      <td>
                        <Link to={queuePath(agent.agent_id)} className="text-brand-700 hover:underline">
                          {agent.name ?? agent.agent_id}
                        </Link>
                        {!agent.active && <span className="ml-1 text-xs text-slate-500">(inactive)</span>}
                      </td>
                      <td>{agent.team ?? "—"}</td>
                      <td className="text-right tabular-nums">{formatCount(agent.assigned)}</td>
                      <td className="text-right tabular-nums">{formatCount(agent.capacity)}</td>
                      <td>
                        <div
                          className="h-2 rounded bg-slate-100"
                          role="meter"
                          aria-valuemin={0}
                          aria-valuemax={100}
                          aria-valuenow={Math.round((agent.utilisation ?? 0) * 100)}
                          aria-label={`${agent.agent_id} utilisation`}
                        >
                          <div
                            className={`h-2 rounded ${(agent.utilisation ?? 0) > 0.95 ? "bg-red-500" : "bg-brand-600"}`}
                            style={{ width: `${Math.min((agent.utilisation ?? 0) * 100, 100)}%` }}
                          />
                        </div>
                        <span className="text-xs text-slate-500">{formatPercent(agent.utilisation, 0)}</span>
                      </td>
                      <td className="text-right tabular-nums">{formatCount(agent.actions_today)}</td>
                      <td className="text-right tabular-nums">{formatCount(agent.contacts_today)}</td>
                      <td className="text-right tabular-nums">{formatCount(agent.promises_today)}</td>
                      <td className="text-right tabular-nums">
                        {keptBroken(agent.promises_kept_this_month, agent.promises_broken_this_month)}
                      </td>
                      <td className="text-right tabular-nums">
                        {formatMoneyByCurrency(thisMonth(agent.collected))}
                      </td>
                    </tr>
                  ))}
                </tbody>
                <tfoot className="border-t border-slate-300 font-medium" data-testid="agents-total">
                  <tr>
                    <th scope="row" colSpan={2}>
                      {data.team ? `Team ${data.team}` : "All agents"}
                    </th>
                    <td className="text-right tabular-nums">{formatCount(everyone.assigned)}</td>
                    <td className="text-right tabular-nums">{formatCount(everyone.capacity)}</td>
                    <td>
                      <span className="text-xs text-slate-500">{formatPercent(everyone.utilisation, 0)}</span>
                    </td>
                    <td className="text-right tabular-nums">{formatCount(everyone.actions_today)}</td>
                    <td className="text-right tabular-nums">{formatCount(everyone.contacts_today)}</td>
                    <td className="text-right tabular-nums">{formatCount(everyone.promises_today)}</td>
                    <td className="text-right tabular-nums">
                      {keptBroken(everyone.promises_kept_this_month, everyone.promises_broken_this_month)}
                    </td>
                    <td className="text-right tabular-nums">
                      {formatMoneyByCurrency(thisMonth(everyone.collected))}
                    </td>
                  </tr>
                </tfoot>
              </table>
            </div>
            {listed && (
              <div className="mt-2">
                <PageNav
                  offset={offset}
                  shown={listed.agents.length}
                  total={listed.agents_total}
                  hasMore={offset + listed.agents.length < listed.agents_total}
                  onOffset={setOffset}
                  pageSize={AGENTS_PAGE}
                />
              </div>
            )}
          </>
        )}
      </Card>
    </div>
  );
}
