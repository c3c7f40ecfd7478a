import { ethers } from "ethers";
import { type Labels, PROPOSAL_STATES, formatArgs } from "./describe";
import { firstLine } from "./system";

const PANIC_REASONS: Record<number, string> = {
  0x01: "assertion failed",
  0x11: "arithmetic overflow or underflow",
  0x12: "division by zero",
  0x21: "invalid enum value",
  0x22: "invalid storage byte array",
  0x31: "pop from an empty array",
  0x32: "array index out of bounds",
  0x41: "out of memory",
  0x51: "call to an uninitialised function",
};

/** The revert data carried by an error from ethers, hardhat-ethers or a JSON-RPC provider. */
export function revertData(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): string | undefined => {
    if (value === null || typeof value !== "object" || depth > 5 || seen.has(value)) return undefined;
    seen.add(value);
    const record = value as Record<string, unknown>;
    const data = record.data;
    if (typeof data === "string" && /^0x([0-9a-fA-F]{2})*$/.test(data) && (data === "0x" || data.length >= 10)) {
      return data;
    }
    for (const key of ["data", "error", "info", "cause", "parent"]) {
      const found = visit(record[key], depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return visit(error, 0);
}

/** Bitmap of proposal states (Governor's `expectedStates`) as `Succeeded|Queued`. */
function stateBitmap(bitmap: string): string {
  const bits = BigInt(bitmap);
  return PROPOSAL_STATES.filter((_, i) => (bits >> BigInt(i)) & 1n).join("|") || "none";
}

/**
 * Revert data in words: `CustomError(arg=value, ...)` for the system's errors, the reason string of
 * `Error(string)`, the meaning of a `Panic(uint256)` code, or the raw data when unknown.
 */
export function decodeRevert(errors: ethers.Interface, labels: Labels | undefined, data: string): string {
  if (data === "0x") return "reverted without a reason";
  let parsed: ethers.ErrorDescription | null = null;
  try {
    parsed = errors.parseError(data);
  } catch {
    parsed = null;
  }
  if (!parsed) return `reverted with unknown error data ${data}`;
  if (parsed.name === "Error") return `reverted: ${JSON.stringify(parsed.args[0])}`;
  if (parsed.name === "Panic") {
    const code = Number(parsed.args[0]);
    return `panic 0x${code.toString(16).padStart(2, "0")} (${PANIC_REASONS[code] ?? "unknown panic"})`;
  }
  if (parsed.name === "GovernorUnexpectedProposalState") {
    const [id, current, expected] = parsed.args;
    return `${parsed.name}(proposalId=${id}, current=${PROPOSAL_STATES[Number(current)] ?? current}, expected=${stateBitmap(expected)})`;
  }
  return `${parsed.name}(${formatArgs(labels, parsed.fragment.inputs, parsed.args)})`;
}

/** Why a call or transaction failed, in one line. */
export function explainFailure(errors: ethers.Interface, labels: Labels | undefined, error: unknown): string {
  const data = revertData(error);
  if (data !== undefined) return decodeRevert(errors, labels, data);
  const e = error as { shortMessage?: string; message?: string };
  return firstLine(e?.shortMessage ?? e?.message ?? String(error));
}
