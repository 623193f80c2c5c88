import { describe, expect, it } from "vitest";

import type { QueueContact } from "../api/types";
import { codeWords, contactHref, contactLabel, contactPerson, contactText } from "./queueContact";

const phone: QueueContact = {
  channel: "PHONE",
  value: "+84 91 555 0001",
  type: "MOBILE",
  name: null,
  relationship: null,
};
const email: QueueContact = {
  channel: "EMAIL",
  value: "an.nguyen@example.com",
  type: "WORK",
  name: null,
  relationship: null,
};
const guarantor: QueueContact = { ...phone, type: "HOME", name: "Tran Van B", relationship: "GUARANTOR" };

describe("codeWords", () => {
  it("lower-cases a code and turns underscores into spaces", () => {
    expect(codeWords("MOBILE")).toBe("mobile");
    expect(codeWords("CO_BORROWER")).toBe("co borrower");
    expect(codeWords(null)).toBe("");
    expect(codeWords(undefined)).toBe("");
  });
});

describe("contactHref", () => {
  it("dials the number's digits, keeping only a leading +", () => {
    expect(contactHref(phone)).toBe("tel:+84915550001");
    expect(contactHref({ ...phone, value: " (028) 3822-1234 " })).toBe("tel:02838221234");
    expect(contactHref({ ...phone, value: "091.555.0001" })).toBe("tel:0915550001");
    expect(contactHref({ ...phone, value: "0091 + 555" })).toBe("tel:0091555");
  });

  it("writes to an email address, escaping what would end it", () => {
    expect(contactHref(email)).toBe("mailto:an.nguyen@example.com");
    expect(contactHref({ ...email, value: "a+b?c#d@example.com" })).toBe("mailto:a+b%3Fc%23d@example.com");
  });

  it("links nothing when there is nothing to dial or write to", () => {
    expect(contactHref({ ...phone, value: " - " })).toBeNull();
    expect(contactHref({ ...email, value: " " })).toBeNull();
  });
});

describe("contactText and contactPerson", () => {
  it("shows the value with its type in words", () => {
    expect(contactText(phone)).toBe("+84 91 555 0001 · mobile");
    expect(contactText({ ...email, type: "PERSONAL" })).toBe("an.nguyen@example.com · personal");
    expect(contactText({ ...phone, type: "" })).toBe("+84 91 555 0001");
  });

  it("names a reference person with the relationship in words, and nobody for the customer's own", () => {
    expect(contactPerson(guarantor)).toBe("Tran Van B (guarantor)");
    expect(contactPerson({ ...guarantor, relationship: "FAMILY_MEMBER" })).toBe("Tran Van B (family member)");
    expect(contactPerson({ ...guarantor, relationship: null })).toBe("Tran Van B");
    expect(contactPerson({ ...guarantor, name: null })).toBe("guarantor");
    expect(contactPerson(phone)).toBeNull();
  });
});

describe("contactLabel", () => {
  it("says what the link does, to which value, of which type and whose", () => {
    expect(contactLabel(phone)).toBe("Call +84 91 555 0001 (mobile)");
    expect(contactLabel(email)).toBe("Email an.nguyen@example.com (work)");
    expect(contactLabel(guarantor)).toBe("Call +84 91 555 0001 (home), Tran Van B (guarantor)");
    expect(contactLabel({ ...phone, type: "" })).toBe("Call +84 91 555 0001");
  });
});
