import { useQuery } from "@tanstack/react-query";

import { api } from "../../api/client";
import type { AgentPublic } from "../../api/types";

/**
 * The agents as the admin API lists them (GET /api/admin/agents, at most 1000), of `team` or ("") of every
 * team. One query for the Agents page's list and the Users page's suggestions, kept under "agents": saving an
 * agent (useDraftForm's list key) refreshes both.
 */
export function useAgents(team = "") {
  return useQuery({
    queryKey: ["agents", team],
    queryFn: ({ signal }) =>
      api<AgentPublic[]>("/api/admin/agents", { query: { team, limit: 1000 }, signal }),
  });
}
