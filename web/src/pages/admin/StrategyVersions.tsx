// Published versions of a strategy, read only: one version with who published it and when (the current one,
// or one picked from the history). Shared by the admin's editor and the supervisor's read-only page.

import { useQuery } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";

import { ApiError, api } from "../../api/client";
import type { StrategyUpdate } from "../../api/types";
import { Card } from "../../components/Card";
import { inputBaseClass } from "../../components/Field";
import { ErrorState, Loading } from "../../components/States";
import { formatDateTime } from "../../lib/format";
import { StrategySummary } from "./StrategySummary";

export interface Published extends StrategyUpdate {
  version: number;
  published_at: string;
  published_by: string;
}

/** "Version N, published <when> by <who>." */
export const publishedLine = (published: Published) =>
  `Version ${published.version}, published ${formatDateTime(published.published_at)} by ${published.published_by}.`;

/** A published version: its number, who published it and when, then its groups as text. */
export function PublishedStrategy({ published, note }: { published: Published; note?: string }) {
  return (
    <>
      <p className="text-sm text-slate-600">
        {publishedLine(published)}
        {note ? ` ${note}` : ""}
      </p>
      <StrategySummary groups={published.groups} />
    </>
  );
}

/**
 * The version history: one published version at a time, read only (a version never changes once stored).
 * `actions` adds controls under the version viewed (the admin's "Load into editor"); `children` follow.
 */
export function VersionHistory({
  strategyId,
  latest,
  actions,
  children,
}: {
  strategyId: string;
  latest: number;
  actions?: (version: Published) => ReactNode;
  children?: ReactNode;
}) {
  const [viewed, setViewed] = useState<number | null>(null);
  const version = useQuery({
    queryKey: ["strategy", strategyId, "versions", viewed],
    queryFn: ({ signal }) =>
      api<Published>(`/api/admin/strategies/${encodeURIComponent(strategyId)}/versions/${viewed}`, {
        signal,
      }),
    enabled: viewed !== null,
    staleTime: Infinity,
  });
  // Newest first: 1..current, each may be viewed.
  const versions = Array.from({ length: latest }, (_, i) => latest - i);
  return (
    <Card title="Version history" id="history-title">
      <div className="space-y-3">
        <label className="flex flex-col gap-1 text-sm">
          Version to view
          <select
            className={`${inputBaseClass} w-48`}
            value={viewed ?? ""}
            onChange={(e) => setViewed(e.target.value ? Number(e.target.value) : null)}
          >
            <option value="">Choose a version</option>
            {versions.map((n) => (
              <option key={n} value={n}>
                {n === versions[0] ? `${n} (current)` : n}
              </option>
            ))}
          </select>
        </label>
        {viewed !== null && version.isPending && <Loading label={`Loading version ${viewed}…`} />}
        {version.isError &&
          (version.error instanceof ApiError && version.error.status === 404 ? (
            <p role="alert" className="text-sm text-red-700">
              Version {viewed} of this strategy does not exist.
            </p>
          ) : (
            <ErrorState error={version.error} />
          ))}
        {viewed !== null && version.data && (
          <>
            <PublishedStrategy published={version.data} note="Read only." />
            {actions?.(version.data)}
          </>
        )}
        {children}
      </div>
    </Card>
  );
}
