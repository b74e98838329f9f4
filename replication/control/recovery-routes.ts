/**
 * Control API routes of recovery operations (docs/recovery.md): recovery points, image access and
 * test failover, drill records. Request bodies are checked here, so a bad request is refused with
 * what is wrong before the site is asked anything; refusals from the site carry their own status.
 */
import express, { type Router } from "express";
import type { ImageRequest } from "../images/image-access.ts";
import type { PointSpec } from "../images/recovery-point.ts";
import type { RecoveryOperations } from "./recovery-operations.ts";
import { ApiError } from "./site-control.ts";

const MAX_TEXT = 500;
/** Operator and note are shown in logs and reports: no line breaks or other control characters. */
const hasControlCharacter = (text: string) => [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/** `operations` is asked per request: a site has them only once it has started. */
export function recoveryRoutes(operations: () => RecoveryOperations | undefined): Router {
  const router = express.Router();
  const ops = (): RecoveryOperations => {
    const o = operations();
    if (!o) throw new ApiError(409, "recovery operations are served by the recovery site's control API");
    return o;
  };
  router.get("/groups/:group/points", (req, res) => {
    res.json({ group: req.params.group, ...ops().points(String(req.params.group)) });
  });
  router.post("/groups/:group/image", async (req, res) => {
    const request = parseImageRequest(req.body);
    res.status(201).json(await ops().beginImage(String(req.params.group), request));
  });
  router.get("/groups/:group/image", (req, res) => {
    res.json(ops().imageSession(String(req.params.group)));
  });
  router.post("/groups/:group/image/move", async (req, res) => {
    const point = parseMoveRequest(req.body);
    res.json(await ops().moveImage(String(req.params.group), point));
  });
  router.post("/groups/:group/image/end", async (req, res) => {
    const body = (req.body ?? {}) as { result?: unknown; note?: unknown };
    const result = body.result ?? "passed";
    if (result !== "passed" && result !== "failed") throw new ApiError(400, 'result must be "passed" or "failed"');
    const note = optionalText(body.note, "note");
    res.json(await ops().endImage(String(req.params.group), { result, ...(note !== undefined && { note }) }));
  });
  router.get("/drills", (_req, res) => {
    res.json(ops().drills());
  });
  router.get("/drills/:id", (req, res) => {
    res.json(ops().drill(String(req.params.id)));
  });
  return router;
}

const POINT_FIELDS = ["latest", "time", "bookmark", "bookmarkBefore"];

/** Exactly one of latest, time, bookmark, bookmarkBefore; times as ISO 8601 text or Unix seconds. */
export function parseImageRequest(raw: unknown): ImageRequest {
  const body = fieldsOf(raw, [...POINT_FIELDS, "writable", "operator", "note"]);
  const point = parsePoint(body);
  if (body.writable !== undefined && typeof body.writable !== "boolean")
    throw new ApiError(400, "writable must be a boolean");
  return {
    point,
    writable: body.writable === true,
    operator: optionalText(body.operator, "operator") || "unknown",
    note: optionalText(body.note, "note") ?? "",
  };
}

/** The point a read-only session moves to: exactly one of latest, time, bookmark, bookmarkBefore. */
export function parseMoveRequest(raw: unknown): PointSpec {
  return parsePoint(fieldsOf(raw, POINT_FIELDS));
}

function fieldsOf(raw: unknown, known: readonly string[]): Record<string, unknown> {
  const body = (raw ?? {}) as Record<string, unknown>;
  const unknown = Object.keys(body).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new ApiError(400, `unknown field(s) ${unknown.join(", ")}`);
  return body;
}

function parsePoint(body: Record<string, unknown>): PointSpec {
  const given = POINT_FIELDS.filter((k) => body[k] !== undefined);
  if (given.length !== 1)
    throw new ApiError(400, `give exactly one point: latest, time, bookmark or bookmarkBefore (got ${given.length})`);
  if (body.latest !== undefined) {
    if (body.latest !== true) throw new ApiError(400, "latest must be true");
    return { kind: "latest" };
  }
  if (body.bookmark !== undefined) {
    if (typeof body.bookmark !== "string" || body.bookmark.length === 0)
      throw new ApiError(400, "bookmark must be a name");
    return { kind: "bookmark", name: body.bookmark };
  }
  if (body.time !== undefined) return { kind: "time", timestamp: parseTime(body.time, "time") };
  return { kind: "bookmark-before", timestamp: parseTime(body.bookmarkBefore, "bookmarkBefore") };
}

/** ISO 8601 text with a zone, or Unix seconds. */
export function parseTime(value: unknown, field: string): number {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(value)) {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return ms / 1000;
  }
  throw new ApiError(400, `${field} must be an ISO 8601 time with a zone (e.g. 2026-12-02T15:04:05Z) or Unix seconds`);
}

function optionalText(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.length > MAX_TEXT || hasControlCharacter(value))
    throw new ApiError(400, `${field} must be text of at most 500 characters without control characters`);
  return value;
}
