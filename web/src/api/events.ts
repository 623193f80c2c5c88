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

const latestQueueEvents = new Map<string, string>();

/** The id of the latest live queue event about an agent's queue. The re-read it causes names it
 * (X-Queue-Event-Id), so that an API worker that has not seen the event yet reads the queue afresh. */
export function latestQueueEventId(agentId: string): string | undefined {
  return latestQueueEvents.get(agentId);
}

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
      const eventId = (message as MessageEvent<string>).lastEventId;
      if (eventId) latestQueueEvents.set(event.agent_id, eventId);
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
