// Live updates: one EventSource per signed-in tab on GET /api/events (server-sent events). Queue events
// invalidate the queues they name; portfolio events carry the dashboard's figures; a `reset` (missed
// events were trimmed) refreshes everything. EventSource reconnects by itself and resumes with
// Last-Event-ID, so nothing is missed across a short outage.

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";

import { currentToken } from "../auth/session";

export interface QueueEvent {
  type: "queue";
  agent_id: string;
  added?: string[];
  removed?: string[];
  changed?: string[];
}

export type LiveStatus = "connecting" | "live" | "offline";

export function useLiveEvents(enabled: boolean): LiveStatus {
  const client = useQueryClient();
  const [status, setStatus] = useState<LiveStatus>("connecting");

  useEffect(() => {
    const token = currentToken();
    if (!enabled || !token || typeof EventSource === "undefined") return;
    const source = new EventSource(`/api/events?access_token=${encodeURIComponent(token)}`);
    source.onopen = () => setStatus("live");
    source.onerror = () => setStatus(source.readyState === EventSource.CLOSED ? "offline" : "connecting");
    source.addEventListener("queue", (message) => {
      const event = JSON.parse((message as MessageEvent<string>).data) as QueueEvent;
      void client.invalidateQueries({ queryKey: ["queue", event.agent_id] });
      for (const cif of [...(event.changed ?? []), ...(event.added ?? []), ...(event.removed ?? [])]) {
        void client.invalidateQueries({ queryKey: ["customer", cif] });
      }
    });
    source.addEventListener("portfolio", (message) => {
      client.setQueryData(["portfolio"], JSON.parse((message as MessageEvent<string>).data));
    });
    source.addEventListener("reset", () => void client.invalidateQueries());
    return () => source.close();
  }, [enabled, client]);

  return status;
}
