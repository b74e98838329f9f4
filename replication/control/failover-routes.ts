/**
 * Control API route of a failover (docs/recovery.md): `POST /groups/:group/failover` at the
 * recovery site, with the point as the image routes take it. The body is checked here, so a bad
 * request is refused before the site is asked anything.
 */
import express, { type Router } from "express";
import type { FailoverRequest } from "../failover/failover.ts";
import { parseImageRequest } from "./recovery-routes.ts";
import { ApiError, type FailoverOperations } from "./site-control.ts";

/** `operations` is asked per request: a site has them only once it has started, and only with recovery groups. */
export function failoverRoutes(operations: () => FailoverOperations | undefined): Router {
  const router = express.Router();
  router.post("/groups/:group/failover", async (req, res) => {
    const ops = operations();
    if (!ops)
      throw new ApiError(409, "this site has no recovery group: a failover is asked of the group's recovery site");
    res.status(201).json(await ops.failover(String(req.params.group), parseFailoverRequest(req.body)));
  });
  // Answers once the reversal is decided and the group is production here; the extents are then
  // sent in the background, with progress in the answer's and /status's `reprotect` block.
  router.post("/groups/:group/reprotect", async (req, res) => {
    const ops = operations();
    if (!ops) throw new ApiError(503, "the site is starting: ask again in a moment");
    res.status(202).json(await ops.reprotect(String(req.params.group), req.body));
  });
  // Answers once the group's writes are refused here; the drain (progress in /status's `failback`
  // block) and the other site's failover and reprotect follow in the background.
  router.post("/groups/:group/failback", async (req, res) => {
    const ops = operations();
    if (!ops) throw new ApiError(503, "the site is starting: ask again in a moment");
    res.status(202).json(await ops.failback(String(req.params.group)));
  });
  router.post("/groups/:group/failback/cancel", async (req, res) => {
    const ops = operations();
    if (!ops) throw new ApiError(503, "the site is starting: ask again in a moment");
    res.json(await ops.cancelFailback(String(req.params.group)));
  });
  return router;
}

/** Exactly one of latest, time, bookmark, bookmarkBefore, plus operator and note: a failover is always writable. */
export function parseFailoverRequest(raw: unknown): FailoverRequest {
  if (raw && typeof raw === "object" && "writable" in raw)
    throw new ApiError(400, "a failover serves the volumes writable: writable is not a field of it");
  const { point, operator, note } = parseImageRequest(raw);
  return { point, operator, note };
}
