import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { ethers } from "ethers";
import type { DvPSettlement, IdentityRegistry, InvoiceRegistry, SecurityToken } from "../../typechain-types";
import {
  type CommandResult,
  E2E_LOG_RANGE,
  explain,
  hardhat,
  type HardhatNode,
  type Mining,
  openSharedSession,
  rpc,
  SHARED_SETUP_TIMEOUT_MS,
  type SharedDeployment,
  travel,
} from "./support";

/**
 * Every operational role's daily work, each step a task run as its own process (as operators run
 * them) against the shared deployment, through the Besu-like proxy (eth_getLogs capped at
 * E2E_LOG_RANGE blocks) of a node that mines a block every second. Steps of different keys run
 * side by side (as different desks do), which keeps the file within its time budget; steps of one
 * key run in order (each waits for its block).
 */

/** The CSV files the registrar and the issuers import (wallets as below). */
const FIXTURES = path.join("test", "fixtures", "daily-operations");
const csv = (name: string) => path.join(FIXTURES, name);

/** The node's accounts by role in the local rehearsal (ignition/parameters/localhost.json). */
const [PEARL_RIVER, NANSHAN, REGISTRAR, AGENT, CASH_ISSUER, GUARDIAN, RELAYER] = [1, 2, 4, 5, 6, 7, 9];
/** Keys no other e2e file on the shared deployment uses: the supplier, the debtor and the financier. */
const [SUPPLIER, DEBTOR, FINANCIER] = [8, 14, 19];
/** Hardhat's default accounts #8, #14 and #19 (the CSV files name them). */
const KEY_WALLETS: Record<number, string> = {
  [SUPPLIER]: "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f",
  [DEBTOR]: "0xdF3e18d64BC6A983f673Ab319CCaE4f1a57C7097",
  [FINANCIER]: "0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199",
};
/** Investors' wallets without a key on the node (operators act on them; they never sign). */
const HOLDER = {
  A: "0xe4C565c7A66ae76d205aB43B3995259b084fCf08",
  /** B loses its wallet; B2 is its entity's new one. */
  B: "0x834209F44d8F403d80B4caD0cD3D8e47C342018b",
  B2: "0xb15EBd41c1fe9d8AF5321EC576698a6602438Be9",
  C: "0x66fCbDef6F368940055729bd436b5E1fd5140F78",
  /** Imported, then removed by identity:remove. */
  D: "0xD908E402d13b075908F8694d21E3ccCc7c318C07",
  /** Registered by identity:register, then updated. */
  E: "0x4248A90DfFe11aD60943823aB1E790F57768a433",
  /** The good row of participants-bad.csv: never registered, since the file is refused whole. */
  F: "0x7889cD3d367570c6c2BE03910f779f28dE7e8104",
  /** Never registered: a mint to it is refused. */
  G: "0x9FA0B6378997b0D9ad7BA04d2bCFF1e121c52b44",
} as const;

const DAY = 86_400;
const cny = (amount: string) => ethers.parseUnits(amount, 2);
const from = (account: number) => ["--from", String(account)];

/** InvoiceStatus and ticket statuses as the contracts number them. */
const INVOICE = { Issued: 1n, Accepted: 2n, Rejected: 3n, Cancelled: 4n, Paid: 5n, Defaulted: 6n, Split: 7n };
const TICKET_SETTLED = 3n;

/** The share's prospectus, as the document agent records it. */
const PROSPECTUS = {
  uri: "https://issuers.example/szph/prospectus.pdf",
  hash: ethers.id("Shenzhen Port Holdings prospectus 2026"),
};

/** token:show --json (the fields asserted). */
interface WalletShow {
  rules: { symbol: string; totalSupply: string };
  wallet: { wallet: string; balance: string; frozen: boolean; frozenAmount: string; freeBalance: string };
}

/** token:rules --json (the fields asserted). */
interface Rules {
  rules: { symbol: string; paused: boolean; maxHolders: string };
  changes: { fn: string; dryRun: boolean; transactionHash?: string }[];
}

/** The shape every sending task prints with --json. */
interface Sent {
  dryRun: boolean;
  gas: string;
  transactionHash?: string;
  from: string;
}

describe("e2e: every role's daily operation, as tasks, behind a log-capped proxy on an interval-mining node", function () {
  // About 35 rounds of task processes, two or three side by side, a few seconds each on an idle
  // machine (the whole file about 2 to 3 minutes); the bound leaves room for a loaded one.
  this.timeout(480_000);

  let node: HardhatNode;
  let shared: SharedDeployment;
  let mining: Mining;
  let env: NodeJS.ProcessEnv;
  let provider: ethers.JsonRpcProvider;
  let registry: IdentityRegistry;
  let shares: SecurityToken;
  let cash: SecurityToken;
  let invoices: InvoiceRegistry;
  let dvp: DvPSettlement;
  let refusedBefore: number;
  /** The invoices of the day, by their keys. */
  const invoice = { A: "", B: "", C: "", piece1: "", piece2: "" };
  let ticket = "";
  let proposalId = "";

  /** `hardhat <task> ... --network localhost --deployment <the shared deployment>`. */
  const run = (args: string[]): Promise<CommandResult> =>
    hardhat([...args, "--network", "localhost", "--deployment", shared.deployment], env);

  /** A task that must succeed. */
  async function task(args: string[]): Promise<CommandResult> {
    const r = await run(args);
    expect(r.code, `hardhat ${args.join(" ")}: ${explain(r)}`).to.equal(0);
    return r;
  }

  /** A task run with --json that must succeed: its JSON document. */
  async function json<T>(args: string[]): Promise<T> {
    const r = await task([...args, "--json"]);
    try {
      return JSON.parse(r.stdout) as T;
    } catch {
      throw new Error(`hardhat ${args.join(" ")} --json printed no JSON document: ${explain(r)}`);
    }
  }

  /** A task refused before sending: exit 1 and one line, the plugin's error, matching `message`. */
  async function refused(args: string[], message: RegExp): Promise<void> {
    const r = await run(args);
    expect(r.code, `hardhat ${args.join(" ")}: ${explain(r)}`).to.equal(1);
    // what the task would do may come first (stdout); the refusal is one line
    const error = r.stderr.split("\n").filter((l) => l.trim() !== "");
    expect(error, explain(r)).to.have.length(1);
    expect(error[0]).to.match(/^Error in plugin consortium: /);
    expect(error[0].replace(/^Error in plugin consortium: /, "")).to.match(message);
  }

  before(async function () {
    this.timeout(SHARED_SETUP_TIMEOUT_MS); // the first file to ask starts the node and deploys
    ({ node, shared, mining, env, provider } = await openSharedSession(this));
    expect(shared.result.code, explain(shared.result)).to.equal(0);
    const at = async <T>(key: string, artifact: string) =>
      new ethers.Contract(
        shared.addresses[key],
        (await hre.artifacts.readArtifact(artifact)).abi,
        provider,
      ) as unknown as T;
    registry = await at<IdentityRegistry>("Identity#IdentityRegistry", "IdentityRegistry");
    shares = await at<SecurityToken>("Tokens#SecurityToken", "SecurityToken");
    cash = await at<SecurityToken>("Tokens#CashToken", "SecurityToken");
    invoices = await at<InvoiceRegistry>("Invoices#InvoiceRegistry", "InvoiceRegistry");
    dvp = await at<DvPSettlement>("Settlement#DvPSettlement", "DvPSettlement");
    // the CSV files name the node's accounts
    const accounts = await rpc<string[]>(node.url, "eth_accounts");
    for (const [index, wallet] of Object.entries(KEY_WALLETS)) {
      expect(ethers.getAddress(accounts[Number(index)])).to.equal(wallet);
    }
    refusedBefore = node.logReads.refused;
  });

  after(async function () {
    provider?.destroy();
    await node?.setMining(mining);
  });

  it("registrar: identity:import refuses a bad file whole, --dry-run, then imports; register, update, remove, show", async function () {
    type Import = {
      dryRun: boolean;
      rows: { line: number; wallet: string; result: string; transactionHash?: string }[];
      batches: { action: string; lines: number[]; dryRun: boolean }[];
    };
    const [, dry, registered] = await Promise.all([
      refused(
        ["identity:import", csv("participants-bad.csv"), ...from(REGISTRAR)],
        /^line 4, field expiry: "2027-06-30T00:00:00" has no time zone .* \(2 bad rows: lines 4, 5\); nothing was sent$/,
      ),
      json<Import>(["identity:import", csv("participants.csv"), "--dry-run", ...from(REGISTRAR)]),
      json<Sent & { wallet: string }>([
        "identity:register",
        HOLDER.E,
        "--entity",
        "Daily Holder E",
        "--country",
        "CN",
        "--expiry",
        "365d",
        "--attributes",
        "investor",
        ...from(REGISTRAR),
      ]),
    ]);
    // the bad file's good row was not sent either
    expect(await registry.contains(HOLDER.F)).to.equal(false);
    expect(dry.dryRun).to.equal(true);
    expect(dry.rows.map((r) => [r.line, r.result])).to.deep.equal(
      [3, 4, 5, 6, 7, 8, 9, 10].map((line) => [line, "would be registered"]),
    );
    expect(await registry.contains(HOLDER.A)).to.equal(false);
    expect(registered).to.include({ dryRun: false, wallet: HOLDER.E });
    expect(await registry.isVerified(HOLDER.E)).to.equal(true);

    const imported = await json<Import>(["identity:import", csv("participants.csv"), ...from(REGISTRAR)]);
    expect(imported.batches).to.have.length(1);
    expect(imported.batches[0]).to.deep.include({ action: "register", dryRun: false });
    expect(imported.rows.every((r) => r.result === "registered" && r.transactionHash !== undefined)).to.equal(true);
    for (const wallet of [...Object.values(KEY_WALLETS), HOLDER.A, HOLDER.B, HOLDER.B2, HOLDER.C, HOLDER.D]) {
      expect(await registry.isVerified(wallet), wallet).to.equal(true);
    }
    expect(await registry.entityOf(HOLDER.B2)).to.equal(ethers.id("Daily Holder B"));

    await task([
      "identity:update",
      HOLDER.E,
      "--country",
      "HK",
      "--attributes",
      "investor+qualified-investor",
      ...from(REGISTRAR),
    ]);
    type Identity = {
      wallet: string;
      registered: boolean;
      verified: boolean;
      entityId: string;
      country: number;
      attributes: string[];
    };
    const [, shown] = await Promise.all([
      task(["identity:remove", HOLDER.D, ...from(REGISTRAR)]),
      json<Identity>(["identity:show", HOLDER.E]),
    ]);
    expect(shown).to.deep.include({
      wallet: HOLDER.E,
      registered: true,
      verified: true,
      entityId: ethers.id("Daily Holder E"),
      country: 344,
    });
    expect(shown.attributes).to.deep.equal(["investor", "qualified-investor"]);
    expect(await registry.contains(HOLDER.D)).to.equal(false);
    // removed, the wallet stays bound to its entity
    expect(await registry.boundEntityOf(HOLDER.D)).to.equal(ethers.id("Daily Holder D"));
  });

  it("token operators, holders and the compliance officer: import-mint, mint, burn, lock, freeze/unfreeze (whole and partial), forced transfer, recovery, documents, approvals, rules, show", async function () {
    const supplyBefore = await shares.totalSupply();
    type MintImport = { dryRun: boolean; total: string; transactions: { fn: string; lines: number[] }[] };
    const [securities, cashImport] = await Promise.all([
      json<MintImport>(["token:import-mint", csv("security-mint.csv"), ...from(AGENT)]),
      json<MintImport>(["token:import-mint", csv("cash-mint.csv"), "--token", "cash-token", ...from(CASH_ISSUER)]),
    ]);
    expect(securities.transactions.map((t) => [t.fn, t.lines])).to.deep.equal([
      ["batchMint", [4, 5, 6]],
      ["mintLocked", [7]],
    ]);
    expect(securities.total).to.equal("2000");
    expect((await shares.lockupOf(HOLDER.C))[0]).to.equal(200n);
    expect(cashImport.total).to.equal(String(cny("15100")));
    expect(await cash.balanceOf(KEY_WALLETS[FINANCIER])).to.equal(cny("10000"));

    // Two desks side by side, each key in order: the share's transfer agent (supply, freeze,
    // recovery, documents, compliance) and the cash token's agent (partial freeze, forced transfer);
    // beside them, holders approve, refusals and read-only shows.
    const dvpAddress = await dvp.getAddress();
    const invoiceAddress = await invoices.getAddress();
    const shareDesk = async () => {
      const minted = await json<Sent & { to: string; amount: string }>(["token:mint", HOLDER.A, "100", ...from(AGENT)]);
      expect(minted).to.include({ dryRun: false, to: HOLDER.A, amount: "100" });
      await task(["token:burn", HOLDER.A, "50", ...from(AGENT)]);
      expect(await shares.balanceOf(HOLDER.A)).to.equal(550n);
      await task(["token:lock", HOLDER.E, "100", "--release", "180d", ...from(AGENT)]);
      expect((await shares.lockupOf(HOLDER.E))[0]).to.equal(100n);
      await task(["token:freeze", HOLDER.B, "--reason", "court order 17", ...from(AGENT)]);
      expect(await shares.isFrozen(HOLDER.B)).to.equal(true);
      await task(["token:unfreeze", HOLDER.B, ...from(AGENT)]);
      expect(await shares.isFrozen(HOLDER.B)).to.equal(false);
      const recovered = await json<Sent & { lost: string; newWallet: string; amount: string }>([
        "token:recover",
        HOLDER.B,
        HOLDER.B2,
        ...from(AGENT),
      ]);
      expect(recovered).to.include({ lost: HOLDER.B, newWallet: HOLDER.B2, amount: "300" });
      expect(await shares.balanceOf(HOLDER.B)).to.equal(0n);
      expect(await shares.balanceOf(HOLDER.B2)).to.equal(300n);
      await task(["token:doc-set", "prospectus", PROSPECTUS.uri, "--hash", PROSPECTUS.hash, ...from(AGENT)]);
      const [docs, rulesSet] = await Promise.all([
        json<{ documents: { name: string; uri: string; hash: string }[] }>(["token:docs"]),
        json<Rules>(["token:rules", "--max-holders", "5000", ...from(AGENT)]),
      ]);
      expect(docs.documents.find((d) => d.name === "prospectus")).to.deep.include({
        uri: PROSPECTUS.uri,
        hash: PROSPECTUS.hash,
      });
      expect(rulesSet.changes.map((c) => [c.fn, c.dryRun])).to.deep.equal([["setMaxHolders", false]]);
      expect(rulesSet.rules.maxHolders).to.equal("5000");
      expect(await shares.maxHolders()).to.equal(5000n);
      await task(["token:doc-remove", "prospectus", ...from(AGENT)]);
      expect(await shares.getAllDocuments()).to.not.include(ethers.encodeBytes32String("prospectus"));
    };
    const cashDesk = async () => {
      await task(["token:freeze", HOLDER.A, "--amount", "30.00", "--token", "cash-token", ...from(CASH_ISSUER)]);
      await task(["token:unfreeze", HOLDER.A, "--amount", "10.00", "--token", "cash-token", ...from(CASH_ISSUER)]);
      await task([
        "token:force-transfer",
        HOLDER.A,
        HOLDER.C,
        "50.00",
        "--token",
        "cash-token",
        "--reason",
        "REQ-2291",
        ...from(CASH_ISSUER),
      ]);
      expect(await cash.balanceOf(HOLDER.C)).to.equal(cny("50"));
      const [shown] = await Promise.all([
        json<WalletShow>(["token:show", HOLDER.A, "--token", "cash-token"]),
        refused(
          ["token:rules", "--token", "cash-token", "--max-holders", "10", ...from(CASH_ISSUER)],
          /does not hold COMPLIANCE_ROLE on CNYC/,
        ),
      ]);
      // 100.00 imported, 30.00 frozen then 10.00 of them unfrozen, 50.00 moved by force
      expect(shown.rules.symbol).to.equal("CNYC");
      expect(shown.wallet).to.deep.include({
        wallet: HOLDER.A,
        balance: String(cny("50")),
        frozen: false,
        frozenAmount: String(cny("20")),
        freeBalance: String(cny("30")),
      });
    };
    const holders = async () => {
      const approved = await json<Sent & { spender: string; amount: string }>([
        "token:approve",
        "dvp-settlement",
        "10",
        ...from(SUPPLIER),
      ]);
      expect(approved).to.include({ spender: dvpAddress, amount: "10" });
      await task(["token:approve", "invoice-registry", "2900.00", "--token", "cash-token", ...from(FINANCIER)]);
      await refused(["token:mint", HOLDER.G, "10", ...from(AGENT)], /^the mint would fail: .*; nothing was sent$/);
      const shown = await json<Rules>(["token:rules"]);
      expect(shown.changes).to.deep.equal([]);
      expect(shown.rules).to.include({ symbol: "SZPH", paused: false });
    };
    await Promise.all([shareDesk(), cashDesk(), holders()]);
    expect(await shares.allowance(KEY_WALLETS[SUPPLIER], dvpAddress)).to.equal(10n);
    expect(await cash.allowance(KEY_WALLETS[FINANCIER], invoiceAddress)).to.equal(cny("2900"));
    expect(await shares.balanceOf(HOLDER.G)).to.equal(0n);
    expect(await shares.totalSupply()).to.equal(supplyBefore + 2000n + 100n - 50n + 100n);
  });

  it("invoices: the supplier issues and cancels, the debtor accepts, rejects and pays, the financier finances, splits and marks a default", async function () {
    type Issued = Sent & { key: string; amount: string };
    const issue = (number: string, amount: string) =>
      json<Issued>([
        "invoice:issue",
        "--debtor",
        KEY_WALLETS[DEBTOR],
        "--amount",
        amount,
        "--due",
        "1d",
        "--authority",
        "CN-SZ",
        "--number",
        number,
        "--document-uri",
        `https://suppliers.example/invoices/${number}`,
        ...from(SUPPLIER),
      ]);
    // the debtor's allowance for its payment (token:approve ran above: here a plain call, to save a process)
    const debtor = await provider.getSigner(DEBTOR);
    await (await cash.connect(debtor).approve(await invoices.getAddress(), cny("1000"), { gasPrice: 0 })).wait();
    const issuedA = await issue("DAILY-A", "3000.00");
    invoice.A = issuedA.key;
    expect(issuedA).to.include({ dryRun: false, amount: String(cny("3000")) });
    expect(await invoices.ownerOf(invoice.A)).to.equal(KEY_WALLETS[SUPPLIER]);

    const [issuedB] = await Promise.all([
      issue("DAILY-B", "500.00"),
      task(["invoice:accept", invoice.A, ...from(DEBTOR)]),
    ]);
    invoice.B = issuedB.key;
    expect(await invoices.statusOf(invoice.A)).to.equal(INVOICE.Accepted);

    const [offer] = await Promise.all([
      json<Sent & { financier: string; price: string }>([
        "invoice:offer",
        invoice.A,
        "--price",
        "2900.00",
        "--financier",
        KEY_WALLETS[FINANCIER],
        ...from(SUPPLIER),
      ]),
      task(["invoice:reject", invoice.B, "--reason", "goods not delivered", ...from(DEBTOR)]),
    ]);
    expect(offer).to.include({ financier: KEY_WALLETS[FINANCIER], price: String(cny("2900")) });
    expect(await invoices.statusOf(invoice.B)).to.equal(INVOICE.Rejected);

    const [issuedC] = await Promise.all([
      issue("DAILY-C", "700.00"),
      refused(
        ["invoice:finance", invoice.A, "--max-price", "2800", ...from(FINANCIER)],
        /^the offer's price 2900\.00 CNYC is above --max-price 2800\.00 CNYC$/,
      ),
    ]);
    invoice.C = issuedC.key;
    expect(await invoices.ownerOf(invoice.A)).to.equal(KEY_WALLETS[SUPPLIER]);

    const [financed] = await Promise.all([
      json<Sent & { seller: string; price: string }>([
        "invoice:finance",
        invoice.A,
        "--max-price",
        "2900",
        ...from(FINANCIER),
      ]),
      task(["invoice:cancel", invoice.C, ...from(SUPPLIER)]),
    ]);
    expect(financed).to.include({ seller: KEY_WALLETS[SUPPLIER], price: String(cny("2900")) });
    expect(await invoices.ownerOf(invoice.A)).to.equal(KEY_WALLETS[FINANCIER]);
    expect(await invoices.statusOf(invoice.C)).to.equal(INVOICE.Cancelled);

    const split = await json<Sent & { pieces: { key: string; amount: string }[] }>([
      "invoice:split",
      invoice.A,
      "1000,2000",
      ...from(FINANCIER),
    ]);
    expect(split.pieces.map((p) => p.amount)).to.deep.equal([String(cny("1000")), String(cny("2000"))]);
    [invoice.piece1, invoice.piece2] = split.pieces.map((p) => p.key);
    expect(await invoices.statusOf(invoice.A)).to.equal(INVOICE.Split);

    const cashBefore = await cash.balanceOf(KEY_WALLETS[FINANCIER]);
    const paid = await json<{ dryRun: boolean; amount: string; outstandingAfter: string; held: boolean }>([
      "invoice:pay",
      invoice.piece1,
      ...from(DEBTOR),
    ]);
    expect(paid).to.include({ dryRun: false, amount: String(cny("1000")), outstandingAfter: "0", held: false });
    expect(await invoices.statusOf(invoice.piece1)).to.equal(INVOICE.Paid);
    expect(await cash.balanceOf(KEY_WALLETS[FINANCIER])).to.equal(cashBefore + cny("1000"));

    // past the due date (1 day) and the grace period (30 days)
    await travel(node.url, 32 * DAY);
    const defaulted = await json<Sent & { outstanding: string }>([
      "invoice:default",
      invoice.piece2,
      ...from(FINANCIER),
    ]);
    expect(defaulted.outstanding).to.equal(String(cny("2000")));
    expect(await invoices.statusOf(invoice.piece2)).to.equal(INVOICE.Defaulted);
  });

  it("trades: a deferred ticket proposed and affirmed, trade:list and trade:ready, then trade:settle-batch", async function () {
    // the buyer's allowance for the cash leg (token:approve ran above: here a plain call, to save a process)
    const buyer = await provider.getSigner(FINANCIER);
    await (await cash.connect(buyer).approve(await dvp.getAddress(), cny("100"), { gasPrice: 0 })).wait();
    const proposed = await task([
      "trade:propose",
      "--seller",
      KEY_WALLETS[SUPPLIER],
      "--buyer",
      KEY_WALLETS[FINANCIER],
      "--asset",
      "security-token",
      "--asset-amount",
      "10",
      "--cash",
      "cash-token",
      "--cash-amount",
      "100.00",
      "--expiry",
      "1d",
      "--deferred",
      ...from(SUPPLIER),
    ]);
    ticket = /Ticket #(\d+) proposed/.exec(proposed.stdout)?.[1] ?? "";
    expect(ticket, proposed.stdout).to.not.equal("");
    await task(["trade:affirm", ticket, ...from(FINANCIER)]);

    type Listed = { ticketId: string; status: string; seller: string; buyer: string; deferred: boolean };
    const [listed, ready] = await Promise.all([
      json<{ tickets: Listed[] }>(["trade:list", "--party", KEY_WALLETS[SUPPLIER]]),
      json<{ tickets: { ticketId: string; settleable: boolean; problems: string[] }[] }>(["trade:ready"]),
    ]);
    expect(listed.tickets).to.have.length(1);
    expect(listed.tickets[0]).to.include({
      ticketId: ticket,
      status: "Ready",
      deferred: true,
      seller: KEY_WALLETS[SUPPLIER],
      buyer: KEY_WALLETS[FINANCIER],
    });
    expect(ready.tickets.map((t) => [t.ticketId, t.settleable])).to.deep.equal([[ticket, true]]);

    const cashBefore = await cash.balanceOf(KEY_WALLETS[SUPPLIER]);
    const settled = await json<{ dryRun: boolean; batches: { ticketIds: string[]; transactionHash: string }[] }>([
      "trade:settle-batch",
      ...from(RELAYER),
    ]);
    expect(settled.dryRun).to.equal(false);
    expect(settled.batches.map((b) => b.ticketIds)).to.deep.equal([[ticket]]);
    expect((await dvp.ticketOf(BigInt(ticket))).status).to.equal(TICKET_SETTLED);
    expect(await shares.balanceOf(KEY_WALLETS[FINANCIER])).to.equal(10n);
    expect(await cash.balanceOf(KEY_WALLETS[SUPPLIER])).to.equal(cashBefore + cny("100"));
  });

  it("guardian: pauses the share, the invoice registry and DvP at once; governance unpauses them (propose, vote, queue, execute)", async function () {
    const pausable = [shares, invoices, dvp] as unknown as { paused(): Promise<boolean> }[];
    await task(["pause", "security-token", ...from(GUARDIAN)]);
    await Promise.all([
      task(["pause", "invoice-registry", ...from(GUARDIAN)]),
      refused(
        ["pause", "security-token", ...from(GUARDIAN)],
        /^security-token is already paused \(only governance unpauses it\)$/,
      ),
    ]);
    const pausedDvP = await json<Sent & { contract: string }>(["pause", "dvp-settlement", ...from(GUARDIAN)]);
    expect(pausedDvP).to.include({ dryRun: false, contract: "dvp-settlement" });
    for (const c of pausable) expect(await c.paused()).to.equal(true);

    const proposed = await task([
      "gov:propose",
      "--description",
      "Unpause the share, the invoice registry and DvP after the guardian's stop",
      "unpause security-token",
      "unpause invoice-registry",
      "unpause dvp-settlement",
      ...from(PEARL_RIVER),
    ]);
    // the shared deployment's governor numbers proposals in sequence across the e2e files
    proposalId = /Proposal #(\d+) created/.exec(proposed.stdout)?.[1] ?? "";
    expect(proposalId, proposed.stdout).to.not.equal("");
    await travel(node.url, 61); // past the voting delay
    await Promise.all([
      task(["gov:vote", proposalId, "for", ...from(PEARL_RIVER)]),
      task(["gov:vote", proposalId, "for", ...from(NANSHAN)]),
    ]);
    await travel(node.url, DAY); // past the voting period
    await task(["gov:queue", proposalId, ...from(RELAYER)]);
    await travel(node.url, 3_601); // past the timelock delay
    await task(["gov:execute", proposalId, ...from(RELAYER)]);
    for (const c of pausable) expect(await c.paused()).to.equal(false);
  });

  it("history: gov:show of the executed proposal, invoice:show with its financing, events of the share (freezes, pauses)", async function () {
    type Step = { step: string; transactionHash: string; blockNumber: number; time: string; eta?: string };
    type Financing = { event: string; seller: string; financier: string; price: string; transactionHash: string };
    type AdminEvent = { kind: string; event: string; args: Record<string, string | boolean> };
    const [proposal, shownInvoice, events] = await Promise.all([
      json<{ stateName: string; history: Step[] }>(["gov:show", proposalId]),
      json<{ status: string; holder: string; financing: Financing[]; pieces: { id: string; amount: string }[] }>([
        "invoice:show",
        invoice.A,
      ]),
      json<{ fromBlock: number; toBlock: number; events: AdminEvent[] }>([
        "events",
        "security-token",
        "--kinds",
        "freeze,pause",
      ]),
    ]);
    expect(proposal.stateName).to.equal("Executed");
    expect(proposal.history.map((h) => h.step)).to.deep.equal(["proposed", "queued", "executed"]);
    for (const h of proposal.history) expect(h.transactionHash).to.match(/^0x[0-9a-f]{64}$/);
    const [proposedAt, queuedAt, executedAt] = proposal.history.map((h) => BigInt(h.time));
    expect(queuedAt > proposedAt + BigInt(DAY)).to.equal(true);
    expect(executedAt >= BigInt(proposal.history[1].eta ?? "0")).to.equal(true);

    expect(shownInvoice.status).to.equal("Split");
    expect(shownInvoice.pieces.map((p) => p.id)).to.deep.equal([invoice.piece1, invoice.piece2]);
    expect(shownInvoice.financing).to.have.length(1);
    expect(shownInvoice.financing[0]).to.include({
      event: "financed",
      seller: KEY_WALLETS[SUPPLIER],
      financier: KEY_WALLETS[FINANCIER],
      price: String(cny("2900")),
    });

    // the events were read from the token's deployment block in ranges the proxy accepts
    expect(events.toBlock - events.fromBlock).to.be.greaterThan(E2E_LOG_RANGE);
    const summary = events.events.map((e) => {
      const who = String(e.args.userAddress ?? e.args.account ?? "");
      return `${e.event} ${who} ${e.args.isFrozen ?? e.args.amount ?? ""}`.trim();
    });
    const timelock = shared.addresses["Governance#TimelockController"];
    const guardian = (await rpc<string[]>(node.url, "eth_accounts"))[GUARDIAN];
    expect(summary).to.include.members([
      `AddressFrozen ${HOLDER.B} true`,
      `AddressFrozen ${HOLDER.B} false`,
      `Paused ${ethers.getAddress(guardian)}`,
      `Unpaused ${timelock}`,
    ]);
    // no task asked the proxy for more blocks than it serves
    expect(node.logReads.refused).to.equal(refusedBefore);
  });
});
