import type { Session } from "./auth/session";

/** Where a user lands after signing in. */
export function homeFor(session: Pick<Session, "role" | "agentId">): string {
  if (session.role === "agent") return session.agentId ? queuePath(session.agentId) : "/search";
  if (session.role === "supervisor" || session.role === "admin") return "/dashboard";
  return "/search";
}

export const customerPath = (cif: string) => `/customers/${encodeURIComponent(cif)}`;
export const queuePath = (agentId: string) => `/agents/${encodeURIComponent(agentId)}/queue`;
