// dev:advance: moves a local rehearsal node's clock (never a real chain's).
import { task } from "hardhat/config";
import { formatTime } from "./lib/describe";
import { GovError } from "./lib/errors";
import { reporter, withJson } from "./lib/output";
import { parseSeconds, parseWhole } from "./lib/parse";
import { parseExpiry } from "./lib/identity";
import { chainIdOf } from "./lib/system";
import { oneLineErrors } from "./lib/tx";

/** Nodes whose clock may be moved: Hardhat's and anvil's, which answer evm_increaseTime. */
const LOCAL_CLIENTS = /^(HardhatNetwork|anvil)\//i;

withJson(
  task("dev:advance", "Moves a LOCAL rehearsal node's time forward and mines (refused on any other network)")
    .addOptionalPositionalParam("duration", "How far: seconds or 90m, 36h, 2d")
    .addOptionalParam("to", "Instead of a duration: the time to reach, with its zone (2027-01-01T00:00:00Z)")
    .addOptionalParam("blocks", "How many blocks to mine (the first at the new time)", "1")
    .addFlag("dryRun", "Say what would be done; change nothing"),
).setAction(async (args: { duration?: string; to?: string; blocks: string; dryRun: boolean; json: boolean }, hre) =>
  oneLineErrors(async () => {
    const out = reporter(args.json);
    if ((args.duration === undefined) === (args.to === undefined)) {
      throw new GovError("give a duration (e.g. 2d) or --to <time with zone>, not both");
    }
    const blocks = parseWhole(args.blocks, "--blocks", 1n, 100_000n);
    const chainId = await chainIdOf(hre);
    let client = "unknown";
    try {
      client = String(await hre.network.provider.request({ method: "web3_clientVersion" }));
    } catch {
      // a node that does not say what it is is not a local one
    }
    if (hre.network.name !== "hardhat" && (hre.network.name !== "localhost" || !LOCAL_CLIENTS.test(client))) {
      throw new GovError(
        `dev:advance only runs on a local rehearsal node (hardhat, or localhost running Hardhat or anvil): ` +
          `network "${hre.network.name}" is chain ${chainId} (${client}); real chains keep their own time`,
      );
    }
    const chainTime = async () => BigInt((await hre.ethers.provider.getBlock("latest"))?.timestamp ?? 0);
    const now = await chainTime();
    const target =
      args.to !== undefined ? parseExpiry(args.to, now, "--to") : now + parseSeconds(args.duration, "duration");
    out.line(`Move the chain's time from ${formatTime(now)} to ${formatTime(target)} and mine ${blocks} block(s).`);
    if (!args.dryRun) {
      await hre.network.provider.request({ method: "evm_setNextBlockTimestamp", params: [Number(target)] });
      await hre.network.provider.request({ method: "evm_mine", params: [] });
      if (blocks > 1n) {
        await hre.network.provider.request({ method: "hardhat_mine", params: [`0x${(blocks - 1n).toString(16)}`] });
      }
    }
    const after = args.dryRun ? now : await chainTime();
    out.line(args.dryRun ? "Dry run: nothing was changed." : `The chain's time is now ${formatTime(after)}.`);
    return out.done({ dryRun: args.dryRun, from: now, to: target, time: after, blocks });
  })(args),
);
