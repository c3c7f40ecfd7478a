/**
 * The operations guide's rehearsal, run as written: the commands of the blocks docs/operations.md
 * marks `<!-- rehearsal -->` are read from the guide (never copied here) and run one by one, in the
 * guide's order, through a shell, as an ops engineer types them, against a fresh node behind the
 * Besu-like proxy, mining on an interval. The block marked `<!-- rehearsal: node ... -->` is the
 * reader's `npx hardhat node`: this test starts that node itself. Two things differ from the
 * reader's terminal: the node's URL (LOCALHOST_URL, as the guide says to set it for another port)
 * and the deployment id the guide lets the reader choose (a unique one, so that no folder of the
 * reader's in ignition/deployments/ is touched).
 */
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "ethers";
import {
  type CommandResult,
  DEPLOY_TIMEOUT_MS,
  DEPLOYMENTS,
  E2E_BLOCK_INTERVAL_MS,
  HardhatNode,
  ROOT,
  childEnv,
  cleanUp,
  command,
  explain,
  ignitionCannotDeploy,
  uniqueId,
} from "./support";

/** The guide whose rehearsal this test runs. */
const GUIDE = "docs/operations.md";
/** The deployment id the guide's rehearsal chooses (`--deployment-id`); the test uses its own. */
const GUIDE_DEPLOYMENT_ID = "rehearsal";
/** What the guide's node block must say: the node this test starts (HardhatNode runs it with FREE_GAS=true). */
const NODE_COMMAND = "FREE_GAS=true npx hardhat node";
/**
 * The bound on the guide's deployment: the shared bound, plus Ignition's wait for a confirmation
 * of each of its ~20 batches on a node mining a block a second (the shared deployment automines).
 */
const REHEARSAL_DEPLOY_TIMEOUT_MS = DEPLOY_TIMEOUT_MS + 120_000;
/** The bound on one guide command that does not deploy the system. */
const COMMAND_TIMEOUT_MS = 120_000;
/** ProposalState.Executed of OpenZeppelin's Governor. */
const EXECUTED = 7n;

/** One command of the guide: its text as written (continuation lines joined by the shell) and where. */
interface GuideCommand {
  line: number;
  text: string;
}

/** A marked block of the guide. */
interface GuideBlock {
  node: boolean;
  line: number;
  commands: GuideCommand[];
}

/** The commands of a block's lines: a trailing backslash continues a command; blank and # lines are skipped. */
function commandsOf(lines: { line: number; text: string }[]): GuideCommand[] {
  const commands: GuideCommand[] = [];
  let current: GuideCommand | undefined;
  for (const { line, text } of lines) {
    if (current === undefined) {
      if (text.trim() === "" || text.trim().startsWith("#")) continue;
      current = { line, text };
    } else {
      current.text += `\n${text}`;
    }
    if (!text.endsWith("\\")) {
      commands.push(current);
      current = undefined;
    }
  }
  if (current !== undefined) throw new Error(`${GUIDE}:${current.line}: the command's last line ends with "\\"`);
  return commands;
}

/** The guide's marked blocks, in the guide's order. A marker must be followed by a ```sh block. */
function rehearsalBlocks(markdown: string): GuideBlock[] {
  const lines = markdown.split("\n");
  const blocks: GuideBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const marker = /^\s*<!--\s*rehearsal(:\s*node\b)?[\s\S]*-->\s*$/.exec(lines[i]);
    if (marker === null) continue;
    let j = i + 1;
    while (j < lines.length && lines[j].trim() === "") j++;
    const fence = /^(\s*)```sh\s*$/.exec(lines[j] ?? "");
    if (fence === null) throw new Error(`${GUIDE}:${i + 1}: a rehearsal marker must be followed by a \`\`\`sh block`);
    const indent = fence[1].length;
    const body: { line: number; text: string }[] = [];
    for (j += 1; j < lines.length && lines[j].trim() !== "```"; j++) {
      body.push({ line: j + 1, text: lines[j].slice(indent).trimEnd() });
    }
    if (j === lines.length) throw new Error(`${GUIDE}:${i + 1}: the rehearsal block is not closed`);
    blocks.push({ node: marker[1] !== undefined, line: i + 1, commands: commandsOf(body) });
    i = j;
  }
  return blocks;
}

/** A command as one line, for names and messages. */
function oneLine(text: string): string {
  return text.replace(/\\\n\s*/g, "").replace(/\s+/g, " ");
}

/** The guide's command with the test's deployment id in place of the guide's. */
function withDeploymentId(text: string, deploymentId: string): string {
  return text
    .replace(new RegExp(`(--deployment-id\\s+)${GUIDE_DEPLOYMENT_ID}(?=\\s|$)`, "g"), `$1${deploymentId}`)
    .replace(new RegExp(`(ignition/deployments/)${GUIDE_DEPLOYMENT_ID}(?=[\\s/]|$)`, "g"), `$1${deploymentId}`);
}

/** Runs `script` with `sh -c` at the project's root, for at most `timeoutMs`. */
function shell(script: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CommandResult> {
  return command("sh", ["-c", script], env, timeoutMs);
}

const blocks = rehearsalBlocks(fs.readFileSync(path.join(ROOT, GUIDE), "utf8"));
const nodeBlocks = blocks.filter((b) => b.node);
const commands = blocks.filter((b) => !b.node).flatMap((b) => b.commands);

describe(`e2e: the rehearsal of ${GUIDE}, run as written against a fresh node`, function () {
  // the deployment (about 90 s with a block a second) and about 3 s per other command
  this.timeout(COMMAND_TIMEOUT_MS);

  const deploymentId = uniqueId("e2e-rehearsal");
  let node: HardhatNode | undefined;
  let instanceId: string | undefined;
  let env: NodeJS.ProcessEnv;
  /** `export NAME=value` commands run so far: a reader's later commands run in the same shell. */
  const exported: string[] = [];
  let failed: string | undefined;

  it("the guide marks the node it starts, then the commands to run, each as a reader types it", function () {
    expect(nodeBlocks, `${GUIDE}: one block marked "<!-- rehearsal: node ... -->"`).to.have.length(1);
    const [nodeBlock] = nodeBlocks;
    expect(blocks[0], `${GUIDE}: the node block comes first`).to.equal(nodeBlock);
    expect(nodeBlock.commands.map((c) => oneLine(c.text))).to.deep.equal([NODE_COMMAND]);
    expect(commands, `${GUIDE}: commands in blocks marked "<!-- rehearsal -->"`).to.not.be.empty;
    for (const { line, text } of commands) {
      const where = `${GUIDE}:${line}: ${oneLine(text)}`;
      if (/^export [A-Z_][A-Z0-9_]*=\S+$/.test(text)) continue;
      expect(text, `${where}: an npx hardhat command (or an export)`).to.match(/^npx hardhat \S/);
      expect(text, `${where}: runs against the rehearsal node`).to.match(/--network localhost(\s|$)/);
      expect(text, `${where}: names no other network`).to.not.match(/--network (?!localhost(\s|$))/);
    }
    const deploys = commands.filter((c) => c.text.startsWith("npx hardhat ignition deploy "));
    expect(deploys, `${GUIDE}: one ignition deploy`).to.have.length(1);
    expect(deploys[0].text, `${GUIDE}:${deploys[0].line}: the deployment id the reader chooses`).to.match(
      new RegExp(`--deployment-id ${GUIDE_DEPLOYMENT_ID}(\\s|$)`),
    );
  });

  describe("a fresh node (the guide's first block, started by the test) and the guide's commands in order", function () {
    before(async function () {
      this.timeout(COMMAND_TIMEOUT_MS);
      // the guide's `FREE_GAS=true npx hardhat node`, on a free port, behind the Besu-like proxy
      node = await HardhatNode.start(60_000, { blockIntervalMs: E2E_BLOCK_INTERVAL_MS });
      instanceId = await node.instanceId();
      const cannot = await ignitionCannotDeploy(node);
      if (cannot) {
        console.warn(`      skipped: ${cannot}`);
        this.skip();
      }
      // the node's URL as the guide says to give it; FREE_GAS only from the guide's own export
      env = childEnv(node.url);
      delete env.FREE_GAS;
    });

    after(async function () {
      await node?.stop();
      cleanUp(deploymentId, instanceId);
    });

    for (const command of commands) {
      const shown = oneLine(command.text);
      it(`${GUIDE}:${command.line}: ${shown}`, async function () {
        if (failed !== undefined) this.skip();
        const deploys = command.text.startsWith("npx hardhat ignition deploy ");
        const timeoutMs = deploys ? REHEARSAL_DEPLOY_TIMEOUT_MS : COMMAND_TIMEOUT_MS;
        this.timeout(timeoutMs + 10_000);
        const text = withDeploymentId(command.text, deploymentId);
        const r = await shell([...exported, text].join("\n"), env, timeoutMs);
        if (r.code !== 0) failed = shown;
        expect(r.code, `${GUIDE}:${command.line}: ${shown}\n${explain(r)}`).to.equal(0);
        if (text.startsWith("export ")) exported.push(text);
      });
    }

    it("every proposal the rehearsal made was executed", async function () {
      if (failed !== undefined) this.skip();
      const file = path.join(DEPLOYMENTS, deploymentId, "deployed_addresses.json");
      const addresses = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, string>;
      const provider = new ethers.JsonRpcProvider(node!.url, undefined, { staticNetwork: true });
      try {
        const governor = new ethers.Contract(
          addresses["Governance#ConsortiumGovernor"],
          [
            "function proposalCount() view returns (uint256)",
            "function proposalDetailsAt(uint256) view returns (uint256, address[], uint256[], bytes[], bytes32)",
            "function state(uint256) view returns (uint8)",
          ],
          provider,
        );
        const count = Number(await governor.proposalCount());
        expect(count, "proposals made by the rehearsal").to.be.greaterThan(0);
        for (let i = 0; i < count; i++) {
          const [id] = (await governor.proposalDetailsAt(i)) as [bigint];
          expect(await governor.state(id), `proposal ${id}`).to.equal(EXECUTED);
        }
      } finally {
        provider.destroy();
      }
    });
  });
});
