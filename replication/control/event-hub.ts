/** Fan-out of engine events to the log and to every WebSocket subscriber. */
import type { Logger } from "../../lib/log.ts";
import type { EngineEvent } from "../status.ts";

export type EventListener = (event: EngineEvent, timestamp: number) => void;

export class EventHub {
  private readonly listeners = new Set<EventListener>();

  constructor(private readonly logger: Logger) {}

  emit = (event: EngineEvent): void => {
    const timestamp = Date.now() / 1000;
    this.logger.info({ event }, `event ${event.type}`);
    for (const l of this.listeners) l(event, timestamp);
  };

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
