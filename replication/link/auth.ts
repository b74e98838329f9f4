/**
 * Mutual pre-shared-key authentication by HMAC challenge-response. Each side sends a random nonce
 * and proves knowledge of the key over both nonces with a role label, so a proof can be neither
 * replayed on another connection nor reflected back to its sender.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export type AuthRole = "production" | "recovery";

export function newNonce(): string {
  return randomBytes(32).toString("hex");
}

export function proof(psk: string, role: AuthRole, ownNonce: string, peerNonce: string): string {
  return createHmac("sha256", psk).update(`rpowatch-link-v1|${role}|${peerNonce}|${ownNonce}`).digest("hex");
}

export function verifyProof(
  psk: string,
  role: AuthRole,
  peerNonce: string,
  ownNonce: string,
  received: unknown,
): boolean {
  if (typeof received !== "string" || !/^[0-9a-f]{64}$/.test(received)) return false;
  const expected = Buffer.from(proof(psk, role, peerNonce, ownNonce), "hex");
  return timingSafeEqual(expected, Buffer.from(received, "hex"));
}
