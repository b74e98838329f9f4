/** Counters and state of one link end, shaped for LinkStatus in status.ts. */
import type { EngineEvent, EngineLinkState, LinkStatus } from "../status.ts";
import type { WireCounter } from "./framed-socket.ts";

export class LinkTracker implements WireCounter {
  state: EngineLinkState = "down";
  private wireBytesTotal = 0;
  private rawBytesTotal = 0;
  reconnectsTotal = 0;
  authFailuresTotal = 0;
  rttSeconds = 0;
  lastContactTimestamp = 0;

  peerSite = "";

  constructor(
    private readonly localSite: string,
    private readonly role: "production" | "recovery",
    private readonly emit: (e: EngineEvent) => void,
  ) {}

  /** `<production site>-><recovery site>`, with `?` until the peer has introduced itself. */
  get name(): string {
    const peer = this.peerSite || "?";
    return this.role === "production" ? `${this.localSite}->${peer}` : `${peer}->${this.localSite}`;
  }

  setState(state: EngineLinkState, reason: string): void {
    if (state === this.state) return;
    this.state = state;
    this.emit({ type: "link", link: this.name, state, reason });
  }

  /** Wire bytes are the production site's sent and the recovery site's received (framed-socket.ts counts them). */
  sent(bytes: number): void {
    if (this.role === "production") this.wireBytesTotal += bytes;
  }

  received(bytes: number): void {
    if (this.role === "recovery") this.wireBytesTotal += bytes;
  }

  /** Record bytes before compression (production) or after decompression (recovery), plus resync blocks. */
  countRaw(bytes: number): void {
    this.rawBytesTotal += bytes;
  }

  contact(): void {
    this.lastContactTimestamp = Date.now() / 1000;
  }

  authRefused(remote: string, reason: string): void {
    this.authFailuresTotal++;
    this.emit({ type: "auth-refused", link: this.name, remote, reason });
  }

  status(limitBytesPerSecond: number): LinkStatus {
    return {
      name: this.name,
      peerSite: this.peerSite,
      state: this.state,
      wireBytesTotal: this.wireBytesTotal,
      rawBytesTotal: this.rawBytesTotal,
      limitBytesPerSecond,
      rttSeconds: this.rttSeconds,
      reconnectsTotal: this.reconnectsTotal,
      authFailuresTotal: this.authFailuresTotal,
      lastContactTimestamp: this.lastContactTimestamp,
    };
  }
}
