import { ethers } from "ethers";
import { GovError } from "./errors";
import { parseAddress } from "./parse";
import type { System } from "./system";

/**
 * gov:propose's named actions for the invoice registry's roles and settings (issue 11), and the
 * words gov:show uses for them. Built as the calls the timelock makes on the invoice registry.
 */
export const INVOICE_ACTION_USAGE: Record<string, string> = {
  "grant-invoice-verifier": "grant-invoice-verifier <account>",
  "revoke-invoice-verifier": "revoke-invoice-verifier <account>",
  "grant-invoice-recovery": "grant-invoice-recovery <account>",
  "revoke-invoice-recovery": "revoke-invoice-recovery <account>",
  "set-invoice-attestation": "set-invoice-attestation <required|optional>",
};

/** What holding each of the invoice registry's operational roles lets an account do. */
export const INVOICE_ROLE_DUTIES: Record<string, string> = {
  [ethers.id("INVOICE_VERIFIER_ROLE")]: "attests invoices (e.g. a tax-authority oracle)",
  [ethers.id("RECOVERY_AGENT_ROLE")]: "moves receivables of a lost wallet to a wallet of the same entity",
};

/**
 * The call for an invoice action (`verb` lower-cased, its arguments already counted against its
 * usage), or undefined when `verb` is not one of them.
 */
export function buildInvoiceAction<C>(
  sys: System,
  verb: string,
  args: string[],
  what: string,
  call: (contract: ethers.Contract, fn: string, args: unknown[]) => C,
): C | undefined {
  if (!(verb in INVOICE_ACTION_USAGE)) return undefined;
  const registry = sys.contracts["invoice-registry"];
  if (!registry) throw new GovError(`${what}: the deployment ${sys.deployment.file} has no invoice-registry`);
  if (verb === "set-invoice-attestation") {
    const value = args[0].toLowerCase();
    if (value !== "required" && value !== "optional") {
      throw new GovError(`${what}: say "required" or "optional", not "${args[0]}"`);
    }
    return call(registry, "setAttestationRequired", [value === "required"]);
  }
  const [change, , kind] = verb.split("-");
  const role = ethers.id(kind === "verifier" ? "INVOICE_VERIFIER_ROLE" : "RECOVERY_AGENT_ROLE");
  const account = parseAddress(args[0], `${what} account`);
  return call(registry, change === "grant" ? "grantRole" : "revokeRole", [role, account]);
}

/** gov:show's words for the invoice registry's settings; undefined for other calls. */
export function explainInvoiceCall(tx: ethers.TransactionDescription): string | undefined {
  if (tx.name === "setAttestationRequired") {
    return tx.args[0]
      ? "require an invoice verifier's attestation before any invoice is financed"
      : "let invoices be financed without an attestation";
  }
  return undefined;
}

/** ` (attests invoices ...)` after a role grant or revocation of the invoice registry's roles. */
export function roleDuty(role: string): string {
  const duty = INVOICE_ROLE_DUTIES[role.toLowerCase()];
  return duty ? ` (${duty})` : "";
}
