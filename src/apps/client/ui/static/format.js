// Words and small facts shared by the views.

export const STATUSES = ["new", "open", "pending", "resolved", "closed"];
export const OPEN_STATUSES = ["new", "open", "pending"];
export const PRIORITIES = ["low", "normal", "high", "urgent"];

/** The status moves the server allows (domain/tickets.py ALLOWED_MOVES). */
export const ALLOWED_MOVES = {
  new: ["open", "pending", "resolved", "closed"],
  open: ["pending", "resolved", "closed"],
  pending: ["open", "resolved", "closed"],
  resolved: ["open", "closed"],
  closed: ["open"],
};

export const STATUS_LABEL = {
  new: "New", open: "Open", pending: "Pending", resolved: "Resolved", closed: "Closed",
};
export const PRIORITY_LABEL = { low: "Low", normal: "Normal", high: "High", urgent: "Urgent" };
export const PRIORITY_RANK = { low: 0, normal: 1, high: 2, urgent: 3 };
export const ROLE_LABEL = { customer: "customer", agent: "agent", admin: "admin" };
export const ORDER_LABEL = { updated: "Last update", newest: "Newest first", priority: "Most urgent" };

/**
 * The built-in queues (domain/queues.py) as presets of the list's filters: choosing one
 * sets the filters, and the queue that matches the filters is the one highlighted.
 */
export const QUEUES = [
  { view: "my_open", label: "My open", filters: { status: "", assignee: "me" } },
  { view: "unassigned", label: "Unassigned", filters: { status: "", assignee: "none" } },
  { view: "all_open", label: "All open", filters: { status: "" } },
  { view: "pending", label: "Pending", filters: { status: "pending" } },
  { view: "recently_resolved", label: "Recently resolved", filters: { status: "resolved" } },
];

/** "99+" for counts the server caps at 100. */
export function capped(count) {
  return count >= 100 ? "99+" : String(count);
}

/** Agents and admins are staff: they see every ticket and may write internal notes. */
export function isStaff(role) {
  return role === "agent" || role === "admin";
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** "3 minutes ago" style, for lists. */
export function ago(iso, now = Date.now()) {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return "";
  const seconds = Math.round((then - now) / 1000);
  const steps = [[60, "second"], [60, "minute"], [24, "hour"], [7, "day"], [4.35, "week"],
    [12, "month"], [Infinity, "year"]];
  let value = seconds;
  for (const [size, unit] of steps) {
    if (Math.abs(value) < size) return unit === "second" && Math.abs(value) < 30
      ? "just now" : relative.format(Math.round(value), unit);
    value /= size;
  }
  return "";
}

/** A full date and time, for tooltips and `<time>` text. */
export function when(iso) {
  const then = Date.parse(iso);
  return Number.isNaN(then) ? "" : absolute.format(new Date(then));
}

/** A short description of a project's connection, and a severity for styling. */
export function connectionText(state) {
  if (!state) return { text: "unknown", level: "warn" };
  if (state.phase === "closed") return { text: "closed", level: "bad" };
  if (state.phase === "unreachable") return { text: "unreachable, retrying", level: "bad" };
  if (state.phase === "connecting") return { text: "connecting…", level: "warn" };
  if (!state.bound) return { text: "not signed in", level: "warn" };
  if (!state.streaming) return { text: "online, live updates paused", level: "warn" };
  return { text: "online", level: "ok" };
}

/** The signed-in user's role in a project state, or null. */
export function roleOf(state) {
  return state && state.user ? state.user.role : null;
}

/** A human file size. */
export function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
