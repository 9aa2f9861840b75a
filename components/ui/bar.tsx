/**
 * The filled part of a progress bar, drawn as SVG. Its length is an SVG attribute, not a `style={{ width }}`:
 * the Content-Security-Policy allows no inline styles (server/http/security-headers.ts), and a style
 * attribute in server-rendered HTML would be blocked (and reported) by the browser.
 */
export function BarFill({ pct, className }: { pct: number; className: string }) {
  const width = Math.max(0, Math.min(100, Number.isFinite(pct) ? pct : 0));
  return (
    <svg className="block h-full w-full" viewBox="0 0 100 1" preserveAspectRatio="none" aria-hidden="true" focusable="false">
      <rect x="0" y="0" width={width} height="1" className={className} />
    </svg>
  );
}
