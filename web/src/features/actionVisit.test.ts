import { expect, test } from "vitest";

import { NO_CRM_CONTACTS, bankAddress } from "../test/fixtures";
import {
  NO_VISIT_CHOICES,
  chosenVisitAddress,
  mapLink,
  positionProblem,
  positionText,
  visitChoicesOf,
  visitContactOf,
  visitOf,
  visitPosition,
  type VisitDraft,
} from "./actionVisit";

const place = bankAddress;

const view = (bank: ReturnType<typeof place>[], crm: ReturnType<typeof place>[] = []) => ({
  contacts: { phones: [], emails: [], addresses: bank },
  crm_contacts: {
    ...NO_CRM_CONTACTS,
    addresses: crm.map(({ is_primary: _p, ...rest }) => ({ ...rest, note: "" })),
  },
});

const draft = (changes: Partial<VisitDraft> = {}): VisitDraft => ({
  type: "VISIT",
  visitAddress: null,
  position: null,
  ...changes,
});

test("a visit lists the bank's addresses, then the CRM's, each once, and starts on the primary one", () => {
  const choices = visitChoicesOf(
    view(
      [place("WORK", "1 Office Park"), place("OTHER", "3 Main Street", true), place("HOME", "2 Lake Road")],
      [place("HOME", "2  LAKE road"), place("OTHER", "9 Market Lane")], // the first: the bank's, written otherwise
    ),
  );
  expect(choices.options).toEqual([
    { value: "1 Office Park, Hanoi, VN", label: "1 Office Park, Hanoi, VN · work" },
    { value: "3 Main Street, Hanoi, VN", label: "3 Main Street, Hanoi, VN · other · primary" },
    { value: "2 Lake Road, Hanoi, VN", label: "2 Lake Road, Hanoi, VN · home" },
    { value: "9 Market Lane, Hanoi, VN", label: "9 Market Lane, Hanoi, VN · other · added in the CRM" },
  ]);
  expect(choices.preferred).toBe("3 Main Street, Hanoi, VN");
});

test("without a primary address a visit starts on the first home, else the first; the CRM's if the bank has none", () => {
  expect(visitChoicesOf(view([place("WORK", "1 Office"), place("HOME", "2 Home")])).preferred).toBe(
    "2 Home, Hanoi, VN",
  );
  expect(visitChoicesOf(view([place("WORK", "1 Office"), place("OTHER", "5 Farm")])).preferred).toBe(
    "1 Office, Hanoi, VN",
  );
  expect(visitChoicesOf(view([], [place("OTHER", "9 Market")])).preferred).toBe("9 Market, Hanoi, VN");
  expect(visitChoicesOf(view([]))).toEqual(NO_VISIT_CHOICES);
});

test("the address visited goes out as the contact (channel VISIT), the position as the visit", () => {
  const choices = visitChoicesOf(view([place("HOME", "2 Home"), place("WORK", "1 Office")]));
  expect(chosenVisitAddress(draft(), choices)).toBe("2 Home, Hanoi, VN");
  expect(visitContactOf(draft(), choices)).toEqual({ channel: "VISIT", number: "2 Home, Hanoi, VN" });
  expect(visitOf(draft(), choices)).toBeNull(); // no position shared
  const there = draft({
    visitAddress: "1 Office, Hanoi, VN",
    position: { lat: 21.0285, lon: 105.8542, accuracy: 12 },
  });
  expect(visitContactOf(there, choices)).toEqual({ channel: "VISIT", number: "1 Office, Hanoi, VN" });
  expect(visitOf(there, choices)).toEqual({ lat: 21.0285, lon: 105.8542, address: "1 Office, Hanoi, VN" });
  const nowhere = draft({ visitAddress: "", position: { lat: 1, lon: 2, accuracy: null } });
  expect(visitContactOf(nowhere, choices)).toBeNull(); // "Not recorded"
  expect(visitOf(nowhere, choices)).toEqual({ lat: 1, lon: 2, address: null });
  expect(chosenVisitAddress(draft({ visitAddress: "gone, since" }), choices)).toBe("2 Home, Hanoi, VN");
  // only a visit sends them: a call's draft may still hold what a visit's had
  expect(visitContactOf({ ...there, type: "CALL" }, choices)).toBeNull();
  expect(visitOf({ ...there, type: "CALL" }, choices)).toBeNull();
});

test("an address too long for the action's fields is left out of each it does not fit", () => {
  const long = visitChoicesOf(view([place("HOME", "x".repeat(230))]));
  const there = draft({ position: { lat: 1, lon: 2, accuracy: null } });
  expect(visitContactOf(there, long)?.number).toHaveLength(230 + ", Hanoi, VN".length); // 254 at most
  expect(visitOf(there, long)).toEqual({ lat: 1, lon: 2, address: null }); // 200 at most
  const longer = visitChoicesOf(view([place("HOME", "x".repeat(250))]));
  expect(visitContactOf(there, longer)).toBeNull();
});

test("a position reads as degrees with how far off it may be, and links to a map", () => {
  expect(positionText({ lat: 10.7769, lon: 106.7009, accuracy: 14.6 })).toBe(
    "10.776900, 106.700900 (within 15 m)",
  );
  expect(positionText({ lat: -1.5, lon: 2, accuracy: null })).toBe("-1.500000, 2.000000");
  expect(mapLink({ lat: 10.7769, lon: 106.7009 })).toBe(
    "https://www.openstreetmap.org/?mlat=10.7769&mlon=106.7009#map=17/10.7769/106.7009",
  );
});

test("a recorded visit's position is read whatever the view sends", () => {
  expect(visitPosition({ lat: 10.5, lon: 106.25, address: "x" })).toEqual({ lat: 10.5, lon: 106.25 });
  expect(visitPosition(null)).toBeNull();
  expect(visitPosition({ lat: "10.5", lon: 106 })).toBeNull();
  expect(visitPosition("somewhere")).toBeNull();
});

test("why no position came is said in words the agent can act on", () => {
  expect(positionProblem(1)).toMatch(/allow this site to use your location/);
  expect(positionProblem(2)).toMatch(/not available/);
  expect(positionProblem(3)).toMatch(/took too long/);
  expect(positionProblem(null)).toMatch(/needs HTTPS/);
});
