import fs from "node:fs";
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import { Attr, Country } from "../../scripts/lib/constants";
import { csvFile } from "./opsHelpers";
import { expectTaskError, runTask, tasksFixture, tmpFile } from "./helpers";

const AGENT = "5"; // every duty on the security token, compliance officer too
const GUARDIAN = "7";
const YEAR = 365 * 86_400;

/** Two verified investors (A holds 1,000 SZPH), one unregistered wallet. */
async function tokenFixture() {
  const f = await tasksFixture();
  const [alice, bob, stranger, aliceNew] = f.others;
  const expiry = (await time.latest()) + YEAR;
  for (const [wallet, name] of [
    [alice, "ALICE"],
    [bob, "BOB"],
    [aliceNew, "ALICE"],
  ] as const) {
    await f.identityRegistry
      .connect(f.registrar)
      .registerIdentity(wallet.address, ethers.id(name), Country.CN, expiry, Attr.INVESTOR);
  }
  await f.securityToken.connect(f.agent).mint(alice.address, 1000n);
  return { ...f, alice, bob, stranger, aliceNew };
}

type Fixture = Awaited<ReturnType<typeof tokenFixture>>;
const base = (f: Fixture, from = AGENT) => ({ deployment: f.deployment, from });

describe("tasks: token supply (mint, burn, lock)", () => {
  it("mints, burns and mints locked; --json has the documented shape", async () => {
    const f = await loadFixture(tokenFixture);
    const { result, text } = await runTask<Record<string, unknown>>("token:mint", {
      ...base(f),
      to: f.bob.address,
      amount: "250",
    });
    expect(text).to.include(`Mint 250 SZPH to ${f.bob.address}.`);
    expect(Object.keys(result).sort()).to.deep.equal(
      ["amount", "dryRun", "from", "gas", "to", "token", "transactionHash"].sort(),
    );
    expect(await f.securityToken.balanceOf(f.bob.address)).to.equal(250n);
    await runTask("token:burn", { ...base(f), wallet: f.bob.address, amount: "50" });
    expect(await f.securityToken.balanceOf(f.bob.address)).to.equal(200n);
    await runTask("token:lock", { ...base(f), to: f.bob.address, amount: "100", release: "180d" });
    const [locked] = await f.securityToken.lockupOf(f.bob.address);
    expect(locked).to.equal(100n);
    const { result: shown } = await runTask<{ wallet: { words: string; locked: bigint; freeBalance: bigint } }>(
      "token:show",
      { deployment: f.deployment, wallet: f.bob.address },
    );
    expect(shown.wallet.words).to.match(
      /verified participant; holds 300 SZPH; 100 SZPH locked until .*; may move 200 SZPH now/,
    );
  });

  it("--dry-run simulates as the operator's address, with no key, and sends nothing", async () => {
    const f = await loadFixture(tokenFixture);
    const block = await ethers.provider.getBlockNumber();
    const { result, text } = await runTask<{ dryRun: boolean }>("token:mint", {
      ...base(f, f.agent.address),
      to: f.bob.address,
      amount: "1",
      dryRun: true,
    });
    expect(result.dryRun).to.equal(true);
    expect(text).to.include("Dry run: it would succeed");
    expect(await ethers.provider.getBlockNumber()).to.equal(block);
  });

  it("refuses before sending: no SUPPLY_ROLE, an unverified recipient, bad amounts, zone-less release", async () => {
    const f = await loadFixture(tokenFixture);
    await expectTaskError(
      "token:mint",
      { ...base(f, "1"), to: f.bob.address, amount: "1" },
      /the mint would fail: AccessControlUnauthorizedAccount\(account=.*\(Pearl River Bank\), neededRole=SUPPLY_ROLE\)/,
    );
    await expectTaskError(
      "token:mint",
      { ...base(f), to: f.stranger.address, amount: "1" },
      /the mint would fail: TransferRestricted\(code=5\)/,
    );
    await expectTaskError("token:mint", { ...base(f), to: f.bob.address, amount: "1.5" }, /too many decimals/);
    await expectTaskError(
      "token:burn",
      { ...base(f), wallet: f.alice.address, amount: "5000" },
      /ERC20InsufficientBalance/,
    );
    await expectTaskError(
      "token:lock",
      { ...base(f), to: f.bob.address, amount: "1", release: "2100-01-01 00:00" },
      /--release: "2100-01-01 00:00" has no time zone/,
    );
    await expectTaskError(
      "token:mint",
      { ...base(f), to: f.bob.address, amount: "1", token: "0x12" },
      /--token: "0x12" is not an address/,
    );
  });
});

describe("tasks: token freezes, forced transfer, recovery", () => {
  it("freezes and unfreezes a whole wallet and part of it, with a reason; token:show says it in words", async () => {
    const f = await loadFixture(tokenFixture);
    await runTask("token:freeze", { ...base(f), wallet: f.alice.address, amount: "300", reason: "court order 17" });
    expect(await f.securityToken.getFrozenTokens(f.alice.address)).to.equal(300n);
    await runTask("token:freeze", { ...base(f), wallet: f.alice.address });
    expect(await f.securityToken.isFrozen(f.alice.address)).to.equal(true);
    const { text } = await runTask("token:show", { deployment: f.deployment, wallet: f.alice.address });
    expect(text).to.include("WALLET FROZEN (cannot send or receive); 300 SZPH frozen; may move 0 SZPH now");
    await runTask("token:unfreeze", { ...base(f), wallet: f.alice.address });
    await runTask("token:unfreeze", { ...base(f), wallet: f.alice.address, amount: "100" });
    expect(await f.securityToken.isFrozen(f.alice.address)).to.equal(false);
    expect(await f.securityToken.getFrozenTokens(f.alice.address)).to.equal(200n);
    await expectTaskError(
      "token:unfreeze",
      { ...base(f), wallet: f.alice.address, amount: "500" },
      /UnfreezeExceedsFrozen/,
    );
    await expectTaskError(
      "token:freeze",
      { ...base(f), wallet: f.alice.address, reason: "x".repeat(40) },
      /is 40 bytes/,
    );
  });

  it("forces a transfer with a reason, and recovers a lost wallet to the entity's new one", async () => {
    const f = await loadFixture(tokenFixture);
    const { result } = await runTask<{ transactionHash: string }>("token:force-transfer", {
      ...base(f),
      source: f.alice.address,
      to: f.bob.address,
      amount: "100",
      reason: "REQ-9",
    });
    const receipt = await ethers.provider.getTransactionReceipt(result.transactionHash);
    const forced = receipt!.logs
      .map((l) => f.securityToken.interface.parseLog(l))
      .find((p) => p?.name === "ForcedTransfer");
    expect(forced!.args.reason).to.equal(ethers.encodeBytes32String("REQ-9"));
    expect(await f.securityToken.balanceOf(f.bob.address)).to.equal(100n);

    await expectTaskError(
      "token:recover",
      { ...base(f), lost: f.alice.address, newWallet: f.bob.address },
      /RecoveryWalletNotEmpty|RecoveryEntityMismatch/,
    );
    await runTask("token:recover", { ...base(f), lost: f.alice.address, newWallet: f.aliceNew.address });
    expect(await f.securityToken.balanceOf(f.aliceNew.address)).to.equal(900n);
    expect(await f.securityToken.balanceOf(f.alice.address)).to.equal(0n);
    await expectTaskError(
      "token:force-transfer",
      { ...base(f, "1"), source: f.bob.address, to: f.aliceNew.address, amount: "1" },
      /neededRole=FORCED_TRANSFER_ROLE/,
    );
  });
});

describe("tasks: token documents and approvals", () => {
  it("sets, lists (--json) and removes documents, the hash taken from a file", async () => {
    const f = await loadFixture(tokenFixture);
    const file = tmpFile("prospectus.pdf");
    fs.writeFileSync(file, "the prospectus");
    await runTask("token:doc-set", { ...base(f), name: "prospectus", uri: "https://docs.example/p.pdf", file });
    const { result, lines } = await runTask<{ documents: { name: string; uri: string; hash: string }[] }>(
      "token:docs",
      { deployment: f.deployment, json: true },
    );
    expect(JSON.parse(lines.join("\n"))).to.have.keys(["token", "tokenLabel", "documents"]);
    expect(result.documents).to.have.length(1);
    expect(result.documents[0]).to.include({
      name: "prospectus",
      uri: "https://docs.example/p.pdf",
      hash: ethers.keccak256(ethers.toUtf8Bytes("the prospectus")),
    });
    await runTask("token:doc-remove", { ...base(f), name: "prospectus" });
    const { text } = await runTask("token:docs", { deployment: f.deployment });
    expect(text).to.equal("SZPH has no documents.");
    await expectTaskError("token:doc-remove", { ...base(f), name: "prospectus" }, /DocumentNotFound/);
    await expectTaskError("token:doc-set", { ...base(f), name: "", uri: "x" }, /name: empty/);
    await expectTaskError("token:doc-set", { ...base(f), name: "a", uri: "x", hash: "0x1" }, /--hash: "0x1"/);
  });

  it("a holder approves the DvP contract (max) and the invoice registry; errors are one line", async () => {
    const f = await loadFixture(tokenFixture);
    const alice = f.alice.address;
    await runTask("token:approve", { ...base(f, alice), spender: "dvp-settlement", amount: "max" });
    expect(await f.securityToken.allowance(alice, await f.dvpSettlement.getAddress())).to.equal(ethers.MaxUint256);
    await runTask("token:approve", {
      ...base(f, alice),
      token: "cash-token",
      spender: "invoice-registry",
      amount: "12.5",
    });
    expect(await f.cashToken.allowance(alice, await f.invoiceRegistry.getAddress())).to.equal(1250n);
    await expectTaskError("token:approve", { ...base(f, alice), spender: "bank", amount: "1" }, /spender "bank"/);
  });
});

describe("tasks: token:rules and token:show", () => {
  it("shows the rules (--json shape) and sets them as the compliance officer", async () => {
    const f = await loadFixture(tokenFixture);
    const { result } = await runTask<{ rules: Record<string, unknown>; changes: unknown[] }>("token:rules", {
      deployment: f.deployment,
      json: true,
    });
    expect(Object.keys(result.rules).sort()).to.deep.equal(
      [
        "allowedCountries",
        "complianceHook",
        "complianceHookLabel",
        "countryRestricted",
        "decimals",
        "holders",
        "identityRegistry",
        "identityRegistryLabel",
        "maxEntityBalance",
        "maxHolders",
        "maxSupply",
        "name",
        "paused",
        "requiredAttributes",
        "symbol",
        "token",
        "tokenLabel",
        "totalSupply",
      ].sort(),
    );
    expect(result.rules.holders).to.equal(1n);
    const { result: set } = await runTask<{ rules: { requiredAttributes: string[]; allowedCountries: number[] } }>(
      "token:rules",
      {
        ...base(f),
        requiredAttributes: "investor",
        countryRestriction: "on",
        allowCountries: "CN,344",
        maxHolders: "10",
      },
    );
    expect(set.rules.requiredAttributes).to.deep.equal(["investor"]);
    expect(set.rules.allowedCountries).to.deep.equal([156, 344]);
    expect(await f.securityToken.maxHolders()).to.equal(10n);
    const { text } = await runTask("token:show", { deployment: f.deployment });
    expect(text).to.include("countries:           only 156, 344");
    expect(text).to.include("max holders:         10 entities");
  });

  it("refuses to set rules without the role held directly; a dry run sends nothing", async () => {
    const f = await loadFixture(tokenFixture);
    await expectTaskError(
      "token:rules",
      { ...base(f, "1"), maxHolders: "3" },
      /\(Pearl River Bank\) does not hold COMPLIANCE_ROLE on SZPH$/,
    );
    await expectTaskError("token:rules", { ...base(f), maxHolders: "x" }, /--max-holders: "x" is not a whole number/);
    await expectTaskError("token:rules", { ...base(f), countryRestriction: "maybe" }, /is not on or off/);
    const block = await ethers.provider.getBlockNumber();
    await runTask("token:rules", { ...base(f, f.agent.address), maxHolders: "3", dryRun: true });
    expect(await ethers.provider.getBlockNumber()).to.equal(block);
    expect(await f.securityToken.maxHolders()).to.equal(0n);
  });

  it("where the timelock holds COMPLIANCE_ROLE, token:rules says to use a governance proposal", async () => {
    const f = await loadFixture(tokenFixture);
    const timelock = await ethers.getImpersonatedSigner(await f.timelock.getAddress());
    await setBalance(timelock.address, ethers.parseEther("1"));
    await f.cashToken.connect(timelock).grantRole(ethers.id("COMPLIANCE_ROLE"), timelock.address);
    await expectTaskError(
      "token:rules",
      { ...base(f, "6"), token: "cash-token", maxHolders: "3" },
      /does not hold COMPLIANCE_ROLE on CNYC: the timelock holds it, so make the change with a governance proposal/,
    );
  });

  it("token:show --json: rules and the wallet's state", async () => {
    const f = await loadFixture(tokenFixture);
    const { result } = await runTask<{ rules: unknown; wallet: Record<string, unknown> }>("token:show", {
      deployment: f.deployment,
      wallet: f.stranger.address,
      json: true,
    });
    expect(Object.keys(result.wallet).sort()).to.deep.equal(
      [
        "balance",
        "freeBalance",
        "frozen",
        "frozenAmount",
        "label",
        "locked",
        "registered",
        "releaseTime",
        "verified",
        "wallet",
        "words",
      ].sort(),
    );
    expect(result.wallet.words).to.equal("NOT REGISTERED (cannot send or receive); holds 0 SZPH; may move 0 SZPH now");
    const { result: none } = await runTask<{ wallet: unknown }>("token:show", { deployment: f.deployment, json: true });
    expect(none.wallet).to.equal(null);
  });
});

describe("tasks: token:import-mint", () => {
  it("mints from a CSV, locked rows with mintLocked, with a per-row report", async () => {
    const f = await loadFixture(tokenFixture);
    const file = csvFile([
      "wallet,amount,release",
      `${f.bob.address},10,`,
      `${f.alice.address},5,2100-01-01T00:00:00Z`,
    ]);
    const { result, text } = await runTask<{ rows: { line: number; result: string }[]; transactions: unknown[] }>(
      "token:import-mint",
      { ...base(f), csv: file },
    );
    expect(result.rows.map((r) => [r.line, r.result])).to.deep.equal([
      [2, "minted"],
      [3, "minted"],
    ]);
    expect(result.transactions).to.have.length(2);
    expect(text).to.include("Minted 15 SZPH to 2 row(s) in 2 transaction(s).");
    expect(await f.securityToken.balanceOf(f.bob.address)).to.equal(10n);
    expect((await f.securityToken.lockupOf(f.alice.address))[0]).to.equal(5n);
  });

  it("--dry-run sends nothing; bad rows name line and field; a refused row is named before anything is sent", async () => {
    const f = await loadFixture(tokenFixture);
    const block = await ethers.provider.getBlockNumber();
    const { result } = await runTask<{ dryRun: boolean; rows: { result: string }[] }>("token:import-mint", {
      ...base(f, f.agent.address),
      csv: csvFile(["wallet,amount", `${f.bob.address},10`]),
      dryRun: true,
      json: true,
    });
    expect(result.dryRun).to.equal(true);
    expect(result.rows[0].result).to.equal("would be minted");
    expect(await ethers.provider.getBlockNumber()).to.equal(block);
    const good = `${f.bob.address},10`;
    await expectTaskError(
      "token:import-mint",
      { ...base(f), csv: csvFile(["wallet,amount", good, `${f.bob.address},ten`]) },
      /line 3, field amount: "ten" is not an amount/,
    );
    await expectTaskError(
      "token:import-mint",
      { ...base(f), csv: csvFile(["wallet,amount", good, `${f.stranger.address},10`]) },
      /line 3, field wallet: .*TransferRestricted\(code=5\)/,
    );
    await expectTaskError(
      "token:import-mint",
      { ...base(f), csv: csvFile(["wallet,amount,release", good + ",", `${f.bob.address},1,2100-01-01`]) },
      /line 3, field release: .*no time zone/,
    );
    await expectTaskError(
      "token:import-mint",
      { ...base(f, "1"), csv: csvFile(["wallet,amount", good]) },
      /does not hold SUPPLY_ROLE on SZPH/,
    );
    expect(await f.securityToken.balanceOf(f.bob.address)).to.equal(0n);
  });
});

describe("tasks: pause", () => {
  it("the guardian pauses the token, the invoice registry and DvP; a second pause and a non-guardian are refused", async () => {
    const f = await loadFixture(tokenFixture);
    const block = await ethers.provider.getBlockNumber();
    await runTask("pause", { ...base(f, f.guardian.address), contract: "security-token", dryRun: true });
    expect(await ethers.provider.getBlockNumber()).to.equal(block);
    await expectTaskError(
      "pause",
      { ...base(f, AGENT), contract: "invoice-registry" },
      /pausing invoice-registry would fail: AccessControlUnauthorizedAccount\(.*neededRole=GUARDIAN_ROLE\)/,
    );
    for (const contract of ["security-token", "invoice-registry", "dvp-settlement"]) {
      const { result } = await runTask<{ contract: string }>("pause", { ...base(f, GUARDIAN), contract, json: true });
      expect(result.contract).to.equal(contract);
    }
    expect(await f.securityToken.paused()).to.equal(true);
    expect(await f.invoiceRegistry.paused()).to.equal(true);
    expect(await f.dvpSettlement.paused()).to.equal(true);
    await expectTaskError("pause", { ...base(f, GUARDIAN), contract: "security-token" }, /already paused/);
    await expectTaskError("pause", { ...base(f, GUARDIAN), contract: "governor" }, /"governor" cannot be paused/);
    const { text } = await runTask("token:show", { deployment: f.deployment });
    expect(text).to.include("PAUSED");
  });
});
