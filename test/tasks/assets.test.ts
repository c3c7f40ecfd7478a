import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Attr, Country } from "../../scripts/lib/constants";
import type { SecurityToken } from "../../typechain-types";
import { LOCALHOST_PARAMETERS } from "../fixtures/consortium";
import { closeVoting, expectTaskError, openVoting, reachEta, runTask, tasksFixture } from "./helpers";

type Fixture = Awaited<ReturnType<typeof tasksFixture>>;

const ISSUER_NAME = "Shenzhen Metro Group";
const BOND_CODE = "CNSZMB203007";
const DESCRIPTION = "Issue the Shenzhen Metro 3.2% 2030 bond";

/** Proposes `actions` with the tasks, all three members vote For, then queue and execute. */
async function passWithTasks(f: Fixture, actions: string[], description: string): Promise<bigint> {
  const deployment = f.deployment;
  const { result: id } = await runTask<bigint>("gov:propose", { deployment, from: "1", description, actions });
  await openVoting(f, id);
  for (const from of ["1", "2", "3"]) {
    await runTask("gov:vote", { deployment, from, proposalId: id.toString(), support: "for" });
  }
  await closeVoting(f, id);
  await runTask("gov:queue", { deployment, from: "1", proposalId: id.toString() });
  await reachEta(f, id);
  await runTask("gov:execute", { deployment, from: "1", proposalId: id.toString() });
  return id;
}

/** The tasks fixture with the issuer entity registered by the registrar. */
async function issuerFixture() {
  const f = await tasksFixture();
  const expiry = (await time.latest()) + 365 * 24 * 3600;
  await f.identityRegistry
    .connect(f.registrar)
    .registerIdentity(f.others[0].address, ethers.id(ISSUER_NAME), Country.CN, expiry, Attr.INVESTOR);
  const maturity = "2030-06-30";
  const issue =
    `issue-security --name 'Shenzhen Metro 3.2% 2030' --symbol SZMB30 --decimals 2 --kind bond --code ${BOND_CODE} ` +
    `--issuer '${ISSUER_NAME}' --maturity ${maturity} --terms-uri ipfs://bond-prospectus ` +
    `--terms-hash ${ethers.id("prospectus")} --agent ${f.agent.address} --guardians ${f.guardian.address}`;
  return { ...f, issue, expiry };
}

/** The issuer fixture with the bond issued through a governance round. */
async function bondFixture() {
  const f = await issuerFixture();
  await passWithTasks(f, [f.issue], DESCRIPTION);
  const entry = await f.assetRegistry.assetByCode(ethers.hexlify(ethers.toUtf8Bytes(BOND_CODE)));
  const bond = (await ethers.getContractAt("SecurityToken", entry.token)) as unknown as SecurityToken;
  return { ...f, bond };
}

describe("tasks: the asset registry", function () {
  describe("asset:list and asset:show", function () {
    it("asset:list shows the genesis share and cash tokens (text and --json)", async function () {
      const f = await loadFixture(tasksFixture);
      const { text } = await runTask("asset:list", { deployment: f.deployment });
      expect(text).to.match(/^2 asset\(s\) in the asset registry 0x/);
      expect(text).to.match(/CNSZPH000008 +SZPH +equity +0x[0-9a-f]{8}… +active +0 +0/);
      expect(text).to.match(/CNCNYC000004 +CNYC +cash +0x[0-9a-f]{8}… +active +0\.00 +0/);
      const { lines } = await runTask("asset:list", { deployment: f.deployment, json: true });
      const rows = JSON.parse(lines.join("\n"));
      expect(rows.map((r: { code: string }) => r.code)).to.deep.equal(["CNSZPH000008", "CNCNYC000004"]);
      expect(rows[1]).to.include({
        token: await f.cashToken.getAddress(),
        kind: "cash",
        status: "active",
        symbol: "CNYC",
      });
    });

    it("asset:show by code or address: entry, rules, documents, operators by duty, supply and holders", async function () {
      const f = await loadFixture(tasksFixture);
      const security = await f.securityToken.getAddress();
      const doc = ethers.encodeBytes32String("prospectus");
      await f.securityToken.connect(f.agent).setDocument(doc, "ipfs://szph-prospectus", ethers.id("p"));
      const { text } = await runTask("asset:show", { deployment: f.deployment, asset: "CNSZPH000008" });
      expect(text).to.include(`Asset CNSZPH000008: "Shenzhen Port Holdings Share" (SZPH), equity, token ${security}`);
      expect(text).to.match(/status: +active/);
      expect(text).to.match(/country rule: +off \(every country\)/);
      expect(text).to.include(`prospectus: ipfs://szph-prospectus`);
      expect(text).to.match(new RegExp(`SUPPLY_ROLE +${f.agent.address}`));
      expect(text).to.match(new RegExp(`GUARDIAN_ROLE +${f.guardian.address}`));
      expect(text).to.match(/supply: +0 SZPH, held by 0 entities/);
      const { lines } = await runTask("asset:show", { deployment: f.deployment, asset: security, json: true });
      const shown = JSON.parse(lines.join("\n"));
      expect(shown.code).to.equal("CNSZPH000008");
      expect(shown.admins).to.deep.equal([await f.timelock.getAddress()]);
      expect(shown.operators.supplyAgents).to.deep.equal([f.agent.address]);
      expect(shown.documents[0]).to.include({ name: "prospectus", uri: "ipfs://szph-prospectus" });
    });

    it("asset:show refuses an unknown code, a malformed code and an unlisted address", async function () {
      const f = await loadFixture(tasksFixture);
      await expectTaskError("asset:show", { deployment: f.deployment, asset: "US0378331005" }, /no asset has the code/);
      await expectTaskError(
        "asset:show",
        { deployment: f.deployment, asset: "CNSZPH000009" },
        /not an asset code \(ISIN style\): the check digit is wrong: CNSZPH000008 would be valid/,
      );
      await expectTaskError(
        "asset:show",
        { deployment: f.deployment, asset: f.others[3].address },
        /is not in the asset registry/,
      );
    });
  });

  describe("gov:propose issue-security", function () {
    it("the dry run shows the token that would be created: predicted address, name, symbol, operators, code", async function () {
      const f = await loadFixture(issuerFixture);
      const registry = await f.assetRegistry.getAddress();
      const predicted = ethers.getCreateAddress({
        from: registry,
        nonce: await ethers.provider.getTransactionCount(registry),
      });
      const { text } = await runTask("gov:propose", {
        deployment: f.deployment,
        description: DESCRIPTION,
        dryRun: true,
        actions: [f.issue],
      });
      expect(text).to.include("1. OK   asset-registry.createAsset(");
      expect(text).to.include(`token that would be created: ${predicted}`);
      expect(text).to.include(`"Shenzhen Metro 3.2% 2030" SZMB30, 2 decimals, bond, code ${BOND_CODE}`);
      expect(text).to.include(`SUPPLY_ROLE: ${f.agent.address}`);
      expect(text).to.include(`GUARDIAN_ROLE: ${f.guardian.address}, ${registry} (asset registry)`);
      expect(text).to.include("Dry run: all 1 action(s) succeed; nothing was sent.");
    });

    it("a full round creates, binds and lists the bond at the predicted address; gov:show describes it", async function () {
      const f = await loadFixture(issuerFixture);
      const registry = await f.assetRegistry.getAddress();
      const predicted = ethers.getCreateAddress({
        from: registry,
        nonce: await ethers.provider.getTransactionCount(registry),
      });
      const id = await passWithTasks(f, [f.issue], DESCRIPTION);
      const shown = await runTask("gov:show", { deployment: f.deployment, proposalId: id.toString() });
      expect(shown.text).to.include(
        `→ issue a new bond security "Shenzhen Metro 3.2% 2030" (SZMB30, 2 decimals), code ${BOND_CODE}`,
      );
      expect(shown.text).to.include("maturing 2030-06-30T00:00:00.000Z");
      const entry = await f.assetRegistry.assetByCode(ethers.hexlify(ethers.toUtf8Bytes(BOND_CODE)));
      expect(entry.token).to.equal(predicted);
      expect(entry.issuer).to.equal(ethers.id(ISSUER_NAME));
      expect(await f.identityRegistry.isTokenBound(predicted)).to.equal(true);
      const listed = await runTask("asset:list", { deployment: f.deployment });
      expect(listed.text).to.match(/CNSZMB203007 +SZMB30 +bond +0x[0-9a-f]{8}… +active +0\.00 +0/);
    });

    it("refuses bad fields before sending anything", async function () {
      const f = await loadFixture(issuerFixture);
      const base = (change: (s: string) => string) => ({
        deployment: f.deployment,
        from: "1",
        description: DESCRIPTION,
        actions: [change(f.issue)],
      });
      await expectTaskError(
        "gov:propose",
        base((s) => s.replace(BOND_CODE, "CNSZMB203008")),
        /check digit is wrong/,
      );
      await expectTaskError(
        "gov:propose",
        base((s) => s.replace(BOND_CODE, "CNSZPH000008")),
        /the code CNSZPH000008 is already the code of 0x/,
      );
      await expectTaskError(
        "gov:propose",
        base((s) => s.replace(ISSUER_NAME, "Nobody Ltd")),
        /is not an entity of the identity registry: a registrar registers it first/,
      );
      await expectTaskError(
        "gov:propose",
        base((s) => s.replace("2030-06-30", "2020-01-01")),
        /--maturity must be in the future/,
      );
      await expectTaskError(
        "gov:propose",
        base((s) => s.replace("--kind bond", "--kind warrant")),
        /is not an asset kind/,
      );
      await expectTaskError(
        "gov:propose",
        base((s) => s.replace("--symbol SZMB30 ", "")),
        /--symbol is required/,
      );
      await expectTaskError(
        "gov:propose",
        base((s) => `${s} --colour red`),
        /unknown option --colour/,
      );
      await expectTaskError(
        "gov:propose",
        base((s) => s.replace(f.agent.address, "0x1234")),
        /is not an address/,
      );
    });
  });

  describe("suspend-asset, resume-asset, mature-asset, redeem-asset", function () {
    it("suspends and resumes a created asset through governance", async function () {
      const f = await loadFixture(bondFixture);
      await passWithTasks(f, [`suspend-asset ${BOND_CODE}`], "Suspend the bond");
      expect(await f.bond.paused()).to.equal(true);
      expect((await runTask("asset:list", { deployment: f.deployment })).text).to.match(/CNSZMB203007 .* suspended /);
      const dry = await runTask("gov:propose", {
        deployment: f.deployment,
        description: "Resume the bond",
        dryRun: true,
        actions: [`resume-asset ${BOND_CODE}`],
      });
      expect(dry.text).to.match(/1\. OK +0x[0-9a-fA-F]{40}\.unpause\(\)/);
      expect(dry.text).to.include("2. OK   asset-registry.resumeAsset(");
      const id = await passWithTasks(f, [`resume-asset ${BOND_CODE}`], "Resume the bond");
      const shown = await runTask("gov:show", { deployment: f.deployment, proposalId: id.toString() });
      expect(shown.text).to.include("→ resume the asset");
      expect(await f.bond.paused()).to.equal(false);
      expect((await f.assetRegistry.assetOf(await f.bond.getAddress())).status).to.equal(0n);
    });

    it("suspending a genesis token first makes the registry its guardian, in the same proposal", async function () {
      const f = await loadFixture(tasksFixture);
      const dry = await runTask("gov:propose", {
        deployment: f.deployment,
        description: "Suspend the cash token",
        dryRun: true,
        actions: ["suspend-asset CNCNYC000004"],
      });
      expect(dry.text).to.include("1. OK   cash-token.grantRole(role=GUARDIAN_ROLE, account=");
      expect(dry.text).to.include("2. OK   asset-registry.suspendAsset(");
      await passWithTasks(f, ["suspend-asset CNCNYC000004"], "Suspend the cash token");
      expect(await f.cashToken.paused()).to.equal(true);
    });

    it("refuses actions that do not fit the asset's status", async function () {
      const f = await loadFixture(bondFixture);
      const propose = (action: string) => ({
        deployment: f.deployment,
        from: "1",
        description: "x",
        actions: [action],
      });
      await expectTaskError("gov:propose", propose(`resume-asset ${BOND_CODE}`), /is active, not suspended/);
      await expectTaskError("gov:propose", propose(`mature-asset ${BOND_CODE}`), /matures on 2030-06-30.*not yet/);
      await f.bond.connect(f.agent).mint(f.others[0].address, 100);
      await expectTaskError("gov:propose", propose(`redeem-asset ${BOND_CODE}`), /still has 100 base units/);
      await expectTaskError("gov:propose", propose("suspend-asset"), /expected suspend-asset <code\|token>/);
    });

    it("matures and redeems a bond through governance", async function () {
      const f = await loadFixture(bondFixture);
      await time.increaseTo(Date.parse("2030-07-01T00:00:00Z") / 1000);
      await passWithTasks(f, [`mature-asset ${BOND_CODE}`], "The bond matured");
      expect((await f.assetRegistry.assetOf(await f.bond.getAddress())).status).to.equal(2n);
      await passWithTasks(f, [`redeem-asset ${BOND_CODE}`], "The bond is redeemed");
      expect((await f.assetRegistry.assetOf(await f.bond.getAddress())).status).to.equal(3n);
      expect(await f.bond.paused()).to.equal(true);
    });
  });

  describe("upgrade-securities", function () {
    it("upgrades every asset and the registry's implementation in one proposal, after the layout check", async function () {
      const f = await loadFixture(bondFixture);
      const v2 = await (await ethers.getContractFactory("SecurityTokenV2")).deploy();
      const action = `upgrade-securities --implementation ${await v2.getAddress()} --contract SecurityTokenV2`;
      const dry = await runTask("gov:propose", {
        deployment: f.deployment,
        description: "Upgrade every security",
        dryRun: true,
        actions: [action],
      });
      expect(dry.text).to.include("4 action(s) simulated");
      await passWithTasks(f, [action], "Upgrade every security");
      for (const token of [f.securityToken, f.cashToken, f.bond]) {
        expect(await (await ethers.getContractAt("SecurityTokenV2", await token.getAddress())).version()).to.equal("2");
      }
      expect(await f.assetRegistry.tokenImplementation()).to.equal(await v2.getAddress());
    });

    it("refuses an implementation whose storage layout is incompatible, or that is not the named contract", async function () {
      const f = await loadFixture(tasksFixture);
      const bad = await (await ethers.getContractFactory("DvPSettlementBadLayout")).deploy();
      await expectTaskError(
        "gov:propose",
        {
          deployment: f.deployment,
          from: "1",
          description: "x",
          actions: [`upgrade-securities --implementation ${await bad.getAddress()} --contract SecurityTokenV2`],
        },
        /the code at 0x[0-9a-fA-F]{40} is not SecurityTokenV2/,
      );
      await expectTaskError(
        "gov:propose",
        {
          deployment: f.deployment,
          from: "1",
          description: "x",
          actions: [`upgrade-securities --implementation ${await bad.getAddress()} --contract DvPSettlementBadLayout`],
        },
        /DvPSettlementBadLayout cannot replace SecurityToken/,
      );
    });
  });

  describe("consortium:verify-deployment", function () {
    it("checks every listed asset: admin, implementation as recorded, status against the pause state", async function () {
      const f = await loadFixture(bondFixture);
      await passWithTasks(f, [`suspend-asset ${BOND_CODE}`], "Suspend the bond");
      const args = { deployment: f.deployment, parameters: LOCALHOST_PARAMETERS };
      const { result, text } = await runTask<{ checks: { name: string; ok: boolean }[] }>(
        "consortium:verify-deployment",
        args,
      );
      const names = result.checks.map((c) => c.name);
      expect(names).to.include.members([
        "security-token listed",
        "cash-token listed",
        "token implementation",
        "redemption observer",
        "CNSZPH000008 SZPH admin",
        "CNSZPH000008 SZPH implementation",
        "CNSZPH000008 SZPH status",
        "CNCNYC000004 CNYC status",
        "CNSZMB203007 SZMB30 admin",
        "CNSZMB203007 SZMB30 implementation",
        "CNSZMB203007 SZMB30 status",
        "asset-registry DEFAULT_ADMIN_ROLE",
        "asset-registry implementation",
        "identity-registry TOKEN_BINDER_ROLE",
      ]);
      expect(text).to.match(/PASS +assets: CNSZMB203007 SZMB30 status +suspended, token paused/);
      // a guardian's emergency pause of an active asset is reported until governance suspends it
      await f.cashToken.connect(f.guardian).pause();
      const { message, text: failed } = await expectTaskError(
        "consortium:verify-deployment",
        args,
        /^deployment verification failed: 1 of \d+ checks \(assets: CNCNYC000004 CNYC status\)$/,
      );
      expect(message).to.not.equal("");
      expect(failed).to.include("active, token paused (a guardian paused it: propose suspend-asset, or unpause it)");
    });

    it("checks the redemption wiring: the registry and corporate actions point at each other", async function () {
      const f = await loadFixture(tasksFixture);
      const args = { deployment: f.deployment, parameters: LOCALHOST_PARAMETERS };
      const { text } = await runTask("consortium:verify-deployment", args);
      expect(text).to.match(/PASS +assets: redemption observer +corporate actions 0x/);
      await ethers.provider.send("hardhat_setBalance", [await f.timelock.getAddress(), "0xde0b6b3a7640000"]);
      const timelock = await ethers.getImpersonatedSigner(await f.timelock.getAddress());
      await f.corporateActions.connect(timelock).setRedemptionObserver(f.others[5].address);
      const { text: failed } = await expectTaskError(
        "consortium:verify-deployment",
        args,
        /^deployment verification failed: 1 of \d+ checks \(assets: redemption observer\)$/,
      );
      expect(failed).to.include(`reports redemptions to ${f.others[5].address}, not the asset registry`);
      await f.corporateActions.connect(timelock).setRedemptionObserver(await f.assetRegistry.getAddress());
      await f.assetRegistry.connect(timelock).setCorporateActions(ethers.ZeroAddress);
      const { text: deaf } = await expectTaskError(
        "consortium:verify-deployment",
        args,
        /^deployment verification failed: 1 of \d+ checks \(assets: redemption observer\)$/,
      );
      expect(deaf).to.include("the asset registry accepts assetRedeemed from nobody");
    });
  });
});
