import { stripVTControlCharacters } from "node:util";
/**
 * Support for the end-to-end tests: a Hardhat node run as a separate process (free gas, loopback
 * only), and the project's commands run as separate processes against it, as operators run them.
 * Every process started here is stopped by the tests' `after` hooks, or at the latest when the test
 * run exits; every wait is bounded.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/** The project's root folder: commands run there. */
export const ROOT = path.join(__dirname, "..", "..");
/** The loopback address everything listens on and connects to. */
export const HOST = "127.0.0.1";
/** Ignition's deployments folder (the e2e deployments get their own --deployment-id in it). */
export const DEPLOYMENTS = path.join(ROOT, "ignition", "deployments");
/** The parameters ops deploy the local rehearsal chain with. */
export const LOCALHOST_PARAMETERS = "ignition/parameters/localhost.json";

/** Process groups started by these tests and not yet known to have ended. */
const live = new Set<number>();
function killLive(): void {
  for (const pid of live) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  live.clear();
}
// The groups are detached (so that a whole group can be stopped): stop them when the test run
// ends, however it ends. On a signal, after that, the signal takes its course.
process.on("exit", killLive);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(signal, () => {
    killLive();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

/** A TCP port on the loopback interface that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A unique name for a test's Ignition deployment and temporary files. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}`;
}

/**
 * The environment of every child command: the project's free-gas mode, the localhost network at
 * `url`, and TypeScript without type checking (faster start; `tsc` checks types separately).
 */
export function childEnv(url: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FREE_GAS: "true",
    LOCALHOST_URL: url,
    TS_NODE_TRANSPILE_ONLY: "true",
  };
  // the test runner's own network must not leak into the commands (they pass --network)
  delete env.HARDHAT_NETWORK;
  delete env.CONSORTIUM_KEYSTORE_PASSWORD;
  return env;
}

/** What a finished command did. */
export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout then stderr, without empty lines. */
  lines: string[];
  timedOut: boolean;
}

function stopGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** `npx hardhat`, the way operators run the project's commands. */
const NPX_HARDHAT = ["npx", ["hardhat"]] as const;
/** The same CLI without npx's own start-up (about a second per command): for the many task runs. */
const HARDHAT_CLI = [process.execPath, [require.resolve("hardhat/internal/cli/bootstrap.js")]] as const;

/**
 * Runs `hardhat <args>` in its own process group and waits for it, at most `timeoutMs` (then the
 * whole group is killed and the result says timedOut). With `npx`, exactly as `npx hardhat <args>`.
 */
export function hardhat(
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 90_000,
  { npx = false }: { npx?: boolean } = {},
): Promise<CommandResult> {
  const [command, prefix] = npx ? NPX_HARDHAT : HARDHAT_CLI;
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...prefix, ...args], { cwd: ROOT, env, detached: true, stdio: "pipe" });
    if (child.pid !== undefined) live.add(child.pid);
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      stopGroup(child, "SIGKILL");
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (child.pid !== undefined) live.delete(child.pid);
      // a command's own children (none expected) must not outlive it
      stopGroup(child, "SIGKILL");
      // Colours (a terminal or a CI variable may ask for them) are not part of what is printed.
      stdout = stripVTControlCharacters(stdout);
      stderr = stripVTControlCharacters(stderr);
      const lines = `${stdout}\n${stderr}`.split("\n").filter((l) => l.trim() !== "");
      resolve({ code, signal, stdout, stderr, lines, timedOut });
    });
  });
}

/** Describes a command's result for an assertion message. */
export function explain(r: CommandResult): string {
  return `exit ${r.code}${r.signal ? ` (${r.signal})` : ""}${r.timedOut ? " after timing out" : ""}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** A JSON-RPC call to `url`, bounded by `timeoutMs`. */
export async function rpc<T = unknown>(
  url: string,
  method: string,
  params: unknown[] = [],
  timeoutMs = 10_000,
): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const json = (await response.json()) as { result?: T; error?: { message: string } };
  if (json.error) throw new Error(`${method}: ${json.error.message}`);
  return json.result as T;
}

/** Moves the node's clock forward by `seconds` and mines a block at the new time. */
export async function travel(url: string, seconds: number): Promise<void> {
  await rpc(url, "evm_increaseTime", [seconds]);
  await rpc(url, "evm_mine", []);
}

/** A transaction as eth_getBlockByNumber returns it (the fields the tests read). */
export interface RpcTransaction {
  hash: string;
  /** The block's number (added by allTransactions). */
  blockNumber: number;
  from: string;
  to: string | null;
  nonce: string;
  gasPrice?: string;
}

/** Every transaction on the chain, block by block. */
export async function allTransactions(url: string): Promise<RpcTransaction[]> {
  const latest = Number(await rpc<string>(url, "eth_blockNumber"));
  const txs: RpcTransaction[] = [];
  for (let n = 0; n <= latest; n++) {
    const block = await rpc<{ transactions: RpcTransaction[] }>(url, "eth_getBlockByNumber", [
      `0x${n.toString(16)}`,
      true,
    ]);
    txs.push(...block.transactions.map((t) => ({ ...t, blockNumber: n })));
  }
  return txs;
}

/**
 * `npx hardhat node` on a free loopback port, with FREE_GAS=true (zero gas price and base fee,
 * accounts without ether), as a separate process group.
 */
export class HardhatNode {
  readonly url: string;
  private child?: ChildProcess;
  private output = "";
  private exited = false;

  private constructor(readonly port: number) {
    this.url = `http://${HOST}:${port}`;
  }

  /** Starts a node and waits (at most `timeoutMs`) until it answers JSON-RPC. */
  static async start(timeoutMs = 60_000): Promise<HardhatNode> {
    const node = new HardhatNode(await freePort());
    const child = spawn("npx", ["hardhat", "node", "--port", String(node.port), "--hostname", HOST], {
      cwd: ROOT,
      env: childEnv(node.url),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    node.child = child;
    if (child.pid !== undefined) live.add(child.pid);
    const keep = (d: Buffer) => {
      // the node logs every request: keep only the start of its output, for error messages
      if (node.output.length < 20_000) node.output += d.toString();
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    child.on("exit", () => {
      node.exited = true;
      if (child.pid !== undefined) live.delete(child.pid);
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (node.exited) throw new Error(`hardhat node exited at start:\n${node.output}`);
      try {
        await rpc(node.url, "eth_chainId", [], 1_000);
        return node;
      } catch {
        if (Date.now() > deadline) {
          await node.stop();
          throw new Error(`hardhat node did not answer on ${node.url} within ${timeoutMs} ms:\n${node.output}`);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /** The node's instance id (hardhat_metadata), which names hardhat-upgrades' manifest for it. */
  async instanceId(): Promise<string | undefined> {
    try {
      return (await rpc<{ instanceId: string }>(this.url, "hardhat_metadata")).instanceId;
    } catch {
      return undefined;
    }
  }

  /** Stops the node's whole process group: SIGTERM, then SIGKILL after 5 s. Waits at most 10 s. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || this.exited) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    stopGroup(child, "SIGTERM");
    const killer = setTimeout(() => stopGroup(child, "SIGKILL"), 5_000);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    clearTimeout(killer);
    stopGroup(child, "SIGKILL");
  }
}

/** Removes what a test's node and deployment left behind: the deployment folder, the upgrades manifest. */
export function cleanUp(deploymentId: string, instanceId: string | undefined): void {
  fs.rmSync(path.join(DEPLOYMENTS, deploymentId), { recursive: true, force: true });
  if (instanceId) {
    fs.rmSync(path.join(os.tmpdir(), "openzeppelin-upgrades", `hardhat-31337-${instanceId}.json`), { force: true });
  }
}

/**
 * Why `ignition deploy` cannot run on this free-gas node, if it cannot. On a fork without a base
 * fee (EVM_VERSION=berlin) Ignition prices its transactions with `networks.localhost.ignition.gasPrice`
 * or else the node's eth_gasPrice, which a Hardhat node answers with 8 gwei whatever FREE_GAS says:
 * the deployer, holding no ether, cannot pay. The check asks the project's configuration (as the
 * commands load it, with FREE_GAS=true) only in that case.
 */
export async function ignitionCannotDeploy(node: HardhatNode): Promise<string | undefined> {
  const block = await rpc<{ baseFeePerGas?: string }>(node.url, "eth_getBlockByNumber", ["latest", false]);
  if (block.baseFeePerGas !== undefined) return undefined;
  const nodePrice = BigInt(await rpc<string>(node.url, "eth_gasPrice"));
  if (nodePrice === 0n) return undefined;
  const probe = path.join(os.tmpdir(), `ignition-gas-price-${process.pid}-${Date.now()}.js`);
  fs.writeFileSync(probe, 'console.log("IGNITION_GAS_PRICE=" + String(network.config.ignition?.gasPrice));\n');
  try {
    const r = await hardhat(["run", "--no-compile", "--network", "localhost", probe], childEnv(node.url));
    const configured = /IGNITION_GAS_PRICE=(\S+)/.exec(r.stdout)?.[1];
    if (configured === undefined) throw new Error(`cannot read the localhost network's configuration: ${explain(r)}`);
    if (configured !== "undefined") return undefined;
  } finally {
    fs.rmSync(probe, { force: true });
  }
  return (
    `the chain has no base fee (EVM_VERSION=${process.env.EVM_VERSION}) and networks.localhost.ignition.gasPrice is not ` +
    `set, so Ignition pays the node's eth_gasPrice (${nodePrice} wei) from a deployer without ether: set ` +
    `ignition: { gasPrice: 0n } on the localhost network in FREE_GAS mode (hardhat.config.ts) to run this test`
  );
}
