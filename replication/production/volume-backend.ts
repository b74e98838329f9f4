/**
 * A protected production volume as an NBD export: reads come from the image, every change goes
 * through the group's capture (seq, timestamp, durable queue, image), FLUSH is the group commit.
 * Export names are the volume names, unique per site (checked at config load).
 */
import { totalLength } from "../../lib/positional-io.ts";
import type { NbdExportBackend } from "../nbd/backend.ts";
import type { ProductionGroup } from "./production-group.ts";

export class VolumeBackend implements NbdExportBackend {
  readonly readOnly = false;

  constructor(
    private readonly group: ProductionGroup,
    readonly name: string,
    readonly size: number,
  ) {}

  async read(offset: number, length: number): Promise<Buffer> {
    this.group.assertReadable(this.name);
    return this.group.volumes.get(this.name)!.image.read(offset, length);
  }

  /** What the NBD server reads through: into its pooled reply buffer, no allocation per READ. */
  async readInto(offset: number, into: Buffer): Promise<void> {
    this.group.assertReadable(this.name);
    await this.group.volumes.get(this.name)!.image.readInto(offset, into);
  }

  write(offset: number, data: readonly Buffer[], fua: boolean): Promise<void> {
    return this.group.capture(this.name, "write", offset, totalLength(data), data, fua);
  }

  flush(): Promise<void> {
    return this.group.flush();
  }

  trim(offset: number, length: number, fua: boolean): Promise<void> {
    return this.group.capture(this.name, "trim", offset, length, [], fua);
  }

  writeZeroes(offset: number, length: number, fua: boolean): Promise<void> {
    return this.group.capture(this.name, "zero", offset, length, [], fua);
  }
}
