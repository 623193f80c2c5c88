import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect, test, vi } from "vitest";

import { useLiveEvents } from "../api/events";
import { FakeEventSource } from "../test/fakeEventSource";
import { fakeApi, renderAt, signedInAs } from "../test/render";
import { QueuePage, noneContactableNow } from "./QueuePage";
import { formatDateTime } from "../lib/format";

const entry = (cif: string, priority: number, contactable = true) => ({
  cif,
  name: `Customer ${cif}`,
  priority,
  reason: `DPD ${priority}`,
  dpd: priority,
  bucket: "30-59",
  overdue_amount: "1250000.50",
  currency: "USD",
  campaign: "Early",
  contactable_now: contactable,
  blocked_by: contactable ? null : "CEASE_COMMUNICATION",
  contactable_from: null,
  address: null as string | null, // a field agent's entry has one
});

test("shows the queue in priority order with money in the loan's currency and who is blocked", async () => {
  signedInAs("agent", "A-1");
  fakeApi({
    "GET /api/agents/A-1/queue": () => ({
      body: [entry("C1", 90, false), entry("C2", 50)],
      headers: { "X-Total-Count": "2" },
    }),
  });
  renderAt("/agents/A-1/queue", "/agents/:agentId/queue", <QueuePage />);
  const rows = await screen.findAllByTestId("queue-row");
  expect(rows).toHaveLength(2);
  expect(within(rows[0]!).getByText("Customer C1")).toBeInTheDocument();
  expect(within(rows[0]!).getByText("Asked not to be contacted")).toHaveAttribute(
    "title",
    "CEASE_COMMUNICATION",
  );
  expect(within(rows[1]!).getByText("$1,250,000.50")).toBeInTheDocument();
  expect(screen.getByText(/2 customers/)).toBeInTheDocument();
});

test("a queue of one says '1 customer'", async () => {
  signedInAs("agent", "A-1");
  fakeApi({
    "GET /api/agents/A-1/queue": () => ({ body: [entry("C1", 90)], headers: { "X-Total-Count": "1" } }),
  });
  renderAt("/agents/A-1/queue", "/agents/:agentId/queue", <QueuePage />);
  await screen.findAllByTestId("queue-row");
  expect(screen.getByText(/1 customer, highest priority first\./)).toBeInTheDocument();
});

test("'n' opens the first customer who may be contacted now", async () => {
  signedInAs("agent", "A-1");
  fakeApi({
    "GET /api/agents/A-1/queue": () => ({ body: [entry("C1", 90, false), entry("C2", 50)] }),
  });
  renderAt("/agents/A-1/queue", "/agents/:agentId/queue", <QueuePage />);
  await screen.findAllByTestId("queue-row");
  await userEvent.keyboard("n");
  expect(await screen.findByText("customer page")).toBeInTheDocument();
});

test("when no one in the queue may be contacted now, it says so and from when the first may be", async () => {
  signedInAs("agent", "A-1");
  const night = (cif: string, from: string) => ({
    ...entry(cif, 50, false),
    blocked_by: "OUTSIDE_CALLING_HOURS",
    contactable_from: from,
  });
  fakeApi({
    "GET /api/agents/A-1/queue": () => ({
      body: [
        night("C1", "2026-12-07T02:00:00Z"),
        night("C2", "2026-12-07T01:00:00Z"),
        entry("C3", 10, false),
      ],
    }),
  });
  renderAt("/agents/A-1/queue", "/agents/:agentId/queue", <QueuePage />);
  await screen.findAllByTestId("queue-row");
  expect(screen.getByRole("button", { name: "Next customer" })).toBeDisabled();
  expect(screen.getByRole("status")).toHaveTextContent(
    `No customer here may be contacted now: the first may be from ${formatDateTime("2026-12-07T01:00:00Z")}.`,
  );
});

test("the 'none contactable' line is only for a queue with customers and none to contact", () => {
  const queued = (cif: string, priority: number, contactable = true) => ({
    ...entry(cif, priority, contactable),
    contact: null,
  });
  expect(noneContactableNow([])).toBeNull();
  expect(noneContactableNow([queued("C1", 90, false), queued("C2", 50)])).toBeNull();
  expect(noneContactableNow([queued("C1", 90, false)])).toBe("No customer here may be contacted now."); // ceased
});

test("j and k keep the selected row in view; loading the queue scrolls nothing", async () => {
  signedInAs("agent", "A-1");
  fakeApi({
    "GET /api/agents/A-1/queue": () => ({ body: [entry("C1", 90), entry("C2", 50), entry("C3", 10)] }),
  });
  const scrolled = vi.spyOn(Element.prototype, "scrollIntoView");
  renderAt("/agents/A-1/queue", "/agents/:agentId/queue", <QueuePage />);
  const rows = await screen.findAllByTestId("queue-row");
  expect(scrolled).not.toHaveBeenCalled();
  await userEvent.keyboard("jj");
  expect(rows[2]).toHaveAttribute("aria-selected", "true");
  expect(scrolled.mock.contexts.at(-1)).toBe(rows[2]);
  expect(scrolled).toHaveBeenLastCalledWith({ block: "nearest" });
  await userEvent.keyboard("k");
  expect(scrolled.mock.contexts.at(-1)).toBe(rows[1]);
  scrolled.mockRestore();
});

test("an empty queue and an error each say so", async () => {
  signedInAs("agent", "A-1");
  fakeApi({ "GET /api/agents/A-1/queue": () => ({ body: [] }) });
  renderAt("/agents/A-1/queue", "/agents/:agentId/queue", <QueuePage />);
  expect(await screen.findByText("The queue is empty")).toBeInTheDocument();
});

test("another agent's queue is refused with a readable message", async () => {
  signedInAs("agent", "A-1");
  fakeApi({
    "GET /api/agents/A-2/queue": () => ({
      status: 403,
      body: { detail: "you may not read agent A-2's queue" },
    }),
  });
  renderAt("/agents/A-2/queue", "/agents/:agentId/queue", <QueuePage />);
  expect(await screen.findByRole("alert")).toHaveTextContent("You do not have access to this.");
});

function LiveEvents() {
  useLiveEvents(true);
  return null;
}

test("the re-read a live queue event causes names that event, so the API answers at least as new", async () => {
  signedInAs("agent", "A-1");
  const named: (string | null)[] = [];
  fakeApi({
    "GET /api/agents/A-1/queue": (_url, init) => {
      named.push(new Headers(init.headers).get("X-Queue-Event-Id"));
      return { body: [entry("C1", 90)] };
    },
  });
  vi.stubGlobal("EventSource", FakeEventSource);
  renderAt(
    "/agents/A-1/queue",
    "/agents/:agentId/queue",
    <>
      <LiveEvents />
      <QueuePage />
    </>,
  );
  await screen.findAllByTestId("queue-row");
  act(() =>
    FakeEventSource.last!.emit("queue", { type: "queue", agent_id: "A-1", added: ["C1"] }, "1700000000000-0"),
  );
  await waitFor(() => expect(named).toEqual([null, "1700000000000-0"]));
});

const mobile = {
  channel: "PHONE",
  value: "+84 91 555 0001",
  type: "MOBILE",
  name: null,
  relationship: null,
};

test("each row shows what to dial or write to: the customer's own, a reference person's, an email", async () => {
  signedInAs("agent", "A-1");
  fakeApi({
    "GET /api/agents/A-1/queue": () => ({
      body: [
        { ...entry("C1", 90), contact: mobile },
        {
          ...entry("C2", 80),
          contact: {
            ...mobile,
            value: "(028) 3822-1234",
            type: "HOME",
            name: "Tran Van B",
            relationship: "GUARANTOR",
          },
        },
        {
          ...entry("C3", 70),
          contact: {
            channel: "EMAIL",
            value: "an@example.com",
            type: "WORK",
            name: null,
            relationship: null,
          },
        },
      ],
    }),
  });
  renderAt("/agents/A-1/queue", "/agents/:agentId/queue", <QueuePage />);
  const rows = await screen.findAllByTestId("queue-row");

  const call = within(rows[0]!).getByRole("link", { name: "Call +84 91 555 0001 (mobile)" });
  expect(call).toHaveAttribute("href", "tel:+84915550001");
  expect(call).toHaveTextContent("+84 91 555 0001");
  expect(within(rows[0]!).getByText(/· mobile/)).toBeInTheDocument();
  expect(within(rows[0]!).queryByText(/—/)).not.toBeInTheDocument();

  const reference = within(rows[1]!).getByRole("link", {
    name: "Call (028) 3822-1234 (home), Tran Van B (guarantor)",
  });
  expect(reference).toHaveAttribute("href", "tel:02838221234");
  expect(within(rows[1]!).getByText("— Tran Van B (guarantor)")).toBeInTheDocument();

  const write = within(rows[2]!).getByRole("link", { name: "Email an@example.com (work)" });
  expect(write).toHaveAttribute("href", "mailto:an@example.com");
  expect(within(rows[2]!).getByText(/· work/)).toBeInTheDocument();
});

test("dialling from a row, by click or Enter, does not also open the customer", async () => {
  signedInAs("agent", "A-1");
  fakeApi({
    "GET /api/agents/A-1/queue": () => ({ body: [{ ...entry("C1", 90), contact: mobile }, entry("C2", 50)] }),
  });
  renderAt("/agents/A-1/queue", "/agents/:agentId/queue", <QueuePage />);
  const rows = await screen.findAllByTestId("queue-row");
  const call = within(rows[0]!).getByRole("link", { name: /^Call / });
  const dialled = vi.fn((event: Event) => event.preventDefault()); // jsdom cannot follow tel:
  call.addEventListener("click", dialled);
  await userEvent.click(call);
  call.focus();
  await userEvent.keyboard("{Enter}");
  expect(dialled).toHaveBeenCalledTimes(2);
  expect(screen.queryByText("customer page")).not.toBeInTheDocument();
});

test("a customer who may not be contacted now shows the number without a link to dial", async () => {
  signedInAs("agent", "A-1");
  fakeApi({
    "GET /api/agents/A-1/queue": () => ({ body: [{ ...entry("C1", 90, false), contact: mobile }] }),
  });
  renderAt("/agents/A-1/queue", "/agents/:agentId/queue", <QueuePage />);
  const [row] = await screen.findAllByTestId("queue-row");
  expect(within(row!).getByText("+84 91 555 0001")).toBeInTheDocument();
  expect(within(row!).queryByRole("link", { name: /Call/ })).not.toBeInTheDocument();
  expect(within(row!).getByText("Asked not to be contacted")).toBeInTheDocument();
});

test("a field agent's entry says where to visit, with or without a number to call", async () => {
  signedInAs("agent", "A-3");
  const home = "27 Pho Hue, Hanoi 100000, VN";
  fakeApi({
    "GET /api/agents/A-3/queue": () => ({
      body: [
        { ...entry("C1", 90), address: home },
        { ...entry("C2", 50), address: "1 Office Park, Hanoi, VN", contact: mobile },
        entry("C3", 40),
      ],
    }),
  });
  renderAt("/agents/A-3/queue", "/agents/:agentId/queue", <QueuePage />);
  const [first, second, third] = await screen.findAllByTestId("queue-row");
  const way = within(first!).getByRole("link", { name: home });
  expect(way).toHaveAttribute(
    "href",
    "https://www.openstreetmap.org/search?query=27%20Pho%20Hue%2C%20Hanoi%20100000%2C%20VN",
  );
  const followed = vi.fn((event: Event) => event.preventDefault()); // jsdom opens no map
  way.addEventListener("click", followed);
  await userEvent.click(way);
  expect(followed).toHaveBeenCalledTimes(1);
  expect(screen.queryByText("customer page")).not.toBeInTheDocument(); // the map, not the customer
  expect(within(first!).getByText("Visit")).toBeInTheDocument();
  expect(within(first!).queryByText("No number or address chosen")).not.toBeInTheDocument();
  expect(within(second!).getByText("1 Office Park, Hanoi, VN")).toBeInTheDocument();
  expect(within(second!).getByText("+84 91 555 0001")).toBeInTheDocument();
  expect(within(third!).queryByText("Visit")).not.toBeInTheDocument(); // a call agent's entry has none
  expect(within(third!).getByText("No number or address chosen")).toBeInTheDocument();
});

test("an entry without a contact (none chosen, or queued before contacts were sent) says so", async () => {
  signedInAs("agent", "A-1");
  fakeApi({
    "GET /api/agents/A-1/queue": () => ({ body: [entry("C1", 90), { ...entry("C2", 50), contact: null }] }),
  });
  renderAt("/agents/A-1/queue", "/agents/:agentId/queue", <QueuePage />);
  const rows = await screen.findAllByTestId("queue-row");
  for (const row of rows) {
    expect(
      within(row)
        .getAllByRole("link")
        .map((link) => link.getAttribute("href")),
    ).toEqual([expect.stringMatching(/^\/customers\//)]);
    expect(within(row).queryByText(/·/)).not.toBeInTheDocument();
    expect(within(row).getByText("No number or address chosen")).toBeInTheDocument();
  }
  expect(within(rows[0]!).getByText("Customer C1")).toBeInTheDocument();
});
