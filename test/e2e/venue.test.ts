import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { ethers } from "ethers";
import type { DvPSettlement, IdentityRegistry, SecurityToken } from "../../typechain-types";
import {
  type CommandResult,
  DEPLOYMENTS,
  type HardhatNode,
  type Mining,
  ROOT,
  type SharedDeployment,
  childEnv,
  explain,
  freePort,
  hardhat,
  rpc,
  SHARED_SETUP_TIMEOUT_MS,
  sharedDeployment,
  sharedNodeOrSkip,
} from "./support";

const ONE_YEAR = 365 * 24 * 3600;
const INVESTOR = 1; // ParticipantAttributes.INVESTOR
const CN = 156;
/** Hardhat's default accounts (the node's): the venue operator's key is account #15's. */
const MNEMONIC = "test test test test test test test test test test test junk";
/** The members trading here: accounts no other e2e file on the shared deployment registers. */
const [REGISTRAR, AGENT, CASH_ISSUER, ALICE, BOB, CAROL, OPERATOR] = [4, 5, 6, 16, 17, 18, 15];

/**
 * `npm run venue` as its own process group, on a free loopback port, against the test's node and
 * deployment, keeping its database under `dataDir`. Killed with SIGKILL (no chance to clean up).
 */
class VenueProcess {
  private child?: ChildProcess;
  private exited = false;
  output = "";

  private constructor(readonly url: string) {}

  static async start(env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<VenueProcess> {
    const port = await freePort();
    const venue = new VenueProcess(`http://127.0.0.1:${port}`);
    const child = spawn("npm", ["run", "--silent", "venue"], {
      cwd: ROOT,
      env: { ...env, VENUE_PORT: String(port) },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    venue.child = child;
    child.stdout?.on("data", (d: Buffer) => (venue.output += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (venue.output += d.toString()));
    child.on("exit", () => (venue.exited = true));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (venue.exited) throw new Error(`the venue exited at start:\n${venue.output}`);
      try {
        const health = (await (await fetch(`${venue.url}/health`, { signal: AbortSignal.timeout(1_000) })).json()) as {
          ok?: boolean;
        };
        if (health.ok) return venue;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        venue.kill();
        throw new Error(`the venue did not answer on ${venue.url} within ${timeoutMs} ms:\n${venue.output}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async get<T>(route: string): Promise<T> {
    const response = await fetch(`${this.url}${route}`, { signal: AbortSignal.timeout(10_000) });
    expect(response.status, `GET ${route}`).to.equal(200);
    return (await response.json()) as T;
  }

  /** kill -9 of the whole group (npm and the service); waits until it has gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.pid === undefined || this.exited) return;
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
    await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000))]);
  }
}

interface VenueTrade {
  id: number;
  buyHash: string;
  sellHash: string;
  buyer: string;
  seller: string;
  quantity: string;
  price: string;
  status: string;
  txHash: string | null;
}

interface BookEntry {
  hash: string;
  maker: string;
  price: string;
  remaining: string;
}

describe("e2e: the matching venue and the node as separate processes, the venue killed mid-book", function () {
  // about a minute on an idle machine: the deployment ~20 s, each task a separate process (a few
  // seconds each), three venue starts; the bounds leave room for a loaded CI machine
  this.timeout(360_000);

  let node: HardhatNode;
  let shared: SharedDeployment;
  let mining: Mining;
  const venues: VenueProcess[] = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "consortium-e2e-venue-"));
  const dataDir = path.join(tmp, "venue-data");
  let env: NodeJS.ProcessEnv;
  let venueEnv: NodeJS.ProcessEnv;
  let provider: ethers.JsonRpcProvider;
  let dvp: DvPSettlement;
  let shares: SecurityToken;
  let cash: SecurityToken;
  let addresses: Record<string, string>;
  const member: Record<"alice" | "bob" | "carol", string> = { alice: "", bob: "", carol: "" };
  const from: Record<keyof typeof member, number> = { alice: ALICE, bob: BOB, carol: CAROL };

  /** `npx hardhat <task> --network localhost --deployment <the shared deployment> ...`. */
  const run = (args: string[], timeoutMs?: number): Promise<CommandResult> =>
    hardhat([...args, "--network", "localhost", "--deployment", shared.deployment], env, timeoutMs);
  async function task(args: string[]): Promise<CommandResult> {
    const r = await run(args);
    expect(r.code, `npx hardhat ${args.join(" ")}: ${explain(r)}`).to.equal(0);
    return r;
  }

  /** order:sign by a member, to a file; returns the file and the order's hash. */
  async function sign(who: keyof typeof member, side: "buy" | "sell", quantity: number, price: string) {
    const file = path.join(tmp, `${who}-${side}-${quantity}-${price}.json`);
    const r = await task([
      "order:sign",
      "--from",
      String(from[who]),
      "--side",
      side,
      "--asset",
      "security-token",
      "--cash",
      "cash-token",
      "--quantity",
      String(quantity),
      "--price",
      price,
      "--expiry",
      "1d",
      "--out",
      file,
    ]);
    const hash = (JSON.parse(fs.readFileSync(file, "utf8")) as { hash: string }).hash;
    expect(r.stdout).to.include(`order ${hash} by ${member[who]}`);
    return { file, hash };
  }

  const submit = (file: string, venue: VenueProcess) => run(["order:submit", file, "--venue", venue.url, "--json"]);

  before(async function () {
    this.timeout(SHARED_SETUP_TIMEOUT_MS); // the first file to ask starts the node and deploys
    node = await sharedNodeOrSkip(this);
    shared = await sharedDeployment();
    mining = node.mining;
    await node.mineOnInterval();
    env = childEnv(node.url);
    // the test's own reads (whole-chain event queries) go to the node itself, past the proxy's cap
    provider = new ethers.JsonRpcProvider(node.nodeUrl, undefined, {
      staticNetwork: true,
      polling: true,
      pollingInterval: 100,
    });
    expect(shared.result.code, explain(shared.result)).to.equal(0);
    addresses = shared.addresses;
    const addressesFile = path.join(DEPLOYMENTS, shared.deploymentId, "deployed_addresses.json");
    const abi = async (name: string) => (await hre.artifacts.readArtifact(name)).abi;
    dvp = new ethers.Contract(
      addresses["Settlement#DvPSettlement"],
      await abi("DvPSettlement"),
      provider,
    ) as unknown as DvPSettlement;
    shares = new ethers.Contract(
      addresses["Tokens#SecurityToken"],
      await abi("SecurityToken"),
      provider,
    ) as unknown as SecurityToken;
    cash = new ethers.Contract(
      addresses["Tokens#CashToken"],
      await abi("SecurityToken"),
      provider,
    ) as unknown as SecurityToken;
    const registry = new ethers.Contract(
      addresses["Identity#IdentityRegistry"],
      await abi("IdentityRegistry"),
      provider,
    ) as unknown as IdentityRegistry;

    // the set-up (the test's own transactions) is mined at once; the venue then runs on the interval
    await node.mineInstantly();
    const FREE = { gasPrice: 0 };
    const wait = async (tx: Promise<ethers.ContractTransactionResponse>) =>
      expect((await (await tx).wait())?.status).to.equal(1);
    const [registrar, agent, cashIssuer] = await Promise.all(
      [REGISTRAR, AGENT, CASH_ISSUER].map((i) => provider.getSigner(i)),
    );
    for (const who of Object.keys(member) as (keyof typeof member)[]) {
      const signer = await provider.getSigner(from[who]);
      member[who] = signer.address;
      const expiry = (await provider.getBlock("latest"))!.timestamp + ONE_YEAR;
      await wait(
        registry.connect(registrar).registerIdentity(signer.address, ethers.id(who), CN, expiry, INVESTOR, FREE),
      );
      await wait(shares.connect(agent).mint(signer.address, 1_000, FREE));
      await wait(cash.connect(cashIssuer).mint(signer.address, 10_000_000, FREE)); // 100,000.00
      await wait(shares.connect(signer).approve(dvp.target, ethers.MaxUint256, FREE));
      await wait(cash.connect(signer).approve(dvp.target, ethers.MaxUint256, FREE));
    }

    // Governance grants the venue's key VENUE_OPERATOR_ROLE: the timelock's call, as a passed
    // proposal makes it (the proposal round itself is e2e-tested in operations.test.ts).
    const timelock = addresses["Governance#TimelockController"];
    await rpc(node.nodeUrl, "hardhat_impersonateAccount", [timelock]);
    const operatorWallet = ethers.HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${OPERATOR}`);
    await wait(
      dvp
        .connect(new ethers.JsonRpcSigner(provider, timelock))
        .grantRole(await dvp.VENUE_OPERATOR_ROLE(), operatorWallet.address, FREE),
    );
    await rpc(node.nodeUrl, "hardhat_stopImpersonatingAccount", [timelock]);
    await node.mineOnInterval();

    venueEnv = {
      ...env,
      VENUE_OPERATOR_KEY: operatorWallet.privateKey,
      VENUE_RPC_URL: node.url,
      VENUE_DEPLOYMENT: addressesFile,
      VENUE_DATA_DIR: dataDir,
      // the node quotes a gas price even in FREE_GAS mode; the operator's key holds no ether
      VENUE_GAS_PRICE: "0",
    };
  });

  after(async function () {
    for (const v of venues) await v.kill();
    provider?.destroy();
    await node?.setMining(mining);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("books orders from three members, survives kill -9 while a match is in flight, reconciles with the chain and fills nothing twice", async function () {
    const start = async () => {
      const v = await VenueProcess.start(venueEnv);
      venues.push(v);
      return v;
    };
    const before = {
      shares: await Promise.all(Object.values(member).map((a) => shares.balanceOf(a))),
      cash: await Promise.all(Object.values(member).map((a) => cash.balanceOf(a))),
    };
    const [aliceSell, carolSell, bobLowBid, bobBid] = await Promise.all([
      sign("alice", "sell", 60, "25.00"),
      sign("carol", "sell", 40, "26.00"),
      sign("bob", "buy", 30, "24.00"),
      sign("bob", "buy", 80, "26.00"),
    ]);

    // 1. Three resting orders that do not cross: two offers and a bid.
    const first = await start();
    for (const o of [aliceSell, carolSell, bobLowBid]) {
      const r = await submit(o.file, first);
      expect(r.code, explain(r)).to.equal(0);
      expect(JSON.parse(r.stdout).venue.order.status).to.equal("open");
    }
    const asset = shares.target as string;
    const book1 = await first.get<{ bids: BookEntry[]; offers: BookEntry[] }>(`/book/${asset}`);
    expect(book1.offers.map((o) => [o.hash, o.remaining])).to.deep.equal([
      [aliceSell.hash, "60"],
      [carolSell.hash, "40"],
    ]);
    expect(book1.bids.map((o) => [o.hash, o.remaining])).to.deep.equal([[bobLowBid.hash, "30"]]);

    // 2. A crossing bid while blocks are held back: the venue sends the match and waits for its
    // receipt; it is killed (SIGKILL) with the transaction in the node's pool, before it is mined.
    const operator = ethers.computeAddress(venueEnv.VENUE_OPERATOR_KEY!);
    const sentBefore = Number(await rpc<string>(node.url, "eth_getTransactionCount", [operator, "latest"]));
    await node.holdBlocks();
    const inFlight = submit(bobBid.file, first);
    const deadline = Date.now() + 60_000;
    while (Number(await rpc<string>(node.url, "eth_getTransactionCount", [operator, "pending"])) === sentBefore) {
      expect(Date.now(), `no match was sent:\n${first.output}`).to.be.below(deadline);
      await new Promise((r) => setTimeout(r, 100));
    }
    await first.kill();
    const lost = await inFlight;
    expect(lost.code, explain(lost)).to.equal(1);
    expect(lost.stderr).to.match(/the venue at .* did not answer/);
    // The transaction the dead venue sent is mined after all.
    await rpc(node.nodeUrl, "evm_mine", []);
    await node.mineOnInterval();
    expect(await dvp.filledOf(aliceSell.hash)).to.equal(60n);
    expect(await dvp.filledOf(bobBid.hash)).to.equal(60n);

    // 3. Restarted on the same data folder: the sent trade is read back from its receipt, every
    // open order's remaining quantity from the chain; the rest of the bid then crosses Carol's offer.
    const second = await start();
    const { trades } = await second.get<{ trades: VenueTrade[] }>(`/trades?member=${member.bob}`);
    expect(trades.map((t) => [t.seller, t.buyer, t.quantity, t.price, t.status, t.sellHash, t.buyHash])).to.deep.equal([
      [member.alice, member.bob, "60", "2500", "done", aliceSell.hash, bobBid.hash],
      [member.carol, member.bob, "20", "2600", "done", carolSell.hash, bobBid.hash],
    ]);
    expect(new Set(trades.map((t) => t.txHash)).size).to.equal(2);
    for (const t of trades) expect((await provider.getTransactionReceipt(t.txHash!))?.status).to.equal(1);

    // The chain: two matches, each order filled exactly once, within its quantity.
    const matched = await dvp.queryFilter(dvp.filters.OrdersMatched());
    expect(matched.map((e) => [e.args.sellOrderHash, e.args.buyOrderHash, e.args.quantity])).to.deep.equal([
      [aliceSell.hash, bobBid.hash, 60n],
      [carolSell.hash, bobBid.hash, 20n],
    ]);
    expect(await Promise.all([aliceSell, carolSell, bobLowBid, bobBid].map((o) => dvp.filledOf(o.hash)))).to.deep.equal(
      [60n, 20n, 0n, 80n],
    );

    // The book (through the order:book task) agrees with the chain.
    // order:book reads the venue only: no network or deployment options
    const book = await hardhat(["order:book", asset, "--venue", second.url, "--json"], env);
    expect(book.code, explain(book)).to.equal(0);
    const shown = JSON.parse(book.stdout) as { bids: BookEntry[]; offers: BookEntry[] };
    expect(shown.offers.map((o) => [o.hash, o.maker, o.price, o.remaining])).to.deep.equal([
      [carolSell.hash, member.carol, "2600", "20"],
    ]);
    expect(shown.bids.map((o) => [o.hash, o.maker, o.price, o.remaining])).to.deep.equal([
      [bobLowBid.hash, member.bob, "2400", "30"],
    ]);
    const bobOrders = await second.get<{ orders: { hash: string; status: string; remaining: string }[] }>(
      `/orders?maker=${member.bob}`,
    );
    expect(bobOrders.orders.map((o) => [o.hash, o.status, o.remaining])).to.deep.equal([
      [bobLowBid.hash, "open", "30"],
      [bobBid.hash, "filled", "0"],
    ]);

    // Balances: Alice sold 60 at 25.00, Carol 20 at 26.00, Bob bought 80 (no fee is set).
    const after = {
      shares: await Promise.all(Object.values(member).map((a) => shares.balanceOf(a))),
      cash: await Promise.all(Object.values(member).map((a) => cash.balanceOf(a))),
    };
    expect(after.shares).to.deep.equal([before.shares[0] - 60n, before.shares[1] + 80n, before.shares[2] - 20n]);
    expect(after.cash).to.deep.equal([
      before.cash[0] + 60n * 2500n,
      before.cash[1] - 60n * 2500n - 20n * 2600n,
      before.cash[2] + 20n * 2600n,
    ]);

    // A second restart changes nothing: the book and the trades are the chain's.
    await second.kill();
    const third = await start();
    const again = await third.get<{ trades: VenueTrade[] }>(`/trades?member=${member.bob}`);
    expect(again.trades).to.deep.equal(trades);
    expect(await third.get<{ bids: BookEntry[]; offers: BookEntry[] }>(`/book/${asset}`)).to.deep.include({
      offers: [{ hash: carolSell.hash, maker: member.carol, price: "2600", remaining: "20", seq: 2 }],
    });
    expect((await dvp.queryFilter(dvp.filters.OrdersMatched())).length).to.equal(2);
  });
});
