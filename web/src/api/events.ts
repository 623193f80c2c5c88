// Live updates: one EventSource per signed-in tab on GET /api/events (server-sent events). Queue events
// invalidate the queues they name; customer events (a case or contacts saved) the customer they name;
// portfolio events carry the dashboard's figures; a `reset` (missed
// events were trimmed) refreshes everything. EventSource reconnects by itself and resumes with
// Last-Event-ID, so nothing is missed across a short outage. It reconnects with the URL it was opened with,
// though, whose token expires (renewals give the tab new ones): when the browser gives up (an HTTP error),
// the stream is opened again with the current token, resuming after the last event seen.

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

/** A case or the contacts agents added, saved by someone: the customer's 360 view is read again. */
export interface CustomerEvent {
  type: "customer";
  cif: string;
  changed: "case" | "contacts";
  version: number;
  agent_id?: string;
}

export type LiveStatus = "connecting" | "live" | "offline";

const latestQueueEvents = new Map<string, string>();

/** The id of the latest live queue event about an agent's queue. The re-read it causes names it
 * (X-Queue-Event-Id), so that an API worker that has not seen the event yet reads the queue afresh. */
export function latestQueueEventId(agentId: string): string | undefined {
  return latestQueueEvents.get(agentId);
}

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 60_000;

export function useLiveEvents(enabled: boolean): LiveStatus {
  const client = useQueryClient();
  const [status, setStatus] = useState<LiveStatus>("connecting");

  useEffect(() => {
    if (!enabled || typeof EventSource === "undefined") return;
    let source: EventSource | null = null;
    let retry: number | undefined;
    let delay = FIRST_RETRY_MS;
    let lastEventId: string | undefined;

    function open() {
      const token = currentToken();
      if (!token) return;
      const query = new URLSearchParams({ access_token: token });
      if (lastEventId) query.set("last_event_id", lastEventId);
      const opened = new EventSource(`/api/events?${query}`);
      source = opened;
      opened.onopen = () => {
        delay = FIRST_RETRY_MS;
        setStatus("live");
      };
      opened.onerror = () => {
        if (opened.readyState !== EventSource.CLOSED) return setStatus("connecting");
        setStatus("offline");
        retry = window.setTimeout(open, delay);
        delay = Math.min(delay * 2, MAX_RETRY_MS);
      };
      opened.addEventListener("queue", (message) => {
        const event = JSON.parse((message as MessageEvent<string>).data) as QueueEvent;
        const eventId = (message as MessageEvent<string>).lastEventId;
        if (eventId) {
          lastEventId = eventId;
          latestQueueEvents.set(event.agent_id, eventId);
        }
        void client.invalidateQueries({ queryKey: ["queue", event.agent_id] });
        for (const cif of [...(event.changed ?? []), ...(event.added ?? []), ...(event.removed ?? [])]) {
          void client.invalidateQueries({ queryKey: ["customer", cif] });
        }
      });
      opened.addEventListener("customer", (message) => {
        const event = JSON.parse((message as MessageEvent<string>).data) as CustomerEvent;
        const eventId = (message as MessageEvent<string>).lastEventId;
        if (eventId) lastEventId = eventId;
        void client.invalidateQueries({ queryKey: ["customer", event.cif] });
      });
      opened.addEventListener("portfolio", (message) => {
        client.setQueryData(["portfolio"], JSON.parse((message as MessageEvent<string>).data));
      });
      opened.addEventListener("reset", () => void client.invalidateQueries());
    }

    open();
    return () => {
      window.clearTimeout(retry);
      source?.close();
    };
  }, [enabled, client]);

  return status;
}
