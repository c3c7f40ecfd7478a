import { stripVTControlCharacters } from "node:util";
/**
 * Support for the end-to-end tests: a Hardhat node run as a separate process (free gas, loopback
 * only), and the project's commands run as separate processes against it, as operators run them.
 * Every process started here is stopped by the tests' `after` hooks, or at the latest when the test
 * run exits; every wait is bounded.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { ethers } from "ethers";
import { BESU_LOG_RANGE_ERROR, type LogRangeFilter, exceedsLogRange } from "../fixtures/besu";

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
 * `url`, log reads in ranges the e2e node's Besu-like proxy accepts (as ops set a Besu chain's
 * cap), and TypeScript without type checking (faster start; `tsc` checks types separately).
 */
export function childEnv(url: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FREE_GAS: "true",
    LOCALHOST_URL: url,
    CONSORTIUM_LOG_RANGE: String(E2E_LOG_RANGE),
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
 * Runs `file args` at the project's root in its own process group and waits for it, at most
 * `timeoutMs` (then the whole group is killed and the result says timedOut).
 */
export function command(
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: ROOT, env, detached: true, stdio: "pipe" });
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

/** `hardhat <args>` (see command()); with `npx`, exactly as `npx hardhat <args>`. */
export function hardhat(
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 90_000,
  { npx = false }: { npx?: boolean } = {},
): Promise<CommandResult> {
  const [file, prefix] = npx ? NPX_HARDHAT : HARDHAT_CLI;
  return command(file, [...prefix, ...args], env, timeoutMs);
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

/** One JSON-RPC request as a proxy sees it. */
export interface RpcRequest {
  jsonrpc?: string;
  id?: unknown;
  method: string;
  params?: unknown[];
}

/**
 * What a proxy does with one HTTP request (a JSON-RPC call or batch, already parsed): returns the
 * text to answer with (`forward()` passes the request on to the node and gives its answer), or
 * undefined to answer nothing (the client's connection is dropped).
 */
export type ProxyHandler = (
  body: RpcRequest | RpcRequest[],
  forward: () => Promise<string>,
  proxy: JsonRpcProxy,
) => Promise<string | undefined>;

/**
 * An HTTP JSON-RPC proxy in front of a node, in this process. Each request is read whole, decided
 * on by a handler, and passed to the node on a connection of its own (no keep-alive towards the
 * node, so the node never closes a connection under a request). Towards clients, idle keep-alive
 * connections are kept far longer than any client keeps them: the client closes an idle
 * connection, never the proxy, so no request races a closing connection. `close()` drops every
 * connection and stops listening (the node "becomes unreachable"); `listen()` again on the same
 * port brings it back.
 */
export class JsonRpcProxy {
  private server?: http.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly agent = new http.Agent({ keepAlive: false });

  constructor(
    /** The node's URL. */
    readonly target: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `http://${HOST}:${this.port}`;
  }

  get listening(): boolean {
    return this.server !== undefined;
  }

  /** A proxy on a free port, listening with `handler`. */
  static async start(target: string, handler?: ProxyHandler): Promise<JsonRpcProxy> {
    const proxy = new JsonRpcProxy(target, await freePort());
    await proxy.listen(handler);
    return proxy;
  }

  /** Listens (again) on the proxy's port, deciding on each request with `handler`. */
  async listen(handler: ProxyHandler = (_body, forward) => forward()): Promise<void> {
    if (this.server) await this.close();
    const server = http.createServer({ keepAliveTimeout: 600_000, requestTimeout: 0 }, (req, res) =>
      this.serve(server, handler, req, res),
    );
    // not kept alive by the proxy: clients close idle connections first
    server.headersTimeout = 0;
    server.on("connection", (socket: net.Socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, HOST, () => resolve());
    });
    this.server = server;
  }

  /** Drops every connection (answered or not) and stops listening. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Passes a request's body to the node and returns the node's answer. */
  post(body: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const request = http.request(
        this.target,
        {
          method: "POST",
          agent: this.agent,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (c: Buffer) => chunks.push(c));
          response.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
          response.on("error", reject);
        },
      );
      request.setTimeout(120_000, () => request.destroy(new Error(`no answer from ${this.target}`)));
      request.on("error", reject);
      request.end(body);
    });
  }

  private async serve(
    server: http.Server,
    handler: ProxyHandler,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<void> {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: RpcRequest | RpcRequest[] | undefined;
      try {
        body = JSON.parse(raw);
      } catch {
        // not JSON: the node answers it as it does
      }
      const text = body === undefined ? await this.post(raw) : await handler(body, () => this.post(raw), this);
      // gone down meanwhile (or restarted): the answer is lost, as from a vanished node
      if (text === undefined || this.server !== server || res.destroyed) {
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      res.end(text);
    } catch (error) {
      if (this.server !== server || res.destroyed) return void req.socket.destroy();
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(`proxy: ${(error as Error).message}`);
    }
  }
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

/** Every transaction on the chain (from block `fromBlock` on), block by block. */
export async function allTransactions(url: string, fromBlock = 0): Promise<RpcTransaction[]> {
  const latest = Number(await rpc<string>(url, "eth_blockNumber"));
  const txs: RpcTransaction[] = [];
  for (let n = fromBlock; n <= latest; n++) {
    const block = await rpc<{ transactions: RpcTransaction[] }>(url, "eth_getBlockByNumber", [
      `0x${n.toString(16)}`,
      true,
    ]);
    txs.push(...block.transactions.map((t) => ({ ...t, blockNumber: n })));
  }
  return txs;
}

/**
 * The block-range cap of the e2e tests' Besu-like proxy: an eth_getLogs request spanning more
 * blocks is refused as Besu refuses it (Besu's default --rpc-max-logs-range is 5,000; a rehearsal
 * chain is short, so the cap is scaled down to make the tasks read in several ranges).
 */
export const E2E_LOG_RANGE = 50;
/** The interval the e2e tests' node mines blocks on, when it does (a QBFT chain's block period). */
export const E2E_BLOCK_INTERVAL_MS = 1_000;

/** What a Besu-like proxy did with eth_getLogs requests. */
export interface LogReads {
  answered: number;
  refused: number;
}

/**
 * A proxy handler answering as a Besu node with `--rpc-max-logs-range=logRange` would: an
 * eth_getLogs request spanning more blocks gets Besu's error (-32005), every other request (and
 * every request of a batch) is answered by the node. Counts what it answered and refused.
 */
export function besuLikeHandler(logRange: number, reads: LogReads): ProxyHandler {
  return async (body, forward, proxy) => {
    const requests = Array.isArray(body) ? body : [body];
    if (!requests.some((r) => r.method === "eth_getLogs")) return forward();
    const answers = [];
    for (const request of requests) {
      if (request.method === "eth_getLogs") {
        const latest = Number(await rpc<string>(proxy.target, "eth_blockNumber"));
        if (exceedsLogRange((request.params?.[0] ?? {}) as LogRangeFilter, latest, logRange)) {
          reads.refused += 1;
          answers.push({ jsonrpc: "2.0", id: request.id ?? null, error: { ...BESU_LOG_RANGE_ERROR } });
          continue;
        }
        reads.answered += 1;
      }
      answers.push(JSON.parse(await proxy.post(JSON.stringify(request))));
    }
    return JSON.stringify(Array.isArray(body) ? answers : answers[0]);
  };
}

/** How the node mines: a block per transaction, a block every interval, or none until evm_mine. */
export type Mining = "instant" | "interval" | "held";

/** Options of HardhatNode.start. */
export interface NodeOptions {
  /** The Besu-like proxy's log-range cap (default E2E_LOG_RANGE). */
  logRange?: number;
  /** Mine on this interval from the start (default: a block per transaction). */
  blockIntervalMs?: number;
}

/**
 * `npx hardhat node` on a free loopback port, with FREE_GAS=true (zero gas price and base fee,
 * accounts without ether), as a separate process group, behind a Besu-like JSON-RPC proxy in this
 * process: `url` is the proxy's (what commands and tests talk to, as to a Besu node: eth_getLogs
 * capped at `logRange` blocks), `nodeUrl` the node's own.
 */
export class HardhatNode {
  /** The Besu-like proxy's URL: every command runs against it. */
  readonly url: string;
  /** The node's own URL, for what a test inspects beyond a Besu node's limits. */
  readonly nodeUrl: string;
  /** eth_getLogs requests the proxy answered and refused. */
  readonly logReads: LogReads = { answered: 0, refused: 0 };
  /** How the node mines now (as set through this object). */
  mining: Mining = "instant";
  private proxy?: JsonRpcProxy;
  private child?: ChildProcess;
  private output = "";
  private exited = false;

  private constructor(
    readonly port: number,
    proxyPort: number,
    readonly logRange: number,
  ) {
    this.nodeUrl = `http://${HOST}:${port}`;
    this.url = `http://${HOST}:${proxyPort}`;
  }

  /** Starts a node and its proxy, and waits (at most `timeoutMs`) until it answers JSON-RPC. */
  static async start(timeoutMs = 60_000, options: NodeOptions = {}): Promise<HardhatNode> {
    const node = new HardhatNode(await freePort(), await freePort(), options.logRange ?? E2E_LOG_RANGE);
    const child = spawn("npx", ["hardhat", "node", "--port", String(node.port), "--hostname", HOST], {
      cwd: ROOT,
      env: childEnv(node.nodeUrl),
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
        await rpc(node.nodeUrl, "eth_chainId", [], 1_000);
        break;
      } catch {
        if (Date.now() > deadline) {
          await node.stop();
          throw new Error(`hardhat node did not answer on ${node.nodeUrl} within ${timeoutMs} ms:\n${node.output}`);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    node.proxy = new JsonRpcProxy(node.nodeUrl, Number(new URL(node.url).port));
    await node.proxy.listen(besuLikeHandler(node.logRange, node.logReads));
    if (options.blockIntervalMs !== undefined) await node.mineOnInterval(options.blockIntervalMs);
    return node;
  }

  /** From now on, a block every `ms` milliseconds (transactions wait for it), as on a QBFT chain. */
  async mineOnInterval(ms = E2E_BLOCK_INTERVAL_MS): Promise<void> {
    await rpc(this.nodeUrl, "evm_setAutomine", [false]);
    await rpc(this.nodeUrl, "evm_setIntervalMining", [ms]);
    this.mining = "interval";
  }

  /** From now on, a block for each transaction at once (how a Hardhat node mines by default). */
  async mineInstantly(): Promise<void> {
    await rpc(this.nodeUrl, "evm_setIntervalMining", [0]);
    await rpc(this.nodeUrl, "evm_setAutomine", [true]);
    this.mining = "instant";
  }

  /** From now on, no block until evm_mine (transactions wait in the pool). */
  async holdBlocks(): Promise<void> {
    await rpc(this.nodeUrl, "evm_setIntervalMining", [0]);
    await rpc(this.nodeUrl, "evm_setAutomine", [false]);
    this.mining = "held";
  }

  /** Sets how the node mines (as `mining` says), with the interval of E2E_BLOCK_INTERVAL_MS. */
  async setMining(mining: Mining): Promise<void> {
    if (mining === "interval") await this.mineOnInterval();
    else if (mining === "held") await this.holdBlocks();
    else await this.mineInstantly();
  }

  /** The node's instance id (hardhat_metadata), which names hardhat-upgrades' manifest for it. */
  async instanceId(): Promise<string | undefined> {
    try {
      return (await rpc<{ instanceId: string }>(this.nodeUrl, "hardhat_metadata")).instanceId;
    } catch {
      return undefined;
    }
  }

  /** Stops the node's whole process group: SIGTERM, then SIGKILL after 5 s. Waits at most 10 s. */
  async stop(): Promise<void> {
    await this.proxy?.close();
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
  if (deploymentId !== "") fs.rmSync(path.join(DEPLOYMENTS, deploymentId), { recursive: true, force: true });
  if (instanceId) removeUpgradesManifest(instanceId);
}

/** Removes hardhat-upgrades' manifest of the node with this instance id. */
function removeUpgradesManifest(instanceId: string): void {
  fs.rmSync(path.join(os.tmpdir(), "openzeppelin-upgrades", `hardhat-31337-${instanceId}.json`), { force: true });
}

/**
 * The bound on one `ignition deploy` of the system: about 20 s on an idle 2-core machine, several
 * minutes on one loaded by other jobs.
 */
export const DEPLOY_TIMEOUT_MS = 480_000;
/** The bound on a `before` hook that may start the shared node and make the shared deployment. */
export const SHARED_SETUP_TIMEOUT_MS = DEPLOY_TIMEOUT_MS + 120_000;

/** `ignition deploy` of the whole system with the local rehearsal's parameters, as ops run it. */
export function deploySystem(
  url: string,
  deploymentId: string,
  timeoutMs = DEPLOY_TIMEOUT_MS,
  { npx = true }: { npx?: boolean } = {},
): Promise<CommandResult> {
  return hardhat(
    [
      "ignition",
      "deploy",
      "ignition/modules/Consortium.ts",
      "--network",
      "localhost",
      "--parameters",
      LOCALHOST_PARAMETERS,
      "--deployment-id",
      deploymentId,
    ],
    childEnv(url),
    timeoutMs,
    { npx },
  );
}

/** The system deployed once on the shared node, for the e2e files whose state does not interfere. */
export interface SharedDeployment {
  deploymentId: string;
  /** ignition/deployments/<id>: what tasks take in --deployment. */
  deployment: string;
  /** The deploy command's result (its exit code is the tests' to check). */
  result: CommandResult;
  /** deployed_addresses.json (empty if the deployment failed). */
  addresses: Record<string, string>;
  /** The latest block before the deployment, and its last block. */
  startBlock: number;
  endBlock: number;
  /**
   * Contracts upgraded since by a test, as consortium:verify-deployment's --implementations takes
   * them ("security-token=SecurityTokenV2"): a later test verifies against what the chain runs.
   */
  implementations: string[];
}

let sharedNodeStart: Promise<HardhatNode> | undefined;
let sharedDeploymentStart: Promise<SharedDeployment> | undefined;
let sharedInstanceId: string | undefined;
const sharedDeploymentIds = new Set<string>();
/** Deployments on the shared node are removed when the test run exits, with its upgrades manifest. */
process.on("exit", () => {
  for (const id of sharedDeploymentIds) cleanUp(id, undefined);
  if (sharedInstanceId) removeUpgradesManifest(sharedInstanceId);
});

/**
 * The node the e2e files share (behind its Besu-like proxy): started at the first call, stopped
 * when the test run exits. It mines a block per transaction until the shared deployment is made;
 * a test sets the mining it needs (setMining) and restores what it found.
 */
export function sharedNode(): Promise<HardhatNode> {
  sharedNodeStart ??= (async () => {
    const node = await HardhatNode.start();
    sharedInstanceId = await node.instanceId();
    return node;
  })();
  return sharedNodeStart;
}

/**
 * A deployment on the shared node whose folder is removed when the test run exits (a test that
 * makes its own deployments there registers them here, not through cleanUp: the upgrades
 * manifest is the shared node's).
 */
export function sharedDeploymentId(prefix: string): string {
  const id = uniqueId(prefix);
  sharedDeploymentIds.add(id);
  return id;
}

/**
 * The system deployed on the shared node by the operations command (made at the first call, with
 * a block per transaction); afterwards the node mines on an interval (E2E_BLOCK_INTERVAL_MS).
 */
export function sharedDeployment(): Promise<SharedDeployment> {
  sharedDeploymentStart ??= (async () => {
    const node = await sharedNode();
    await node.mineInstantly();
    const deploymentId = sharedDeploymentId("e2e-shared");
    const startBlock = Number(await rpc<string>(node.url, "eth_blockNumber"));
    const result = await deploySystem(node.url, deploymentId);
    const endBlock = Number(await rpc<string>(node.url, "eth_blockNumber"));
    const file = path.join(DEPLOYMENTS, deploymentId, "deployed_addresses.json");
    const addresses = result.code === 0 ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
    await node.mineOnInterval();
    return {
      deploymentId,
      deployment: path.join("ignition", "deployments", deploymentId),
      result,
      addresses,
      startBlock,
      endBlock,
      implementations: [],
    };
  })();
  return sharedDeploymentStart;
}

/** Whether the tests run under solidity-coverage (the node runs uninstrumented contracts: nothing to measure). */
function underCoverage(): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const hre = require("hardhat") as { __SOLIDITY_COVERAGE_RUNNING?: boolean };
  return hre.__SOLIDITY_COVERAGE_RUNNING === true;
}

let sharedCannotDeploy: Promise<string | undefined> | undefined;
/**
 * In an e2e file's `before` hook: the shared node, or the hook skips the file (under coverage, or
 * when Ignition cannot deploy on a free-gas node of this fork, saying why).
 */
export async function sharedNodeOrSkip(context: Mocha.Context): Promise<HardhatNode> {
  if (underCoverage()) context.skip();
  const node = await sharedNode();
  sharedCannotDeploy ??= ignitionCannotDeploy(node);
  const cannot = await sharedCannotDeploy;
  if (cannot) {
    console.warn(`      skipped: ${cannot}`);
    context.skip();
  }
  return node;
}

/** An e2e file's view of the shared node and deployment, opened in its `before` hook. */
export interface SharedSession {
  node: HardhatNode;
  shared: SharedDeployment;
  /** How the node mined before the file switched it to interval mining (restored by closeSharedSession). */
  mining: Mining;
  /** The environment of the commands the file runs (their localhost network is the node). */
  env: NodeJS.ProcessEnv;
  provider: ethers.JsonRpcProvider;
}

/**
 * In an e2e file's `before` hook: the shared node (or the file is skipped, see sharedNodeOrSkip),
 * the shared deployment, the node mining on an interval as a real chain does, and a provider that
 * polls it.
 */
export async function openSharedSession(context: Mocha.Context): Promise<SharedSession> {
  const node = await sharedNodeOrSkip(context);
  const shared = await sharedDeployment();
  const mining = node.mining;
  await node.mineOnInterval();
  const provider = new ethers.JsonRpcProvider(node.url, undefined, {
    staticNetwork: true,
    polling: true,
    pollingInterval: 100,
  });
  return { node, shared, mining, env: childEnv(node.url), provider };
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
