import { expect } from "chai";
import fc from "fast-check";
import hre, { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse } from "ethers";
import { Attr, Country, Restriction } from "../../scripts/lib/constants";
import { allDuties, deploySecurityToken } from "../../scripts/lib/deploy";
import type { SecurityToken } from "../../typechain-types";
import { deployTokenFixture, entity } from "../fixtures/token";

/**
 * Differential property test of the token's cached compliance decisions (issue 9, "Correctness
 * before speed"). Two tokens share one IdentityRegistry and cache its participant records; random
 * sequences of registry changes (register, update, removal, re-registration, an entity's second
 * wallet, time passing an expiry), rule changes (required attributes, country rule and allow-list,
 * maximum entity balance, maximum holders, compliance hook, pause, freezes) and token operations
 * (mint, locked mint, transfer, transferFrom, forced transfer, burn, recovery) run against them.
 * After every step, for a few (token, from, to, amount) probes, the token's decision — both
 * `detectTransferRestriction` and the outcome of actually attempting the transfer or mint (a
 * static call, so nothing changes) — must equal a reference decision that this test computes from
 * the registry's own views (`isVerified`, `identityOf`, `participantsOf`, `boundEntityOf`) and
 * the token's settings, following the rule order of contracts/token/TransferRestrictions.sol.
 *
 * Every view call and static call runs at the latest block's timestamp and every transaction is
 * mined one second after the previous block, so a run never depends on the wall clock.
 * Reproducible: fixed seed; FC_SEED / FC_RUNS / FC_STEPS override it to explore further.
 */
const SEED = Number(process.env.FC_SEED ?? 20261130);
const NUM_RUNS = Number(process.env.FC_RUNS ?? 200);
const MAX_STEPS = Number(process.env.FC_STEPS ?? 10);

// ------------------------------------------------------------------ the world

/**
 * Wallets and the entity each may be registered for (a wallet stays bound to its entity for good).
 * bob2 and dave start unregistered: registering bob2 gives BOB a second wallet, dave is a new entity.
 */
const WALLETS = ["alice", "alice2", "bob", "bob2", "carol", "dave"] as const;
type Wallet = (typeof WALLETS)[number];
const ENTITY_OF: Record<Wallet, string> = {
  alice: "ALICE",
  alice2: "ALICE",
  bob: "BOB",
  bob2: "BOB",
  carol: "CAROL",
  dave: "DAVE",
};
const TOKENS = [0, 1] as const;
type TokenIx = (typeof TOKENS)[number];
const COUNTRIES = [Country.CN, Country.HK, Country.US] as const;
/** Expiry offsets and time jumps: a jump may pass some expiries and release times, not others. */
const EXPIRY_OFFSETS = [3_600, 3 * 86_400, 365 * 86_400] as const;
const TIME_JUMPS = [600, 7_200, 2 * 86_400, 40 * 86_400] as const;
const LOCK_OFFSETS = [3_600, 5 * 86_400] as const;
/** The shared compliance hook refuses transfers to `HOOK_BLOCKED` and any transfer above `HOOK_MAX`. */
const HOOK_BLOCKED: Wallet = "dave";
const HOOK_MAX = 250n;

/** An amount: absolute, or n/1000 of a base (the sender's balance, a free or frozen amount). */
interface Amount {
  rel: boolean;
  n: number;
}

type Op =
  // registry
  | { kind: "register"; w: Wallet; country: number; expiry: number; attributes: number }
  | { kind: "update"; w: Wallet; country: number; expiry: number; attributes: number }
  | { kind: "remove"; w: Wallet }
  | { kind: "increaseTime"; seconds: number }
  // rules
  | { kind: "setRequiredAttributes"; t: TokenIx; mask: number }
  | { kind: "setCountryRestriction"; t: TokenIx; on: boolean }
  | { kind: "setCountryAllowed"; t: TokenIx; country: number; allowed: boolean }
  | { kind: "setMaxEntityBalance"; t: TokenIx; max: number }
  | { kind: "setMaxHolders"; t: TokenIx; max: number }
  | { kind: "setCompliance"; t: TokenIx; on: boolean }
  | { kind: "pause"; t: TokenIx }
  | { kind: "unpause"; t: TokenIx }
  | { kind: "setAddressFrozen"; t: TokenIx; w: Wallet; frozen: boolean }
  | { kind: "freezePartialTokens"; t: TokenIx; w: Wallet; amount: Amount }
  | { kind: "unfreezePartialTokens"; t: TokenIx; w: Wallet; amount: Amount }
  // token operations
  | { kind: "mint"; t: TokenIx; w: Wallet; amount: number }
  | { kind: "mintLocked"; t: TokenIx; w: Wallet; amount: number; lockSeconds: number }
  | { kind: "transfer"; t: TokenIx; from: Wallet; to: Wallet; amount: Amount }
  | { kind: "transferFrom"; t: TokenIx; from: Wallet; to: Wallet; amount: Amount }
  | { kind: "forcedTransfer"; t: TokenIx; from: Wallet; to: Wallet; amount: Amount }
  | { kind: "burn"; t: TokenIx; w: Wallet; amount: Amount }
  | { kind: "recoveryAddress"; t: TokenIx; lost: Wallet; next: Wallet };

/** A decision to compare: `from` "mint" asks whether the token may be minted to `to`. */
interface Probe {
  t: TokenIx;
  from: Wallet | "mint";
  to: Wallet;
  amount: Amount;
  via: "transfer" | "transferFrom";
}

interface Step {
  op: Op;
  probes: Probe[];
}

// ------------------------------------------------------------------ generators

const walletArb = fc.constantFrom<Wallet>(...WALLETS);
const tokenArb = fc.constantFrom<TokenIx>(...TOKENS);
const countryArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant<number>(Country.CN) },
  { weight: 1, arbitrary: fc.constant<number>(Country.HK) },
  { weight: 1, arbitrary: fc.constant<number>(Country.US) },
);
const attributesArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant(Attr.INVESTOR) },
  { weight: 2, arbitrary: fc.constant(Attr.INVESTOR | Attr.QUALIFIED_INVESTOR) },
  { weight: 1, arbitrary: fc.constant(0) },
);
const maskArb = fc.constantFrom(0, Attr.INVESTOR, Attr.QUALIFIED_INVESTOR, Attr.INVESTOR | Attr.QUALIFIED_INVESTOR);
/** Relative amounts up to 110% of the base (above a balance is a case of its own), edges often. */
const amountArb: fc.Arbitrary<Amount> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ rel: fc.constant(true), n: fc.constant(1000) }) },
  { weight: 1, arbitrary: fc.record({ rel: fc.constant(true), n: fc.constant(0) }) },
  { weight: 5, arbitrary: fc.record({ rel: fc.constant(true), n: fc.integer({ min: 1, max: 1100 }) }) },
  { weight: 2, arbitrary: fc.record({ rel: fc.constant(false), n: fc.integer({ min: 0, max: 400 }) }) },
);
const identityFields = {
  w: walletArb,
  country: countryArb,
  expiry: fc.constantFrom(...EXPIRY_OFFSETS),
  attributes: attributesArb,
};
const pairArb = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(walletArb, walletArb) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<[Wallet, Wallet]>(
      ["alice", "alice2"],
      ["alice2", "alice"],
      ["bob", "bob2"],
      ["bob2", "bob"],
    ),
  },
);
const moveArb = <K extends "transfer" | "transferFrom" | "forcedTransfer">(kind: K) =>
  fc.tuple(tokenArb, pairArb, amountArb).map(([t, [from, to], amount]) => ({ kind, t, from, to, amount }) as Op);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  // registry changes
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("register" as const), ...identityFields }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("update" as const), ...identityFields }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("remove" as const), w: walletArb }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("increaseTime" as const), seconds: fc.constantFrom(...TIME_JUMPS) }),
  },
  // rule changes
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("setRequiredAttributes" as const), t: tokenArb, mask: maskArb }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("setCountryRestriction" as const), t: tokenArb, on: fc.boolean() }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("setCountryAllowed" as const),
      t: tokenArb,
      country: fc.constantFrom<number>(...COUNTRIES),
      allowed: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("setMaxEntityBalance" as const),
      t: tokenArb,
      max: fc.constantFrom(0, 250, 500, 1000),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("setMaxHolders" as const),
      t: tokenArb,
      max: fc.constantFrom(0, 1, 2, 3),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("setCompliance" as const), t: tokenArb, on: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("pause" as const), t: tokenArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("unpause" as const), t: tokenArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("setAddressFrozen" as const),
      t: tokenArb,
      w: walletArb,
      frozen: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("freezePartialTokens" as const),
      t: tokenArb,
      w: walletArb,
      amount: amountArb,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("unfreezePartialTokens" as const),
      t: tokenArb,
      w: walletArb,
      amount: amountArb,
    }),
  },
  // token operations
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("mint" as const),
      t: tokenArb,
      w: walletArb,
      amount: fc.integer({ min: 0, max: 400 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("mintLocked" as const),
      t: tokenArb,
      w: walletArb,
      amount: fc.integer({ min: 1, max: 400 }),
      lockSeconds: fc.constantFrom(...LOCK_OFFSETS),
    }),
  },
  { weight: 4, arbitrary: moveArb("transfer") },
  { weight: 2, arbitrary: moveArb("transferFrom") },
  { weight: 2, arbitrary: moveArb("forcedTransfer") },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("burn" as const), t: tokenArb, w: walletArb, amount: amountArb }),
  },
  {
    weight: 2,
    arbitrary: pairArb.chain(([lost, next]) => tokenArb.map((t): Op => ({ kind: "recoveryAddress", t, lost, next }))),
  },
);

/** The wallets an operation names: probes look at them more often than at the others. */
function walletsOf(op: Op): Wallet[] {
  const named = [
    "w" in op ? op.w : undefined,
    "from" in op ? op.from : undefined,
    "to" in op ? op.to : undefined,
    "lost" in op ? op.lost : undefined,
    "next" in op ? op.next : undefined,
  ];
  return named.filter((w): w is Wallet => w !== undefined);
}

/** Probes: the operation's own wallets (and the tokens' holders) are drawn more often. */
function probeArb(op: Op): fc.Arbitrary<Probe> {
  const named = walletsOf(op);
  const holders = fc.constantFrom<Wallet>("alice", "alice2", "bob", "carol");
  const wallet: fc.Arbitrary<Wallet> =
    named.length === 0
      ? fc.oneof(walletArb, holders)
      : fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...named) }, walletArb, holders);
  return fc.record({
    t: "t" in op ? fc.oneof({ weight: 2, arbitrary: fc.constant(op.t) }, tokenArb) : tokenArb,
    from: fc.oneof(
      { weight: 5, arbitrary: wallet as fc.Arbitrary<Wallet | "mint"> },
      { weight: 1, arbitrary: fc.constant<Wallet | "mint">("mint") },
    ),
    to: wallet,
    amount: amountArb,
    via: fc.constantFrom<Probe["via"]>("transfer", "transferFrom"),
  });
}

const stepArb: fc.Arbitrary<Step> = opArb.chain((op) =>
  fc.array(probeArb(op), { minLength: 3, maxLength: 3 }).map((probes): Step => ({ op, probes })),
);

// ------------------------------------------------------------------ fixture

/**
 * The token fixture's registry and token (A, no rules), a second token (B) bound to the same
 * registry with the same operators and every rule on (required attributes, country allow-list,
 * maximum entity balance and holders), a compliance hook (set on neither), holdings in both
 * tokens (bob's in B partly locked; carol holds only A), and every wallet's unlimited allowance to the agent (the
 * spender of transferFrom probes).
 */
async function differentialFixture() {
  const base = await deployTokenFixture();
  const { registry, admin, agent, compliance, guardian } = base;
  const signers = await ethers.getSigners();
  const tokenB = await deploySecurityToken(
    hre,
    { name: "Pearl River Bond Unit", symbol: "PRBU", decimals: 0 },
    await registry.getAddress(),
    admin.address,
    allDuties([agent.address], [compliance.address], [guardian.address]),
  );
  const wallets: Record<Wallet, HardhatEthersSigner> = {
    alice: base.alice,
    alice2: base.alice2,
    bob: base.bob,
    bob2: signers[10],
    carol: base.carol,
    dave: signers[11],
  };
  const tokens: [SecurityToken, SecurityToken] = [base.token, tokenB];
  const hook = await ethers.deployContract("MockComplianceHook");
  await hook.setBlocked(wallets[HOOK_BLOCKED].address, true);
  await hook.setMaxPerTransfer(HOOK_MAX);
  for (const token of tokens) {
    for (const w of WALLETS) await token.connect(wallets[w]).approve(agent.address, ethers.MaxUint256);
  }
  await base.token.connect(agent).mint(wallets.alice.address, 300);
  await base.token.connect(agent).mint(wallets.bob.address, 200);
  await base.token.connect(agent).mint(wallets.carol.address, 100);
  await tokenB.connect(agent).mint(wallets.alice2.address, 200);
  await tokenB.connect(agent).mintLocked(wallets.bob.address, 150, (await time.latest()) + 5 * 86_400);
  await tokenB.connect(agent).mint(wallets.bob.address, 50);
  const rulesB = tokenB.connect(compliance);
  await rulesB.setRequiredAttributes(Attr.INVESTOR);
  await rulesB.setCountryRestriction(true);
  await rulesB.setCountryAllowed(Country.CN, true);
  await rulesB.setCountryAllowed(Country.HK, true);
  await rulesB.setMaxEntityBalance(500);
  // ALICE and BOB hold B: a third holder entity (carol, the registered one) is refused
  await rulesB.setMaxHolders(2);
  return { ...base, tokens, wallets, hook };
}
type Ctx = Awaited<ReturnType<typeof differentialFixture>>;

// ------------------------------------------------------------------ executing a step

/** Every transaction is mined one second after the previous block (never by the wall clock). */
async function pinNextBlock(): Promise<void> {
  await time.setNextBlockTimestamp((await time.latest()) + 1);
}

/** Sends a transaction; a revert is an outcome (the step is refused), anything else is rethrown. */
async function send(action: () => Promise<ContractTransactionResponse>): Promise<boolean> {
  await pinNextBlock();
  try {
    await (await action()).wait();
    return true;
  } catch (e) {
    if (!/revert/i.test((e as Error).message ?? "")) throw e;
    // A panic would mean the token's books disagree with themselves.
    expect((e as Error).message, "a step reverted with a panic").not.to.match(/panic/i);
    return false;
  }
}

function resolve(amount: Amount, base: bigint): bigint {
  return amount.rel ? (base * BigInt(amount.n)) / 1000n : BigInt(amount.n);
}

async function execute(ctx: Ctx, op: Op): Promise<boolean> {
  const { registry, registrar, agent, compliance, guardian, admin, wallets, hook } = ctx;
  const at = (w: Wallet) => wallets[w].address;
  const now = await time.latest();
  if (op.kind === "register") {
    const { w, country, expiry, attributes } = op;
    return send(() =>
      registry.connect(registrar).registerIdentity(at(w), entity(ENTITY_OF[w]), country, now + expiry, attributes),
    );
  }
  if (op.kind === "update") {
    const { w, country, expiry, attributes } = op;
    return send(() => registry.connect(registrar).updateIdentity(at(w), country, now + expiry, attributes));
  }
  if (op.kind === "remove") return send(() => registry.connect(registrar).removeIdentity(at(op.w)));
  if (op.kind === "increaseTime") {
    await time.increaseTo(now + op.seconds);
    return true;
  }
  const token = ctx.tokens[op.t];
  const asAgent = token.connect(agent);
  const asCompliance = token.connect(compliance);
  switch (op.kind) {
    case "setRequiredAttributes":
      return send(() => asCompliance.setRequiredAttributes(op.mask));
    case "setCountryRestriction":
      return send(() => asCompliance.setCountryRestriction(op.on));
    case "setCountryAllowed":
      return send(() => asCompliance.setCountryAllowed(op.country, op.allowed));
    case "setMaxEntityBalance":
      return send(() => asCompliance.setMaxEntityBalance(op.max));
    case "setMaxHolders":
      return send(() => asCompliance.setMaxHolders(op.max));
    case "setCompliance": {
      const target = op.on ? await hook.getAddress() : ethers.ZeroAddress;
      return send(() => asCompliance.setCompliance(target));
    }
    case "pause":
      return send(() => token.connect(guardian).pause());
    case "unpause":
      return send(() => token.connect(admin).unpause());
    case "setAddressFrozen":
      return send(() => asAgent.setAddressFrozen(at(op.w), op.frozen));
    case "freezePartialTokens": {
      const [balance, frozen] = await Promise.all([token.balanceOf(at(op.w)), token.getFrozenTokens(at(op.w))]);
      const amount = resolve(op.amount, balance > frozen ? balance - frozen : 0n);
      return send(() => asAgent.freezePartialTokens(at(op.w), amount));
    }
    case "unfreezePartialTokens": {
      const amount = resolve(op.amount, await token.getFrozenTokens(at(op.w)));
      return send(() => asAgent.unfreezePartialTokens(at(op.w), amount));
    }
    case "mint":
      return send(() => asAgent.mint(at(op.w), op.amount));
    case "mintLocked":
      return send(() => asAgent.mintLocked(at(op.w), op.amount, now + op.lockSeconds));
    case "transfer": {
      const amount = resolve(op.amount, await token.balanceOf(at(op.from)));
      return send(() => token.connect(wallets[op.from]).transfer(at(op.to), amount));
    }
    case "transferFrom": {
      const amount = resolve(op.amount, await token.balanceOf(at(op.from)));
      return send(() => asAgent.transferFrom(at(op.from), at(op.to), amount));
    }
    case "forcedTransfer": {
      const amount = resolve(op.amount, await token.balanceOf(at(op.from)));
      return send(() => asAgent.forcedTransfer(at(op.from), at(op.to), amount));
    }
    case "burn": {
      const amount = resolve(op.amount, await token.balanceOf(at(op.w)));
      return send(() => asAgent.burn(at(op.w), amount));
    }
    case "recoveryAddress": {
      const investorId = await registry.identity(at(op.lost));
      return send(() => asAgent.recoveryAddress(at(op.lost), at(op.next), investorId));
    }
  }
}

// ------------------------------------------------------------------ the reference decision

/** Memoises view calls within one step (the chain does not change while probes run). */
class Reads {
  private readonly cache = new Map<string, Promise<unknown>>();
  get<T>(key: string, read: () => Promise<T>): Promise<T> {
    let value = this.cache.get(key) as Promise<T> | undefined;
    if (value === undefined) {
      value = read();
      this.cache.set(key, value);
    }
    return value;
  }
}

/**
 * The decision the token should take on moving `value` from `from` (zero for a mint) to `to`,
 * computed from the registry's views — never from the token's cached copies — and the token's
 * own settings and holdings, in the rule order of TransferRestrictions.sol.
 */
async function referenceDecision(ctx: Ctx, reads: Reads, t: TokenIx, from: string, to: string, value: bigint) {
  const { registry, hook } = ctx;
  const token = ctx.tokens[t];
  const r = <T>(key: string, read: () => Promise<T>) => reads.get(`${t}:${key}`, read);
  const g = <T>(key: string, read: () => Promise<T>) => reads.get(`registry:${key}`, read);
  const isMint = from === ethers.ZeroAddress;
  const balance = (w: string) => r(`balance:${w}`, () => token.balanceOf(w));
  const verified = (w: string) => g(`verified:${w}`, () => registry.isVerified(w));
  const identityOf = (w: string) => g(`identity:${w}`, () => registry.identityOf(w));
  const boundEntity = (w: string) => g(`bound:${w}`, () => registry.boundEntityOf(w));
  /** An entity's holdings in this token: the sum over the wallets the registry binds to it. */
  const entityHoldings = async (entityId: string) => {
    let sum = 0n;
    for (const w of WALLETS) {
      const a = ctx.wallets[w].address;
      if ((await boundEntity(a)) === entityId) sum += await balance(a);
    }
    return sum;
  };
  /** Holders: distinct registry entities with a non-zero balance in this token. */
  const holders = async () => {
    const entities = new Set<string>();
    for (const w of WALLETS) {
      const a = ctx.wallets[w].address;
      if ((await balance(a)) !== 0n) entities.add(await boundEntity(a));
    }
    return BigInt(entities.size);
  };

  if (await r("paused", () => token.paused())) return Restriction.PAUSED;
  const frozen = (w: string) => r(`frozen:${w}`, () => token.isFrozen(w));
  if ((!isMint && (await frozen(from))) || (await frozen(to))) return Restriction.WALLET_FROZEN;
  if (!isMint) {
    const partlyFrozen = await r(`frozenTokens:${from}`, () => token.getFrozenTokens(from));
    const fromBalance = await balance(from);
    const unfrozen = fromBalance > partlyFrozen ? fromBalance - partlyFrozen : 0n;
    if (value > unfrozen) return Restriction.INSUFFICIENT_UNFROZEN_BALANCE;
    if (!(await verified(from))) return Restriction.SENDER_NOT_VERIFIED;
  }
  if (!(await verified(to))) return Restriction.RECIPIENT_NOT_VERIFIED;
  const recipient = await identityOf(to);
  const required = Number(await r("required", () => token.requiredAttributes()));
  if ((Number(recipient.attributes) & required) !== required) return Restriction.RECIPIENT_MISSING_ATTRIBUTES;
  if (await r("countryRestricted", () => token.countryRestricted())) {
    const country = Number(recipient.country);
    if (!(await r(`countryAllowed:${country}`, () => token.isCountryAllowed(country)))) {
      return Restriction.COUNTRY_NOT_ALLOWED;
    }
  }
  let sameEntity = false;
  if (!isMint) {
    const [p, q] = await g(`participants:${from}:${to}`, () => registry.participantsOf(from, to));
    const sender = await identityOf(from);
    sameEntity = from === to || (p.entityIndex === q.entityIndex && sender.entityId === recipient.entityId);
  }
  const maxEntity = await r("maxEntityBalance", () => token.maxEntityBalance());
  const maxHolders = BigInt(await r("maxHolders", () => token.maxHolders()));
  if (!sameEntity && (maxEntity !== 0n || maxHolders !== 0n)) {
    const recipientHolds = await entityHoldings(recipient.entityId);
    if (maxEntity !== 0n && recipientHolds + value > maxEntity) return Restriction.ENTITY_BALANCE_LIMIT;
    if (maxHolders !== 0n && value !== 0n && recipientHolds === 0n) {
      let count = (await holders()) + 1n;
      // the sender's entity stops holding if it sends all it has
      if (!isMint && (await entityHoldings((await identityOf(from)).entityId)) === value) count -= 1n;
      if (count > maxHolders) return Restriction.HOLDER_LIMIT;
    }
  }
  if (!isMint) {
    const [locked] = await r(`lockup:${from}`, () => token.lockupOf(from));
    const fromBalance = await balance(from);
    if (locked !== 0n && value > (fromBalance > locked ? fromBalance - locked : 0n)) return Restriction.TOKENS_LOCKED;
  }
  const hookAddress = await r("hook", () => token.complianceHook());
  if (hookAddress !== ethers.ZeroAddress) {
    expect(hookAddress, "only the test's hook is ever set").to.equal(await hook.getAddress());
    const blocked = await reads.get(`hook:blocked:${to}`, () => hook.blocked(to));
    if (blocked || value > HOOK_MAX) return Restriction.COMPLIANCE_HOOK_REJECTED;
  }
  return Restriction.NONE;
}

/** The outcome of attempting the move, as a string: "ok", "TransferRestricted(n)", an ERC-6093 error... */
async function attempt(ctx: Ctx, probe: Probe, from: string, to: string, value: bigint): Promise<string> {
  const token = ctx.tokens[probe.t];
  try {
    if (probe.from === "mint") await token.connect(ctx.agent).mint.staticCall(to, value);
    else if (probe.via === "transfer") await token.connect(ctx.wallets[probe.from]).transfer.staticCall(to, value);
    else await token.connect(ctx.agent).transferFrom.staticCall(from, to, value);
    return "ok";
  } catch (e) {
    const data = (e as { data?: unknown }).data;
    if (typeof data !== "string" || data.length < 10) throw e;
    const parsed = token.interface.parseError(data);
    if (!parsed) return `unknown(${data})`;
    return `${parsed.name}(${parsed.args.join(",")})`;
  }
}

// ------------------------------------------------------------------ the property

describe("SecurityToken (differential): cached compliance decisions equal the registry's", function () {
  it(`agree over ${NUM_RUNS} sequences of up to ${MAX_STEPS} steps with two tokens on one registry (seed ${SEED})`, async function () {
    this.timeout(900_000);
    const codes = new Map<number, number>();
    const outcomes = new Map<string, number>();
    let probesRun = 0;

    await fc.assert(
      fc.asyncProperty(
        fc.noBias(fc.array(stepArb, { minLength: 1, maxLength: MAX_STEPS, size: "max" })),
        async (steps) => {
          const ctx = await loadFixture(differentialFixture);
          for (const [i, { op, probes }] of steps.entries()) {
            const done = await execute(ctx, op);
            const reads = new Reads();
            const now = await time.latest();
            for (const probe of probes) {
              const token = ctx.tokens[probe.t];
              const from = probe.from === "mint" ? ethers.ZeroAddress : ctx.wallets[probe.from].address;
              const to = ctx.wallets[probe.to].address;
              const base = probe.from === "mint" ? 300n : await token.balanceOf(from);
              const value = resolve(probe.amount, base);
              const [expected, detected, outcome] = await Promise.all([
                referenceDecision(ctx, reads, probe.t, from, to, value),
                token.detectTransferRestriction(from, to, value),
                attempt(ctx, probe, from, to, value),
              ]);
              const where =
                `step ${i} ${JSON.stringify(op)} (${done ? "done" : "refused"}), at ${now}: ` +
                `probe ${JSON.stringify(probe)} value ${value}`;
              expect(Number(detected), `${where}: detectTransferRestriction`).to.equal(expected);
              let expectedOutcome: string;
              if (expected === Restriction.NONE) expectedOutcome = "ok";
              else if (
                expected === Restriction.INSUFFICIENT_UNFROZEN_BALANCE &&
                value > base &&
                probe.from !== "mint"
              ) {
                expectedOutcome = `ERC20InsufficientBalance(${from},${base},${value})`;
              } else expectedOutcome = `TransferRestricted(${expected})`;
              expect(outcome, `${where}: attempted ${probe.from === "mint" ? "mint" : probe.via}`).to.equal(
                expectedOutcome,
              );
              codes.set(expected, (codes.get(expected) ?? 0) + 1);
              const key = outcome.split("(")[0];
              outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
              probesRun += 1;
            }
          }
        },
      ),
      { seed: SEED, numRuns: NUM_RUNS },
    );

    const seen = [...codes.entries()]
      .sort(([a], [b]) => a - b)
      .map(([c, n]) => `${c}: ${n}`)
      .join(", ");
    if (process.env.FC_VERBOSE) console.log(`      ${probesRun} probes; codes ${seen}`);
    // Not vacuous: every restriction code, success and the ERC-6093 over-balance error were compared
    // (at the CI size or above: a small FC_RUNS exploration may miss the rarest codes).
    if (NUM_RUNS < 200) return;
    for (const code of Object.values(Restriction)) {
      expect(codes.get(code) ?? 0, `code ${code} never decided in ${probesRun} probes (${seen})`).to.be.greaterThan(0);
    }
    expect(outcomes.get("ERC20InsufficientBalance") ?? 0, "no over-balance attempt").to.be.greaterThan(0);
  });
});
