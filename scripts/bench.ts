/**
 * Gas benchmark: deploys the system on the in-process network, measures each key operation next
 * to an OpenZeppelin baseline measured in the same run, writes bench/gas.json and prints a table.
 * Exits non-zero when a row's ratio exceeds its target or a must-be-equal pair differs.
 */
import fs from "node:fs";
import path from "node:path";
import hre, { ethers } from "hardhat";
import { mine, time } from "@nomicfoundation/hardhat-network-helpers";
import type { BaseContract, Signer } from "ethers";
import { Attr, Country } from "./lib/constants";
import { deployDvPSettlement, deployIdentityRegistry, deployInvoiceRegistry, deploySecurityToken } from "./lib/deploy";
import { executionGasOf, gasOf } from "./lib/gas";
import { invoiceKey } from "../tasks/lib/invoiceKey";

interface Row {
  op: string;
  gas: number;
  baseline?: string;
  baselineGas?: number;
  ratio?: number;
  target?: number;
}

const rows: Row[] = [];
const failures: string[] = [];

/** A measured row; with a baseline its ratio, and with a target a check of that ratio. */
function record(op: string, gas: bigint, baseline?: { op: string; gas: bigint; target?: number }): void {
  const row: Row = { op, gas: Number(gas) };
  if (baseline) {
    row.baseline = baseline.op;
    row.baselineGas = Number(baseline.gas);
    row.ratio = Math.round((Number(gas) / Number(baseline.gas)) * 1000) / 1000;
    if (baseline.target !== undefined) {
      row.target = baseline.target;
      if (row.ratio > baseline.target) failures.push(`${op}: ratio ${row.ratio} exceeds target ${baseline.target}`);
    }
  }
  rows.push(row);
}

function requireEqual(what: string, a: bigint, b: bigint): void {
  if (a !== b) failures.push(`${what}: ${a} != ${b}`);
}

async function benchToken() {
  const [admin, alice, bob, carol, dave, erin] = await ethers.getSigners();
  const expiry = (await time.latest()) + 10 * 365 * 24 * 3600;

  // Baselines: plain OpenZeppelin ERC-20, no proxy.
  const base = await ethers.deployContract("BaselineERC20");
  const baseMintNew = await gasOf(base.mint(alice.address, 1000));
  await base.mint(bob.address, 1000);
  const baseTransferExisting = await gasOf(base.connect(alice).transfer(bob.address, 10));
  const baseTransferNew = await gasOf(base.connect(alice).transfer(carol.address, 10));
  record("oz.erc20.mint.newHolder", baseMintNew);
  record("oz.erc20.transfer.existingHolder", baseTransferExisting);
  record("oz.erc20.transfer.newHolder", baseTransferNew);
  const existing = { op: "oz.erc20.transfer.existingHolder", gas: baseTransferExisting };
  const fresh = { op: "oz.erc20.transfer.newHolder", gas: baseTransferNew };

  const registry = await deployIdentityRegistry(hre, admin.address);
  await registry.grantRole(await registry.REGISTRAR_ROLE(), admin.address);
  const register = (wallet: string, name: string) =>
    registry.registerIdentity(wallet, ethers.id(name), Country.CN, expiry, Attr.INVESTOR);
  record("identity.register.newEntity", await gasOf(register(alice.address, "alice")));
  for (const [signer, name] of [
    [bob, "bob"],
    [carol, "carol"],
    [dave, "dave"],
    [erin, "erin"],
  ] as const) {
    await register(signer.address, name);
  }

  // Verification and freeze checks only (no optional rules).
  const plain = await deploySecurityToken(
    hre,
    { name: "Plain", symbol: "PLN", decimals: 0 },
    await registry.getAddress(),
    admin.address,
  );
  await plain.grantRole(await plain.AGENT_ROLE(), admin.address);
  record("token.mint.newHolder", await gasOf(plain.mint(alice.address, 1000)), {
    op: "oz.erc20.mint.newHolder",
    gas: baseMintNew,
    target: 2.5,
  });
  await plain.mint(bob.address, 1000);
  const plainExisting = await gasOf(plain.connect(alice).transfer(bob.address, 10));
  record("token.transfer.verifiedOnly.existingHolder", plainExisting, { ...existing, target: 1.6 });
  record("token.transfer.verifiedOnly.newHolder", await gasOf(plain.connect(alice).transfer(carol.address, 10)), {
    ...fresh,
    target: 1.6,
  });
  record("token.forcedTransfer.existingHolder", await gasOf(plain.forcedTransfer(alice.address, bob.address, 10)));

  // Country allow-list, per-entity maximum balance and maximum holders on.
  const ruled = await deploySecurityToken(
    hre,
    { name: "Ruled", symbol: "RLD", decimals: 0 },
    await registry.getAddress(),
    admin.address,
  );
  await ruled.grantRole(await ruled.AGENT_ROLE(), admin.address);
  await ruled.grantRole(await ruled.COMPLIANCE_ROLE(), admin.address);
  await ruled.setCountryAllowed(Country.CN, true);
  await ruled.setMaxEntityBalance(1_000_000);
  await ruled.setMaxHolders(5000);
  await ruled.mint(alice.address, 1000);
  await ruled.mint(bob.address, 1000);
  record("token.transfer.withRules.existingHolder", await gasOf(ruled.connect(alice).transfer(bob.address, 10)), {
    ...existing,
    target: 2.0,
  });
  record("token.transfer.withRules.newHolder", await gasOf(ruled.connect(alice).transfer(carol.address, 10)), {
    ...fresh,
    target: 2.0,
  });

  // The same transfer with 1,000 registered holders: gas must not grow with the number of holders.
  const batch = 100;
  for (let start = 0; start < 1000; start += batch) {
    const wallets = Array.from({ length: batch }, () => ethers.Wallet.createRandom().address);
    await registry.batchRegisterIdentity(
      wallets.map((wallet, i) => ({
        wallet,
        entityId: ethers.id(`holder-${start + i}`),
        country: Country.CN,
        expiry,
        attributes: Attr.INVESTOR,
      })),
    );
    await plain.batchMint(wallets, Array(batch).fill(1));
  }
  const plainExistingMany = await gasOf(plain.connect(alice).transfer(bob.address, 10));
  record("token.transfer.verifiedOnly.existingHolder.1000holders", plainExistingMany, {
    ...existing,
    target: 1.6,
  });
  requireEqual("transfer gas with 1,000 holders vs 2", plainExistingMany, plainExisting);
}

interface GovernanceCosts {
  propose: bigint;
  castVote: bigint;
  castVoteBySig: bigint;
  queue: bigint;
  execute: bigint;
}

const VOTING_DELAY = 1;
const VOTING_PERIOD = 3600;

/**
 * One proposal's life on `governor`: propose, a first vote For (`castVote`), a second by
 * signature relayed by someone else (`castVoteBySig`), queue and execute. The action is the same
 * for every governor measured: the timelock updating its own delay.
 */
async function governanceRound(
  governor: BaseContract,
  timelockAddress: string,
  voter: Signer,
  signer: Signer,
  relayer: Signer,
): Promise<GovernanceCosts> {
  const timelock = await ethers.getContractAt("TimelockController", timelockAddress);
  const targets = [timelockAddress];
  const values = [0];
  const calldatas = [timelock.interface.encodeFunctionData("updateDelay", [1])];
  const description = `bench ${Date.now()}`;
  const proposeTx = await governor.connect(voter).getFunction("propose")(targets, values, calldatas, description);
  const receipt = await proposeTx.wait();
  const proposalId = governor.interface.parseLog(receipt!.logs[0])!.args.proposalId as bigint;
  await time.increase(VOTING_DELAY + 1);

  const castVote = await gasOf(governor.connect(voter).getFunction("castVote")(proposalId, 1));
  const signerAddress = await signer.getAddress();
  const { chainId } = await ethers.provider.getNetwork();
  const domain = {
    name: await governor.getFunction("name")(),
    version: await governor.getFunction("version")(),
    chainId,
    verifyingContract: await governor.getAddress(),
  };
  const types = {
    Ballot: [
      { name: "proposalId", type: "uint256" },
      { name: "support", type: "uint8" },
      { name: "voter", type: "address" },
      { name: "nonce", type: "uint256" },
    ],
  };
  const nonce = await governor.getFunction("nonces")(signerAddress);
  const signature = await signer.signTypedData(domain, types, { proposalId, support: 1, voter: signerAddress, nonce });
  const castVoteBySig = await gasOf(
    governor.connect(relayer).getFunction("castVoteBySig")(proposalId, 1, signerAddress, signature),
  );

  await time.increase(VOTING_PERIOD + 1);
  const descriptionHash = ethers.id(description);
  const queue = await gasOf(
    governor.getFunction("queue(address[],uint256[],bytes[],bytes32)")(targets, values, calldatas, descriptionHash),
  );
  await time.increase(2);
  const execute = await gasOf(
    governor.getFunction("execute(address[],uint256[],bytes[],bytes32)")(targets, values, calldatas, descriptionHash),
  );
  return { propose: receipt!.gasUsed, castVote, castVoteBySig, queue, execute };
}

async function deployTimelock(admin: string) {
  const timelock = await ethers.deployContract("TimelockController", [1, [], [ethers.ZeroAddress], admin]);
  return timelock;
}

async function grantGovernor(timelock: Awaited<ReturnType<typeof deployTimelock>>, governor: string) {
  await timelock.grantRole(await timelock.PROPOSER_ROLE(), governor);
  await timelock.grantRole(await timelock.CANCELLER_ROLE(), governor);
}

/** The consortium governor with `memberCount` members; the first two are `voter` and `signer`. */
async function consortiumGovernance(
  memberCount: number,
  admin: Signer,
  voter: Signer,
  signer: Signer,
  relayer: Signer,
) {
  const timelock = await deployTimelock(await admin.getAddress());
  const founders = [
    { account: await voter.getAddress(), weight: 200, name: "Voter", uri: "" },
    { account: await signer.getAddress(), weight: 10, name: "Signer", uri: "" },
  ];
  const membershipFactory = await ethers.getContractFactory("ConsortiumMembership");
  // The bench's admin admits the other members one by one (a founders list of 100 would not fit
  // one block's gas), then hands the membership to the timelock.
  const membership = await hre.upgrades.deployProxy(membershipFactory, [await admin.getAddress(), founders], {
    kind: "uups",
  });
  for (let i = founders.length; i < memberCount; i++) {
    await membership.getFunction("addMember")(ethers.Wallet.createRandom().address, 1, `Member ${i}`, "");
  }
  await membership.getFunction("grantRole")(ethers.ZeroHash, await timelock.getAddress());
  await membership.getFunction("renounceRole")(ethers.ZeroHash, await admin.getAddress());
  const governor = await ethers.deployContract("ConsortiumGovernor", [
    await membership.getAddress(),
    await timelock.getAddress(),
    VOTING_DELAY,
    VOTING_PERIOD,
    1,
    5000,
    5000,
  ]);
  await grantGovernor(timelock, await governor.getAddress());
  await mine(1);
  return governanceRound(governor, await timelock.getAddress(), voter, signer, relayer);
}

/** OpenZeppelin Governor + ERC20Votes with the same holders' weights. */
async function baselineGovernance(memberCount: number, admin: Signer, voter: Signer, signer: Signer, relayer: Signer) {
  const timelock = await deployTimelock(await admin.getAddress());
  const token = await ethers.deployContract("BaselineVotesToken");
  await token.mint(await voter.getAddress(), 200);
  await token.mint(await signer.getAddress(), 10);
  for (let i = 2; i < memberCount; i++) await token.mint(ethers.Wallet.createRandom().address, 1);
  await token.connect(voter).delegate(await voter.getAddress());
  await token.connect(signer).delegate(await signer.getAddress());
  const governor = await ethers.deployContract("BaselineGovernor", [
    await token.getAddress(),
    await timelock.getAddress(),
    VOTING_DELAY,
    VOTING_PERIOD,
  ]);
  await grantGovernor(timelock, await governor.getAddress());
  await mine(1);
  return governanceRound(governor, await timelock.getAddress(), voter, signer, relayer);
}

async function benchGovernance() {
  const [admin, voter, signer, relayer] = await ethers.getSigners();
  const baseline = await baselineGovernance(5, admin, voter, signer, relayer);
  const five = await consortiumGovernance(5, admin, voter, signer, relayer);
  const hundred = await consortiumGovernance(100, admin, voter, signer, relayer);
  for (const op of Object.keys(baseline) as (keyof GovernanceCosts)[]) {
    record(`oz.governor.${op}`, baseline[op]);
  }
  for (const op of Object.keys(baseline) as (keyof GovernanceCosts)[]) {
    // The issue sets a target for castVote only; the others are reported with their ratio.
    // propose stores the whole proposal on chain (GovernorStorage) so tools can list proposals
    // without an indexer, which private chains lack.
    const target = op === "castVote" ? 1.1 : undefined;
    record(`governor.${op}.5members`, five[op], { op: `oz.governor.${op}`, gas: baseline[op], target });
    record(`governor.${op}.100members`, hundred[op], { op: `oz.governor.${op}`, gas: baseline[op], target });
  }
  requireEqual("castVote gas with 100 members vs 5", hundred.castVote, five.castVote);
}

interface InvoiceCosts {
  issue: bigint;
  accept: bigint;
  offer: bigint;
  finance: bigint;
  split2: bigint;
  split10: bigint;
  pay: bigint;
  payHeld: bigint;
  claim: bigint;
}

/**
 * Invoices: every operation measured on an early invoice and, after 1,000 more, on a late one,
 * each time with fresh, identically funded actors, so the two must cost exactly the same.
 */
async function benchInvoices() {
  const signers = await ethers.getSigners();
  const [admin, bulkSupplier, bulkDebtor] = signers;
  const expiry = (await time.latest()) + 10 * 365 * 24 * 3600;

  const baseline = await ethers.deployContract("BaselineERC721");
  const baseMint = await gasOf(baseline.mint(ethers.Wallet.createRandom().address, 1));
  record("oz.erc721.mint.newHolder", baseMint);

  const registry = await deployIdentityRegistry(hre, admin.address, [admin.address]);
  const cash = await deploySecurityToken(
    hre,
    { name: "Cash", symbol: "CSH", decimals: 2 },
    await registry.getAddress(),
    admin.address,
    {
      agents: [admin.address],
      complianceOfficers: [],
      guardians: [],
    },
  );
  const invoices = await deployInvoiceRegistry(hre, await registry.getAddress(), admin.address, [
    await cash.getAddress(),
  ]);
  const register = (wallet: string, name: string, attributes: number) =>
    registry.registerIdentity(wallet, ethers.id(name), Country.CN, expiry, attributes);
  await register(bulkSupplier.address, "bulk supplier", Attr.SUPPLIER);
  await register(bulkDebtor.address, "bulk debtor", Attr.DEBTOR);

  // The registry holds payments a holder cannot receive: the cash token must let it hold cash.
  await register(await invoices.getAddress(), "invoice registry", 0);
  let sequence = 0;
  // Invoice numbers of equal length, so every issue sends the same calldata size.
  const nextNumber = () => `BENCH-${String(sequence++).padStart(6, "0")}`;
  const dueDate = expiry - 1000;

  /** Each operation's total gas, and its execution gas (what must not change with the invoice count). */
  async function measure(
    actors: Signer[],
    label: string,
  ): Promise<Record<keyof InvoiceCosts, { gas: bigint; execution: bigint }>> {
    const [supplier, debtor, financier] = actors;
    await register(await supplier.getAddress(), `${label} supplier`, Attr.SUPPLIER);
    await register(await debtor.getAddress(), `${label} debtor`, Attr.DEBTOR);
    await register(await financier.getAddress(), `${label} financier`, Attr.FINANCIER);
    for (const payer of [debtor, financier]) {
      await cash.mint(await payer.getAddress(), 10_000_000);
      await cash.connect(payer).approve(await invoices.getAddress(), ethers.MaxUint256);
    }
    const cashAddress = await cash.getAddress();
    const issue = async () => {
      const number = nextNumber();
      const terms = {
        debtor: await debtor.getAddress(),
        faceValue: 100_000,
        currency: cashAddress,
        dueDate,
        documentHash: ethers.id("pdf"),
      };
      const cost = await executionGasOf(
        invoices.connect(supplier).issueInvoice(terms, "CN-SH", number, "ipfs://invoice"),
      );
      return { id: invoiceKey(ethers.id(`${label} supplier`), "CN-SH", number), cost };
    };
    const first = await issue();
    const accept = await executionGasOf(invoices.connect(debtor).acceptInvoice(first.id));
    const offer = await executionGasOf(
      invoices.connect(supplier).offerForFinancing(first.id, await financier.getAddress(), 97_000, 0),
    );
    const finance = await executionGasOf(invoices.connect(financier).finance(first.id, 97_000, 0));
    const pay = await executionGasOf(invoices.connect(debtor).pay(first.id, cashAddress, 40_000));
    // The holder (the financier) cannot receive: the payment is held, then claimed.
    await cash.setAddressFrozen(await financier.getAddress(), true);
    const payHeld = await executionGasOf(invoices.connect(debtor).pay(first.id, cashAddress, 30_000));
    await cash.setAddressFrozen(await financier.getAddress(), false);
    const claim = await executionGasOf(
      invoices.connect(financier).claimHeld(await financier.getAddress(), cashAddress),
    );
    const second = await issue();
    await invoices.connect(debtor).acceptInvoice(second.id);
    const split2 = await executionGasOf(invoices.connect(supplier).split(second.id, [60_000, 40_000]));
    const third = await issue();
    await invoices.connect(debtor).acceptInvoice(third.id);
    const split10 = await executionGasOf(invoices.connect(supplier).split(third.id, Array(10).fill(10_000)));
    return { issue: first.cost, accept, offer, finance, split2, split10, pay, payHeld, claim };
  }

  const early = await measure(signers.slice(3, 6), "early");
  const bulkTerms = {
    debtor: bulkDebtor.address,
    faceValue: 100,
    currency: await cash.getAddress(),
    dueDate,
    documentHash: ethers.ZeroHash,
  };
  for (let i = 0; i < 1000; i++) {
    await invoices.connect(bulkSupplier).issueInvoice(bulkTerms, "CN-SH", nextNumber(), "");
  }
  const late = await measure(signers.slice(6, 9), "late");

  for (const op of Object.keys(early) as (keyof InvoiceCosts)[]) {
    const baselineRow = op === "issue" ? { op: "oz.erc721.mint.newHolder", gas: baseMint, target: 2.5 } : undefined;
    record(`invoice.${op}.first`, early[op].gas, baselineRow);
    record(`invoice.${op}.after1000`, late[op].gas, baselineRow);
    // Compared without the calldata cost, which varies with the invoice numbers' characters.
    requireEqual(`invoice ${op} execution gas after 1,000 invoices vs first`, late[op].execution, early[op].execution);
  }
}

/**
 * DvP: one affirm-and-settle next to the same two legs as two direct transferFrom transactions,
 * and a 10-trade batch next to ten single settlements. Every party already holds both tokens, so
 * every case writes to non-zero balances.
 */
async function benchSettlement() {
  const [admin, seller, buyer, operator] = await ethers.getSigners();
  const expiry = (await time.latest()) + 10 * 365 * 24 * 3600;
  const registry = await deployIdentityRegistry(hre, admin.address, [admin.address]);
  const agents = { agents: [admin.address], complianceOfficers: [], guardians: [] };
  const shares = await deploySecurityToken(
    hre,
    { name: "Share", symbol: "SHR", decimals: 0 },
    await registry.getAddress(),
    admin.address,
    agents,
  );
  const cash = await deploySecurityToken(
    hre,
    { name: "Cash", symbol: "CSH", decimals: 2 },
    await registry.getAddress(),
    admin.address,
    agents,
  );
  const dvp = await deployDvPSettlement(hre, await registry.getAddress(), admin.address);
  for (const [party, name] of [
    [seller, "seller"],
    [buyer, "buyer"],
  ] as const) {
    await registry.registerIdentity(party.address, ethers.id(name), Country.CN, expiry, Attr.INVESTOR);
    await shares.mint(party.address, 1_000_000);
    await cash.mint(party.address, 100_000_000);
    for (const spender of [await dvp.getAddress(), operator.address]) {
      await shares.connect(party).approve(spender, 1n << 128n);
      await cash.connect(party).approve(spender, 1n << 128n);
    }
  }

  const directAsset = await gasOf(shares.connect(operator).transferFrom(seller.address, buyer.address, 100));
  const directCash = await gasOf(cash.connect(operator).transferFrom(buyer.address, seller.address, 10_000));
  record("direct.transferFrom.asset", directAsset);
  record("direct.transferFrom.cash", directCash);
  record("direct.transferFrom.bothLegs", directAsset + directCash);

  const terms = async (deferred: boolean) => ({
    seller: seller.address,
    buyer: buyer.address,
    asset: await shares.getAddress(),
    assetAmount: 100,
    cash: await cash.getAddress(),
    cashAmount: 10_000,
    expiry,
    clientReference: ethers.id("order"),
    deferred,
  });
  const propose = await gasOf(dvp.connect(seller).propose(await terms(false)));
  record("dvp.propose", propose);
  const id = await dvp.ticketCount();
  const single = await gasOf(dvp.connect(buyer).affirm(id));
  record("dvp.affirmAndSettle", single, {
    op: "direct.transferFrom.bothLegs",
    gas: directAsset + directCash,
    target: 1.1,
  });

  const ids: bigint[] = [];
  for (let i = 0; i < 10; i++) {
    await dvp.connect(seller).propose(await terms(true));
    ids.push(await dvp.ticketCount());
    await dvp.connect(buyer).affirm(ids[i]);
  }
  const batch = await gasOf(dvp.settleBatch(ids));
  record("dvp.settleBatch.10trades", batch, { op: "dvp.affirmAndSettle.x10", gas: single * 10n, target: 0.8 });
}

async function main() {
  await benchToken();
  await benchGovernance();
  await benchInvoices();
  await benchSettlement();

  const out = path.join(__dirname, "..", "bench", "gas.json");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(rows, null, 2) + "\n");

  console.table(
    rows.map((r) => ({
      operation: r.op,
      gas: r.gas,
      baseline: r.baseline ?? "",
      "baseline gas": r.baselineGas ?? "",
      ratio: r.ratio ?? "",
      target: r.target ?? "",
    })),
  );
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
  if (failures.length > 0) {
    console.error(`\n${failures.length} benchmark target(s) missed:\n  ${failures.join("\n  ")}`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
