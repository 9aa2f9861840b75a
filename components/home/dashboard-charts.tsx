"use client";
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { HomeSummary } from "@/server/domain/home/queries";
import { FINDING_KIND_LABEL, type FindingKind } from "@/server/domain/findings/schema";
import { ChartFrame, ChartTooltip, FiguresTable } from "./chart-frame";

type Charts = HomeSummary["charts"];

// Mid-tone colours that read on white and on slate-900 alike (the dark theme).
const C = { blue: "#3b82f6", green: "#16a34a", red: "#dc2626", amber: "#d97706", violet: "#7c3aed", slate: "#94a3b8" };
// Axis text and grid lines follow the text colour of the chart's box (slate-500; html.dark remaps the colour tokens, app/globals.css).
const AXIS = { tick: { fill: "currentColor", fontSize: 11 }, stroke: "currentColor", tickLine: false } as const;
const GRID = <CartesianGrid stroke="currentColor" strokeOpacity={0.15} vertical={false} />;
const TIP = <Tooltip content={ChartTooltip} cursor={{ fill: "currentColor", fillOpacity: 0.06 }} isAnimationActive={false} />;
const LEGEND = <Legend iconSize={10} formatter={(v: string) => <span className="text-xs text-slate-600">{v}</span>} />;

const RISK_LABEL: Record<string, string> = { LOW: "Low", MEDIUM: "Medium", HIGH: "High", CRITICAL: "Critical" };
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
/** "2026-03-02" → "2 Mar" (UTC, the portal's one date style for days). */
const day = (iso: string) => new Date(`${iso}T00:00:00Z`).toLocaleDateString("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString("en-GB")} ${n === 1 ? one : many}`;

/** The role dashboard: only the charts the server computed for this person (null = not theirs). */
export function DashboardCharts({ charts }: { charts: Charts }) {
  return (
    <div className="grid items-start gap-4 md:grid-cols-2 xl:grid-cols-3" data-testid="home-charts">
      {charts.requests && <RequestsChart rows={charts.requests} />}
      {charts.ageing && <AgeingChart rows={charts.ageing} scope={charts.ageingScope} />}
      {charts.burndown?.map((b) => <BurndownChart key={b.campaignId} b={b} />)}
      {charts.risk && <RiskChart rows={charts.risk} />}
      {charts.unverified && <UnverifiedChart rows={charts.unverified} />}
      {charts.findings && <FindingsChart rows={charts.findings} />}
    </div>
  );
}

function RequestsChart({ rows }: { rows: NonNullable<Charts["requests"]> }) {
  const data = rows.map((r) => ({ week: day(r.week), Submitted: r.submitted, Approved: r.approved, Denied: r.denied }));
  const summary = `Last ${rows.length} weeks: ${plural(sum(rows.map((r) => r.submitted)), "request")} submitted, ${sum(rows.map((r) => r.approved)).toLocaleString("en-GB")} approved, ${sum(rows.map((r) => r.denied)).toLocaleString("en-GB")} denied.`;
  return (
    <ChartFrame
      id="chart-requests"
      testId="chart-requests"
      title="Requests and decisions per week"
      summary={summary}
      table={<FiguresTable caption="Requests and decisions per week" head={["Week of", "Submitted", "Approved", "Denied"]} rows={data.map((d) => [d.week, d.Submitted, d.Approved, d.Denied])} />}
    >
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} accessibilityLayer={false} margin={{ top: 4, right: 4, bottom: 0, left: -20 }}>
          {GRID}
          <XAxis dataKey="week" {...AXIS} interval="preserveStartEnd" minTickGap={12} />
          <YAxis allowDecimals={false} {...AXIS} />
          {TIP}
          {LEGEND}
          <Bar dataKey="Submitted" fill={C.blue} isAnimationActive={false} />
          <Bar dataKey="Approved" fill={C.green} isAnimationActive={false} />
          <Bar dataKey="Denied" fill={C.red} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </ChartFrame>
  );
}

function AgeingChart({ rows, scope }: { rows: NonNullable<Charts["ageing"]>; scope: "all" | "mine" }) {
  const total = sum(rows.map((r) => r.count));
  const old = rows[rows.length - 1]?.count ?? 0;
  const whose = scope === "all" ? "in the organisation" : "in your inbox";
  const summary = total === 0 ? `No approval is waiting ${whose}.` : `${plural(total, "approval")} waiting ${whose}; ${old.toLocaleString("en-GB")} for over 7 days.`;
  return (
    <ChartFrame
      id="chart-ageing"
      testId="chart-ageing"
      title={scope === "all" ? "Approval ageing (organisation)" : "Approval ageing (your inbox)"}
      summary={summary}
      table={<FiguresTable caption="Open approvals by time waiting" head={["Waiting", "Approvals"]} rows={rows.map((r) => [r.bucket, r.count])} />}
    >
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={rows.map((r) => ({ bucket: r.bucket, Approvals: r.count }))} accessibilityLayer={false} margin={{ top: 4, right: 4, bottom: 0, left: -20 }}>
          {GRID}
          <XAxis dataKey="bucket" {...AXIS} />
          <YAxis allowDecimals={false} {...AXIS} />
          {TIP}
          <Bar dataKey="Approvals" fill={C.amber} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </ChartFrame>
  );
}

function BurndownChart({ b }: { b: NonNullable<Charts["burndown"]>[number] }) {
  const last = b.points[b.points.length - 1]?.remaining ?? b.total;
  const data = b.points.map((p) => ({ day: day(p.day), Undecided: p.remaining }));
  const due = new Date(b.dueAt).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  return (
    <ChartFrame
      id={`chart-burndown-${b.campaignId}`}
      testId="chart-burndown"
      title={`Campaign burndown: ${b.name}`}
      summary={`${plural(last, "item")} of ${b.total.toLocaleString("en-GB")} still undecided; due ${due}.`}
      table={<FiguresTable caption={`Undecided items per day in ${b.name}`} head={["Day", "Undecided"]} rows={data.map((d) => [d.day, d.Undecided])} />}
    >
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} accessibilityLayer={false} margin={{ top: 4, right: 8, bottom: 0, left: -20 }}>
          {GRID}
          <XAxis dataKey="day" {...AXIS} interval="preserveStartEnd" minTickGap={12} />
          <YAxis allowDecimals={false} domain={[0, b.total]} {...AXIS} />
          {TIP}
          <Line type="stepAfter" dataKey="Undecided" stroke={C.violet} strokeWidth={2} dot={data.length < 20} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </ChartFrame>
  );
}

function RiskChart({ rows }: { rows: NonNullable<Charts["risk"]> }) {
  const data = rows.map((r) => ({ risk: RISK_LABEL[r.risk] ?? r.risk, Approved: r.verified, "Origin unverified": r.unverified }));
  const total = sum(rows.map((r) => r.verified + r.unverified));
  const high = sum(rows.filter((r) => r.risk === "HIGH" || r.risk === "CRITICAL").map((r) => r.verified + r.unverified));
  return (
    <ChartFrame
      id="chart-risk"
      testId="chart-risk"
      title="Active access by risk"
      summary={`${plural(total, "active grant")}; ${high.toLocaleString("en-GB")} high or critical risk.`}
      table={<FiguresTable caption="Active access by risk and origin" head={["Risk", "Approved", "Origin unverified"]} rows={data.map((d) => [d.risk, d.Approved, d["Origin unverified"]])} />}
    >
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} accessibilityLayer={false} margin={{ top: 4, right: 4, bottom: 0, left: -20 }}>
          {GRID}
          <XAxis dataKey="risk" {...AXIS} />
          <YAxis allowDecimals={false} {...AXIS} />
          {TIP}
          {LEGEND}
          <Bar dataKey="Approved" stackId="a" fill={C.blue} isAnimationActive={false} />
          <Bar dataKey="Origin unverified" stackId="a" fill={C.amber} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </ChartFrame>
  );
}

function UnverifiedChart({ rows }: { rows: NonNullable<Charts["unverified"]> }) {
  const data = rows.map((r) => ({ week: day(r.week), "Origin unverified": r.count }));
  const first = rows[0]?.count ?? 0;
  const now = rows[rows.length - 1]?.count ?? 0;
  return (
    <ChartFrame
      id="chart-unverified"
      testId="chart-unverified"
      title="Origin-unverified access over time"
      summary={`${plural(now, "grant")} with no approved request behind it now; ${first.toLocaleString("en-GB")} ${rows.length} weeks ago.`}
      table={<FiguresTable caption="Origin-unverified access held at the end of each week" head={["Week of", "Grants"]} rows={data.map((d) => [d.week, d["Origin unverified"]])} />}
    >
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} accessibilityLayer={false} margin={{ top: 4, right: 8, bottom: 0, left: -20 }}>
          {GRID}
          <XAxis dataKey="week" {...AXIS} interval="preserveStartEnd" minTickGap={12} />
          <YAxis allowDecimals={false} {...AXIS} />
          {TIP}
          <Line type="monotone" dataKey="Origin unverified" stroke={C.amber} strokeWidth={2} dot={false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </ChartFrame>
  );
}

function FindingsChart({ rows }: { rows: NonNullable<Charts["findings"]> }) {
  const data = rows.map((r) => ({ kind: FINDING_KIND_LABEL[r.kind as FindingKind] ?? r.kind, Open: r.open, "Resolved (12 weeks)": r.resolved }));
  const open = sum(rows.map((r) => r.open));
  return (
    <ChartFrame
      id="chart-findings"
      testId="chart-findings"
      title="Findings by type"
      summary={rows.length === 0 ? "No findings open or resolved in the last 12 weeks." : `${plural(open, "finding")} open, across ${plural(rows.length, "type")}.`}
      table={<FiguresTable caption="Findings by type" head={["Type", "Open", "Resolved (12 weeks)"]} rows={data.map((d) => [d.kind, d.Open, d["Resolved (12 weeks)"]])} />}
    >
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} layout="vertical" accessibilityLayer={false} margin={{ top: 4, right: 8, bottom: 0, left: 8 }}>
          <CartesianGrid stroke="currentColor" strokeOpacity={0.15} horizontal={false} />
          <XAxis type="number" allowDecimals={false} {...AXIS} />
          <YAxis type="category" dataKey="kind" width={130} {...AXIS} />
          {TIP}
          {LEGEND}
          <Bar dataKey="Open" stackId="f" fill={C.red} isAnimationActive={false} />
          <Bar dataKey="Resolved (12 weeks)" stackId="f" fill={C.slate} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </ChartFrame>
  );
}
