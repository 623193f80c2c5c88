import { describe, expect, it } from "vitest";

import { SHOP_ADDRESS } from "../test/fixtures";
import { addressBody, addressKey, addressProblems, addressRowOf, newAddress, oneLine } from "./crmAddress";

const SHOP = { ...SHOP_ADDRESS, is_verified: false, note: "" };

describe("oneLine", () => {
  it("reads as the API's audit names an address", () => {
    expect(oneLine(SHOP)).toBe("12 Ly Thuong Kiet, Hoan Kiem, Hanoi 100000, VN");
    expect(oneLine({ ...SHOP, line2: "Floor 3", province: null, postal_code: null })).toBe(
      "12 Ly Thuong Kiet, Floor 3, Hanoi, VN",
    );
  });
});

describe("addressKey", () => {
  it("matches every part, case and runs of spaces aside", () => {
    const key = addressKey(SHOP);
    expect(addressKey({ ...SHOP, line1: "  12   LY thuong kiet ", city: "HANOI" })).toBe(key);
    expect(addressKey({ ...SHOP, postal_code: "100 000" })).not.toBe(key);
    expect(addressKey({ ...SHOP, line2: "Floor 3" })).not.toBe(key);
    expect(addressKey({ ...SHOP, province: null })).not.toBe(key);
    // An empty part and one left out are the same; so are "ß" and "ss", as Python's casefold has them.
    expect(addressKey({ ...SHOP, line2: "" })).toBe(key);
    expect(addressKey({ ...SHOP, line1: "Hauptstraße 1" })).toBe(
      addressKey({ ...SHOP, line1: "HAUPTSTRASSE 1" }),
    );
  });
});

describe("addressBody", () => {
  it("sends the parts trimmed, optional ones left empty as null, the country in capitals", () => {
    const row = {
      ...newAddress(" vn "),
      line1: " 12 Ly Thuong Kiet ",
      line2: "  ",
      city: "Hanoi",
      note: " n ",
    };
    expect(addressBody(row)).toEqual({
      type: "HOME",
      line1: "12 Ly Thuong Kiet",
      line2: null,
      city: "Hanoi",
      province: null,
      postal_code: null,
      country: "VN",
      is_verified: false,
      note: " n ",
    });
    expect(addressBody(addressRowOf(SHOP))).toEqual(SHOP);
  });
});

describe("addressProblems", () => {
  const row = addressRowOf(SHOP);

  it("wants the first line, the city and a two-letter country", () => {
    expect(addressProblems([row], 10)).toEqual({});
    expect(addressProblems([newAddress()], 10)).toEqual({
      "addresses.0.line1": "Enter the first line, or remove this address",
      "addresses.0.city": "Enter the city",
      "addresses.0.country": "Enter the country's two-letter code (like VN)",
    });
    for (const country of ["V", "VNM", "V1", "  "]) {
      expect(addressProblems([{ ...row, country }], 10)["addresses.0.country"]).toMatch(
        /two-letter|Two letters/,
      );
    }
    expect(addressProblems([{ ...row, country: "vn" }], 10)).toEqual({});
  });

  it("counts lengths in characters, as the API does", () => {
    const ok = { ...row, line1: "🏠".repeat(200), line2: "x".repeat(200), postal_code: "日".repeat(16) };
    expect(addressProblems([{ ...ok, note: "📞".repeat(200) }], 10)).toEqual({});
    expect(
      addressProblems(
        [
          {
            ...ok,
            line1: ok.line1 + "x",
            line2: ok.line2 + "x",
            city: "c".repeat(201),
            province: "p".repeat(201),
            postal_code: ok.postal_code + "x",
            note: "📞".repeat(201),
          },
        ],
        10,
      ),
    ).toEqual({
      "addresses.0.line1": "201 characters: at most 200",
      "addresses.0.line2": "201 characters: at most 200",
      "addresses.0.city": "201 characters: at most 200",
      "addresses.0.province": "201 characters: at most 200",
      "addresses.0.postal_code": "17 characters: at most 16",
      "addresses.0.note": "The note has 201 characters: at most 200",
    });
  });

  it("marks the later of two rows listed twice, once it is otherwise right; and too many rows", () => {
    const again = {
      ...row,
      type: "HOME" as const,
      line1: "12 ly  THUONG kiet",
      is_verified: true,
      note: "x",
    };
    expect(addressProblems([row, again, { ...again, country: "" }], 10)).toEqual({
      "addresses.1": "The same address as address 1",
      "addresses.2.country": "Enter the country's two-letter code (like VN)",
    });
    expect(addressProblems([newAddress(), newAddress()], 10)["addresses.1"]).toBeUndefined();
    const eleven = Array.from({ length: 11 }, (_, n) => ({ ...row, line1: `${n} Ly Thuong Kiet` }));
    expect(addressProblems(eleven, 10)).toEqual({ addresses: "At most 10 addresses" });
  });
});
