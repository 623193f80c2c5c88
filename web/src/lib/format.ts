// Numbers, money and dates as people read them. Money arrives as decimal strings ("1250000.50") in the
// loan's currency; it is formatted from the string's digits, never through arithmetic on floats.

const moneyFormats = new Map<string, { format: Intl.NumberFormat; showsCurrency: boolean }>();

function moneyFormat(currency: string) {
  let entry = moneyFormats.get(currency);
  if (!entry) {
    try {
      entry = {
        format: new Intl.NumberFormat(undefined, { style: "currency", currency }),
        showsCurrency: true,
      };
    } catch {
      // Not an ISO 4217 code the browser knows: plain digits, the code written after them.
      const format = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
      entry = { format, showsCurrency: false };
    }
    moneyFormats.set(currency, entry);
  }
  return entry;
}

/** "1250000.50", "VND" → "₫1,250,001" (the currency's own decimals); unknown codes keep two decimals. */
export function formatMoney(amount: string | null | undefined, currency: string | null | undefined): string {
  if (amount === null || amount === undefined || amount === "") return "—";
  const code = currency ?? "";
  const { format, showsCurrency } = moneyFormat(code);
  // Intl formats a decimal string exactly (no float rounding) in current engines.
  const text = format.format(amount as `${number}`);
  return showsCurrency || !code ? text : `${text} ${code}`;
}

/** Money per currency ({"VND": "120.00", "USD": "3.50"}) as one line. */
export function formatMoneyByCurrency(amounts: Record<string, string> | null | undefined): string {
  const entries = Object.entries(amounts ?? {});
  if (entries.length === 0) return "—";
  return entries.map(([currency, amount]) => formatMoney(amount, currency)).join(" · ");
}

const integer = new Intl.NumberFormat();

export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : integer.format(value);
}

/** 1, "customer" → "1 customer"; 1200 → "1,200 customers" (`plural` for nouns not made with an s). */
export function countOf(value: number, noun: string, plural = `${noun}s`): string {
  return `${formatCount(value)} ${value === 1 ? noun : plural}`;
}

export function formatPercent(value: number | string | null | undefined, digits = 1): string {
  if (value === null || value === undefined) return "—";
  return `${(Number(value) * 100).toFixed(digits)}%`;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric" });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});

/** "2026-03-01" (a calendar day: no time zone shift) → "Mar 1, 2026". */
export function formatDate(day: string | null | undefined): string {
  if (!day) return "—";
  const [year, month, date] = day.slice(0, 10).split("-").map(Number);
  if (!year || !month || !date) return day;
  return dateFormat.format(new Date(year, month - 1, date));
}

export function formatDateTime(timestamp: string | null | undefined): string {
  if (!timestamp) return "—";
  const moment = new Date(timestamp);
  return Number.isNaN(moment.getTime()) ? timestamp : dateTimeFormat.format(moment);
}
