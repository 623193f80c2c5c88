// Recording what happened with a customer: a call, a visit, a promise to pay. Codes come from the API's
// dictionaries; the API's 422 (per field) and 409 (a compliance rule) answers are shown where they belong.
// The draft is kept in this tab's storage until it is recorded, so an expired session loses nothing.
// A call, an SMS or an email names the number or address it used (`contactChoices`, from the customer's
// view), or one typed in ("Another number…": an inbound call from a number the CRM does not list): a
// WRONG_NUMBER must, so that the campaign stops selecting it. A visit names the address visited and, when the
// agent shares it, their position (`VisitFields`).

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState, type FormEvent } from "react";

import { ApiError, api } from "../api/client";
import type { ActionAccepted, Dictionaries } from "../api/types";
import { Field, buttonClass, inputClass } from "../components/Field";
import { ErrorState, Loading } from "../components/States";
import { useSession } from "../auth/AuthContext";
import { formatDate, formatDateTime } from "../lib/format";
import { useStoredDraft } from "../lib/storedDraft";
import {
  NO_CONTACT_CHOICES,
  contactListOf,
  isListed,
  isReportedWrong,
  type ContactChoices,
} from "./actionContact";
import {
  ANOTHER_CONTACT,
  CEASE_COMMUNICATION,
  DISPUTE,
  PROMISE,
  RIGHT_PARTY_RESULTS,
  WRONG_NUMBER,
  actionBody,
  actionMoment,
  aheadOfEveryCalendar,
  blankDraft,
  chosenContact,
  completeDraft,
  contactNoun,
  currenciesOf,
  draftProblems,
  isBlankDraft,
  needsLoanChoice,
  promiseCurrency,
  typedContact,
  unshownErrors,
  withType,
  type ActionDraft,
  type LoanChoice,
} from "./actionDraft";
import { NO_VISIT_CHOICES, VISIT, type VisitChoices } from "./actionVisit";
import { VisitFields } from "./VisitFields";

export type { LoanChoice } from "./actionDraft";
export type { ContactChoices } from "./actionContact";
export type { VisitChoices } from "./actionVisit";

type ActionBody = ReturnType<typeof actionBody>;

interface Stored {
  // Partial: a draft stored before a field was added lacks it (`completeDraft` fills it in).
  draft: Partial<ActionDraft>;
  // One id per action being recorded: a retry (after a timeout, or a sign-in) is the same action, accepted once.
  actionId: string;
}

interface Conflict {
  detail: string;
  rule?: string;
  contactable_from?: string | null;
}

export function RecordActionForm({
  cif,
  loans,
  contactChoices = NO_CONTACT_CHOICES,
  visitChoices = NO_VISIT_CHOICES,
  startType = blankDraft.type,
  businessDate,
  onRecorded,
}: {
  cif: string;
  loans: LoanChoice[];
  /** The book's date (the customer view's): ahead of every calendar, actions are dated on it (`actionMoment`). */
  businessDate?: string | null;
  /** The numbers and addresses a call, an SMS or an email may name (`contactChoicesOf`); none when left out. */
  contactChoices?: ContactChoices;
  /** The addresses a visit may name (`visitChoicesOf`); none when left out. */
  visitChoices?: VisitChoices;
  /** The type a new action starts on: a visit for the customer's field agent, a call otherwise. */
  startType?: string;
  onRecorded?: (id: string) => void;
}) {
  // one per start type: the stored draft's effect runs again whenever these change
  const { blankStored, isBlankStored } = useMemo(() => {
    const blank = { ...blankDraft, type: startType };
    return {
      blankStored: (): Stored => ({ draft: blank, actionId: crypto.randomUUID() }),
      isBlankStored: (value: Stored) => isBlankDraft(value.draft, blank),
    };
  }, [startType]);
  const client = useQueryClient();
  const dictionaries = useQuery({
    queryKey: ["dictionaries"],
    queryFn: ({ signal }) => api<Dictionaries>("/api/dictionaries", { signal }),
    staleTime: Infinity,
  });
  const { username } = useSession();
  const stored = useStoredDraft(`action/${username}/${cif}`, blankStored, isBlankStored);
  const { actionId } = stored.value;
  // one stored before the contact, or the one typed in, was added lacks it
  const draft = completeDraft(stored.value.draft);
  const [restoredNotice, setRestoredNotice] = useState(stored.restored);
  // Checked on submit, then again as the user fixes them.
  const [checked, setChecked] = useState(false);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  // The number just recorded as reaching the customer was reported wrong: the campaign will use it again.
  const [rightAfterAll, setRightAfterAll] = useState(false);
  // The typed contact's input takes the focus as "Another number…" is chosen (not as a draft opens on it).
  const typedInput = useRef<HTMLInputElement>(null);
  const [focusTyped, setFocusTyped] = useState(false);
  useEffect(() => {
    if (!focusTyped) return;
    typedInput.current?.focus();
    setFocusTyped(false);
  }, [focusTyped]);
  const record = useMutation({
    mutationFn: (body: ActionBody) => api<ActionAccepted>("/api/actions", { body }),
    onMutate: () => setConflict(null),
    onSuccess: (accepted) => {
      onRecorded?.(accepted.action_id);
      stored.setValue(blankStored());
      setChecked(false);
      setRestoredNotice(false);
      void client.invalidateQueries({ queryKey: ["customer", cif] });
    },
    onError: (error) => {
      if (error instanceof ApiError && error.status === 409) {
        const body = error.body as Partial<Conflict> | null;
        setConflict({ detail: error.message, rule: body?.rule, contactable_from: body?.contactable_from });
      }
    },
  });
  const problems = checked ? draftProblems(draft, loans, contactChoices) : {};
  const apiErrors = record.error instanceof ApiError ? record.error.fieldErrors : {};
  const errors = { ...apiErrors, ...problems };
  const set = (key: keyof ActionDraft, value: string) =>
    stored.setValue((current) => ({ ...current, draft: { ...completeDraft(current.draft), [key]: value } }));
  const setVisit = (changes: Partial<Pick<ActionDraft, "visitAddress" | "position">>) =>
    stored.setValue((current) => ({ ...current, draft: { ...completeDraft(current.draft), ...changes } }));
  const setType = (type: string) =>
    stored.setValue((current) => ({ ...current, draft: withType(completeDraft(current.draft), type) }));
  const currency = promiseCurrency(draft, loans);
  const contactList = contactListOf(draft.type);
  const contact = chosenContact(draft, contactChoices);
  const typed = typedContact(draft, contactChoices);
  const contactError = errors.contact ?? errors["contact.number"] ?? errors["contact.channel"];
  // What was just recorded: a wrong number is not selected again (one the CRM does not list never was).
  const flagged =
    record.isSuccess && record.variables.result === WRONG_NUMBER ? record.variables.contact : null;
  const flaggedList = record.variables ? contactListOf(record.variables.type) : null;
  const flaggedListed =
    flagged && flaggedList ? isListed(contactChoices, flaggedList, flagged.number) : false;

  function submit(event: FormEvent) {
    event.preventDefault();
    setChecked(true);
    if (Object.keys(draftProblems(draft, loans, contactChoices)).length) {
      record.reset(); // the API's answer was about the draft before these changes
      return;
    }
    const at = actionMoment(new Date(), businessDate);
    const body = actionBody(cif, draft, actionId, at, contactChoices, visitChoices);
    // judged now: once recorded, the view read again no longer lists the number as reported wrong
    const list = contactListOf(body.type);
    setRightAfterAll(
      body.contact && list && RIGHT_PARTY_RESULTS.has(body.result)
        ? isReportedWrong(contactChoices, list, body.contact.number)
        : false,
    );
    record.mutate(body);
  }

  function discard() {
    stored.setValue(blankStored());
    setChecked(false);
    setRestoredNotice(false);
    record.reset();
  }

  if (dictionaries.isError)
    return <ErrorState error={dictionaries.error} onRetry={() => void dictionaries.refetch()} />;
  if (dictionaries.isPending) return <Loading label="Loading the form…" />;
  const dict = dictionaries.data;
  // A 422 at a field the form has no input for would otherwise say nothing.
  const unshown = unshownErrors(apiErrors);
  const otherError =
    record.error &&
    !(record.error instanceof ApiError && (record.error.status === 409 || Object.keys(errors).length))
      ? record.error
      : null;

  return (
    <form onSubmit={submit} aria-label="Record an action" className="space-y-3" noValidate>
      {record.isSuccess && (
        <p role="status" className="rounded bg-emerald-50 p-2 text-sm text-emerald-900">
          {flagged
            ? flaggedListed
              ? `Recorded. The campaign will stop using ${flagged.number}.`
              : `Recorded: ${flagged.number} is a wrong number.`
            : rightAfterAll && record.variables.contact
              ? `Recorded. ${record.variables.contact.number} reached the customer, so the campaign will use it again.`
              : "Recorded."}
        </p>
      )}
      {restoredNotice && (
        <p
          role="status"
          className="flex flex-wrap items-center gap-2 rounded bg-sky-50 p-2 text-sm text-sky-900"
        >
          Your unrecorded entry for this customer was restored.
          <button type="button" className="underline" onClick={discard}>
            Discard it
          </button>
        </p>
      )}
      {otherError && <ErrorState error={otherError} />}
      {unshown.length > 0 && (
        <div role="alert" className="rounded bg-red-50 p-2 text-sm text-red-900">
          <p>The action was not recorded:</p>
          <ul className="list-disc pl-5">
            {unshown.map((message) => (
              <li key={message}>{message}</li>
            ))}
          </ul>
        </div>
      )}
      <div className="grid gap-3">
        <Field
          label="Type"
          error={
            errors.type ??
            // a contact the API refused while the type records none: shown at the type, the field to change
            (contactList || draft.type === VISIT ? undefined : contactError) ??
            (conflict
              ? `${conflict.detail}${conflict.contactable_from ? ` (contactable from ${formatDateTime(conflict.contactable_from)})` : ""}`
              : undefined)
          }
        >
          {(props) => (
            <select
              {...props}
              className={inputClass}
              value={draft.type}
              onChange={(e) => setType(e.target.value)}
            >
              {dict?.action_types.map((entry) => (
                <option key={entry.code} value={entry.code}>
                  {entry.label}
                </option>
              ))}
              {/* a type the dictionaries no longer list (a draft kept from before, a start type): shown as it is */}
              {dict && !dict.action_types.some((entry) => entry.code === draft.type) && (
                <option value={draft.type}>{draft.type}</option>
              )}
            </select>
          )}
        </Field>
        <Field label="Direction" error={errors.subtype}>
          {(props) => (
            <select
              {...props}
              className={inputClass}
              value={draft.subtype}
              onChange={(e) => set("subtype", e.target.value)}
            >
              {dict?.action_subtypes.map((entry) => (
                <option key={entry.code} value={entry.code}>
                  {entry.label}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <Field label="Result" error={errors.result} hint={resultHint(draft.result, draft.account_number)}>
        {(props) => (
          <select
            {...props}
            className={inputClass}
            value={draft.result}
            required
            onChange={(e) => set("result", e.target.value)}
          >
            <option value="">Choose…</option>
            {dict?.action_results.map((entry) => (
              <option key={entry.code} value={entry.code}>
                {entry.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      {contactList && (
        <Field
          label="Contact used"
          // with one typed in, its problems are shown at its input
          error={typed === null ? contactError : undefined}
          hint={
            draft.result === WRONG_NUMBER && contact && typed === null && !contactError
              ? `The campaign will stop using this ${contactNoun(contactList)}.`
              : undefined
          }
        >
          {(props) => (
            <select
              {...props}
              className={inputClass}
              value={contact}
              required={draft.result === WRONG_NUMBER}
              onChange={(e) => {
                set("contact", e.target.value);
                setFocusTyped(e.target.value === ANOTHER_CONTACT);
              }}
            >
              <option value="">Not recorded</option>
              {contactChoices[contactList].options.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
              <option value={ANOTHER_CONTACT}>{`Another ${contactNoun(contactList)}…`}</option>
            </select>
          )}
        </Field>
      )}
      {contactList && typed !== null && (
        <Field
          label={contactList === "EMAIL" ? "Address used" : "Number used"}
          error={contactError}
          hint={
            draft.result === WRONG_NUMBER && typed && !contactError
              ? isListed(contactChoices, contactList, typed)
                ? `The campaign will stop using this ${contactNoun(contactList)}.`
                : `Recorded as wrong; the CRM does not list this ${contactNoun(contactList)}.`
              : undefined
          }
        >
          {(props) => (
            <input
              {...props}
              ref={typedInput}
              type={contactList === "EMAIL" ? "email" : "tel"}
              autoComplete="off"
              required={draft.result === WRONG_NUMBER}
              className={inputClass}
              value={draft.otherContact}
              onChange={(e) => set("otherContact", e.target.value)}
            />
          )}
        </Field>
      )}
      {draft.type === VISIT && (
        <VisitFields draft={draft} choices={visitChoices} error={contactError} onChange={setVisit} />
      )}
      <Field
        label="Loan"
        error={errors.account_number}
        hint={
          needsLoanChoice(draft, loans) && !errors.account_number
            ? `The loans are in ${currenciesOf(loans).join(" and ")}: a promise is for one loan.`
            : undefined
        }
      >
        {(props) => (
          <select
            {...props}
            className={inputClass}
            value={draft.account_number}
            onChange={(e) => set("account_number", e.target.value)}
          >
            <option value="">All of the customer's loans</option>
            {loans.map((loan) => (
              <option key={loan.account_number} value={loan.account_number}>
                {loan.account_number}
              </option>
            ))}
          </select>
        )}
      </Field>
      {draft.result === PROMISE && (
        <div className="grid gap-3 sm:grid-cols-2">
          <Field label="Promised date" error={errors["promise.date"] ?? errors.promise}>
            {(props) => (
              <input
                {...props}
                type="date"
                required
                className={inputClass}
                value={draft.promise_date}
                onChange={(e) => set("promise_date", e.target.value)}
              />
            )}
          </Field>
          <Field
            label={`Promised amount${currency ? ` (${currency})` : ""}`}
            error={errors["promise.amount"]}
          >
            {(props) => (
              <input
                {...props}
                inputMode="decimal"
                required
                className={inputClass}
                value={draft.promise_amount}
                onChange={(e) => set("promise_amount", e.target.value)}
              />
            )}
          </Field>
        </div>
      )}
      <Field label="Follow up on" error={errors.follow_up_date}>
        {(props) => (
          <input
            {...props}
            type="date"
            className={inputClass}
            value={draft.follow_up_date}
            onChange={(e) => set("follow_up_date", e.target.value)}
          />
        )}
      </Field>
      <Field label="Notes" error={errors.notes}>
        {(props) => (
          <textarea
            {...props}
            rows={3}
            className={inputClass}
            value={draft.notes}
            onChange={(e) => set("notes", e.target.value)}
          />
        )}
      </Field>
      {businessDate && aheadOfEveryCalendar(new Date(), businessDate) && (
        <p className="text-xs text-slate-500">
          Dated on the business date, {formatDate(businessDate)}, at this time of day: the book is ahead of
          today&apos;s date (a demo&apos;s clock).
        </p>
      )}
      <button type="submit" className={buttonClass} disabled={record.isPending || !draft.result || !dict}>
        {record.isPending ? "Recording…" : "Record action"}
      </button>
    </form>
  );
}

/** What a result with lasting effects does, said at the field before it is recorded. */
function resultHint(result: string, accountNumber: string): string | undefined {
  if (result === CEASE_COMMUNICATION) {
    return "For good: no queue will offer this customer for a call or a visit again.";
  }
  if (result === DISPUTE) {
    const debt = accountNumber ? `loan ${accountNumber}` : "every loan of the customer";
    return `Pauses contact about ${debt} until a resolution is recorded, or for 30 days.`;
  }
  return undefined;
}
