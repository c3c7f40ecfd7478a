import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Attr, Country } from "../../scripts/lib/constants";
import { csvFile } from "./opsHelpers";
import { expectTaskError, runTask, tasksFixture, tmpFile } from "./helpers";

const REGISTRAR = "4";
const entity = (name: string) => ethers.id(name);

/** The system with one investor registered (others[0], entity "ACME"). */
async function identityFixture() {
  const f = await tasksFixture();
  const [investor, newcomer, other] = f.others;
  const expiry = (await time.latest()) + 365 * 86_400;
  await f.identityRegistry
    .connect(f.registrar)
    .registerIdentity(investor.address, entity("ACME"), Country.CN, expiry, Attr.INVESTOR);
  return { ...f, investor, newcomer, other, expiry };
}

describe("tasks: identity:register / update / remove", () => {
  it("registers a wallet with named attributes and prints it; --json has the documented shape", async () => {
    const f = await loadFixture(identityFixture);
    const { result, text } = await runTask<Record<string, unknown>>("identity:register", {
      deployment: f.deployment,
      from: REGISTRAR,
      wallet: f.newcomer.address,
      entity: "BETA",
      country: "HK",
      expiry: "2100-01-01T00:00:00Z",
      attributes: "investor+supplier",
    });
    expect(text).to.match(/Register 0x[0-9a-fA-F]{40} for entity 0x[0-9a-f]{64}: country 344/);
    expect(text).to.match(/Done in transaction 0x[0-9a-f]{64}/);
    const record = await f.identityRegistry.identityOf(f.newcomer.address);
    expect(record.entityId).to.equal(entity("BETA"));
    expect(record.country).to.equal(344n);
    expect(record.expiry).to.equal(BigInt(Date.UTC(2100, 0, 1) / 1000));
    expect(record.attributes).to.equal(BigInt(Attr.INVESTOR | Attr.SUPPLIER));
    expect(Object.keys(result).sort()).to.deep.equal(
      ["attributes", "country", "dryRun", "entityId", "expiry", "gas", "transactionHash", "wallet"].sort(),
    );
    expect(result.attributes).to.deep.equal(["investor", "supplier"]);
  });

  it("--dry-run simulates as an address without its key and sends nothing", async () => {
    const f = await loadFixture(identityFixture);
    const block = await ethers.provider.getBlockNumber();
    const { result, text } = await runTask<{ dryRun: boolean; gas: bigint }>("identity:register", {
      deployment: f.deployment,
      from: f.registrar.address,
      dryRun: true,
      wallet: f.newcomer.address,
      entity: "BETA",
      country: "156",
      expiry: "30d",
    });
    expect(text).to.include("Dry run: it would succeed");
    expect(result.dryRun).to.equal(true);
    expect(result.gas > 0n).to.equal(true);
    expect(await ethers.provider.getBlockNumber()).to.equal(block);
    expect(await f.identityRegistry.contains(f.newcomer.address)).to.equal(false);
  });

  it("refuses, in one line and before sending: no registrar role, a date without zone, bad input", async () => {
    const f = await loadFixture(identityFixture);
    const base = { deployment: f.deployment, wallet: f.newcomer.address, entity: "BETA", country: "CN", expiry: "30d" };
    await expectTaskError(
      "identity:register",
      { ...base, from: "1" },
      /the registration would fail: AccessControlUnauthorizedAccount\(.*REGISTRAR_ROLE\); nothing was sent/,
    );
    await expectTaskError(
      "identity:register",
      { ...base, from: REGISTRAR, expiry: "2100-01-01T00:00:00" },
      /--expiry: "2100-01-01T00:00:00" has no time zone/,
    );
    await expectTaskError(
      "identity:register",
      { ...base, from: REGISTRAR, attributes: "investor+vip" },
      /unknown attribute "vip"/,
    );
    await expectTaskError(
      "identity:register",
      { ...base, from: REGISTRAR, country: "XX" },
      /--country: "XX" is not a country/,
    );
    await expectTaskError(
      "identity:register",
      { ...base, from: REGISTRAR, wallet: "0x12" },
      /wallet: "0x12" is not an address/,
    );
    await expectTaskError(
      "identity:register",
      { ...base, from: REGISTRAR, expiry: "2001-01-01T00:00:00Z" },
      /--expiry: 2001-01-01T00:00:00Z is not in the future/,
    );
    await expectTaskError(
      "identity:register",
      { ...base, from: REGISTRAR, wallet: f.investor.address },
      /would fail: WalletAlreadyRegistered/,
    );
  });

  it("updates only the fields given, and removes a wallet", async () => {
    const f = await loadFixture(identityFixture);
    const { result } = await runTask<{ country: number; attributes: string[] }>("identity:update", {
      deployment: f.deployment,
      from: REGISTRAR,
      wallet: f.investor.address,
      attributes: "investor+qualified-investor",
      json: true,
    });
    expect(result.attributes).to.deep.equal(["investor", "qualified-investor"]);
    const record = await f.identityRegistry.identityOf(f.investor.address);
    expect(record.country).to.equal(BigInt(Country.CN));
    expect(record.expiry).to.equal(BigInt(f.expiry));
    expect(record.attributes).to.equal(BigInt(Attr.INVESTOR | Attr.QUALIFIED_INVESTOR));

    await runTask("identity:remove", { deployment: f.deployment, from: REGISTRAR, wallet: f.investor.address });
    expect(await f.identityRegistry.contains(f.investor.address)).to.equal(false);
  });

  it("update and remove refuse an unregistered wallet and an empty update; their dry runs send nothing", async () => {
    const f = await loadFixture(identityFixture);
    await expectTaskError(
      "identity:update",
      { deployment: f.deployment, from: REGISTRAR, wallet: f.newcomer.address, country: "CN" },
      /is not registered: use identity:register/,
    );
    await expectTaskError(
      "identity:update",
      { deployment: f.deployment, from: REGISTRAR, wallet: f.investor.address },
      /nothing to change/,
    );
    await expectTaskError(
      "identity:remove",
      { deployment: f.deployment, from: REGISTRAR, wallet: f.newcomer.address },
      /is not registered/,
    );
    const block = await ethers.provider.getBlockNumber();
    await runTask("identity:update", {
      deployment: f.deployment,
      from: f.registrar.address,
      wallet: f.investor.address,
      country: "SG",
      dryRun: true,
    });
    await runTask("identity:remove", {
      deployment: f.deployment,
      from: f.registrar.address,
      wallet: f.investor.address,
      dryRun: true,
    });
    expect(await ethers.provider.getBlockNumber()).to.equal(block);
    expect(await f.identityRegistry.contains(f.investor.address)).to.equal(true);
  });
});

describe("tasks: identity:show", () => {
  it("shows a record in words, members by their label; --json has the documented shape", async () => {
    const f = await loadFixture(identityFixture);
    await f.identityRegistry
      .connect(f.registrar)
      .registerIdentity(f.bank.address, entity("PRB"), Country.CN, f.expiry, Attr.FINANCIER);
    const { text } = await runTask("identity:show", { deployment: f.deployment, wallet: f.bank.address });
    expect(text).to.include(`${f.bank.address} (Pearl River Bank): verified`);
    expect(text).to.include("attributes:  financier (flags 8)");
    const { result, lines } = await runTask<Record<string, unknown>>("identity:show", {
      deployment: f.deployment,
      wallet: f.investor.address,
      json: true,
    });
    expect(lines).to.have.length(1);
    expect(JSON.parse(lines[0])).to.deep.equal(result);
    expect(result).to.deep.equal({
      wallet: f.investor.address,
      label: null,
      registered: true,
      verified: true,
      entityId: entity("ACME"),
      entityLabel: null,
      boundEntityId: entity("ACME"),
      country: Country.CN,
      expiry: new Date(f.expiry * 1000)
        .toISOString()
        .replace("T", " ")
        .replace(/\.\d+Z$/, " UTC"),
      expiryTime: f.expiry,
      attributes: ["investor"],
      attributeFlags: Attr.INVESTOR,
      entityWallets: 1,
      onchainId: null,
    });
  });

  it("says a wallet is not registered, and an expired KYC in words", async () => {
    const f = await loadFixture(identityFixture);
    const { text } = await runTask("identity:show", { deployment: f.deployment, wallet: f.newcomer.address });
    expect(text).to.equal(`${f.newcomer.address}: not registered.`);
    await time.increaseTo(f.expiry + 1);
    const expired = await runTask("identity:show", { deployment: f.deployment, wallet: f.investor.address });
    expect(expired.text).to.include("registered, KYC EXPIRED");
    await expectTaskError("identity:show", { deployment: f.deployment, wallet: "nobody" }, /is not an address/);
  });
});

describe("tasks: identity:import", () => {
  it("registers, updates and removes from a CSV with a per-row report", async () => {
    const f = await loadFixture(identityFixture);
    const [a, b] = [f.newcomer.address, f.other.address];
    const file = csvFile([
      "wallet,action,entity,country,expiry,attributes",
      `${a},register,BETA,CN,2100-01-01T00:00:00Z,investor`,
      `${f.investor.address},update,,HK,,`,
      `"${b}",,GAMMA,702,365d,supplier+debtor`,
    ]);
    const { result, text } = await runTask<{
      dryRun: boolean;
      rows: { line: number; result: string }[];
      batches: unknown[];
    }>("identity:import", { deployment: f.deployment, from: REGISTRAR, csv: file });
    expect(result.rows.map((r) => [r.line, r.result])).to.deep.equal([
      [2, "registered"],
      [3, "updated"],
      [4, "registered"],
    ]);
    expect(result.batches).to.have.length(2);
    expect(text).to.include("3 row(s) done in 2 transaction(s).");
    expect((await f.identityRegistry.identityOf(b)).attributes).to.equal(BigInt(Attr.SUPPLIER | Attr.DEBTOR));
    expect((await f.identityRegistry.identityOf(f.investor.address)).country).to.equal(BigInt(Country.HK));
    expect(await f.identityRegistry.contains(a)).to.equal(true);

    const removal = csvFile(["wallet,action", `${a},remove`]);
    await runTask("identity:import", { deployment: f.deployment, from: REGISTRAR, csv: removal });
    expect(await f.identityRegistry.contains(a)).to.equal(false);
  });

  it("--dry-run checks every row and simulates the batches, sending nothing; --json shape", async () => {
    const f = await loadFixture(identityFixture);
    const file = csvFile(["wallet,entity,country,expiry", `${f.newcomer.address},BETA,CN,30d`]);
    const block = await ethers.provider.getBlockNumber();
    const { result, lines } = await runTask<{ dryRun: boolean; rows: Record<string, unknown>[] }>("identity:import", {
      deployment: f.deployment,
      from: f.registrar.address,
      csv: file,
      dryRun: true,
      json: true,
    });
    expect(JSON.parse(lines.join("\n")).dryRun).to.equal(true);
    expect(Object.keys(result).sort()).to.deep.equal(["batches", "dryRun", "rows"]);
    expect(Object.keys(result.rows[0]).sort()).to.deep.equal(
      ["action", "attributes", "country", "entityId", "expiry", "line", "result", "transactionHash", "wallet"].sort(),
    );
    expect(result.rows[0].result).to.equal("would be registered");
    expect(await ethers.provider.getBlockNumber()).to.equal(block);
  });

  it("a bad row names its line and field and nothing is sent, even for the good rows", async () => {
    const f = await loadFixture(identityFixture);
    const good = `${f.newcomer.address},BETA,CN,30d,investor`;
    const cases: [string[], RegExp][] = [
      [
        [good, `${f.other.address},GAMMA,CN,2100-01-01,investor`],
        /line 3, field expiry: "2100-01-01" has no time zone/,
      ],
      [[good, `${f.other.address},GAMMA,ZZ,30d,investor`], /line 3, field country: "ZZ" is not a country/],
      [[good, `0xnothex,GAMMA,CN,30d,investor`], /line 3, field wallet: "0xnothex" is not an address/],
      [[good, `${f.other.address},,CN,30d,investor`], /line 3, field entity: empty: a register row needs it/],
      [[good, `${f.other.address},GAMMA,CN,30d,vip`], /line 3, field attributes: .*unknown attribute "vip"/],
      [[good, `${f.investor.address},ACME,CN,30d,investor`], /line 3, field wallet: .* is already registered/],
      [[good, good], /line 3, field wallet: .* is also on line 2/],
      [
        [good, `${f.other.address},GAMMA,ZZ,30d,investor`, `${f.other.address},GAMMA,CN,30d,xx`],
        /line 3, field country: .*\(2 bad rows: lines 3, 4\); nothing was sent/,
      ],
    ];
    for (const [rows, message] of cases) {
      const file = csvFile(["wallet,entity,country,expiry,attributes", ...rows]);
      await expectTaskError("identity:import", { deployment: f.deployment, from: REGISTRAR, csv: file }, message);
    }
    expect(await f.identityRegistry.contains(f.newcomer.address)).to.equal(false);
    await expectTaskError(
      "identity:import",
      { deployment: f.deployment, from: REGISTRAR, csv: csvFile(["wallet,entty", `${f.newcomer.address},X`]) },
      /line 1: unknown column "entty"/,
    );
    await expectTaskError(
      "identity:import",
      { deployment: f.deployment, from: REGISTRAR, csv: tmpFile("missing.csv") },
      /no CSV file at/,
    );
    await expectTaskError(
      "identity:import",
      {
        deployment: f.deployment,
        from: "1",
        csv: csvFile(["wallet,entity,country,expiry", good.replace(/,investor$/, "")]),
      },
      /the register batch of lines 2 would fail: AccessControlUnauthorizedAccount/,
    );
  });
});
