/**
 * Small display helpers shared by pages (no server code, no React). The one date format of the portal: every
 * date or time a person reads (pages, notifications, e-mails) goes through formatDate / formatDateTime here,
 * "2 Dec 2026" and "2 Dec 2026, 13:45 UTC" (UTC everywhere, as the footer says). Evidence, exports and
 * machine interfaces keep ISO 8601. Server code writing text for people imports it too (it is plain TypeScript).
 */
const dateFmt = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
const dateTimeFmt = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZone: "UTC", timeZoneName: "short" });

export function formatDate(d: Date | string | null | undefined): string {
  if (!d) return "—";
  return dateFmt.format(new Date(d));
}

export function formatDateTime(d: Date | string | null | undefined): string {
  if (!d) return "—";
  return dateTimeFmt.format(new Date(d));
}

/** "in 3 days", "2 days ago", "today" relative to now. */
export function relativeDays(d: Date | string | null | undefined, now: Date = new Date()): string {
  if (!d) return "";
  const days = Math.round((new Date(d).getTime() - now.getTime()) / 86_400_000);
  if (days === 0) return "today";
  if (days > 0) return days === 1 ? "in 1 day" : `in ${days} days`;
  return days === -1 ? "1 day ago" : `${-days} days ago`;
}

export function daysUntil(d: Date | string, now: Date = new Date()): number {
  return Math.ceil((new Date(d).getTime() - now.getTime()) / 86_400_000);
}
