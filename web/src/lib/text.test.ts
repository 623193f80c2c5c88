import { describe, expect, it } from "vitest";

import { caseProblems } from "../features/caseDraft";
import { contactsProblems } from "../features/contactsDraft";
import { characters } from "./text";

describe("characters", () => {
  it("counts code points as the API does, not UTF-16 units", () => {
    expect(characters("")).toBe(0);
    expect(characters("Nguyễn")).toBe(6);
    expect(characters("call 📞 later")).toBe(12);
    expect("call 📞 later".length).toBe(13);
  });

  it("lets case notes of 4,000 emoji through, as the API does, and not one more", () => {
    const draft = { base: 0, state: "", substate: "", recovery_ability: "", notes: "📞".repeat(4000) };
    expect(caseProblems(draft)).toEqual({});
    expect(caseProblems({ ...draft, notes: draft.notes + "x" }).notes).toBe(
      "The notes have 4001 characters: at most 4000",
    );
  });

  it("counts a contact's note the same way", () => {
    const phone = {
      type: "MOBILE" as const,
      number: "+84 91 555 0001",
      is_verified: false,
      note: "📞".repeat(200),
    };
    expect(contactsProblems({ base: 0, phones: [phone], emails: [], addresses: [] })).toEqual({});
    const long = { ...phone, note: phone.note + "x" };
    expect(contactsProblems({ base: 0, phones: [long], emails: [], addresses: [] })["phones.0.note"]).toBe(
      "The note has 201 characters: at most 200",
    );
  });
});
