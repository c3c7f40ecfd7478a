// The receivable tasks of the holder, the debtor, the invoice verifier and the recovery agent:
// invoice:pay, invoice:claim, invoice:buy-back, invoice:attest, invoice:recover. Argument parsing
// and printing only: the checks live in tasks/lib/receivables.ts.
import { task } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { resolveToken } from "./lib/assets";
import { loadLabels } from "./lib/describe";
import { type CommonArgs, withKeys } from "./lib/options";
import { reporter, withJson } from "./lib/output";
import { parseAddress } from "./lib/parse";
import {
  type Plan,
  invoiceRegistryOf,
  parseEvidence,
  parseInvoiceId,
  planAttest,
  planBuyBack,
  planClaim,
  planPay,
  planRecover,
  simulate,
} from "./lib/receivables";
import { type TaskSigner, resolveSigner } from "./lib/signer";
import { type System, loadSystem } from "./lib/system";
import { oneLineErrors, sendChecked } from "./lib/tx";

type SendArgs = CommonArgs & { dryRun: boolean; json: boolean };

/**
 * The common run of a sending task: load the system and the signer, plan (every check; a one-line
 * error before anything is sent), print the plan, then simulate it (--dry-run) or send it.
 */
async function runPlan<R extends object>(
  hre: HardhatRuntimeEnvironment,
  args: SendArgs,
  makePlan: (sys: System, signer: TaskSigner, labels: Awaited<ReturnType<typeof loadLabels>>) => Promise<Plan<R>>,
) {
  const out = reporter(args.json);
  const sys = await loadSystem(hre, args.deployment);
  const labels = await loadLabels(sys);
  const signer = await resolveSigner(hre, args);
  const plan = await makePlan(sys, signer, labels);
  for (const line of plan.lines) out.line(line);
  if (args.dryRun) {
    await simulate(sys, labels, signer, plan as Plan<unknown>);
    out.line("Dry run: simulated, it would succeed; nothing was sent.");
    return out.done({ dryRun: true, ...plan.result });
  }
  const receipt = await sendChecked(sys, labels, signer, invoiceRegistryOf(sys), plan.fn, plan.args, plan.what);
  out.line(`Done in transaction ${receipt.hash}.`);
  return out.done({ dryRun: false, ...plan.result, transactionHash: receipt.hash });
}

/** Adds --dry-run and --json to a sending task. */
function sending(t: ReturnType<typeof task>) {
  return withJson(withKeys(t.addFlag("dryRun", "Check and simulate; print what would happen; send nothing")));
}

sending(
  task(
    "invoice:pay",
    "Pays a receivable (Accepted or Defaulted) in its currency; if the holder cannot receive now, the registry holds the cash for it",
  )
    .addPositionalParam("invoice", "The invoice's 0x key (64 hex digits) or id")
    .addOptionalPositionalParam("amount", "The amount, in currency units (default: all that is outstanding)"),
).setAction(async (args: SendArgs & { invoice: string; amount?: string }, hre) =>
  oneLineErrors(async () => {
    const id = parseInvoiceId(args.invoice);
    return runPlan(hre, args, (sys, signer, labels) => planPay(sys, labels, signer.address, id, args.amount));
  })(args),
);

sending(
  task("invoice:claim", "Claims the payments the registry holds for a holder (the holder or a wallet of its entity)")
    .addOptionalParam("holder", "The holder of record the payments are held for (default: the signer)")
    .addOptionalParam("currency", "cash-token (default) or the currency's address"),
).setAction(async (args: SendArgs & { holder?: string; currency?: string }, hre) =>
  oneLineErrors(async () => {
    const holder = args.holder !== undefined ? parseAddress(args.holder, "--holder") : undefined;
    return runPlan(hre, args, async (sys, signer, labels) => {
      const token = await resolveToken(sys, args.currency ?? "cash-token", "--currency");
      return planClaim(sys, labels, signer.address, holder ?? signer.address, token);
    });
  })(args),
);

sending(
  task(
    "invoice:buy-back",
    "The seller of a receivable financed with recourse buys it back from the financier at the price agreed on chain",
  ).addPositionalParam("invoice", "The invoice's 0x key (64 hex digits) or id"),
).setAction(async (args: SendArgs & { invoice: string }, hre) =>
  oneLineErrors(async () => {
    const id = parseInvoiceId(args.invoice);
    return runPlan(hre, args, (sys, signer, labels) => planBuyBack(sys, labels, signer.address, id));
  })(args),
);

sending(
  task("invoice:attest", "An invoice verifier (INVOICE_VERIFIER_ROLE) attests an Issued or Accepted invoice")
    .addPositionalParam("invoice", "The invoice's 0x key (64 hex digits) or id")
    .addParam("evidence", "The evidence: its 0x hash (64 hex digits), or a file whose keccak256 is recorded"),
).setAction(async (args: SendArgs & { invoice: string; evidence: string }, hre) =>
  oneLineErrors(async () => {
    const id = parseInvoiceId(args.invoice);
    const evidence = parseEvidence(args.evidence);
    return runPlan(hre, args, (sys, signer, labels) => planAttest(sys, labels, signer.address, id, evidence.hash));
  })(args),
);

sending(
  task(
    "invoice:recover",
    "A recovery agent (RECOVERY_AGENT_ROLE) moves a receivable held by a lost wallet to a wallet of the same entity",
  )
    .addPositionalParam("invoice", "The invoice's 0x key (64 hex digits) or id")
    .addPositionalParam("newWallet", "The entity's new wallet (verified as a supplier or financier)"),
).setAction(async (args: SendArgs & { invoice: string; newWallet: string }, hre) =>
  oneLineErrors(async () => {
    const id = parseInvoiceId(args.invoice);
    const newWallet = parseAddress(args.newWallet, "the new wallet");
    return runPlan(hre, args, (sys, signer, labels) => planRecover(sys, labels, signer.address, id, newWallet));
  })(args),
);
