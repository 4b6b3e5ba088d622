/**
 * The figures of each benchmark, from its repeats: which metric is ours, what it is measured
 * against, the ratio and the goal the issue sets.
 */
import { type Figure, fmt, median, metric, processFigures } from "./report.ts"
import type { CaseRuns } from "./run.ts"

const size = (n: number, unit: string) => `${n.toLocaleString("en-US")} ${unit}`
const s = (ms: number) => `${fmt(ms / 1000)} s`

/** P1 at one size: calls per system against the bound and the naive baseline, time against the floor. */
export const loadMonthFigures = (runs: CaseRuns): Array<Figure> => {
  const lines = size(Number(runs.params.lines), "lines")
  const sent = Number(runs.params.lines) <= Number(runs.params.naiveSentUpTo)
  const naiveHow = sent ? "sent" : "counted"
  const proc = processFigures(runs)
  const none = { wallMs: undefined, cpuMs: undefined, peakRssMb: undefined }
  return [
    {
      id: "P1",
      what: "Exact calls: ours / lower bound",
      size: lines,
      ours: fmt(median(runs, "exactCalls")),
      against: `bound ${fmt(median(runs, "boundExact"))} · naive ${fmt(median(runs, "naiveExact"))}`,
      ratio: metric(runs, "exactOverBound"),
      goal: "≤ 1.05",
      met: median(runs, "exactOverBound") <= 1.05,
      ...proc
    },
    {
      id: "P1",
      what: "ConnectWise calls: ours / lower bound",
      size: lines,
      ours: fmt(median(runs, "connectwiseCalls")),
      against: `bound ${fmt(median(runs, "boundConnectWise"))} · naive ${fmt(median(runs, "naiveConnectWise"))} (${naiveHow})`,
      ratio: metric(runs, "connectwiseOverBound"),
      goal: "≤ 1.05",
      met: median(runs, "connectwiseOverBound") <= 1.05,
      ...none
    },
    {
      id: "P1",
      what: "All calls: naive / ours",
      size: lines,
      ours: fmt(median(runs, "calls")),
      against: `naive ${fmt(median(runs, "naive"))}`,
      ratio: metric(runs, "naiveOverOurs"),
      goal: "",
      met: undefined,
      ...none
    },
    {
      id: "P1",
      what: "Time at 100 ms a request: ours / floor",
      size: lines,
      ours: s(median(runs, "oursSimMs")),
      against: `floor ${s(median(runs, "floorMs"))}`,
      ratio: metric(runs, "oursOverFloor"),
      goal: "≤ 1.3",
      met: median(runs, "oursOverFloor") <= 1.3,
      ...none
    },
    {
      id: "P1",
      what: "Time at 100 ms a request: naive / ours",
      size: lines,
      ours: s(median(runs, "oursSimMs")),
      against: `naive ${s(median(runs, "naiveSimMs"))}`,
      ratio: metric(runs, "naiveOverOursSim"),
      goal: "",
      met: undefined,
      ...none
    }
  ]
}

/** P2 at one size and snapshot: the core against plain JavaScript on the same data. */
export const coreFigure = (runs: CaseRuns): Figure => {
  const lines = Number(runs.params.lines)
  const snapshot = runs.params.snapshot === "fixed" ? "fixed 5k/10k/50k" : "scaled"
  const at100k = lines >= 100_000
  const wall = median(runs, "wallMs")
  const rss = metric(runs, "peakRssMb").max
  return {
    id: "P2",
    what: `Core (${snapshot}): resolve + diff + plan / plain JS`,
    size: `${size(lines, "lines")} → ${fmt(median(runs, "rows"))} rows`,
    ours: `${fmt(wall)} ms · ${fmt(median(runs, "usPerRow"))} µs/row · CPU resolve ${fmt(median(runs, "resolveCpuMs"))} / diff ${fmt(median(runs, "diffCpuMs"))} / plan ${fmt(median(runs, "planCpuMs"))} ms`,
    against: `plain JS ${fmt(median(runs, "plainMs"))} ms`,
    ratio: metric(runs, "coreOverPlain"),
    goal: at100k ? "< 1 s, < 500 MB" : "",
    met: at100k ? wall < 1_000 && rss < 500 : undefined,
    ...processFigures(runs)
  }
}

/** P2's slope: the cost per row at the largest size against the smallest. */
export const slopeFigure = (small: CaseRuns, large: CaseRuns): Figure => {
  const ratio = {
    min: metric(large, "usPerRow").min / metric(small, "usPerRow").max,
    median: median(large, "usPerRow") / median(small, "usPerRow"),
    max: metric(large, "usPerRow").max / metric(small, "usPerRow").min
  }
  const snapshot = small.params.snapshot === "fixed" ? "fixed 5k/10k/50k" : "scaled"
  return {
    id: "P2",
    what: `Cost per row, ${snapshot}: largest / smallest size`,
    size: `${size(Number(small.params.lines), "")}→ ${size(Number(large.params.lines), "lines")}`,
    ours: `${fmt(median(large, "usPerRow"))} µs/row`,
    against: `${fmt(median(small, "usPerRow"))} µs/row`,
    ratio,
    goal: "flat (≈ 1)",
    met: ratio.median <= 1.2,
    wallMs: undefined,
    cpuMs: undefined,
    peakRssMb: undefined
  }
}

/** P3: throughput against the allowed rate, and 429s surfaced. */
export const rateLimitFigure = (runs: CaseRuns): Figure => ({
  id: "P3",
  what: "Addition updates under a 429 rate limit: throughput / allowed",
  size: `${size(Number(runs.params.updates), "updates")} (${fmt(median(runs, "operations"))} operations)`,
  ours: `${fmt(median(runs, "throughputPerS"))} req/s · ${fmt(median(runs, "surfaced429"))} surfaced 429 · ${fmt(median(runs, "limited"))} answered 429`,
  against: `allowed ${fmt(median(runs, "allowedPerS"))} req/s`,
  ratio: metric(runs, "throughputOverAllowed"),
  goal: "≥ 0.9, 0 surfaced 429",
  met: median(runs, "throughputOverAllowed") >= 0.9 && metric(runs, "surfaced429").max === 0,
  ...processFigures(runs)
})

/** P4 at one setting: Exact calls per invoice against the bound, 429s, time against Exact's rate floor. */
export const transferFigures = (runs: CaseRuns): Array<Figure> => {
  const pdf = runs.params.attachPdf === true
  const invoices = `${size(median(runs, "invoices"), "invoices")}${pdf ? ", PDF attached" : ""}`
  const goal = pdf ? 3.05 : 1.05
  return [
    {
      id: "P4",
      what: "Transfer ConnectWise invoices to Exact (entry mode): Exact calls per invoice",
      size: invoices,
      ours: `${fmt(median(runs, "exactCalls"))} calls (${fmt(median(runs, "posts"))} POST, ${fmt(median(runs, "reads"))} reads) · ${fmt(median(runs, "created"))} booked · ${fmt(median(runs, "answered429"))} answered 429`,
      against: `bound ${pdf ? 3 : 1} POST an invoice + bulk reads`,
      ratio: metric(runs, "callsPerInvoice"),
      goal: `≤ ${goal}, 0 answered 429`,
      met: median(runs, "callsPerInvoice") <= goal && metric(runs, "answered429").max === 0,
      ...processFigures(runs)
    },
    {
      id: "P4",
      what: "Transfer at Exact's 60 calls a minute: simulated minutes / floor",
      size: invoices,
      ours: s(median(runs, "elapsedSimMs")),
      against: `floor ${s(median(runs, "floorMs"))}`,
      ratio: metric(runs, "elapsedOverFloor"),
      goal: "≤ 1.05",
      met: median(runs, "elapsedOverFloor") <= 1.05,
      wallMs: undefined,
      cpuMs: undefined,
      peakRssMb: undefined
    }
  ]
}

/** P5: ours against `connectwise-rest`. */
export const peerFigures = (runs: CaseRuns): Array<Figure> => {
  const agreements = size(Number(runs.params.agreements), "agreements")
  const none = { wallMs: undefined, cpuMs: undefined, peakRssMb: undefined }
  return [
    {
      id: "P5",
      what: "List every addition over TLS: requests ours / connectwise-rest",
      size: agreements,
      ours: fmt(median(runs, "oursRequests")),
      against: `peer ${fmt(median(runs, "peerRequests"))}`,
      ratio: metric(runs, "requestsOursOverPeer"),
      goal: "≤ 1",
      met: median(runs, "requestsOursOverPeer") <= 1,
      ...processFigures(runs)
    },
    {
      id: "P5",
      what: "List every addition over TLS: wall ours / connectwise-rest",
      size: agreements,
      ours: `${fmt(median(runs, "oursWallMs"))} ms`,
      against: `peer ${fmt(median(runs, "peerWallMs"))} ms`,
      ratio: metric(runs, "wallOursOverPeer"),
      goal: "≤ 1",
      met: median(runs, "wallOursOverPeer") <= 1,
      wallMs: metric(runs, "peerWallMs"),
      cpuMs: metric(runs, "peerCpuMs"),
      peakRssMb: undefined
    },
    {
      id: "P5",
      what: `With ${fmt(Number(runs.params.rateLimitShare) * 100)}% 429s: records lost, ours vs connectwise-rest`,
      size: `${agreements}, ${fmt(median(runs, "expected"))} additions`,
      ours: `${fmt(median(runs, "oursLost429"))} lost (${fmt(median(runs, "oursWall429Ms"))} ms)`,
      against: `peer ${fmt(median(runs, "peerLost429"))} lost, ${fmt(median(runs, "peerErrors429"))} 429s surfaced (${fmt(median(runs, "peerWall429Ms"))} ms)`,
      ratio: undefined,
      goal: "ours 0 lost",
      met: metric(runs, "oursLost429").max === 0,
      ...none
    }
  ]
}

/** The sandbox's own scale. */
export const sandboxScaleFigure = (runs: CaseRuns): Figure => ({
  id: "Sandbox",
  what: "Build + load + serve a world (every bulk sales line and company page over HTTP)",
  size: `${size(Number(runs.params.customers), "customers")} × ${fmt(Number(runs.params.months))} mo = ${fmt(median(runs, "salesLines"))} lines`,
  ours: `build ${s(median(runs, "buildMs"))} · load ${s(median(runs, "loadMs"))} · serve ${s(median(runs, "serveMs"))}`,
  against: `${fmt(median(runs, "rowsPerS"))} rows/s served · RSS after build ${fmt(median(runs, "rssAfterBuildMb"))} MB`,
  ratio: undefined,
  goal: "",
  met: undefined,
  ...processFigures(runs)
})

/** Run logs: store appends against one per 1,000 entries. */
export const runLogFigure = (runs: CaseRuns): Figure => ({
  id: "Runs",
  what: "A run logging every entry: store appends / lower bound",
  size: size(Number(runs.params.entries), "entries"),
  ours: `${fmt(median(runs, "appends"))} appends · ${fmt(median(runs, "usPerEntry"))} µs/entry`,
  against: `bound ${fmt(median(runs, "bound"))}`,
  ratio: metric(runs, "appendsOverBound"),
  goal: "≤ 1.05",
  met: median(runs, "appendsOverBound") <= 1.05,
  ...processFigures(runs)
})

/** The server: a loaded month's grid served page by page (time per page and bytes). */
export const serverGridFigure = (runs: CaseRuns): Figure => ({
  id: "Server",
  what: `Grid pages of ${fmt(Number(runs.params.pageSize))} rows: ms per page (median · slowest)`,
  size: size(Number(runs.params.lines), "lines"),
  ours: `${fmt(median(runs, "msPerPageMedian"))} · ${fmt(median(runs, "msPerPageMax"))} ms`,
  against: `${fmt(median(runs, "pages"))} pages · ${fmt(median(runs, "kbPerPage"))} KB a page · ${fmt(median(runs, "rows"))} rows`,
  ratio: undefined,
  goal: "",
  met: undefined,
  ...processFigures(runs, "gridWallMs", "gridCpuMs")
})

/** The server: one run's events read by many listeners at once. */
export const serverEventsFigure = (runs: CaseRuns): Figure => ({
  id: "Server",
  what: "One run's server-sent events, every listener until the end frame",
  size: size(Number(runs.params.listeners), "listeners"),
  ours: `${s(median(runs, "sseWallMs"))} · ${fmt(median(runs, "framesPerListener"))} frames each`,
  against: `CPU ${s(median(runs, "sseCpuMs"))}`,
  ratio: undefined,
  goal: "",
  met: undefined,
  ...processFigures(runs, "sseWallMs", "sseCpuMs")
})
