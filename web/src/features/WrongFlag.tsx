import { reportedWrongText, type ReportedWrong } from "./actionContact";

/**
 * Marks a listed number or address an agent reported wrong: campaigns no longer select it. With the report
 * (the 360 view), who reported it and when shows on hover; `wrong` alone (a search result) just marks it.
 */
export function WrongFlag({ report, wrong = false }: { report?: ReportedWrong; wrong?: boolean }) {
  if (!report && !wrong) return null;
  return (
    <span
      className="ml-1 rounded bg-red-100 px-1.5 text-xs text-red-800"
      title={report ? reportedWrongText(report) : undefined}
    >
      reported wrong
    </span>
  );
}
