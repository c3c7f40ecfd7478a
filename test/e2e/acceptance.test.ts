import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { ACCEPTANCE_PARAMETERS, stepNames } from "../../tasks/lib/acceptance";
import { HardhatNode, childEnv, hardhat } from "./support";

/** A JSON-RPC request as it reaches the relay. */
interface RpcRequest {
  jsonrpc: "2.0";
  id: number | string;
  method: string;
  params?: unknown[];
}

/**
 * A JSON-RPC relay in front of the node that records every method asked and answers evm_* and
 * hardhat_* requests as a real chain does (-32601, method not found) without passing them on.
 */
async function startRelay(target: string): Promise<{ url: string; methods: string[]; close(): Promise<void> }> {
  const methods: string[] = [];
  const forward = async (request: RpcRequest): Promise<unknown> => {
    methods.push(request.method);
    if (/^(evm|hardhat)_/.test(request.method)) {
      return { jsonrpc: "2.0", id: request.id, error: { code: -32601, message: "Method not found" } };
    }
    const response = await fetch(target, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(30_000),
    });
    return response.json();
  };
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      void (async () => {
        let reply: unknown;
        try {
          const parsed = JSON.parse(body) as RpcRequest | RpcRequest[];
          reply = Array.isArray(parsed) ? await Promise.all(parsed.map(forward)) : await forward(parsed);
        } catch (e) {
          reply = { jsonrpc: "2.0", id: null, error: { code: -32603, message: (e as Error).message } };
        }
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(reply));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    methods,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("e2e: consortium:acceptance on an interval-mining node, through a relay that refuses evm_/hardhat_ methods", function () {
  // each run deploys the system (38 transactions; at one block a second in the second run) and
  // takes 20 steps: a minute or two each, more on a loaded machine
  this.timeout(480_000);

  let node: HardhatNode | undefined;
  let relay: Awaited<ReturnType<typeof startRelay>> | undefined;
  const parameters = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", ACCEPTANCE_PARAMETERS), "utf8"));
  const members: number = parameters.Governance.foundingMembers.length;
  const { votingDelay, votingPeriod, timelockMinDelay } = parameters.Governance as Record<string, number>;

  before(async function () {
    if ((hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING) {
      // the node runs the uninstrumented contracts: nothing to measure
      this.skip();
    }
    node = await HardhatNode.start();
    relay = await startRelay(node.url);
  });

  after(async function () {
    await relay?.close();
    await node?.stop();
  });

  it("fails on a node that mines only on demand: exit 1, the --json table names the wait that failed, later steps skipped", async function () {
    const r = await hardhat(
      ["consortium:acceptance", "--network", "localhost", "--json", "--block-timeout", "3"],
      childEnv(relay!.url),
      450_000,
    );
    const output = `exit ${r.code}${r.timedOut ? " (timed out)" : ""}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
    expect(r.code, output).to.equal(1);
    const result = JSON.parse(r.stdout);
    expect(result.passed).to.equal(false);
    expect(result.dryRun).to.equal(false);
    expect(Object.keys(result.addresses)).to.include.members(["governor", "identityRegistry", "dvpSettlement"]);
    expect(result.steps.map((s: { name: string }) => s.name)).to.deep.equal(stepNames(members));
    expect(Object.keys(result.steps[0]).sort()).to.deep.equal(
      ["detail", "gas", "name", "seconds", "status", "step", "transactions"].sort(),
    );
    expect(result.steps.map((s: { status: string }) => s.status)).to.deep.equal([
      "pass",
      "pass",
      "pass",
      "fail",
      ...Array(stepNames(members).length - 4).fill("skipped"),
    ]);
    expect(result.steps[3].detail).to.match(/^waiting for the vote to open: no new block for 3 s/);
    expect(BigInt(result.steps[0].gas)).to.be.greaterThan(10_000_000n);
    expect(result.steps[0].transactions).to.be.at.least(30);
    expect(r.stderr).to.include(
      "acceptance failed at step 4 (wait on the chain's clock for the vote to open): waiting for the vote to open: no new block for 3 s",
    );
  });

  it("deploys, runs a governance round on the chain's clock, issues, transfers, finances and settles: all steps pass", async function () {
    // a chain that makes blocks on its own clock, as QBFT does, not one per transaction
    await node!.mineOnInterval(1_000);
    // The acceptance parameters give the throwaway governor a floor of a few seconds, so the task
    // waits for the whole governance round for real: nothing moves the node's clock.
    const r = await hardhat(["consortium:acceptance", "--network", "localhost"], childEnv(relay!.url), 450_000);
    const output = `exit ${r.code}${r.timedOut ? " (timed out)" : ""}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
    expect(r.code, output).to.equal(0);

    // the table: one PASS row per step, with its gas, transactions and time
    const rows = r.lines.filter((l) => /^\s*\d+\s{2}\S/.test(l) && /\s(PASS|FAIL|SKIPPED)\s/.test(l));
    const names = stepNames(members);
    expect(rows, output).to.have.length(names.length);
    rows.forEach((row, i) => {
      expect(row, output).to.match(new RegExp(`^\\s*${i + 1}\\s+${names[i].replace(/[()]/g, "\\$&")}\\s+PASS\\s`));
      expect(row).to.match(/\s\d+\.\d s\s/);
    });
    // transactions' steps show their gas: the deployment's ~35 transactions, a transfer's tens of thousands
    const [, deployGas, deployTxs] = /PASS\s+([\d,]+)\s+(\d+)\s/.exec(rows[0]) ?? [];
    expect(Number(deployGas?.replace(/,/g, "")), rows[0]).to.be.greaterThan(10_000_000);
    expect(Number(deployTxs), rows[0]).to.be.at.least(30);
    expect(rows[11]).to.match(/PASS\s+\d{2,3},\d{3}\s+1\s/);
    // from the vote's opening to the execution (steps 4 to 9) the chain's clock, which an
    // interval-mining node stamps from the wall clock, moved by the voting period and timelock delay
    // at least: the task waited that long for real (a second of slack for the blocks' stamps)
    const seconds = rows.map((row) => Number(/\s(\d+\.\d) s\s/.exec(row)?.[1]));
    const waited = seconds.slice(3, 9).reduce((sum, s) => sum + s, 0);
    expect(waited, output).to.be.at.least(votingPeriod + timelockMinDelay - 1);
    expect(votingDelay + votingPeriod + timelockMinDelay, "the acceptance periods are seconds").to.be.below(120);
    expect(r.stdout).to.include(`${names.length} steps: ${names.length} passed, 0 failed`);
    expect(r.stdout).to.include('Network "localhost" (chain 31337) passed the acceptance run.');

    // only standard JSON-RPC reached the chain, and transactions were sent through it
    const development = relay!.methods.filter((m) => /^(evm|hardhat)_/.test(m));
    expect(development, "evm_/hardhat_ methods asked by the task").to.deep.equal([]);
    expect(relay!.methods).to.include("eth_sendTransaction");
    expect(relay!.methods).to.include("eth_getBlockByNumber");
  });
});
