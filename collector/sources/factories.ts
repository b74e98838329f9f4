/**
 * One factory per source kind; the mapped type makes a kind added to the config union without a
 * factory fail the type check.
 */
import type { IncomingMessage } from "node:http";
import type { Express } from "express";
import type { WebSocket } from "ws";
import type { Logger } from "../../lib/log.ts";
import type { SourceConfig } from "../config.ts";
import type { SourceAdapter } from "../source.ts";
import { EngineSource } from "./engine.ts";
import { createPostgresSource } from "./postgres-source.ts";
import { createPushSource, type PushRegistry } from "./push-source.ts";
import { createSnmpSource } from "./snmp-source.ts";

/**
 * Where push-style sources mount their HTTP routes and WebSockets, behind the exporter's auth
 * seam. The exporter's app provides it; declared here so the collector does not import the exporter.
 */
export interface HttpMount {
  app: Express;
  webSocket(path: string, handler: (socket: WebSocket, req: IncomingMessage) => void): void;
}

export interface SourceContext {
  logger?: Logger;
  mount: HttpMount;
  /** Push sources register here; the push routes on `mount` look tokens up in it. */
  pushRegistry: PushRegistry;
}

type Factories = {
  [K in SourceConfig["kind"]]: (config: Extract<SourceConfig, { kind: K }>, ctx: SourceContext) => SourceAdapter;
};

const factories: Factories = {
  engine: (config, ctx) => new EngineSource(config, ctx.logger),
  push: (config, ctx) => createPushSource(config, { registry: ctx.pushRegistry }),
  snmp: (config) => createSnmpSource(config),
  postgres: (config) => createPostgresSource(config),
};

export function createSource(config: SourceConfig, ctx: SourceContext): SourceAdapter {
  const factory = factories[config.kind] as (config: SourceConfig, ctx: SourceContext) => SourceAdapter;
  return factory(config, ctx);
}
