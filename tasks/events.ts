import { task } from "hardhat/config";
import { formatTime, labelOf, loadLabels } from "./lib/describe";
import { adminEvents, parseBlock, parseKinds, resolveContract } from "./lib/events";
import { withDeployment } from "./lib/options";
import { reporter, withJson } from "./lib/output";
import { loadSystem } from "./lib/system";
import { oneLineErrors } from "./lib/tx";

withJson(
  withDeployment(
    task("events", "Lists a contract's role, freeze, pause and upgrade events over a block range")
      .addPositionalParam("contract", "A contract of the deployment (security-token, membership, ...) or an address")
      .addOptionalParam("kinds", "Which kinds, comma-separated: role, freeze, pause, upgrade (default: all)")
      .addOptionalParam("fromBlock", "The first block (default: the contract's deployment block)")
      .addOptionalParam("toBlock", "The last block (default: the latest)"),
  ),
).setAction(
  async (
    args: {
      deployment?: string;
      contract: string;
      kinds?: string;
      fromBlock?: string;
      toBlock?: string;
      json?: boolean;
    },
    hre,
  ) =>
    oneLineErrors(async () => {
      const kinds = parseKinds(args.kinds);
      const fromBlock = parseBlock(args.fromBlock, "--from-block");
      const toBlock = parseBlock(args.toBlock, "--to-block");
      const out = reporter(args.json);
      const sys = await loadSystem(hre, args.deployment);
      const { address, name } = resolveContract(sys, args.contract);
      const labels = await loadLabels(sys);
      const found = await adminEvents(sys, labels, address, kinds, fromBlock, toBlock);
      const what = name ? `${name} (${address})` : address;
      out.line(
        `${found.events.length} ${kinds.join("/")} event(s) of ${what}, blocks ${found.fromBlock} to ${found.toBlock}:`,
      );
      for (const e of found.events) {
        out.line(`  ${formatTime(e.time)}  block ${e.blockNumber}  ${e.kind.padEnd(7)} ${e.words}`);
        out.line(`      ${e.event} in transaction ${e.transactionHash}`);
      }
      // beside args, argLabels: the label (or null) of each address argument, by the same name
      const events = found.events.map((e) => ({
        ...e,
        argLabels: Object.fromEntries(
          Object.entries(e.args)
            .filter(
              (entry): entry is [string, string] =>
                typeof entry[1] === "string" && /^0x[0-9a-fA-F]{40}$/.test(entry[1]),
            )
            .map(([key, value]) => [key, labelOf(labels, value)]),
        ),
      }));
      return out.done({ contract: address, name: name ?? null, kinds, ...found, events });
    })(args),
);
