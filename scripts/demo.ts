/**
 * The whole system on the in-process network, narrated: deployed under governance with the same
 * Ignition module and parameters ops use, a governance round, then a security token's life. Each
 * step prints what happened and its gas.
 */
import hre, { ethers } from "hardhat";
import type { Signer } from "ethers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import ConsortiumModule from "../ignition/modules/Consortium";
import { localhostParameters } from "./lib/parameters";
import { Attr, Country } from "./lib/constants";
import { Report } from "./lib/report";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type Order, Side, type SideValue, signOrder, signedOrderDocument } from "../tasks/lib/orders";
import { Venue } from "../venue/service";
import { invoiceKey } from "../tasks/lib/invoiceKey";
import { demoCorporateActions } from "./lib/demoActions";
import { demoCredit } from "./lib/demoCredit";
import type {
  AssetRegistry,
  ConsortiumGovernor,
  CorporateActions,
  CreditRegistry,
  DvPSettlement,
  InvoiceRegistry,
  ConsortiumMembership,
  IdentityRegistry,
  SecurityToken,
  TimelockController,
} from "../typechain-types";

const YEAR = 365 * 24 * 3600;
const VoteType = { Against: 0, For: 1, Abstain: 2 } as const;
const ProposalState = ["Pending", "Active", "Canceled", "Defeated", "Succeeded", "Queued", "Expired", "Executed"];

/** A wallet of the in-process network's configured mnemonic (the venue needs a key, not a signer). */
function demoWallet(index: number) {
  const accounts = hre.network.config.accounts as { mnemonic: string; path: string; passphrase?: string };
  const seed = ethers.Mnemonic.fromPhrase(accounts.mnemonic, accounts.passphrase ?? "").computeSeed();
  return ethers.HDNodeWallet.fromSeed(seed).derivePath(`${accounts.path}/${index}`);
}

async function main() {
  const signers = await ethers.getSigners();
  const [, bank, securities, insurer, registrar, transferAgent, , , alice, aliceNewWallet, bob, carol] = signers;
  const [creditUnion, kycPartners, dave, supplier, debtor, bankA, bankB] = signers.slice(12);
  const cashIssuer = signers[6];
  const r = new Report();

  r.section("Deployment: the whole system under governance (Ignition)");
  const deployed = await hre.ignition.deploy(ConsortiumModule, { parameters: localhostParameters() });
  const governor = deployed.governor as unknown as ConsortiumGovernor;
  const membership = deployed.membership as unknown as ConsortiumMembership;
  const timelock = deployed.timelock as unknown as TimelockController;
  const registry = deployed.identityRegistry as unknown as IdentityRegistry;
  const shares = deployed.securityToken as unknown as SecurityToken;
  const cash = deployed.cashToken as unknown as SecurityToken;
  const invoices = deployed.invoiceRegistry as unknown as InvoiceRegistry;
  const dvp = deployed.dvpSettlement as unknown as DvPSettlement;
  for (const [name, contract] of Object.entries(deployed)) r.note(`${name.padEnd(18)} ${await contract.getAddress()}`);
  r.note(`members: ${await membership.memberCount()}, total weight ${await membership.totalWeight()}`);
  r.note(
    `the timelock is admin of the registry: ${await registry.hasRole(ethers.ZeroHash, await timelock.getAddress())}`,
  );

  r.section("Governance: admit a member and appoint a registrar");
  const REGISTRAR_ROLE = await registry.REGISTRAR_ROLE();
  const targets = [await membership.getAddress(), await registry.getAddress()];
  const values = [0, 0];
  const calldatas = [
    membership.interface.encodeFunctionData("addMember", [
      creditUnion.address,
      20,
      "Shenzhen Credit Union",
      "https://members.example/scu",
    ]),
    registry.interface.encodeFunctionData("grantRole", [REGISTRAR_ROLE, kycPartners.address]),
  ];
  const description = "Admit Shenzhen Credit Union (weight 20); appoint KYC Partners as registrar";
  await r.tx(
    "Pearl River Bank proposes (2 actions)",
    governor.connect(bank).propose(targets, values, calldatas, description),
  );
  const proposalId = await governor.proposalCount();
  r.note(`proposal #${proposalId} "${description}": ${ProposalState[Number(await governor.state(proposalId))]}`);
  await time.increase(Number(await governor.votingDelay()) + 1);

  await r.tx("Pearl River Bank (40) votes For", governor.connect(bank).castVote(proposalId, VoteType.For));
  // Nanshan Securities signs offline (HSM / cold wallet): an EIP-712 ballot anyone can relay.
  const domain = {
    name: await governor.name(),
    version: await governor.version(),
    chainId: (await ethers.provider.getNetwork()).chainId,
    verifyingContract: await governor.getAddress(),
  };
  const ballot = {
    proposalId,
    support: VoteType.For,
    voter: securities.address,
    nonce: await governor.nonces(securities.address),
  };
  const signature = await securities.signTypedData(
    domain,
    {
      Ballot: [
        { name: "proposalId", type: "uint256" },
        { name: "support", type: "uint8" },
        { name: "voter", type: "address" },
        { name: "nonce", type: "uint256" },
      ],
    },
    ballot,
  );
  r.note("Nanshan Securities signs its vote offline; the signature travels as a file");
  await r.tx(
    "an operator relays Nanshan Securities' (35) signed For",
    governor.connect(registrar).castVoteBySig(proposalId, VoteType.For, securities.address, signature),
  );
  await r.tx(
    "Qianhai Insurance (25) votes Abstain",
    governor.connect(insurer).castVoteWithReason(proposalId, VoteType.Abstain, "no objection"),
  );
  const [against, inFavour, abstain] = await governor.proposalVotes(proposalId);
  // admitting a member and granting a role make the proposal sensitive: the sensitive thresholds apply
  const [sensitiveQuorum, sensitiveApproval] = await governor.sensitiveThresholds(
    await governor.proposalSnapshot(proposalId),
  );
  r.note(
    `For ${inFavour}, Against ${against}, Abstain ${abstain}; a ${(await governor.proposalClass(proposalId)) === 1n ? "sensitive" : "routine"} proposal: sensitive quorum ${sensitiveQuorum} bps, sensitive approval threshold ${sensitiveApproval} bps`,
  );

  await time.increase(Number(await governor.votingPeriod()));
  r.note(`vote closed: ${ProposalState[Number(await governor.state(proposalId))]}`);
  await r.tx("queue in the timelock", governor["queue(uint256)"](proposalId));
  r.note(
    `executable from ${new Date(Number(await governor.proposalEta(proposalId)) * 1000).toISOString()} (timelock delay ${await timelock.getMinDelay()} s)`,
  );
  await time.increase(Number(await timelock.getMinDelay()) + 1);
  await r.tx("anyone executes after the delay", governor["execute(uint256)"](proposalId));
  r.note(
    `Shenzhen Credit Union is a member: ${await membership.isMember(creditUnion.address)} (weight ${await membership.weightOf(creditUnion.address)}); KYC Partners is a registrar: ${await registry.hasRole(REGISTRAR_ROLE, kycPartners.address)}`,
  );
  const expiry = (await time.latest()) + YEAR;
  await r.tx(
    "the new registrar registers Dave Fund (SG, investor)",
    registry
      .connect(kycPartners)
      .registerIdentity(dave.address, ethers.id("Dave Fund"), Country.SG, expiry, Attr.INVESTOR),
  );

  r.section("Identity: investors pass KYC");
  const kyc = registry.connect(registrar);
  await r.tx(
    "register Alice Capital (CN, investor)",
    kyc.registerIdentity(alice.address, ethers.id("Alice Capital"), Country.CN, expiry, Attr.INVESTOR),
  );
  await r.tx(
    "register Alice Capital's second wallet",
    kyc.registerIdentity(aliceNewWallet.address, ethers.id("Alice Capital"), Country.CN, expiry, Attr.INVESTOR),
  );
  await r.tx(
    "register Bob Securities (HK, investor)",
    kyc.registerIdentity(bob.address, ethers.id("Bob Securities"), Country.HK, expiry, Attr.INVESTOR),
  );
  await r.tx(
    "register Carol Trading (US, investor)",
    kyc.registerIdentity(carol.address, ethers.id("Carol Trading"), Country.US, expiry, Attr.INVESTOR),
  );

  r.section("Security token: issue, transfer, refuse, freeze, recover");
  const agent = shares.connect(transferAgent);
  await r.tx("country rule on: only allowed countries may receive", agent.setCountryRestriction(true));
  await r.tx("allow-list: China", agent.setCountryAllowed(Country.CN, true));
  await r.tx("allow-list: Hong Kong", agent.setCountryAllowed(Country.HK, true));
  await r.tx("issue 10,000 shares to Alice Capital", agent.mint(alice.address, 10_000));

  const code = await shares.detectTransferRestriction(alice.address, carol.address, 500);
  r.note(`Alice -> Carol 500 shares: refused, code ${code}: "${await shares.messageForTransferRestriction(code)}"`);
  try {
    await shares.connect(alice).transfer.staticCall(carol.address, 500);
    throw new Error("a transfer to a disallowed country would go through");
  } catch (error) {
    const parsed = shares.interface.parseError((error as { data?: string }).data ?? "0x");
    if (!parsed) throw error;
    r.note(`   and the transfer reverts with ${parsed.name}(${parsed.args.join(", ")})`);
  }
  await r.tx("Alice -> Bob 2,500 shares (verified, HK allowed)", shares.connect(alice).transfer(bob.address, 2_500));
  r.note(
    `holders: ${await shares.holderCount()} entities; Alice ${await shares.balanceOf(alice.address)}, Bob ${await shares.balanceOf(bob.address)}`,
  );

  await r.tx(
    "freeze Bob's wallet (regulator's request REG-2026-118)",
    agent.setAddressFrozenWithReason(bob.address, true, ethers.encodeBytes32String("REG-2026-118")),
  );
  const frozenCode = await shares.detectTransferRestriction(bob.address, alice.address, 100);
  r.note(
    `Bob -> Alice 100 shares: refused, code ${frozenCode}: "${await shares.messageForTransferRestriction(frozenCode)}"`,
  );
  await r.tx("unfreeze Bob's wallet", agent.setAddressFrozen(bob.address, false));

  await r.tx(
    "Alice reports her key lost: recover to her new wallet",
    agent.recoveryAddress(alice.address, aliceNewWallet.address, await registry.identity(alice.address)),
  );
  r.note(
    `Alice's old wallet ${await shares.balanceOf(alice.address)}, new wallet ${await shares.balanceOf(aliceNewWallet.address)}; entity balance ${await shares.entityBalance(ethers.id("Alice Capital"))}`,
  );

  r.section("Invoices: a receivable financed once, split along the chain, paid");
  await r.tx(
    "register Shenzhen Components (supplier)",
    kyc.registerIdentity(supplier.address, ethers.id("Shenzhen Components"), Country.CN, expiry, Attr.SUPPLIER),
  );
  await r.tx(
    "register Great Bay Motors (debtor)",
    kyc.registerIdentity(debtor.address, ethers.id("Great Bay Motors"), Country.CN, expiry, Attr.DEBTOR),
  );
  await r.tx(
    "register Bank A (financier)",
    kyc.registerIdentity(bankA.address, ethers.id("Bank A"), Country.CN, expiry, Attr.FINANCIER),
  );
  await r.tx(
    "register Bank B (financier)",
    kyc.registerIdentity(bankB.address, ethers.id("Bank B"), Country.HK, expiry, Attr.FINANCIER),
  );
  const issuer = cash.connect(cashIssuer);
  const yuan = (amount: number) => BigInt(Math.round(amount * 100)); // the cash token has 2 decimals
  const show = (amount: bigint) =>
    `CNY ${(Number(amount) / 100).toLocaleString("en-US", { minimumFractionDigits: 2 })}`;
  await r.tx("cash issuer credits Great Bay Motors CNY 1,000,000", issuer.mint(debtor.address, yuan(1_000_000)));
  await r.tx("cash issuer credits Bank A CNY 1,000,000", issuer.mint(bankA.address, yuan(1_000_000)));
  await r.tx("cash issuer credits Bank B CNY 1,000,000", issuer.mint(bankB.address, yuan(1_000_000)));
  for (const [who, name] of [
    [debtor, "Great Bay Motors"],
    [bankA, "Bank A"],
    [bankB, "Bank B"],
  ] as const) {
    await r.tx(
      `${name} lets the invoice registry draw its cash`,
      cash.connect(who).approve(await invoices.getAddress(), ethers.MaxUint256),
    );
  }

  // The key is derived on chain from the supplier's entity, the tax authority's code and the number.
  const terms = {
    debtor: debtor.address,
    faceValue: yuan(500_000),
    currency: await cash.getAddress(),
    dueDate: (await time.latest()) + 90 * 24 * 3600,
    documentHash: ethers.id("invoice pdf"),
  };
  await r.tx(
    "Shenzhen Components issues INV-2026-0042 (tax authority CN-GD), CNY 500,000, 90 days",
    invoices.connect(supplier).issueInvoice(terms, "CN-GD", "INV-2026-0042", "ipfs://bafy-invoice-0042"),
  );
  const invoiceId = invoiceKey(ethers.id("Shenzhen Components"), "CN-GD", "INV-2026-0042");
  r.note(`receivable id = canonical key ${ethers.toBeHex(invoiceId, 32).slice(0, 18)}... (npx hardhat invoice:key)`);
  await r.tx(
    "Great Bay Motors accepts: the debt is now undisputable",
    invoices.connect(debtor).acceptInvoice(invoiceId),
  );
  await r.tx(
    "Shenzhen Components offers it to Bank A for CNY 490,000",
    invoices.connect(supplier).offerForFinancing(invoiceId, bankA.address, yuan(490_000), 0),
  );
  await r.tx(
    "Bank A finances: pays and receives the receivable at once",
    invoices.connect(bankA).finance(invoiceId, yuan(490_000), 0),
  );
  r.note(
    `owner: Bank A ${(await invoices.ownerOf(invoiceId)) === bankA.address}; Shenzhen Components received ${show(await cash.balanceOf(supplier.address))}`,
  );
  for (const [authority, number] of [
    ["CN-GD", "INV-2026-0042"],
    ["cn-gd", "inv-2026-0042"],
  ]) {
    try {
      await invoices.connect(supplier).issueInvoice.staticCall(terms, authority, number, "ipfs://again");
      throw new Error("a duplicate invoice would be registered");
    } catch (error) {
      const parsed = invoices.interface.parseError((error as { data?: string }).data ?? "0x");
      if (!parsed) throw error;
      r.note(
        `the same invoice registered again as ${authority} ${number}, to finance it at Bank B: refused, ${parsed.name}`,
      );
    }
  }
  r.note(
    `Bank B's double-financing check: statusOf(key) -> already registered: ${(await invoices.statusOf(invoiceId)) !== 0n}`,
  );

  const splitTx = await invoices.connect(bankA).split(invoiceId, [yuan(300_000), yuan(200_000)]);
  await r.tx("Bank A splits it: CNY 300,000 + CNY 200,000", Promise.resolve(splitTx));
  const splitEvent = (await splitTx.wait())!.logs
    .map((log) => invoices.interface.parseLog(log))
    .find((e) => e?.name === "InvoiceSplit")!;
  const [pieceA, pieceB] = splitEvent.args.childIds as bigint[];
  await r.tx(
    "Bank A offers the CNY 200,000 piece to Bank B for CNY 197,000",
    invoices.connect(bankA).offerForFinancing(pieceB, bankB.address, yuan(197_000), 0),
  );
  await r.tx("Bank B finances the piece", invoices.connect(bankB).finance(pieceB, yuan(197_000), 0));
  const bankABefore = await cash.balanceOf(bankA.address);
  const bankBBefore = await cash.balanceOf(bankB.address);
  await r.tx(
    "Great Bay Motors pays the CNY 300,000 piece",
    invoices.connect(debtor).pay(pieceA, await cash.getAddress(), yuan(300_000)),
  );
  await r.tx(
    "Great Bay Motors pays the CNY 200,000 piece",
    invoices.connect(debtor).pay(pieceB, await cash.getAddress(), yuan(200_000)),
  );
  r.note(
    `Bank A received ${show((await cash.balanceOf(bankA.address)) - bankABefore)}, Bank B received ${show((await cash.balanceOf(bankB.address)) - bankBBefore)}; both pieces Paid: ${(await invoices.statusOf(pieceA)) === 5n && (await invoices.statusOf(pieceB)) === 5n}`,
  );

  const record = await invoices.paymentRecordOf(ethers.id("Great Bay Motors"), await cash.getAddress());
  r.note(
    `Great Bay Motors' payment record: ${record.acceptedCount} accepted (${show(record.acceptedValue)}), paid on time ${show(record.paidOnTimeValue)}, late ${show(record.paidLateValue)}, defaulted ${record.defaultedCount}, outstanding ${show(record.outstanding)}`,
  );

  await demoHeldPayment(r, { invoices, cash, supplier, debtor, bankA, freezer: cashIssuer });
  const credit = deployed.creditRegistry as unknown as CreditRegistry;
  await demoCredit(r, { kyc, invoices, credit, cash, supplier, debtor, bankA });

  r.section("Securities trading: delivery versus payment");
  await r.tx("cash issuer credits Bob Securities CNY 100,000", issuer.mint(bob.address, yuan(100_000)));
  await r.tx("cash issuer credits Carol Trading CNY 100,000", issuer.mint(carol.address, yuan(100_000)));
  await r.tx(
    "Alice Capital lets DvP deliver its shares",
    shares.connect(aliceNewWallet).approve(await dvp.getAddress(), ethers.MaxUint256),
  );
  await r.tx(
    "Bob Securities lets DvP draw its cash",
    cash.connect(bob).approve(await dvp.getAddress(), ethers.MaxUint256),
  );
  await r.tx(
    "Carol Trading lets DvP draw its cash",
    cash.connect(carol).approve(await dvp.getAddress(), ethers.MaxUint256),
  );
  const trade = (buyer: string, reference: string) => ({
    seller: aliceNewWallet.address,
    buyer,
    asset: shares.getAddress(),
    assetAmount: 1_000,
    cash: cash.getAddress(),
    cashAmount: yuan(25_000),
    expiry: expiry - YEAR + 24 * 3600,
    clientReference: ethers.id(reference),
    deferred: false,
  });
  await r.tx(
    "Alice Capital proposes: 1,000 SZPH to Bob for CNY 25,000",
    dvp.connect(aliceNewWallet).propose(trade(bob.address, "ORD-1")),
  );
  const ticket = await dvp.ticketCount();
  await r.tx("Bob Securities affirms: both legs settle atomically", dvp.connect(bob).affirm(ticket));
  r.note(
    `Bob holds ${await shares.balanceOf(bob.address)} SZPH; Alice Capital's new wallet received ${show(await cash.balanceOf(aliceNewWallet.address))}`,
  );
  await r.tx(
    "Alice Capital proposes: 1,000 SZPH to Carol (US)",
    dvp.connect(aliceNewWallet).propose(trade(carol.address, "ORD-2")),
  );
  const refused = await dvp.ticketCount();
  try {
    await dvp.connect(carol).affirm.staticCall(refused);
    throw new Error("a trade to a disallowed country would settle");
  } catch (error) {
    const parsed = dvp.interface.parseError((error as { data?: string }).data ?? "0x");
    if (!parsed) throw error;
    const [leg, legCode] = parsed.args as unknown as [bigint, bigint];
    r.note(
      `Carol's affirmation is refused: ${parsed.name}(${leg}, ${legCode}) = ${["asset", "cash", "fee"][Number(leg)]} leg, "${await shares.messageForTransferRestriction(legCode)}"; nothing moved`,
    );
  }
  await r.tx("Alice Capital cancels the refused ticket", dvp.connect(aliceNewWallet).cancel(refused));

  r.section("Securities trading: signed orders, the matching venue and an RFQ");
  // The venue operator's role is granted by governance; here the timelock's call stands for that proposal.
  const venueWallet = demoWallet(19).connect(ethers.provider);
  await hre.network.provider.request({ method: "hardhat_impersonateAccount", params: [await timelock.getAddress()] });
  await hre.network.provider.request({
    method: "hardhat_setBalance",
    params: [await timelock.getAddress(), "0x56BC75E2D63100000"],
  });
  const timelockSigner = await ethers.getSigner(await timelock.getAddress());
  await r.tx(
    "governance (timelock) grants VENUE_OPERATOR_ROLE to the venue's key",
    dvp.connect(timelockSigner).grantRole(await dvp.VENUE_OPERATOR_ROLE(), venueWallet.address),
  );
  await r.tx(
    "Bob Securities lets DvP deliver its shares",
    shares.connect(bob).approve(await dvp.getAddress(), ethers.MaxUint256),
  );
  await r.tx(
    "Alice Capital lets DvP draw its cash",
    cash.connect(aliceNewWallet).approve(await dvp.getAddress(), ethers.MaxUint256),
  );
  const venue = await Venue.start({
    operator: venueWallet,
    dvpAddress: await dvp.getAddress(),
    dataDir: fs.mkdtempSync(path.join(os.tmpdir(), "demo-venue-")),
  });
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const sharesAddress = await shares.getAddress();
  let salt = 0n;
  const orderBy = async (
    maker: typeof bob,
    side: SideValue,
    quantity: bigint,
    price: bigint,
    taker = ethers.ZeroAddress,
  ) => {
    const order: Order = {
      maker: maker.address,
      side,
      asset: sharesAddress,
      cash: await cash.getAddress(),
      quantity,
      price,
      minFill: 0n,
      taker,
      expiry: BigInt(expiry - YEAR + 24 * 3600),
      nonce: 0n,
      salt: ++salt,
      deferred: false,
    };
    const signature = await signOrder(maker, order, chainId, await dvp.getAddress());
    return { order, signature, doc: signedOrderDocument(order, signature, chainId, await dvp.getAddress()) };
  };
  const showBook = () => {
    const book = venue.book(sharesAddress);
    for (const o of book.offers)
      r.note(`  offer ${o.remaining} SZPH at ${show(BigInt(o.price))}  (${o.maker.slice(0, 10)}…)`);
    for (const b of book.bids)
      r.note(`  bid   ${b.remaining} SZPH at ${show(BigInt(b.price))}  (${b.maker.slice(0, 10)}…)`);
  };
  for (const [who, maker, side, quantity, price] of [
    ["Bob Securities bids", bob, Side.Buy, 200n, yuan(24)],
    ["Bob Securities bids", bob, Side.Buy, 300n, yuan(23.5)],
    ["Alice Capital offers", aliceNewWallet, Side.Sell, 150n, yuan(25.5)],
    ["Alice Capital offers", aliceNewWallet, Side.Sell, 100n, yuan(26)],
  ] as const) {
    await venue.submit((await orderBy(maker, side, quantity, price)).doc);
    r.note(`${who} ${quantity} SZPH at ${show(price)} (signed off line, submitted to the venue)`);
  }
  r.note("the venue's book (SZPH), offers lowest first, bids highest first:");
  showBook();
  const sellerCash = await cash.balanceOf(aliceNewWallet.address);
  const hit = await venue.submit((await orderBy(aliceNewWallet, Side.Sell, 120n, yuan(23.8))).doc);
  r.note(
    `Alice Capital sells 120 SZPH at ${show(yuan(23.8))} or better: the venue matches it with Bob's resting bid ` +
      `at ${show(BigInt(hit.trades[0].price))} (matchOrders, transaction ${hit.trades[0].txHash?.slice(0, 12)}…); Alice received ` +
      `${show((await cash.balanceOf(aliceNewWallet.address)) - sellerCash)}`,
  );
  r.note("the book after the match:");
  showBook();
  await venue.close();
  const quote = await orderBy(aliceNewWallet, Side.Sell, 50n, yuan(24.8), bob.address);
  await r.tx(
    `RFQ: Alice Capital quotes Bob only 50 SZPH at ${show(yuan(24.8))}; Bob fills it directly (fill)`,
    dvp.connect(bob).fill(quote.order, quote.signature, 50n),
  );
  r.note(`Bob holds ${await shares.balanceOf(bob.address)} SZPH`);

  const bond = await issueBond(r, deployed);
  await demoCorporateActions({
    r,
    governor,
    registry,
    cash,
    assets: deployed.assetRegistry as unknown as AssetRegistry,
    bond,
    corporateActions: deployed.corporateActions as unknown as CorporateActions,
    voters: [bank, securities, insurer],
    registrar,
    transferAgent,
    cashIssuer,
    payingAgent: signers[19],
    holders: [bob, carol],
  });

  r.summary();
}

/**
 * A holder that cannot receive does not block the debtor: the deployment registered the invoice
 * registry as a verified participant, so it holds the payment until the holder claims it.
 */
async function demoHeldPayment(
  r: Report,
  c: {
    invoices: InvoiceRegistry;
    cash: SecurityToken;
    supplier: Signer;
    debtor: Signer;
    bankA: Signer;
    freezer: Signer;
  },
) {
  const { invoices, cash, supplier, debtor, bankA } = c;
  r.section("Invoices: a payment the holder cannot receive is held for it, then claimed");
  const currency = await cash.getAddress();
  const amount = 80_000_00n; // CNY 80,000.00 (2 decimals)
  const terms = {
    debtor: await debtor.getAddress(),
    faceValue: amount,
    currency,
    dueDate: (await time.latest()) + 60 * 24 * 3600,
    documentHash: ethers.id("invoice pdf 0043"),
  };
  await r.tx(
    "Shenzhen Components issues INV-2026-0043 (CN-GD), CNY 80,000",
    invoices.connect(supplier).issueInvoice(terms, "CN-GD", "INV-2026-0043", "ipfs://bafy-invoice-0043"),
  );
  const id = invoiceKey(ethers.id("Shenzhen Components"), "CN-GD", "INV-2026-0043");
  await r.tx("Great Bay Motors accepts it", invoices.connect(debtor).acceptInvoice(id));
  await r.tx(
    "Shenzhen Components offers it to Bank A for CNY 78,000",
    invoices.connect(supplier).offerForFinancing(id, await bankA.getAddress(), 78_000_00n, 0),
  );
  await r.tx("Bank A finances it", invoices.connect(bankA).finance(id, 78_000_00n, 0));
  await r.tx(
    "the cash agent freezes Bank A's cash wallet (a regulator's request)",
    cash.connect(c.freezer).setAddressFrozen(await bankA.getAddress(), true),
  );
  await r.tx(
    "Great Bay Motors pays CNY 80,000 on time: Bank A cannot receive, the registry holds it",
    invoices.connect(debtor).pay(id, currency, amount),
  );
  r.note(
    `status Paid: ${(await invoices.statusOf(id)) === 5n}; held for Bank A: ${await invoices.heldPayments(await bankA.getAddress(), currency)} cents`,
  );
  await r.tx(
    "the cash agent unfreezes Bank A",
    cash.connect(c.freezer).setAddressFrozen(await bankA.getAddress(), false),
  );
  await r.tx("Bank A claims the held payment", invoices.connect(bankA).claimHeld(await bankA.getAddress(), currency));
  r.note(`held for Bank A now: ${await invoices.heldPayments(await bankA.getAddress(), currency)}`);
}

/**
 * The asset registry: a new bond is issued through a full governance round (propose, vote, queue,
 * execute): the timelock's createAsset deploys, binds and lists its token in one transaction; then
 * the directory is listed.
 */
async function issueBond(r: Report, deployed: Awaited<ReturnType<typeof hre.ignition.deploy>>): Promise<string> {
  const signers = await ethers.getSigners();
  const [, bank, securities, insurer, registrar, transferAgent, , guardian] = signers;
  const issuerWallet = signers[19];
  const governor = deployed.governor as unknown as ConsortiumGovernor;
  const timelock = deployed.timelock as unknown as TimelockController;
  const registry = deployed.identityRegistry as unknown as IdentityRegistry;
  const assets = deployed.assetRegistry as unknown as AssetRegistry;
  r.section("Asset registry: a bond issued by a member vote, then the directory");
  const issuer = ethers.id("Shenzhen Metro Group");
  await r.tx(
    "registrar registers the issuer, Shenzhen Metro Group",
    registry
      .connect(registrar)
      .registerIdentity(issuerWallet.address, issuer, Country.CN, (await time.latest()) + YEAR, Attr.INVESTOR),
  );
  const maturity = BigInt((await time.latest()) + 5 * YEAR);
  const spec = { name: "Shenzhen Metro 3.2% 2030", symbol: "SZMB30", decimals: 2 };
  const terms = {
    kind: 1, // bond
    code: ethers.hexlify(ethers.toUtf8Bytes("CNSZMB203007")),
    issuer,
    maturity,
    termsURI: "ipfs://shenzhen-metro-2030-prospectus",
    termsHash: ethers.id("Shenzhen Metro 3.2% 2030 prospectus"),
  };
  const duty = [transferAgent.address];
  const operators = {
    supplyAgents: duty,
    freezeAgents: duty,
    forcedTransferAgents: duty,
    recoveryAgents: duty,
    documentAgents: duty,
    complianceOfficers: duty,
    guardians: [guardian.address],
  };
  const calldata = assets.interface.encodeFunctionData("createAsset", [spec, terms, operators]);
  const description = "Issue the Shenzhen Metro 3.2% 2030 bond (CNSZMB203007)";
  const target = await assets.getAddress();
  await r.tx(
    "Pearl River Bank proposes issue-security",
    governor.connect(bank).propose([target], [0], [calldata], description),
  );
  const id = await governor.proposalCount();
  await time.increase(Number(await governor.votingDelay()) + 1);
  for (const [member, name] of [
    [bank, "Pearl River Bank"],
    [securities, "Nanshan Securities"],
    [insurer, "Qianhai Insurance"],
  ] as const) {
    await r.tx(`${name} votes For`, governor.connect(member).castVote(id, VoteType.For));
  }
  await time.increase(Number(await governor.votingPeriod()));
  await r.tx("queue in the timelock", governor["queue(uint256)"](id));
  await time.increase(Number(await timelock.getMinDelay()) + 1);
  await r.tx("execute: createAsset deploys, binds and lists the bond's token", governor["execute(uint256)"](id));
  const count = await assets.assetCount();
  r.note(`the asset registry lists ${count} assets:`);
  for (let i = 0n; i < count; i++) {
    const a = await assets.assetAt(i);
    const token = (await ethers.getContractAt("SecurityToken", a.token)) as unknown as SecurityToken;
    const kind = ["equity", "bond", "fund unit", "cash", "other"][Number(a.kind)];
    const status = ["active", "suspended", "matured", "redeemed"][Number(a.status)];
    r.note(
      `  ${ethers.toUtf8String(a.code)}  ${(await token.symbol()).padEnd(7)} ${kind.padEnd(6)} ${status.padEnd(7)} supply ${await token.totalSupply()}, ${await token.holderCount()} holders  ${a.token}`,
    );
  }
  return (await assets.assetByCode(terms.code)).token;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
