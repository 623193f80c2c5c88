import { keepPreviousData, useQuery } from "@tanstack/react-query";

import { api } from "../../api/client";
import type { AgentPublic, TeamSummary } from "../../api/types";

export interface AgentsWanted {
  /** Of this team only ("" or none: every team). */
  team?: string;
  /** Only agents whose id or name holds this text, in any case. */
  containing?: string;
  offset?: number;
  limit?: number;
}

/**
 * The agents as the admin API lists them (GET /api/admin/agents, in id order, at most 1000 at a time). Kept
 * under "agents", so saving an agent (useDraftForm's list key) refreshes the Agents page's list and the
 * Users page's suggestions alike; the previous answer shows while the next page or search loads.
 */
export function useAgents({ team = "", containing = "", offset = 0, limit = 1000 }: AgentsWanted = {}) {
  const q = containing.trim();
  return useQuery({
    queryKey: ["agents", team, q, offset, limit],
    queryFn: ({ signal }) =>
      api<AgentPublic[]>("/api/admin/agents", {
        query: { team, q, offset, limit },
        signal,
      }),
    placeholderData: keepPreviousData,
  });
}

/**
 * The teams with an active agent (GET /api/admin/teams: every team, whatever the number of agents), for the
 * forms that pick one. Kept under "agents" too, so saving an agent refreshes it.
 */
export function useTeams() {
  return useQuery({
    queryKey: ["agents", "teams"],
    queryFn: ({ signal }) => api<TeamSummary[]>("/api/admin/teams", { signal }),
    select: (teams) => teams.filter((team) => team.active_agents > 0),
  });
}
