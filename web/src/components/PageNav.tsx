import { formatCount } from "../lib/format";
import { secondaryButtonClass } from "./Field";

/**
 * Back and forth over a list the API pages with `offset` and `limit`, saying which rows show ("101–200 of
 * 1,234", or "101–200" where the API gives no total). Nothing when everything fits one page.
 */
export function PageNav({
  offset,
  shown,
  total,
  hasMore,
  onOffset,
  pageSize,
  previous = "Previous",
  next = "Next",
}: {
  offset: number;
  /** Rows on this page. */
  shown: number;
  total?: number;
  hasMore: boolean;
  onOffset: (offset: number) => void;
  pageSize: number;
  previous?: string;
  next?: string;
}) {
  if (offset === 0 && !hasMore) return null;
  const range = shown ? `${formatCount(offset + 1)}–${formatCount(offset + shown)}` : "none";
  return (
    <nav aria-label="Pages" className="flex items-center gap-3 text-sm">
      <button
        type="button"
        className={secondaryButtonClass}
        disabled={offset === 0}
        onClick={() => onOffset(Math.max(0, offset - pageSize))}
      >
        {previous}
      </button>
      <span>{total === undefined ? range : `${range} of ${formatCount(total)}`}</span>
      <button
        type="button"
        className={secondaryButtonClass}
        disabled={!hasMore}
        onClick={() => onOffset(offset + pageSize)}
      >
        {next}
      </button>
    </nav>
  );
}
