import { expect } from "chai";
import { BESU_LOG_RANGE_ERROR } from "../fixtures/besu";
import {
  E2E_BLOCK_INTERVAL_MS,
  E2E_LOG_RANGE,
  type HardhatNode,
  type Mining,
  SHARED_SETUP_TIMEOUT_MS,
  childEnv,
  rpc,
  sharedNodeOrSkip,
} from "./support";

/** A raw JSON-RPC exchange with `url`: the parsed answer, whatever it holds. */
async function post(url: string, body: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  expect(response.status).to.equal(200);
  return response.json();
}

const hex = (n: number) => `0x${n.toString(16)}`;

describe("e2e: the tests' node answers as a Besu node mining on an interval", function () {
  this.timeout(60_000);

  let node: HardhatNode;
  let mining: Mining;

  before(async function () {
    this.timeout(SHARED_SETUP_TIMEOUT_MS);
    node = await sharedNodeOrSkip(this);
    mining = node.mining;
  });

  after(async function () {
    await node?.setMining(mining);
  });

  it("eth_getLogs spanning more than the cap gets Besu's error; within it, the node's logs; other calls pass", async function () {
    await node.mineInstantly();
    const latest = Number(await rpc<string>(node.url, "eth_blockNumber"));
    if (latest <= E2E_LOG_RANGE) await rpc(node.nodeUrl, "hardhat_mine", [hex(E2E_LOG_RANGE + 1 - latest)]);
    const reads = { ...node.logReads };

    const over = { fromBlock: "0x0", toBlock: hex(E2E_LOG_RANGE + 1) };
    expect(await post(node.url, { jsonrpc: "2.0", id: 7, method: "eth_getLogs", params: [over] })).to.deep.equal({
      jsonrpc: "2.0",
      id: 7,
      error: BESU_LOG_RANGE_ERROR,
    });
    // "earliest" to "latest" (the default of ethers' queryFilter) spans the whole chain
    const whole = { fromBlock: "earliest", toBlock: "latest" };
    const within = { fromBlock: "0x1", toBlock: hex(E2E_LOG_RANGE + 1) };
    const batch = (await post(node.url, [
      { jsonrpc: "2.0", id: 1, method: "eth_getLogs", params: [whole] },
      { jsonrpc: "2.0", id: 2, method: "eth_getLogs", params: [within] },
      { jsonrpc: "2.0", id: 3, method: "eth_chainId", params: [] },
    ])) as { id: number; result?: unknown; error?: unknown }[];
    expect(batch.map((a) => a.id)).to.deep.equal([1, 2, 3]);
    expect(batch[0].error).to.deep.equal(BESU_LOG_RANGE_ERROR);
    // the node's own answer, as it gives it without the proxy
    expect(batch[1].result).to.deep.equal(await rpc(node.nodeUrl, "eth_getLogs", [within]));
    expect(batch[2].result).to.equal("0x7a69");
    expect(node.logReads).to.deep.equal({ answered: reads.answered + 1, refused: reads.refused + 2 });

    // the commands are told the cap, as ops configure a Besu chain's
    expect(childEnv(node.url).CONSORTIUM_LOG_RANGE).to.equal(String(E2E_LOG_RANGE));
  });

  it("on an interval, blocks come without transactions, and a transaction is mined in one of them", async function () {
    await node.mineOnInterval();
    expect(await rpc(node.nodeUrl, "hardhat_getAutomine")).to.equal(false);
    const first = Number(await rpc<string>(node.url, "eth_blockNumber"));
    await new Promise((r) => setTimeout(r, 3 * E2E_BLOCK_INTERVAL_MS + 500));
    const later = Number(await rpc<string>(node.url, "eth_blockNumber"));
    expect(later - first).to.be.at.least(2);

    const [from] = await rpc<string[]>(node.url, "eth_accounts");
    const hash = await rpc<string>(node.url, "eth_sendTransaction", [
      { from, to: from, value: "0x0", gasPrice: "0x0" },
    ]);
    const deadline = Date.now() + 20 * E2E_BLOCK_INTERVAL_MS;
    let receipt: { status: string } | null = null;
    while (receipt === null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      receipt = await rpc<{ status: string } | null>(node.url, "eth_getTransactionReceipt", [hash]);
    }
    expect(receipt?.status).to.equal("0x1");
  });
});
