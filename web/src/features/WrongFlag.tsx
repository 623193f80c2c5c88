import { reportedWrongText, type ReportedWrong } from "./actionContact";

/** Marks a listed number or address an agent reported wrong: campaigns no longer select it. */
export function WrongFlag({ report }: { report: ReportedWrong | undefined }) {
  if (!report) return null;
  return (
    <span className="ml-1 rounded bg-red-100 px-1.5 text-xs text-red-800" title={reportedWrongText(report)}>
      reported wrong
    </span>
  );
}
