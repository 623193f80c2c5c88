import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useState } from "react";

import { ApiError, api } from "../../api/client";
import type {
  CampaignDraft,
  ConditionDraft,
  ContactRuleDraft,
  GroupDraft,
  ReevaluationAccepted,
  StrategyCatalogue,
  StrategyPreview,
} from "../../api/types";
import { useSession } from "../../auth/AuthContext";
import { Card } from "../../components/Card";
import { ConfirmButton } from "../../components/ConfirmButton";
import { buttonClass, inputBaseClass, secondaryButtonClass } from "../../components/Field";
import { RestoredNotice } from "../../components/RestoredNotice";
import { ErrorState, Loading } from "../../components/States";
import { countOf, formatCount, formatDate, formatDateTime } from "../../lib/format";
import { sameDraft, useStoredDraft } from "../../lib/storedDraft";
import {
  NO_VALUE,
  conditionValue,
  fieldInfo,
  newCampaign,
  newCondition,
  newGroup,
  operatorsFor,
  removeAt,
  replaceAt,
  valueText,
  withField,
} from "./strategyDraft";
import { PublishedStrategy, VersionHistory, publishedLine, type Published } from "./StrategyVersions";

const STRATEGY = "default";

type Errors = Record<string, string>;

/**
 * The admin's unpublished changes, kept in the tab's storage until they are published or discarded (an
 * expired session sends the admin to the login page and back): the groups, and the version that was
 * current when the editing began (null: none yet), so the page can say when another has been published
 * since.
 */
interface StrategyDraft {
  base: number | null;
  groups: GroupDraft[];
}

const noDraft = (): StrategyDraft | null => null;

/** What the editor says about unpublished changes: restored after a sign-in, or overtaken by a newer version. */
function draftLine(base: number | null, restored: boolean, publishedSince: number | undefined): string {
  const since = base === null ? "begun before the first version was published" : `based on version ${base}`;
  const start = restored
    ? `Unpublished changes restored (${since})`
    : `Your unpublished changes were ${since}`;
  return publishedSince === undefined
    ? `${start}.`
    : `${start}; version ${publishedSince} has been published since, so Publish would replace it.`;
}

function ErrorText({ errors, path }: { errors: Errors; path: string }) {
  const message = errors[path];
  return message ? (
    <p role="alert" className="text-xs text-red-700">
      {message}
    </p>
  ) : null;
}

function ConditionRow({
  condition,
  path,
  catalogue,
  errors,
  onChange,
  onRemove,
}: {
  condition: ConditionDraft;
  path: string;
  catalogue: StrategyCatalogue;
  errors: Errors;
  onChange: (condition: ConditionDraft) => void;
  onRemove: () => void;
}) {
  const info = fieldInfo(catalogue, condition.field);
  const [text, setText] = useState(valueText(condition.value));
  useEffect(() => setText(valueText(condition.value)), [condition.value]);
  const listId = `${path}-choices`;
  return (
    <div className="flex flex-wrap items-start gap-2 text-sm">
      <div>
        <input
          aria-label="Field"
          list="strategy-fields"
          className={`${inputBaseClass} w-56`}
          value={condition.field}
          aria-invalid={Boolean(errors[`${path}.field`])}
          onChange={(e) => onChange(withField(condition, e.target.value, catalogue))}
        />
        <ErrorText errors={errors} path={`${path}.field`} />
      </div>
      <div>
        <select
          aria-label="Operator"
          className={`${inputBaseClass} w-32`}
          value={condition.operator}
          aria-invalid={Boolean(errors[`${path}.operator`])}
          onChange={(e) =>
            onChange({
              ...condition,
              operator: e.target.value as ConditionDraft["operator"],
              value: conditionValue(e.target.value, text, info),
            })
          }
        >
          {operatorsFor(catalogue, info, condition.operator).map((operator) => (
            <option key={operator}>{operator}</option>
          ))}
        </select>
        <ErrorText errors={errors} path={`${path}.operator`} />
      </div>
      {!NO_VALUE.has(condition.operator) && (
        <div>
          <input
            aria-label="Value"
            className={`${inputBaseClass} w-48`}
            list={info?.choices.length || info?.is_bucket ? listId : undefined}
            value={text}
            placeholder={condition.operator.includes("IN") ? "a, b, c" : info?.type}
            aria-invalid={Boolean(errors[`${path}.value`])}
            onChange={(e) => setText(e.target.value)}
            onBlur={() => onChange({ ...condition, value: conditionValue(condition.operator, text, info) })}
          />
          <datalist id={listId}>
            {(info?.is_bucket ? catalogue.buckets : (info?.choices ?? [])).map((choice) => (
              <option key={choice} value={choice} />
            ))}
          </datalist>
          <ErrorText errors={errors} path={`${path}.value`} />
        </div>
      )}
      <button type="button" className={secondaryButtonClass} onClick={onRemove} aria-label="Remove condition">
        ✕
      </button>
    </div>
  );
}

function ContactRuleRow({
  rule,
  catalogue,
  errors,
  path,
  onChange,
  onRemove,
}: {
  rule: ContactRuleDraft;
  catalogue: StrategyCatalogue;
  errors: Errors;
  path: string;
  onChange: (rule: ContactRuleDraft) => void;
  onRemove: () => void;
}) {
  const toggle = (list: string[] | undefined, value: string) =>
    (list ?? []).includes(value) ? (list ?? []).filter((v) => v !== value) : [...(list ?? []), value];
  return (
    <div className="space-y-1 rounded border border-slate-200 p-2">
      <div className="flex flex-wrap items-center gap-3 text-sm">
        <select
          aria-label="Contacts of"
          className="rounded border border-slate-300 px-2 py-1"
          value={rule.source ?? "CUSTOMER"}
          onChange={(e) => onChange({ ...rule, source: e.target.value as ContactRuleDraft["source"] })}
        >
          {catalogue.contact_sources.map((source) => (
            <option key={source}>{source}</option>
          ))}
        </select>
        {catalogue.phone_types.map((kind) => (
          <label key={kind} className="flex items-center gap-1">
            <input
              type="checkbox"
              checked={(rule.phone_types ?? []).includes(kind as never)}
              onChange={() =>
                onChange({
                  ...rule,
                  phone_types: toggle(rule.phone_types, kind) as ContactRuleDraft["phone_types"],
                })
              }
            />
            {kind} phone
          </label>
        ))}
        {catalogue.email_types.map((kind) => (
          <label key={kind} className="flex items-center gap-1">
            <input
              type="checkbox"
              checked={(rule.email_types ?? []).includes(kind as never)}
              onChange={() =>
                onChange({
                  ...rule,
                  email_types: toggle(rule.email_types, kind) as ContactRuleDraft["email_types"],
                })
              }
            />
            {kind} email
          </label>
        ))}
        <label className="flex items-center gap-1">
          <input
            type="checkbox"
            checked={Boolean(rule.verified_only)}
            onChange={(e) => onChange({ ...rule, verified_only: e.target.checked })}
          />
          verified only
        </label>
        <button
          type="button"
          className={secondaryButtonClass}
          onClick={onRemove}
          aria-label="Remove contact rule"
        >
          ✕
        </button>
      </div>
      {Object.entries(errors)
        .filter(([key]) => key.startsWith(path))
        .map(([key, message]) => (
          <p key={key} role="alert" className="text-xs text-red-700">
            {message}
          </p>
        ))}
    </div>
  );
}

function CampaignEditor({
  campaign,
  path,
  catalogue,
  errors,
  preview,
  onChange,
  onRemove,
}: {
  campaign: CampaignDraft;
  path: string;
  catalogue: StrategyCatalogue;
  errors: Errors;
  preview?: number;
  onChange: (campaign: CampaignDraft) => void;
  onRemove: () => void;
}) {
  const conditions = campaign.conditions ?? [];
  const rules = campaign.contact_rules ?? [];
  return (
    <fieldset className="space-y-2 rounded-lg border border-slate-200 bg-slate-50 p-3">
      <legend className="px-1 text-sm font-semibold">
        {campaign.name}
        {preview !== undefined && (
          <span className="ml-2 rounded bg-brand-100 px-2 py-0.5 text-xs font-medium text-brand-800">
            {countOf(preview, "customer")}
          </span>
        )}
      </legend>
      <div className="flex flex-wrap gap-2">
        <label className="flex flex-col gap-1 text-sm">
          Id
          <input
            className={`${inputBaseClass} w-40`}
            value={campaign.id}
            onChange={(e) => onChange({ ...campaign, id: e.target.value })}
          />
          <ErrorText errors={errors} path={`${path}.id`} />
        </label>
        <label className="flex flex-col gap-1 text-sm">
          Name
          <input
            className={`${inputBaseClass} w-56`}
            value={campaign.name}
            onChange={(e) => onChange({ ...campaign, name: e.target.value })}
          />
          <ErrorText errors={errors} path={`${path}.name`} />
        </label>
        <label className="flex flex-col gap-1 text-sm">
          Priority (lowest first)
          <input
            type="number"
            className={`${inputBaseClass} w-28`}
            value={campaign.priority}
            onChange={(e) => onChange({ ...campaign, priority: Number(e.target.value) })}
          />
        </label>
        <label className="flex flex-col gap-1 text-sm">
          Team
          <input
            className={`${inputBaseClass} w-40`}
            value={campaign.team ?? ""}
            onChange={(e) => onChange({ ...campaign, team: e.target.value || null })}
          />
          <ErrorText errors={errors} path={`${path}.team`} />
        </label>
        <label className="flex flex-col gap-1 text-sm">
          Agents
          <select
            className={`${inputBaseClass} w-32`}
            value={campaign.agent_type ?? ""}
            onChange={(e) =>
              onChange({ ...campaign, agent_type: (e.target.value || null) as CampaignDraft["agent_type"] })
            }
          >
            <option value="">none</option>
            <option value="CALL">call</option>
            <option value="FIELD">field</option>
          </select>
        </label>
      </div>
      <div className="space-y-2">
        <p className="text-sm font-medium">Conditions (all must hold; none: everybody)</p>
        {conditions.map((condition, c) => (
          <ConditionRow
            key={c}
            condition={condition}
            path={`${path}.conditions.${c}`}
            catalogue={catalogue}
            errors={errors}
            onChange={(next) => onChange({ ...campaign, conditions: replaceAt(conditions, c, next) })}
            onRemove={() => onChange({ ...campaign, conditions: removeAt(conditions, c) })}
          />
        ))}
        <button
          type="button"
          className={secondaryButtonClass}
          onClick={() => onChange({ ...campaign, conditions: [...conditions, newCondition(catalogue)] })}
        >
          Add condition
        </button>
      </div>
      <div className="space-y-2">
        <p className="text-sm font-medium">Contact rules (first most wanted)</p>
        {rules.map((rule, r) => (
          <ContactRuleRow
            key={r}
            rule={rule}
            catalogue={catalogue}
            errors={errors}
            path={`${path}.contact_rules.${r}`}
            onChange={(next) => onChange({ ...campaign, contact_rules: replaceAt(rules, r, next) })}
            onRemove={() => onChange({ ...campaign, contact_rules: removeAt(rules, r) })}
          />
        ))}
        <button
          type="button"
          className={secondaryButtonClass}
          onClick={() =>
            onChange({
              ...campaign,
              contact_rules: [
                ...rules,
                {
                  source: "CUSTOMER",
                  phone_types: ["MOBILE"],
                  email_types: [],
                  verified_only: false,
                  relationships: [],
                },
              ],
            })
          }
        >
          Add contact rule
        </button>
      </div>
      <ConfirmButton
        label="Remove campaign"
        question={`Remove campaign ${campaign.name} from the draft?`}
        confirmLabel="Remove campaign"
        onConfirm={onRemove}
      />
    </fieldset>
  );
}

/** The current version of the strategy; null before its first Publish. */
function useCurrentStrategy() {
  return useQuery({
    queryKey: ["strategy", STRATEGY],
    queryFn: async ({ signal }) => {
      try {
        return await api<Published>(`/api/admin/strategies/${STRATEGY}`, { signal });
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },
  });
}

/** Admins edit and publish; everybody else allowed here (supervisors) reads. */
export default function StrategiesPage() {
  const { role } = useSession();
  return role === "admin" ? <StrategyEditor /> : <StrategyReader />;
}

/**
 * The supervisor's page: the current version and the history, read only. Only GETs: the catalogue (the
 * editor's), preview, publish and re-evaluation are the admin's.
 */
function StrategyReader() {
  const current = useCurrentStrategy();
  if (current.isPending) return <Loading />;
  if (current.isError) return <ErrorState error={current.error} />;
  return (
    <section aria-labelledby="strategies-title" className="space-y-4">
      <div>
        <h1 id="strategies-title" className="text-2xl font-semibold">
          Strategy
        </h1>
        <p className="text-sm text-slate-600">
          Read only for supervisors: admins publish changes. Each group puts a customer in its first matching
          campaign.
        </p>
      </div>
      {current.data ? (
        <div className="grid items-start gap-4 lg:grid-cols-2">
          <Card title="Current version" id="current-title">
            <div className="space-y-3">
              <PublishedStrategy published={current.data} />
            </div>
          </Card>
          <VersionHistory strategyId={STRATEGY} latest={current.data.version} />
        </div>
      ) : (
        <p className="text-sm text-slate-600">Not published yet.</p>
      )}
    </section>
  );
}

function StrategyEditor() {
  const client = useQueryClient();
  const catalogue = useQuery({
    queryKey: ["strategy-catalogue"],
    queryFn: ({ signal }) => api<StrategyCatalogue>("/api/admin/strategy-tools/catalogue", { signal }),
    staleTime: Infinity,
  });
  const current = useCurrentStrategy();
  const published = current.data; // undefined while loading; null before the first Publish
  const { username } = useSession();
  // A draft that is the published version again is no change: nothing is kept.
  const isBlank = useCallback(
    (draft: StrategyDraft | null) =>
      draft === null || (published !== undefined && sameDraft(draft.groups, published?.groups ?? [])),
    [published],
  );
  const stored = useStoredDraft(`strategy/${username}/${STRATEGY}`, noDraft, isBlank);
  const draft = stored.value;
  const [restoredNotice, setRestoredNotice] = useState(stored.restored);
  // Without changes the editor shows the published version.
  const groups = draft?.groups ?? published?.groups ?? [];
  const setGroups = (next: GroupDraft[]) =>
    stored.setValue({ base: draft ? draft.base : (published?.version ?? null), groups: next });

  const preview = useMutation({
    mutationFn: () =>
      api<StrategyPreview>("/api/admin/strategy-tools/preview", {
        body: { groups },
        query: { strategy_id: STRATEGY },
      }),
  });
  const publish = useMutation({
    mutationFn: () =>
      api<Published>(`/api/admin/strategies/${STRATEGY}`, { method: "PUT", body: { groups } }),
    onSuccess: (saved) => {
      client.setQueryData(["strategy", STRATEGY], saved);
      stored.setValue(null);
      setLoadedFrom(null);
      setRestoredNotice(false);
    },
  });
  const reevaluate = useMutation({
    mutationFn: () =>
      api<ReevaluationAccepted>(`/api/admin/strategies/${STRATEGY}/reevaluate`, { method: "POST" }),
  });
  // Which version of the history was loaded into the editor as the draft.
  const [loadedFrom, setLoadedFrom] = useState<number | null>(null);
  const failed = publish.error ?? preview.error;
  const errors: Errors = failed instanceof ApiError ? failed.fieldErrors : {};
  const counts = new Map<string, number>();
  preview.data?.groups.forEach((group) =>
    group.campaigns.forEach((c) => counts.set(`${group.group_id}/${c.campaign_id}`, c.customers)),
  );

  if (catalogue.isPending || current.isPending) return <Loading />;
  if (catalogue.isError) return <ErrorState error={catalogue.error} />;
  if (current.isError) return <ErrorState error={current.error} />;

  // Back to the published version: the draft is dropped from the tab's storage too.
  function discard() {
    stored.setValue(null);
    setRestoredNotice(false);
    setLoadedFrom(null);
    preview.reset();
    publish.reset();
  }
  const changed = draft !== null && !isBlank(draft);
  // Someone else published since this draft began: Publish would replace their version.
  const movedOn = changed && current.data !== null && draft.base !== current.data.version;

  return (
    <section aria-labelledby="strategies-title" className="space-y-4">
      <datalist id="strategy-fields">
        {catalogue.data.fields.map((field) => (
          <option key={field.name} value={field.name}>
            {field.type}
          </option>
        ))}
      </datalist>
      <div className="flex flex-wrap items-end gap-3">
        <div>
          <h1 id="strategies-title" className="text-2xl font-semibold">
            Strategy
          </h1>
          <p className="text-sm text-slate-600">
            {current.data ? publishedLine(current.data) : "Not published yet."} Each group puts a customer in
            its first matching campaign.
          </p>
        </div>
        <div className="ml-auto flex gap-2">
          <button
            type="button"
            className={secondaryButtonClass}
            onClick={() => preview.mutate()}
            disabled={preview.isPending}
          >
            {preview.isPending ? "Counting…" : "Preview"}
          </button>
          <button
            type="button"
            className={buttonClass}
            onClick={() => publish.mutate()}
            disabled={publish.isPending}
          >
            {publish.isPending ? "Publishing…" : "Publish"}
          </button>
        </div>
      </div>
      {changed && (restoredNotice || movedOn) && (
        <RestoredNotice
          question={
            current.data
              ? `Discard the unpublished changes and go back to version ${current.data.version}?`
              : "Discard the unpublished changes?"
          }
          onDiscard={discard}
        >
          {draftLine(draft.base, restoredNotice, movedOn ? current.data?.version : undefined)}
        </RestoredNotice>
      )}
      {publish.isSuccess && (
        <p role="status" className="rounded bg-emerald-50 p-2 text-sm text-emerald-900">
          Published version {publish.data.version}; processors apply it to the next change of each customer.
        </p>
      )}
      {preview.data && (
        <p role="status" className="rounded bg-brand-50 p-2 text-sm text-brand-800">
          {preview.data.estimated ? "Estimated from" : "Counted over"} {formatCount(preview.data.evaluated)}{" "}
          of {formatCount(preview.data.population)} customers, as of business date{" "}
          {formatDate(preview.data.business_date)}.
        </p>
      )}
      {failed && !Object.keys(errors).length && <ErrorState error={failed} />}
      {Object.keys(errors).length > 0 && (
        <p role="alert" className="text-sm text-red-700">
          The strategy has {countOf(Object.keys(errors).length, "problem")}, shown at their fields.
        </p>
      )}
      {current.data && (
        <div className="grid items-start gap-4 lg:grid-cols-2">
          <Card title="Re-evaluation" id="reevaluate-title">
            <div className="space-y-2">
              <p className="text-sm text-slate-600">
                Evaluates every customer again under the current version ({current.data.version}); their
                assignments change over the next seconds.
              </p>
              <ConfirmButton
                label="Re-evaluate all customers"
                question={`Re-evaluate every customer under version ${current.data.version} now?`}
                confirmLabel="Re-evaluate"
                onConfirm={() => reevaluate.mutate()}
                disabled={reevaluate.isPending}
                tone="neutral"
              />
              {reevaluate.isPending && (
                <p role="status" className="text-sm text-slate-600">
                  Requesting…
                </p>
              )}
              {reevaluate.isSuccess && (
                <p role="status" className="rounded bg-emerald-50 p-2 text-sm text-emerald-900">
                  Re-evaluation of version {reevaluate.data.version} requested ({reevaluate.data.partitions}{" "}
                  partitions) at {formatDateTime(reevaluate.data.requested_at)}.
                </p>
              )}
              {reevaluate.isError && <ErrorState error={reevaluate.error} />}
            </div>
          </Card>
          <VersionHistory
            strategyId={STRATEGY}
            latest={current.data.version}
            actions={(version) => (
              <ConfirmButton
                label="Load into editor"
                question={`Replace the editor's draft with version ${version.version}? Nothing changes until you Publish.`}
                confirmLabel="Load into editor"
                onConfirm={() => {
                  stored.setValue({ base: current.data?.version ?? null, groups: version.groups });
                  setRestoredNotice(false);
                  setLoadedFrom(version.version);
                  preview.reset();
                  publish.reset();
                }}
              />
            )}
          >
            {loadedFrom !== null && (
              <p role="status" className="rounded bg-brand-50 p-2 text-sm text-brand-800">
                Version {loadedFrom} loaded into the editor as the draft; Publish makes it version{" "}
                {current.data.version + 1}.
              </p>
            )}
          </VersionHistory>
        </div>
      )}
      {groups.map((group, g) => (
        <fieldset key={g} className="space-y-3 rounded-lg border border-slate-300 bg-white p-4">
          <legend className="px-1 font-semibold">Group {group.name}</legend>
          <div className="flex flex-wrap gap-2">
            <label className="flex flex-col gap-1 text-sm">
              Id
              <input
                className={`${inputBaseClass} w-40`}
                value={group.id}
                onChange={(e) => setGroups(replaceAt(groups, g, { ...group, id: e.target.value }))}
              />
              <ErrorText errors={errors} path={`groups.${g}.id`} />
            </label>
            <label className="flex flex-col gap-1 text-sm">
              Name
              <input
                className={`${inputBaseClass} w-56`}
                value={group.name}
                onChange={(e) => setGroups(replaceAt(groups, g, { ...group, name: e.target.value }))}
              />
            </label>
          </div>
          {group.campaigns.map((campaign, c) => (
            <CampaignEditor
              key={c}
              campaign={campaign}
              path={`groups.${g}.campaigns.${c}`}
              catalogue={catalogue.data}
              errors={errors}
              preview={counts.get(`${group.id}/${campaign.id}`)}
              onChange={(next) =>
                setGroups(replaceAt(groups, g, { ...group, campaigns: replaceAt(group.campaigns, c, next) }))
              }
              onRemove={() =>
                setGroups(replaceAt(groups, g, { ...group, campaigns: removeAt(group.campaigns, c) }))
              }
            />
          ))}
          <div className="flex gap-3">
            <button
              type="button"
              className={secondaryButtonClass}
              onClick={() =>
                setGroups(
                  replaceAt(groups, g, { ...group, campaigns: [...group.campaigns, newCampaign(group)] }),
                )
              }
            >
              Add campaign
            </button>
            <ConfirmButton
              label="Remove group"
              question={`Remove group ${group.name} and its ${countOf(group.campaigns.length, "campaign")} from the draft?`}
              confirmLabel="Remove group"
              onConfirm={() => setGroups(removeAt(groups, g))}
            />
          </div>
        </fieldset>
      ))}
      <button
        type="button"
        className={secondaryButtonClass}
        onClick={() => setGroups([...groups, newGroup(groups)])}
      >
        Add group
      </button>
    </section>
  );
}
