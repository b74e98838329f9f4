/**
 * Source adapter for a site of rpowatch's bundled engine. It follows the WebSocket `/stream`
 * (a snapshot message on connect and periodically, events in between) and reconnects with
 * exponential backoff; while the stream is down it polls `GET /status`. Every network step is
 * bounded by a timeout, so a hung site only marks this source down.
 */
import WebSocket from "ws";
import type { Logger } from "../../lib/log.ts";
import type { SiteStatus, StreamMessage } from "../../replication/status.ts";
import { countSamples } from "../samples.ts";
import type { SourceAdapter, SourceSink } from "../source.ts";
import type { EngineSourceConfig } from "./engine-config.ts";
import { mapSiteStatus } from "./engine-map.ts";

/** The engine's stream sends a snapshot every second (docs/engine-api.md). */
const STREAM_SNAPSHOT_INTERVAL_SECONDS = 1;

export class EngineSource implements SourceAdapter {
  readonly kind = "engine";
  readonly name: string;
  readonly staleAfterSeconds: number;
  /** A hung site keeps its socket open and says nothing: past this, it is down, not only stale. */
  private readonly idleSeconds: number;
  private sink: SourceSink | null = null;
  private socket: WebSocket | null = null;
  private streaming = false;
  private backoff: number;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  /** The running polling loop; a loop whose token is no longer this one ends after its request. */
  private pollLoop: symbol | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly inflight = new Set<AbortController>();

  constructor(
    private readonly config: EngineSourceConfig,
    private readonly logger?: Logger,
  ) {
    this.name = config.name;
    this.staleAfterSeconds = Math.max(STREAM_SNAPSHOT_INTERVAL_SECONDS, config.pollInterval) + config.timeout;
    this.idleSeconds = config.streamIdleTimeout ?? STREAM_SNAPSHOT_INTERVAL_SECONDS + config.timeout;
    this.backoff = config.reconnectMin;
  }

  start(sink: SourceSink): void {
    this.sink = sink;
    this.connect();
  }

  async stop(): Promise<void> {
    this.sink = null;
    this.stopPolling();
    for (const timer of [this.reconnectTimer, this.idleTimer]) if (timer) clearTimeout(timer);
    const socket = this.socket;
    this.socket = null;
    if (socket && socket.readyState !== WebSocket.CLOSED) {
      const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      socket.terminate();
      await closed;
    }
  }

  private connect(): void {
    if (!this.sink) return;
    const url = new URL("stream", withSlash(this.config.url));
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(url, { handshakeTimeout: this.config.timeout * 1000 });
    this.socket = socket;
    const opened = performance.now();
    socket.on("open", () => this.armIdle());
    socket.on("message", (data) => this.onMessage(String(data), opened));
    socket.on("error", (err) => this.logger?.debug({ source: this.name, err: err.message }, "engine stream error"));
    socket.on("close", () => this.onClose(socket));
  }

  private onMessage(text: string, opened: number): void {
    this.armIdle();
    let message: StreamMessage;
    try {
      message = JSON.parse(text) as StreamMessage;
    } catch (err) {
      this.sink?.failure(new Error(`engine stream: bad JSON: ${(err as Error).message}`));
      return;
    }
    if (message.type === "snapshot") {
      if (!this.streaming) {
        // First snapshot of a connection: the stream works again, polling and backoff end.
        this.streaming = true;
        this.backoff = this.config.reconnectMin;
        this.stopPolling();
        this.deliver(message.status, (performance.now() - opened) / 1000);
      } else {
        this.deliver(message.status, 0);
      }
    } else if (message.type === "event") {
      this.sink?.event?.({ timestamp: message.timestamp, type: message.event.type, detail: { ...message.event } });
    }
  }

  private onClose(socket: WebSocket): void {
    if (this.socket !== socket || !this.sink) return;
    this.socket = null;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const wasStreaming = this.streaming;
    this.streaming = false;
    if (wasStreaming) this.logger?.info({ source: this.name }, "engine stream lost; polling /status");
    this.startPolling();
    this.reconnectTimer = setTimeout(() => this.connect(), this.backoff * 1000);
    this.backoff = Math.min(this.config.reconnectMax, this.backoff * 2);
  }

  private armIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const socket = this.socket;
    this.idleTimer = setTimeout(() => {
      this.sink?.failure(new Error(`engine stream: no message for ${this.idleSeconds} s`));
      socket?.terminate();
    }, this.idleSeconds * 1000);
  }

  private startPolling(): void {
    if (this.pollLoop || !this.sink) return;
    // A token per loop: a request still under way when polling stops must not schedule the next
    // one, not even after a later stop-start cycle has begun a loop of its own.
    const loop = Symbol("poll loop");
    this.pollLoop = loop;
    const tick = async (): Promise<void> => {
      await this.poll();
      if (this.pollLoop === loop) this.pollTimer = setTimeout(tick, this.config.pollInterval * 1000);
    };
    this.pollTimer = setTimeout(tick, 0);
  }

  private stopPolling(): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = null;
    this.pollLoop = null;
    // The stream's data wins over a request still under way (poll discards its answer): end it.
    for (const controller of this.inflight) controller.abort();
  }

  private async poll(): Promise<void> {
    const controller = new AbortController();
    this.inflight.add(controller);
    const timer = setTimeout(() => controller.abort(), this.config.timeout * 1000);
    const started = performance.now();
    try {
      const response = await fetch(new URL("status", withSlash(this.config.url)), { signal: controller.signal });
      if (!response.ok) throw new Error(`GET /status: HTTP ${response.status}`);
      const status = (await response.json()) as SiteStatus;
      // The stream may have come back while this request was under way; its data wins.
      if (!this.streaming) this.deliver(status, (performance.now() - started) / 1000);
    } catch (err) {
      const error = controller.signal.aborted ? new Error(`GET /status: no answer in ${this.config.timeout} s`) : err;
      if (this.sink && !this.streaming) this.sink.failure(error as Error);
    } finally {
      clearTimeout(timer);
      this.inflight.delete(controller);
    }
  }

  private deliver(status: SiteStatus, durationSeconds: number): void {
    if (!this.sink) return;
    const snapshot = mapSiteStatus(status, this.config.tenant);
    this.sink.snapshot(snapshot, { durationSeconds, samples: countSamples(snapshot) });
  }
}

function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}
