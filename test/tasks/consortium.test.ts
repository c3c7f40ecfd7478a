import fs from "node:fs";
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { LOCALHOST_PARAMETERS } from "../fixtures/consortium";
import { PROPOSER_ROLE, impersonate } from "../fixtures/governance";
import { tokenize } from "../../tasks/lib/parse";
import { expectTaskError, failedRows, rowDetail, runTask, tasksFixture, tmpFile } from "./helpers";

const VERIFY = "consortium:verify-deployment";
const PREPARE = "consortium:prepare-upgrade";

type Fixture = Awaited<ReturnType<typeof tasksFixture>>;

/** Runs the verification that must fail, and returns the failed rows and the table. */
async function verifyFails(args: Record<string, unknown>) {
  const { message, text } = await expectTaskError(VERIFY, args, /^deployment verification failed: \d+ of \d+ checks/);
  return { message, text, failed: failedRows(text) };
}

/** A copy of the localhost parameters, changed by `change`, in a temporary file. */
function parametersWith(change: (p: Record<string, Record<string, unknown>>) => void): string {
  const parameters = JSON.parse(fs.readFileSync(LOCALHOST_PARAMETERS, "utf8"));
  change(parameters);
  const file = tmpFile("parameters.json");
  fs.writeFileSync(file, JSON.stringify(parameters, null, 2));
  return file;
}

/** The timelock, impersonated: what only a passed proposal could do. */
async function asTimelock(f: Fixture) {
  return impersonate(await f.timelock.getAddress());
}

/** The fixture with the security token's proxy upgraded (by the timelock) to SecurityTokenV2. */
async function upgradedToV2() {
  const f = await loadFixture(tasksFixture);
  const v2 = await (await ethers.getContractFactory("SecurityTokenV2")).deploy();
  await f.securityToken.connect(await asTimelock(f)).upgradeToAndCall(await v2.getAddress(), "0x");
  return { ...f, v2: await v2.getAddress() };
}

describe("consortium:verify-deployment", function () {
  it("passes on the deployment made with the Ignition module and its parameters", async function () {
    const f = await loadFixture(tasksFixture);
    const { result, text, lines } = await runTask<{ failed: number; checks: { ok: boolean; name: string }[] }>(VERIFY, {
      deployment: f.deployment,
      parameters: LOCALHOST_PARAMETERS,
    });
    expect(result.failed).to.equal(0);
    expect(failedRows(text)).to.deep.equal([]);
    expect(lines.at(-1)).to.match(/^\d+ checks: \d+ passed, 0 failed\.$/);
    const names = result.checks.map((c) => c.name);
    // every admin role, the timelock's roles, the deployer, members, settings and code are checked
    for (const contract of ["membership", "identity-registry", "security-token", "cash-token", "invoice-registry"]) {
      expect(names).to.include(`${contract} DEFAULT_ADMIN_ROLE`);
      expect(names).to.include(`${contract} implementation`);
    }
    expect(names).to.include.members([
      "dvp-settlement DEFAULT_ADMIN_ROLE",
      "dvp-settlement implementation",
      "timelock PROPOSER_ROLE",
      "timelock CANCELLER_ROLE",
      "timelock EXECUTOR_ROLE",
      "identity-registry REGISTRAR_ROLE",
      "identity-registry TOKEN_BINDER_ROLE",
      "security-token SUPPLY_ROLE",
      "security-token FREEZE_ROLE",
      "security-token FORCED_TRANSFER_ROLE",
      "security-token RECOVERY_ROLE",
      "security-token DOCUMENT_ROLE",
      "cash-token SUPPLY_ROLE",
      "security-token extension",
      "cash-token extension",
      "invoice-registry GUARDIAN_ROLE",
      "deployer holds no role",
      "member Pearl River Bank",
      "total weight",
      "voting delay (s)",
      "voting period (s)",
      "voting-period floor (s)",
      "proposal threshold",
      "quorum (bps)",
      "approval threshold (bps)",
      "timelock min delay (s)",
      "governor",
      "timelock",
    ]);
    expect(rowDetail(text, "roles: timelock PROPOSER_ROLE")).to.match(/^governor 0x/);
    expect(rowDetail(text, "roles: timelock EXECUTOR_ROLE")).to.match(/^anyone 0x000000/);
    expect(rowDetail(text, "code: security-token implementation")).to.include("immutables masked");
  });

  it("reads ignition/parameters/<network>.json without --parameters only if it exists", async function () {
    const f = await loadFixture(tasksFixture);
    // the in-process network is "hardhat": there is no ignition/parameters/hardhat.json
    await expectTaskError(
      VERIFY,
      { deployment: f.deployment },
      /^no parameters file: looked for \S*ignition\/parameters\/hardhat\.json \(network "hardhat"\); give --parameters <file>/,
    );
  });

  describe("role holders", function () {
    it("fails when someone outside the parameters holds an operational role (found from RoleGranted events)", async function () {
      const f = await loadFixture(tasksFixture);
      const outsider = f.others[4].address;
      await f.securityToken.connect(await asTimelock(f)).grantRole(await f.securityToken.SUPPLY_ROLE(), outsider);
      const { failed, text, message } = await verifyFails({
        deployment: f.deployment,
        parameters: LOCALHOST_PARAMETERS,
      });
      expect(failed).to.deep.equal(["roles: security-token SUPPLY_ROLE"]);
      expect(rowDetail(text, "roles: security-token SUPPLY_ROLE")).to.equal(
        `held by ${outsider} but no deployment step or executed proposal granted it`,
      );
      expect(message).to.match(/1 of \d+ checks \(roles: security-token SUPPLY_ROLE\)$/);
    });

    it("fails when a configured operator lost its role", async function () {
      const f = await loadFixture(tasksFixture);
      await f.identityRegistry
        .connect(await asTimelock(f))
        .revokeRole(await f.identityRegistry.REGISTRAR_ROLE(), f.registrar.address);
      const { failed, text } = await verifyFails({ deployment: f.deployment, parameters: LOCALHOST_PARAMETERS });
      expect(failed).to.deep.equal(["roles: identity-registry REGISTRAR_ROLE"]);
      expect(rowDetail(text, "roles: identity-registry REGISTRAR_ROLE")).to.match(
        /^not held by registrar 0x15d34A…, which the deployment granted and no executed proposal revoked$/,
      );
    });

    it("fails when an admin role has a second holder besides the timelock", async function () {
      const f = await loadFixture(tasksFixture);
      await f.dvpSettlement.connect(await asTimelock(f)).grantRole(ethers.ZeroHash, f.bank.address);
      const { failed, text } = await verifyFails({ deployment: f.deployment, parameters: LOCALHOST_PARAMETERS });
      expect(failed).to.deep.equal(["roles: dvp-settlement DEFAULT_ADMIN_ROLE"]);
      expect(rowDetail(text, "roles: dvp-settlement DEFAULT_ADMIN_ROLE")).to.match(
        /^held by Pearl River Bank 0x709979… but no deployment step or executed proposal granted it$/,
      );
    });

    it("fails when the governor is not the timelock's only proposer", async function () {
      const f = await loadFixture(tasksFixture);
      await f.timelock.connect(await asTimelock(f)).grantRole(PROPOSER_ROLE, f.bank.address);
      const { failed } = await verifyFails({ deployment: f.deployment, parameters: LOCALHOST_PARAMETERS });
      expect(failed).to.deep.equal(["roles: timelock PROPOSER_ROLE"]);
    });

    it("fails when the deployer still holds a role", async function () {
      const f = await loadFixture(tasksFixture);
      await f.dvpSettlement
        .connect(await asTimelock(f))
        .grantRole(await f.dvpSettlement.GUARDIAN_ROLE(), f.deployer.address);
      const { failed, text } = await verifyFails({ deployment: f.deployment, parameters: LOCALHOST_PARAMETERS });
      expect(failed).to.deep.equal(["roles: dvp-settlement GUARDIAN_ROLE", "roles: deployer holds no role"]);
      expect(rowDetail(text, "roles: deployer holds no role")).to.equal(
        `${f.deployer.address} holds dvp-settlement GUARDIAN_ROLE`,
      );
    });

    it("checks the account given with --deployer", async function () {
      const f = await loadFixture(tasksFixture);
      // the registrar holds REGISTRAR_ROLE: as "the deployer" it fails the check
      const { failed } = await verifyFails({
        deployment: f.deployment,
        parameters: LOCALHOST_PARAMETERS,
        deployer: f.registrar.address,
      });
      expect(failed).to.deep.equal(["roles: deployer holds no role"]);
      const { result } = await runTask<{ failed: number }>(VERIFY, {
        deployment: f.deployment,
        parameters: LOCALHOST_PARAMETERS,
        deployer: f.others[0].address,
      });
      expect(result.failed).to.equal(0);
    });
  });

  describe("members and settings", function () {
    it("fails when a configured member is missing", async function () {
      const f = await loadFixture(tasksFixture);
      await f.membership.connect(await asTimelock(f)).removeMember(f.insurer.address);
      const { failed, text } = await verifyFails({ deployment: f.deployment, parameters: LOCALHOST_PARAMETERS });
      expect(failed).to.deep.equal(["members: member Qianhai Insurance", "members: total weight"]);
      expect(rowDetail(text, "members: member Qianhai Insurance")).to.equal(
        `${f.insurer.address}: not a member (admitted by the deployment, removed by no executed proposal)`,
      );
    });

    it("fails when a member is not in the parameters", async function () {
      const f = await loadFixture(tasksFixture);
      await f.membership.connect(await asTimelock(f)).addMember(f.others[1].address, 10, "Shenzhen Bank", "");
      const { failed, text } = await verifyFails({ deployment: f.deployment, parameters: LOCALHOST_PARAMETERS });
      expect(failed).to.deep.equal(["members: no other members", "members: total weight"]);
      expect(rowDetail(text, "members: no other members")).to.include("(Shenzhen Bank, weight 10)");
    });

    it("fails when a weight differs from the parameters", async function () {
      const f = await loadFixture(tasksFixture);
      const parameters = parametersWith((p) => {
        (p.Governance.foundingMembers as { weight: number }[])[0].weight = 45;
      });
      const { failed, text } = await verifyFails({ deployment: f.deployment, parameters });
      expect(failed).to.deep.equal(["members: member Pearl River Bank", "members: total weight"]);
      expect(rowDetail(text, "members: member Pearl River Bank")).to.equal(
        `${f.bank.address}: weight 40, configured 45`,
      );
    });

    it("fails when governance settings or operators differ from the parameters", async function () {
      const f = await loadFixture(tasksFixture);
      const parameters = parametersWith((p) => {
        p.Governance.votingPeriod = 3600;
        p.Governance.votingPeriodFloor = 1800;
        p.Governance.quorumBasisPoints = 4000;
        p.Governance.timelockMinDelay = 7200;
        p.Settlement.guardians = [f.others[2].address];
      });
      const { failed } = await verifyFails({ deployment: f.deployment, parameters });
      expect(failed).to.deep.equal([
        "roles: dvp-settlement GUARDIAN_ROLE",
        "governance: voting period (s)",
        "governance: voting-period floor (s)",
        "governance: quorum (bps)",
        "governance: timelock min delay (s)",
      ]);
    });
  });

  describe("implementations", function () {
    it("fails when a proxy runs another implementation than the compiled contract", async function () {
      const f = await upgradedToV2();
      const { failed, text } = await verifyFails({ deployment: f.deployment, parameters: LOCALHOST_PARAMETERS });
      expect(failed).to.deep.equal(["code: security-token implementation"]);
      expect(rowDetail(text, "code: security-token implementation")).to.match(
        new RegExp(`^${f.v2}: code (is \\d+ bytes,|differs from) compiled .*SecurityToken`),
      );
    });

    it("passes after an upgrade when told the new contract with --implementations", async function () {
      const f = await upgradedToV2();
      const { result, text } = await runTask<{ failed: number }>(VERIFY, {
        deployment: f.deployment,
        parameters: LOCALHOST_PARAMETERS,
        implementations: "security-token=SecurityTokenV2",
      });
      expect(result.failed).to.equal(0);
      expect(rowDetail(text, "code: security-token implementation")).to.include("SecurityTokenV2.sol:SecurityTokenV2");
      // ...and the V2 artifact is not accepted for the cash token, which still runs V1
      const { failed } = await verifyFails({
        deployment: f.deployment,
        parameters: LOCALHOST_PARAMETERS,
        implementations: "security-token=SecurityTokenV2,cash-token=SecurityTokenV2",
      });
      expect(failed).to.deep.equal(["code: cash-token implementation"]);
    });

    it("masks only deploy-time values: another deployment of the same contract passes, its __self checked", async function () {
      const f = await loadFixture(tasksFixture);
      const again = await (await ethers.getContractFactory("SecurityToken")).deploy();
      await f.securityToken.connect(await asTimelock(f)).upgradeToAndCall(await again.getAddress(), "0x");
      const { result, text } = await runTask<{ failed: number }>(VERIFY, {
        deployment: f.deployment,
        parameters: LOCALHOST_PARAMETERS,
      });
      expect(result.failed).to.equal(0);
      expect(rowDetail(text, "code: security-token implementation")).to.match(
        new RegExp(`^${await again.getAddress()}: matches`),
      );
    });
  });

  describe("bad input", function () {
    it("refuses a missing or malformed parameters file and a bad --implementations in one line", async function () {
      const f = await loadFixture(tasksFixture);
      const missing = tmpFile("none.json");
      await expectTaskError(VERIFY, { deployment: f.deployment, parameters: missing }, /^--parameters: no file at /);
      const broken = tmpFile("broken.json");
      fs.writeFileSync(broken, "{ Governance: ");
      await expectTaskError(VERIFY, { deployment: f.deployment, parameters: broken }, /is not a parameters file/);
      const incomplete = parametersWith((p) => delete p.Governance.votingDelay);
      await expectTaskError(
        VERIFY,
        { deployment: f.deployment, parameters: incomplete },
        /has no Governance\.votingDelay$/,
      );
      await expectTaskError(
        VERIFY,
        { deployment: f.deployment, parameters: LOCALHOST_PARAMETERS, implementations: "governor=X" },
        /"governor" is not a proxied contract/,
      );
    });
  });
});

describe("consortium:prepare-upgrade", function () {
  it("validates the layout, deploys the implementation and prints the gov:propose command", async function () {
    const f = await loadFixture(tasksFixture);
    const liveBefore = await ethers.provider.getStorage(
      f.addresses["Tokens#SecurityToken"],
      "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc",
    );
    const { result, lines } = await runTask<{ implementation: string; action: string; command: string }>(PREPARE, {
      deployment: f.deployment,
      contract: "security-token",
      implementation: "SecurityTokenV2",
    });
    // deployed, with the V2 code, and nothing upgraded yet
    const v2 = await ethers.getContractAt("SecurityTokenV2", result.implementation);
    expect(await v2.version()).to.equal("2");
    expect(
      await ethers.provider.getStorage(
        f.addresses["Tokens#SecurityToken"],
        "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc",
      ),
    ).to.equal(liveBefore);
    expect(lines).to.include(result.command);
    expect(result.command).to.equal(
      `npx hardhat gov:propose --deployment ${JSON.stringify(f.deployment)} ` +
        `--action "upgrade security-token ${result.implementation}" ` +
        `--description "Upgrade security-token to SecurityTokenV2 (implementation ${result.implementation})"`,
    );
    expect(lines.join("\n")).to.include("cash-token runs the same implementation");

    // the printed command, as the shell splits it, is a proposal the timelock can execute
    const words = tokenize(result.command);
    const action = words[words.indexOf("--action") + 1];
    const description = words[words.indexOf("--description") + 1];
    const { text } = await runTask("gov:propose", {
      deployment: f.deployment,
      action,
      description,
      dryRun: true,
      actions: [],
    });
    expect(text).to.include("Dry run: all 1 action(s) succeed");

    // once executed by the timelock, the deployment verifies with the new contract named
    await f.securityToken.connect(await asTimelock(f)).upgradeToAndCall(result.implementation, "0x");
    expect(
      await (await ethers.getContractAt("SecurityTokenV2", f.addresses["Tokens#SecurityToken"])).version(),
    ).to.equal("2");
    const verified = await runTask<{ failed: number }>(VERIFY, {
      deployment: f.deployment,
      parameters: LOCALHOST_PARAMETERS,
      implementations: "security-token=SecurityTokenV2",
    });
    expect(verified.result.failed).to.equal(0);
  });

  it("refuses a storage-incompatible implementation before deploying anything", async function () {
    const f = await loadFixture(tasksFixture);
    const { message } = await expectTaskError(
      PREPARE,
      { deployment: f.deployment, contract: "dvp-settlement", implementation: "DvPSettlementBadLayout" },
      /^DvPSettlementBadLayout cannot replace DvPSettlement behind dvp-settlement \(0x[0-9a-fA-F]{40}\): .*; nothing was deployed$/,
    );
    expect(message).to.match(/ticketCount/);
  });

  it("accepts the other test upgrades (IdentityRegistryV2, DvPSettlementV2)", async function () {
    const f = await loadFixture(tasksFixture);
    for (const [contract, implementation] of [
      ["identity-registry", "IdentityRegistryV2"],
      ["dvp-settlement", "DvPSettlementV2"],
    ]) {
      const { result } = await runTask<{ implementation: string }>(PREPARE, {
        deployment: f.deployment,
        contract,
        implementation,
      });
      expect(await ethers.provider.getCode(result.implementation)).to.not.equal("0x");
    }
  });

  it("refuses when the proxy does not run the contract the layout is checked against (--current)", async function () {
    const f = await upgradedToV2();
    await expectTaskError(
      PREPARE,
      { deployment: f.deployment, contract: "security-token", implementation: "SecurityTokenV2" },
      /^the live implementation of security-token \(0x[0-9a-fA-F]{40}\) is not the compiled SecurityToken .*--current <ContractName>; nothing was deployed$/,
    );
    await expectTaskError(
      PREPARE,
      {
        deployment: f.deployment,
        contract: "security-token",
        implementation: "SecurityTokenV2",
        current: "SecurityTokenV2",
      },
      /^SecurityTokenV2 is already the live implementation of security-token/,
    );
  });

  it("refuses a contract that is not upgradeable and an implementation that is not compiled", async function () {
    const f = await loadFixture(tasksFixture);
    await expectTaskError(
      PREPARE,
      { deployment: f.deployment, contract: "governor", implementation: "SecurityTokenV2" },
      /^--contract "governor" is not an upgradeable contract of the system/,
    );
    await expectTaskError(
      PREPARE,
      { deployment: f.deployment, contract: "security-token", implementation: "SecurityTokenV9" },
      /^no compiled contract "SecurityTokenV9"/,
    );
    await expectTaskError(PREPARE, { deployment: f.deployment, contract: "security-token" }, /^--implementation/);
  });
});

describe("consortium:find-transaction", function () {
  it("finds an account's mined transaction by nonce and prints the track-tx command", async function () {
    const f = await loadFixture(tasksFixture);
    // The deployer's nonce at which it created the timelock (earlier tests may have used the account).
    const timelock = await f.timelock.getAddress();
    const used = await ethers.provider.getTransactionCount(f.deployer.address);
    let nonce = 0;
    while (nonce < used && ethers.getCreateAddress({ from: f.deployer.address, nonce }) !== timelock) nonce++;
    expect(nonce, "the timelock was created by the deployer").to.be.below(used);
    const { result, lines } = await runTask<{ hash: string; command: string; contractAddress: string | null }>(
      "consortium:find-transaction",
      { account: f.deployer.address, nonce: String(nonce) },
    );
    const tx = await ethers.provider.getTransaction(result.hash);
    expect(tx?.from).to.equal(f.deployer.address);
    expect(tx?.nonce).to.equal(nonce);
    expect(lines).to.include(`npx hardhat ignition track-tx ${result.hash} chain-31337`);
    expect(result.contractAddress).to.equal(timelock);
  });

  it("--json prints only the transaction found, as one JSON document", async function () {
    const f = await loadFixture(tasksFixture);
    const timelock = await f.timelock.getAddress();
    const used = await ethers.provider.getTransactionCount(f.deployer.address);
    let nonce = 0;
    while (nonce < used && ethers.getCreateAddress({ from: f.deployer.address, nonce }) !== timelock) nonce++;
    const { result, text } = await runTask<{ hash: string }>("consortium:find-transaction", {
      account: f.deployer.address,
      nonce: String(nonce),
      json: true,
    });
    expect(JSON.parse(text)).to.deep.equal({
      hash: result.hash,
      blockNumber: (await ethers.provider.getTransaction(result.hash))!.blockNumber,
      contractAddress: timelock,
      command: `npx hardhat ignition track-tx ${result.hash} chain-31337`,
    });
  });

  it("refuses a nonce the account has not used yet, in one line", async function () {
    const f = await loadFixture(tasksFixture);
    const used = await ethers.provider.getTransactionCount(f.deployer.address);
    await expectTaskError(
      "consortium:find-transaction",
      { account: f.deployer.address, nonce: String(used) },
      new RegExp(`has ${used} mined transaction\\(s\\) .*: none with nonce ${used} is on the chain yet$`),
    );
    await expectTaskError("consortium:find-transaction", { nonce: "1" }, /^--account <address> is required/);
  });
});
