import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams } from "react-router-dom";

import { api } from "../api/client";
import type { CustomerView, Dictionaries } from "../api/types";
import { Card, Figure } from "../components/Card";
import { Empty, ErrorState, Loading } from "../components/States";
import { CaseCard } from "../features/CaseCard";
import { CrmContactsCard } from "../features/CrmContactsCard";
import { ReassignPanel } from "../features/ReassignPanel";
import { RecordActionForm } from "../features/RecordActionForm";
import { WrongFlag } from "../features/WrongFlag";
import { contactChoicesOf, reportOf, wrongReportsOf } from "../features/actionContact";
import { VISIT, mapLink, visitChoicesOf, visitPosition } from "../features/actionVisit";
import { labelOf } from "../features/caseDraft";
import { useSession } from "../auth/AuthContext";
import { BucketBadge } from "../lib/bucket";
import { formatDate, formatDateTime, formatMoney } from "../lib/format";
import { queuePath } from "../routes";
import { KeyboardScrollBox, compactTableClass } from "../components/Field";

type Loan = CustomerView["loans"][number];

const STATUS_COLOURS: Record<string, string> = {
  PENDING: "bg-sky-100 text-sky-900",
  KEPT: "bg-emerald-100 text-emerald-900",
  BROKEN: "bg-red-100 text-red-900",
};

/** One line per currency: amounts in different currencies are never added up. */
function PerCurrency({ amounts }: { amounts: { currency: string | null; amount: string }[] }) {
  return (
    <>
      {amounts.map(({ currency, amount }) => (
        <span key={currency ?? ""} className="block">
          {formatMoney(amount, currency)}
        </span>
      ))}
    </>
  );
}

function Flag({ on, label }: { on: boolean | undefined; label: string }) {
  return on ? <span className="ml-1 rounded bg-slate-100 px-1.5 text-xs text-slate-700">{label}</span> : null;
}

function LoanDetails({ loan }: { loan: Loan }) {
  const [open, setOpen] = useState(false);
  return (
    <li className="py-3">
      <div className="flex flex-wrap items-center gap-x-6 gap-y-1">
        <span className="font-medium">{loan.account_number}</span>
        <span className="text-sm text-slate-600">{loan.product_type.replace("_", " ").toLowerCase()}</span>
        <BucketBadge bucket={loan.bucket} />
        <span className="text-sm tabular-nums">{loan.dpd} DPD</span>
        <span className="text-sm tabular-nums">
          overdue {formatMoney(loan.overdue_amount, loan.currency)}
        </span>
        <span className="text-sm tabular-nums">
          outstanding {formatMoney(loan.outstanding, loan.currency)}
        </span>
        <button
          type="button"
          className="ml-auto text-sm text-brand-700 hover:underline"
          aria-expanded={open}
          onClick={() => setOpen(!open)}
        >
          {open ? "Hide schedule" : "Schedule"}
        </button>
      </div>
      {open && (
        <KeyboardScrollBox label={`Installments of ${loan.account_number}`} className="mt-2">
          <table className={compactTableClass}>
            <caption className="sr-only">Installments of {loan.account_number}</caption>
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th scope="col">Due</th>
                <th scope="col" className="text-right">
                  Principal
                </th>
                <th scope="col" className="text-right">
                  Interest
                </th>
                <th scope="col" className="text-right">
                  Fees
                </th>
                <th scope="col" className="text-right">
                  Penalty
                </th>
                <th scope="col" className="text-right">
                  Paid
                </th>
              </tr>
            </thead>
            <tbody>
              {loan.installments.map((installment) => (
                <tr key={installment.due_date} className="border-t border-slate-100">
                  <td>{formatDate(installment.due_date)}</td>
                  <td className="text-right tabular-nums">
                    {formatMoney(String(installment.principal), loan.currency)}
                  </td>
                  <td className="text-right tabular-nums">
                    {formatMoney(String(installment.interest), loan.currency)}
                  </td>
                  <td className="text-right tabular-nums">
                    {formatMoney(String(installment.fees ?? 0), loan.currency)}
                  </td>
                  <td className="text-right tabular-nums">
                    {formatMoney(String(installment.penalty ?? 0), loan.currency)}
                  </td>
                  <td className="text-right tabular-nums">
                    {formatMoney(String(installment.paid ?? 0), loan.currency)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </KeyboardScrollBox>
      )}
    </li>
  );
}

/**
 * The currency of the payment's loan when it is not the payment's: such a payment never counts against the
 * loan (the delinquency processor dead-letters it), though the bank's feed recorded it. Null otherwise.
 */
function otherCurrency(
  payment: { account_number: string; currency: string },
  loans: { account_number: string; currency: string }[],
): string | null {
  const loan = loans.find((candidate) => candidate.account_number === payment.account_number);
  return loan && loan.currency !== payment.currency ? loan.currency : null;
}

/** Where a visit was recorded: its position, linked to a map (none for other actions). */
function VisitPosition({ visit }: { visit: unknown }) {
  const position = visitPosition(visit);
  if (!position) return null;
  return (
    <div className="text-xs text-slate-600">
      Recorded at{" "}
      <a href={mapLink(position)} target="_blank" rel="noreferrer" className="text-brand-700 underline">
        {position.lat.toFixed(5)}, {position.lon.toFixed(5)}
      </a>
    </div>
  );
}

export default function CustomerPage() {
  const { cif = "" } = useParams();
  const session = useSession();
  // An action just recorded shows once the processors have stored it, a moment after the API accepted it:
  // look again every second (for half a minute at most) until the timeline has it.
  const [awaiting, setAwaiting] = useState<{ actionId: string; until: number } | null>(null);
  const view = useQuery({
    queryKey: ["customer", cif],
    queryFn: ({ signal }) => api<CustomerView>(`/api/customers/${encodeURIComponent(cif)}`, { signal }),
    refetchInterval: (query) =>
      awaiting &&
      Date.now() < awaiting.until &&
      !query.state.data?.actions.some((action) => action.action_id === awaiting.actionId)
        ? 1000
        : false,
  });
  // the codes' labels (the timeline's "Field visit · outbound · no answer"); the codes until they come
  const dictionaries = useQuery({
    queryKey: ["dictionaries"],
    queryFn: ({ signal }) => api<Dictionaries>("/api/dictionaries", { signal }),
    staleTime: Infinity,
  });
  if (view.isPending) return <Loading label="Loading the customer…" />;
  if (view.isError) return <ErrorState error={view.error} onRetry={() => void view.refetch()} />;
  const {
    customer,
    contacts,
    delinquency,
    loans,
    promises,
    actions,
    payments,
    strategy,
    assignment,
    collaterals,
    references,
  } = view.data;
  const currencyOf = new Map(loans.map((loan) => [loan.account_number, loan.currency]));
  const wrong = wrongReportsOf(view.data.reported_wrong);
  // The totals are per currency; the single figure is the main currency's only (an older API sends no list).
  const totals = delinquency.by_currency.length
    ? delinquency.by_currency
    : [
        {
          currency: delinquency.currency,
          overdue: delinquency.overdue_total,
          outstanding: delinquency.outstanding_total,
        },
      ];
  const canAct = session.role === "agent" || session.role === "supervisor";
  // the customer's field agent (and not their call agent too) records visits more than anything else
  const agentTypes = assignment.current
    .filter((period) => period.agent_id && period.agent_id === session.agentId)
    .map((period) => period.agent_type);
  const startType = agentTypes.includes("FIELD") && !agentTypes.includes("CALL") ? VISIT : undefined;
  const canReassign = session.role === "supervisor" || session.role === "admin";

  return (
    <div className="space-y-4">
      <header className="flex flex-wrap items-end gap-4">
        <div>
          <h1 className="text-2xl font-semibold">{customer.company_name ?? customer.name}</h1>
          <p className="text-sm text-slate-600">
            {customer.cif} · {customer.type.toLowerCase()} · segment {customer.segment} · {customer.status}
            {customer.national_id && ` · ID ${customer.national_id}`}
            {customer.timezone && ` · ${customer.timezone}`}
          </p>
        </div>
        <dl className="ml-auto grid grid-cols-2 gap-x-8 gap-y-2 sm:grid-cols-4">
          <Figure label="Worst DPD" value={delinquency.max_dpd} />
          <Figure label="Bucket" value={<BucketBadge bucket={delinquency.bucket} />} />
          <Figure
            label="Overdue"
            value={<PerCurrency amounts={totals.map((t) => ({ currency: t.currency, amount: t.overdue }))} />}
          />
          <Figure
            label="Outstanding"
            value={
              <PerCurrency amounts={totals.map((t) => ({ currency: t.currency, amount: t.outstanding }))} />
            }
          />
        </dl>
      </header>
      <p className="text-xs text-slate-500">As of business date {formatDate(view.data.business_date)}.</p>

      <div className="grid grid-cols-1 gap-4 lg:grid-cols-3">
        <div className="min-w-0 space-y-4 lg:col-span-2">
          <CaseCard key={customer.cif} cif={customer.cif} view={view.data.case} canEdit={canAct} />
          <Card title="Loans">
            {loans.length === 0 ? (
              <Empty title="No loans" />
            ) : (
              <ul className="divide-y divide-slate-100">
                {loans.map((loan) => (
                  <LoanDetails key={loan.account_number} loan={loan} />
                ))}
              </ul>
            )}
          </Card>
          <Card title="Promises to pay">
            {promises.length === 0 ? (
              <p className="text-sm text-slate-600">No promises yet.</p>
            ) : (
              <ul className="space-y-1 text-sm" data-testid="promises">
                {promises.map((promise) => {
                  const currency = currencyOf.get(promise.account_number ?? "") ?? delinquency.currency;
                  return (
                    <li key={promise.action_id} className="flex flex-wrap items-center gap-3">
                      <span
                        className={`rounded px-2 py-0.5 text-xs font-semibold ${STATUS_COLOURS[promise.status] ?? ""}`}
                      >
                        {promise.status}
                      </span>
                      <span>
                        {formatMoney(promise.amount, currency)} by {formatDate(promise.date)}
                      </span>
                      <span className="text-slate-600">
                        paid {formatMoney(promise.paid_amount, currency)}
                        {promise.settled_on &&
                          `, ${promise.status === "KEPT" ? "kept" : "broken"} ${formatDate(promise.settled_on)}`}
                      </span>
                      <span className="text-xs text-slate-500">
                        made {formatDate(promise.made_on)}
                        {promise.agent_id && ` by ${promise.agent_id}`}
                      </span>
                    </li>
                  );
                })}
              </ul>
            )}
          </Card>
          <Card title="Timeline">
            {actions.length === 0 ? (
              <p className="text-sm text-slate-600">No actions recorded.</p>
            ) : (
              <ol className="space-y-3" data-testid="timeline">
                {actions.map((action) => (
                  <li key={action.action_id} className="border-l-2 border-brand-100 pl-3 text-sm">
                    <div className="font-medium">
                      {labelOf(dictionaries.data?.action_types, action.type)} · {action.subtype.toLowerCase()}{" "}
                      ·{" "}
                      {labelOf(dictionaries.data?.action_results, action.result)
                        .replaceAll("_", " ")
                        .toLowerCase()}
                    </div>
                    <div className="text-xs text-slate-500">
                      {formatDateTime(action.at)} by {action.agent_id}
                      {action.account_number && ` · ${action.account_number}`}
                      {typeof action.contact?.number === "string" && ` · ${action.contact.number}`}
                    </div>
                    {action.promise && (
                      <div>
                        Promised{" "}
                        {formatMoney(
                          action.promise.amount,
                          currencyOf.get(action.account_number ?? "") ?? delinquency.currency,
                        )}{" "}
                        by {formatDate(action.promise.date)}
                      </div>
                    )}
                    <VisitPosition visit={action.visit} />
                    {action.follow_up_date && <div>Follow up on {formatDate(action.follow_up_date)}</div>}
                    {action.notes && <p className="text-slate-700">{action.notes}</p>}
                  </li>
                ))}
              </ol>
            )}
          </Card>
          <Card title="Payments">
            {payments.length === 0 ? (
              <p className="text-sm text-slate-600">No payments.</p>
            ) : (
              <KeyboardScrollBox label="Payments">
                <table className={compactTableClass}>
                  <thead className="text-xs uppercase text-slate-500">
                    <tr>
                      <th scope="col">Paid at</th>
                      <th scope="col">Loan</th>
                      <th scope="col" className="text-right">
                        Amount
                      </th>
                      <th scope="col">Method</th>
                      <th scope="col">Status</th>
                    </tr>
                  </thead>
                  <tbody>
                    {payments.map((payment) => {
                      const uncounted = otherCurrency(payment, loans);
                      return (
                        <tr key={payment.reference_number} className="border-t border-slate-100">
                          <td>{formatDateTime(payment.paid_at)}</td>
                          <td>{payment.account_number}</td>
                          <td className="text-right tabular-nums">
                            {formatMoney(payment.amount, payment.currency)}
                          </td>
                          <td>{payment.method}</td>
                          <td>
                            {payment.status}
                            {payment.reversed_by && <span className="text-xs text-red-700"> (reversed)</span>}
                            {uncounted && (
                              <span className="block text-xs text-red-700">
                                Not counted: the loan is in {uncounted}
                              </span>
                            )}
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </KeyboardScrollBox>
            )}
          </Card>
        </div>

        <div className="min-w-0 space-y-4">
          {canAct && (
            <Card title="Record an action">
              <RecordActionForm
                cif={customer.cif}
                loans={loans.map((l) => ({ account_number: l.account_number, currency: l.currency }))}
                contactChoices={contactChoicesOf(view.data)}
                visitChoices={visitChoicesOf(view.data)}
                startType={startType}
                businessDate={view.data.business_date}
                onRecorded={(actionId) => setAwaiting({ actionId, until: Date.now() + 30_000 })}
              />
            </Card>
          )}
          <Card title="Contacts">
            <ul className="space-y-1 text-sm">
              {contacts.phones.map((phone) => (
                <li key={phone.number}>
                  <a href={`tel:${phone.number}`} className="text-brand-700 hover:underline">
                    {phone.number}
                  </a>{" "}
                  <span className="text-xs text-slate-500">{phone.type}</span>
                  <Flag on={phone.is_primary} label="primary" />
                  <Flag on={phone.is_verified} label="verified" />
                  <WrongFlag report={reportOf(wrong, phone.number)} />
                </li>
              ))}
              {contacts.emails.map((email) => (
                <li key={email.address}>
                  {email.address} <span className="text-xs text-slate-500">{email.type}</span>
                  <Flag on={email.is_primary} label="primary" />
                  <Flag on={email.is_verified} label="verified" />
                  <WrongFlag report={reportOf(wrong, email.address)} />
                </li>
              ))}
              {contacts.addresses.map((address, n) => (
                <li key={n} className="text-slate-700">
                  {Object.entries(address)
                    .filter(([key, value]) => key !== "type" && typeof value === "string" && value)
                    .map(([, value]) => value)
                    .join(", ")}{" "}
                  <span className="text-xs text-slate-500">{address.type}</span>
                </li>
              ))}
            </ul>
            {references.length > 0 && (
              <>
                <h3 className="mt-3 text-sm font-semibold">References</h3>
                <ul className="space-y-1 text-sm">
                  {references.map((reference, n) => (
                    <li key={n}>
                      {reference.customer_name ?? reference.name}{" "}
                      <span className="text-xs text-slate-500">{reference.relationship}</span>
                      {reference.phones.map((phone) => (
                        <span key={phone.number} className="ml-2">
                          {phone.number}
                          <WrongFlag report={reportOf(wrong, phone.number)} />
                        </span>
                      ))}
                    </li>
                  ))}
                </ul>
              </>
            )}
          </Card>
          <CrmContactsCard
            key={customer.cif}
            cif={customer.cif}
            view={view.data.crm_contacts}
            reportedWrong={wrong}
            canEdit={canAct}
            defaultCountry={contacts.addresses[0]?.country}
          />
          <Card title="Campaign and agent">
            {strategy && strategy.campaigns.length > 0 ? (
              <ul className="space-y-2 text-sm">
                {strategy.campaigns.map((campaign) => (
                  <li key={campaign.campaign_id}>
                    <div className="font-medium">{campaign.campaign_name}</div>
                    <div className="text-xs text-slate-600">{campaign.reason}</div>
                  </li>
                ))}
                <li className="text-xs text-slate-500">strategy version {strategy.strategy_version}</li>
              </ul>
            ) : (
              <p className="text-sm text-slate-600">In no campaign.</p>
            )}
            <h3 className="mt-3 text-sm font-semibold">Assigned agents</h3>
            {assignment.current.length === 0 ? (
              <p className="text-sm text-slate-600">None.</p>
            ) : (
              <ul className="text-sm">
                {assignment.current.map((period) => (
                  <li key={period.agent_type}>
                    {period.agent_type.toLowerCase()}:{" "}
                    {period.agent_id ? (
                      session.role === "agent" ? (
                        period.agent_id
                      ) : (
                        // underlined: inside a line of text, colour alone would not mark it a link
                        <Link to={queuePath(period.agent_id)} className="text-brand-700 underline">
                          {period.agent_id}
                        </Link>
                      )
                    ) : (
                      "none"
                    )}{" "}
                    <span className="text-xs text-slate-500">since {formatDate(period.valid_from)}</span>
                  </li>
                ))}
              </ul>
            )}
            {assignment.history.length > assignment.current.length && (
              <details className="mt-2 text-sm">
                <summary className="cursor-pointer text-brand-700">History</summary>
                <ul className="mt-1 space-y-1 text-xs text-slate-600">
                  {assignment.history.map((period, n) => (
                    <li key={n}>
                      {formatDate(period.valid_from)}–{period.valid_to ? formatDate(period.valid_to) : "now"}:{" "}
                      {period.agent_id ?? "none"} ({period.reason})
                    </li>
                  ))}
                </ul>
              </details>
            )}
            {canReassign && <ReassignPanel key={customer.cif} cif={customer.cif} />}
          </Card>
          {collaterals.length > 0 && (
            <Card title="Collateral">
              <ul className="space-y-1 text-sm">
                {collaterals.map((collateral) => (
                  <li key={collateral.collateral_number}>
                    {collateral.type} {collateral.collateral_number}:{" "}
                    {formatMoney(collateral.value, collateral.currency)}{" "}
                    <span className="text-xs text-slate-500">
                      valued {formatDate(collateral.valuation_date)}
                    </span>
                  </li>
                ))}
              </ul>
            </Card>
          )}
        </div>
      </div>
    </div>
  );
}
