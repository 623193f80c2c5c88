import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Fragment, useState } from "react";

import { api } from "../../api/client";
import type { DeadLetterPage, DeadLetterPublic, DeadLetterTopicPublic, RedrivePublic } from "../../api/types";
import { buttonClass, secondaryButtonClass, tableScrollClass } from "../../components/Field";
import { PageNav } from "../../components/PageNav";
import { Empty, ErrorState, Loading } from "../../components/States";
import { countOf, formatCount, formatDateTime } from "../../lib/format";

const PAGE = 50;
const position = (letter: { partition: number; offset: number }) => `${letter.partition}:${letter.offset}`;

function TopicsTable({
  topics,
  onOpen,
}: {
  topics: DeadLetterTopicPublic[];
  onOpen: (topic: string) => void;
}) {
  return (
    <div className={`${tableScrollClass} rounded-lg border border-slate-200 bg-white`}>
      <table className="w-full text-left text-sm">
        <thead className="bg-slate-50 text-xs uppercase text-slate-600">
          <tr>
            <th scope="col" className="px-3 py-2">
              Topic
            </th>
            <th scope="col" className="px-3 py-2 text-right">
              Dead letters
            </th>
            <th scope="col" className="px-3 py-2 text-right">
              Re-driven
            </th>
            <th scope="col" className="px-3 py-2">
              Newest
            </th>
            <th scope="col" className="px-3 py-2">
              Top reasons
            </th>
            <th scope="col" className="px-3 py-2">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {topics.map((topic) => (
            <tr key={topic.topic} data-testid="dlq-topic" className="border-t border-slate-100 align-top">
              <td className="whitespace-nowrap px-3 py-2 font-medium">{topic.topic}</td>
              <td className="px-3 py-2 text-right">{formatCount(topic.count)}</td>
              <td className="px-3 py-2 text-right">{formatCount(topic.redriven)}</td>
              <td className="px-3 py-2 text-xs text-slate-600">{formatDateTime(topic.newest)}</td>
              <td className="px-3 py-2">
                <ul className="space-y-0.5">
                  {topic.reasons.map((reason) => (
                    <li key={reason.reason}>
                      <span className="font-medium">{formatCount(reason.count)} ×</span> {reason.reason}
                      {reason.failed_contract && (
                        <>
                          {" "}
                          <ContractBadge source={topic.source_topic} />
                        </>
                      )}
                    </li>
                  ))}
                </ul>
              </td>
              <td className="px-3 py-2 text-right">
                <button
                  type="button"
                  className={secondaryButtonClass}
                  disabled={topic.count === 0}
                  onClick={() => onOpen(topic.topic)}
                  aria-label={`Open ${topic.topic}`}
                >
                  Open
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function LetterDetails({ item }: { item: DeadLetterPublic }) {
  const letter = item.letter;
  if (!letter) return <pre className="whitespace-pre-wrap text-xs text-red-700">{item.reason}</pre>;
  return (
    <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-xs">
      <dt className="text-slate-500">Error</dt>
      <dd>
        {letter.error_type}: {letter.error}
      </dd>
      <dt className="text-slate-500">Source</dt>
      <dd>
        {letter.source_topic} partition {letter.partition} offset {letter.offset}
      </dd>
      <dt className="text-slate-500">Processor</dt>
      <dd>{letter.processor}</dd>
      <dt className="text-slate-500">Value</dt>
      <dd>
        {letter.value_size != null && (
          <p className="mb-1 text-amber-800">
            Only its start: the original ({countOf(letter.value_size, "byte")}) was too large to keep in the
            letter, so it cannot be re-driven from here.
          </p>
        )}
        <pre className="max-h-96 overflow-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-2">
          {letter.value}
        </pre>
      </dd>
    </dl>
  );
}

/** Said before a re-drive of letters whose messages failed their contract: as they are, they fail again. */
export function contractWarning(failed: number, total: number, source: string): string | null {
  if (failed === 0) return null;
  const which = total === 1 ? "It" : failed === total ? "They all" : `${failed} of them`;
  const as = total === 1 ? "it is, it" : "they are, they";
  return (
    `${which} failed the ${source} contract: re-driven as ${as} will be dead-lettered again unless the ` +
    "contract changed since (an upgrade). Usually the sender fixes the message and sends it again."
  );
}

function ContractWarning({ text }: { text: string | null }) {
  return text ? <p className="basis-full text-sm text-amber-800">{text}</p> : null;
}

/**
 * Beside a reason or a letter whose message failed the source topic's contract: re-driven as it is, it is
 * dead-lettered again (the re-drive's confirmation says so in full), so the operator sees it before trying.
 */
function ContractBadge({ source }: { source: string }) {
  return (
    <span
      className="whitespace-nowrap rounded bg-amber-100 px-1.5 py-0.5 text-xs text-amber-900"
      title="Re-driven as it is, it is dead-lettered again unless the contract changed since: usually the sender fixes it and sends it again."
    >
      failed the {source} contract
    </span>
  );
}

/** The topic a dead-letter topic is the twin of: `payments` for `payments.dlq`. */
const sourceOf = (topic: string) => topic.replace(/\.dlq$/, "");

/** `POST /api/admin/dlq/{topic}/redrive`: the ticked rows' positions, or a reason (with a dry run first). */
const postRedrive = (topic: string, body: unknown) =>
  api<RedrivePublic>(`/api/admin/dlq/${encodeURIComponent(topic)}/redrive`, { method: "POST", body });

function RedriveBar({
  topic,
  chosen,
  onDone,
}: {
  topic: string;
  chosen: DeadLetterPublic[];
  onDone: (result: RedrivePublic) => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const redrive = useMutation({
    mutationFn: () =>
      postRedrive(topic, { positions: chosen.map(({ partition, offset }) => ({ partition, offset })) }),
    onSuccess: (result) => {
      setConfirming(false);
      onDone(result);
    },
  });
  const source = sourceOf(topic);
  return (
    <div className="flex flex-wrap items-center gap-3">
      {redrive.error && <ErrorState error={redrive.error} />}
      {confirming ? (
        <div role="alertdialog" aria-label="Confirm re-drive" className="flex flex-wrap items-center gap-2">
          <span className="text-sm">
            Produce {countOf(chosen.length, "original message")} to {source} again?
          </span>
          <ContractWarning
            text={contractWarning(
              chosen.filter((item) => item.failed_contract).length,
              chosen.length,
              source,
            )}
          />
          <button
            type="button"
            className={buttonClass}
            disabled={redrive.isPending}
            onClick={() => redrive.mutate()}
          >
            {redrive.isPending ? "Re-driving…" : "Confirm re-drive"}
          </button>
          <button type="button" className={secondaryButtonClass} onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <button
          type="button"
          className={buttonClass}
          disabled={chosen.length === 0}
          onClick={() => setConfirming(true)}
        >
          Re-drive selected ({chosen.length})
        </button>
      )}
    </div>
  );
}

type DeadLetterReason = DeadLetterTopicPublic["reasons"][number];

/** The API takes a reason of 1–200 characters, matched as "contained in the error". */
const REASON_MAX = 200;

function ReasonConfirm({
  dryRun,
  pending,
  onConfirm,
  onCancel,
}: {
  dryRun: RedrivePublic;
  pending: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const produce = dryRun.redriven.length;
  const skipped = dryRun.skipped.length;
  return (
    <div
      role="alertdialog"
      aria-label="Confirm re-drive by reason"
      className="flex flex-wrap items-center gap-2"
    >
      {produce === 0 ? (
        <span className="text-sm">
          {skipped > 0
            ? `Nothing to re-drive: ${skipped} skipped (${dryRun.skipped[0]!.why}).`
            : "Nothing to re-drive: no dead letter has this reason now."}
        </span>
      ) : (
        <span className="text-sm">
          Produce {countOf(produce, "original message")} to {dryRun.source_topic} again?
          {skipped > 0 && ` ${skipped} already re-driven or not re-drivable are skipped.`}
        </span>
      )}
      <ContractWarning
        text={contractWarning(
          dryRun.redriven.filter((item) => item.failed_contract).length,
          produce,
          dryRun.source_topic,
        )}
      />
      {produce > 0 && (
        <button type="button" className={buttonClass} disabled={pending} onClick={onConfirm}>
          {pending ? "Re-driving…" : "Confirm re-drive"}
        </button>
      )}
      <button type="button" className={secondaryButtonClass} onClick={onCancel}>
        {produce === 0 ? "Close" : "Cancel"}
      </button>
    </div>
  );
}

function ReasonRedrive({
  topic,
  reasons,
  onDone,
}: {
  topic: string;
  reasons: DeadLetterReason[];
  onDone: (result: RedrivePublic) => void;
}) {
  // The reason whose flow is open (one at a time).
  const [active, setActive] = useState<string | null>(null);
  const post = (reason: string, dryRun: boolean) =>
    postRedrive(topic, { reason: reason.slice(0, REASON_MAX), ...(dryRun && { dry_run: true }) });
  // A dry run comes first: the count confirmed is the API's own, not the summary's, which may be stale or
  // include letters already re-driven (and a reason cut to 200 characters may match more than its line).
  const dryRun = useMutation({ mutationFn: (reason: string) => post(reason, true) });
  const redrive = useMutation({
    mutationFn: (reason: string) => post(reason, false),
    onSuccess: (result) => {
      setActive(null);
      dryRun.reset();
      onDone(result);
    },
  });
  const close = () => {
    setActive(null);
    dryRun.reset();
    redrive.reset();
  };
  const start = (reason: string) => {
    setActive(reason);
    redrive.reset();
    dryRun.mutate(reason);
  };
  const busy = dryRun.isPending || redrive.isPending;
  const source = sourceOf(topic);

  if (reasons.length === 0) return null;
  return (
    <section
      aria-labelledby="dlq-reasons-title"
      className="space-y-2 rounded-lg border border-slate-200 bg-white p-3"
    >
      <h3 id="dlq-reasons-title" className="text-sm font-semibold">
        By reason
      </h3>
      <ul className="space-y-2 text-sm">
        {reasons.map((reason) => {
          const isActive = active === reason.reason;
          const answer = isActive && dryRun.variables === reason.reason ? dryRun.data : undefined;
          return (
            <li key={reason.reason} data-testid="dlq-reason" className="space-y-1">
              <div className="flex flex-wrap items-center gap-3">
                <span className="font-medium">{formatCount(reason.count)} ×</span>
                <span className="break-all">{reason.reason}</span>
                {reason.failed_contract && <ContractBadge source={source} />}
                {!reason.redrivable ? (
                  <span className="ml-auto text-xs text-slate-600">
                    Not readable as a dead letter: it cannot be re-driven.
                  </span>
                ) : (
                  !answer && (
                    <button
                      type="button"
                      className={`${secondaryButtonClass} ml-auto`}
                      disabled={busy}
                      aria-label={`Re-drive every dead letter with reason: ${reason.reason}`}
                      onClick={() => start(reason.reason)}
                    >
                      {isActive && dryRun.isPending ? "Checking…" : "Re-drive all…"}
                    </button>
                  )
                )}
              </div>
              {isActive && dryRun.error && <ErrorState error={dryRun.error} />}
              {isActive && redrive.error && <ErrorState error={redrive.error} />}
              {answer && (
                <ReasonConfirm
                  dryRun={answer}
                  pending={redrive.isPending}
                  onConfirm={() => redrive.mutate(reason.reason)}
                  onCancel={close}
                />
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function TopicLetters({ topic, onClose }: { topic: string; onClose: () => void }) {
  const client = useQueryClient();
  const [offset, setOffset] = useState(0);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [open, setOpen] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<RedrivePublic | null>(null);
  const page = useQuery({
    queryKey: ["dlq", topic, offset],
    queryFn: ({ signal }) =>
      api<DeadLetterPage>(`/api/admin/dlq/${encodeURIComponent(topic)}`, {
        query: { offset, limit: PAGE },
        signal,
      }),
  });
  const items = page.data?.items ?? [];
  const source = sourceOf(topic);
  const chosen = items.filter((item) => selected.has(position(item)));
  const toggle = (key: string) =>
    setSelected((was) => {
      const next = new Set(was);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });

  const onDone = (result: RedrivePublic) => {
    setOutcome(result);
    setSelected(new Set());
    void client.invalidateQueries({ queryKey: ["dlq"] });
  };

  return (
    <section aria-labelledby="dlq-topic-title" className="space-y-3">
      <div className="flex flex-wrap items-end gap-3">
        <h2 id="dlq-topic-title" className="text-xl font-semibold">
          {topic}
        </h2>
        <button type="button" className={`${secondaryButtonClass} ml-auto`} onClick={onClose}>
          Back to topics
        </button>
      </div>
      <RedriveBar topic={topic} chosen={chosen} onDone={onDone} />
      {outcome && (
        <p role="status" className="text-sm">
          Re-drove {outcome.redriven.length} to {outcome.source_topic}
          {outcome.skipped.length > 0 && `; skipped ${outcome.skipped.length} (${outcome.skipped[0]!.why})`}
          {outcome.failed.length > 0 && `; ${outcome.failed.length} not confirmed by Kafka: try again`}
        </p>
      )}
      <ReasonRedrive topic={topic} reasons={page.data?.reasons ?? []} onDone={onDone} />
      {page.isPending ? (
        <Loading />
      ) : page.isError ? (
        <ErrorState error={page.error} onRetry={() => void page.refetch()} />
      ) : items.length === 0 ? (
        <Empty title="No dead letters" />
      ) : (
        <div className={`${tableScrollClass} rounded-lg border border-slate-200 bg-white`}>
          <table className="w-full text-left text-sm">
            <thead className="bg-slate-50 text-xs uppercase text-slate-600">
              <tr>
                <th scope="col" className="px-3 py-2">
                  <span className="sr-only">Select</span>
                </th>
                <th scope="col" className="px-3 py-2">
                  Position
                </th>
                <th scope="col" className="px-3 py-2">
                  Dead-lettered
                </th>
                <th scope="col" className="px-3 py-2">
                  Key
                </th>
                <th scope="col" className="px-3 py-2">
                  Reason
                </th>
                <th scope="col" className="px-3 py-2">
                  <span className="sr-only">Details</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => {
                const key = position(item);
                return (
                  <Fragment key={key}>
                    <tr data-testid="dlq-letter" className="border-t border-slate-100 align-top">
                      <td className="px-3 py-2">
                        {item.redriven ? (
                          <span className="text-xs text-slate-500">re-driven</span>
                        ) : (
                          <input
                            type="checkbox"
                            aria-label={`Select ${key}`}
                            checked={selected.has(key)}
                            disabled={!item.letter || item.letter.value_size != null}
                            onChange={() => toggle(key)}
                          />
                        )}
                      </td>
                      <td className="px-3 py-2 font-mono text-xs">{key}</td>
                      <td className="px-3 py-2 text-xs text-slate-600">
                        {formatDateTime(item.dead_lettered_at)}
                      </td>
                      <td className="whitespace-nowrap px-3 py-2">{item.letter?.key ?? "—"}</td>
                      <td className="px-3 py-2">
                        {item.reason}
                        {item.failed_contract && (
                          <>
                            {" "}
                            <ContractBadge source={source} />
                          </>
                        )}
                      </td>
                      <td className="px-3 py-2 text-right">
                        <button
                          type="button"
                          className={secondaryButtonClass}
                          aria-expanded={open === key}
                          aria-label={`Details of ${key}`}
                          onClick={() => setOpen(open === key ? null : key)}
                        >
                          Details
                        </button>
                      </td>
                    </tr>
                    {open === key && (
                      <tr className="bg-slate-50">
                        <td colSpan={6} className="px-3 py-2">
                          <LetterDetails item={item} />
                        </td>
                      </tr>
                    )}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {page.data && (
        <PageNav
          offset={offset}
          shown={items.length}
          total={page.data.total}
          hasMore={offset + PAGE < page.data.total}
          onOffset={setOffset}
          pageSize={PAGE}
          previous="Newer"
          next="Older"
        />
      )}
    </section>
  );
}

export default function DeadLettersPage() {
  const [topic, setTopic] = useState<string | null>(null);
  const topics = useQuery({
    queryKey: ["dlq"],
    queryFn: ({ signal }) => api<DeadLetterTopicPublic[]>("/api/admin/dlq", { signal }),
  });
  return (
    <section aria-labelledby="dlq-title" className="space-y-4">
      <h1 id="dlq-title" className="text-2xl font-semibold">
        Dead letters
      </h1>
      {topic ? (
        <TopicLetters key={topic} topic={topic} onClose={() => setTopic(null)} />
      ) : topics.isPending ? (
        <Loading />
      ) : topics.isError ? (
        <ErrorState error={topics.error} onRetry={() => void topics.refetch()} />
      ) : topics.data.every((t) => t.count === 0) ? (
        <Empty title="No dead letters">Every message was accepted.</Empty>
      ) : (
        <TopicsTable topics={topics.data} onOpen={setTopic} />
      )}
    </section>
  );
}
