import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Attr, Country } from "../../scripts/lib/constants";
import { withCheckDigit } from "../../tasks/lib/assetRegistry";
import { LOCALHOST_PARAMETERS } from "../fixtures/consortium";
import { Vote, action, impersonate, passProposal, propose, toVotingEnd, toVotingStart } from "../fixtures/governance";
import { expectTaskError, failedRows, rowDetail, runTask, tasksFixture } from "./helpers";

const VERIFY = "consortium:verify-deployment";
const ISSUER = "Shenzhen Metro Group";
const CODE = withCheckDigit("CNSZMT00001");

type Fixture = Awaited<ReturnType<typeof tasksFixture>>;

interface Report {
  chainId: string;
  executedProposals: { id: string; blockNumber: number; transactionHash: string; calls: number }[];
  checks: { group: string; name: string; ok: boolean; detail: string }[];
  passed: number;
  failed: number;
}

/** Runs the verification that must fail; returns the failed rows and the table. */
async function verifyFails(f: Fixture, extra: Record<string, unknown> = {}) {
  const { message, text } = await expectTaskError(
    VERIFY,
    { deployment: f.deployment, parameters: LOCALHOST_PARAMETERS, ...extra },
    /^deployment verification failed: \d+ of \d+ checks/,
  );
  return { message, text, failed: failedRows(text) };
}

/** Runs the verification that must pass. */
async function verifyPasses(f: Fixture, extra: Record<string, unknown> = {}) {
  const run = await runTask<Report>(VERIFY, { deployment: f.deployment, parameters: LOCALHOST_PARAMETERS, ...extra });
  expect(failedRows(run.text), run.text).to.deep.equal([]);
  expect(run.result.failed).to.equal(0);
  return run;
}

/**
 * The deployment, then two executed proposals: #1 admits a member and makes an account a supply
 * agent of the share token; #2 changes a weight, moves the registrar role to another account and
 * issues a new security through the asset registry (its operators named in the proposal).
 */
async function governedFixture() {
  // on top of the deployment's snapshot (shared with the other task tests): no second deployment
  const f = await loadFixture(tasksFixture);
  const [newcomer, newAgent, newRegistrar] = [f.others[1], f.others[2], f.others[3]];
  const expiry = (await time.latest()) + 365 * 24 * 3600;
  await f.identityRegistry
    .connect(f.registrar)
    .registerIdentity(f.others[0].address, ethers.id(ISSUER), Country.CN, expiry, Attr.INVESTOR);
  const supply = await f.securityToken.SUPPLY_ROLE();
  const registrarRole = await f.identityRegistry.REGISTRAR_ROLE();
  const first = await passProposal(
    f.governor,
    f.members,
    [
      await action(f.membership, "addMember", [newcomer.address, 10, "Shenzhen Bank", "https://members.example/szb"]),
      await action(f.securityToken, "grantRole", [supply, newAgent.address]),
    ],
    "Admit Shenzhen Bank; a second transfer agent",
  );
  const none: string[] = [];
  const operators = {
    supplyAgents: [f.agent.address],
    freezeAgents: [f.agent.address],
    forcedTransferAgents: none,
    recoveryAgents: none,
    documentAgents: none,
    complianceOfficers: [f.agent.address],
    guardians: [f.guardian.address],
  };
  const second = await passProposal(
    f.governor,
    f.members,
    [
      await action(f.membership, "setWeight", [f.bank.address, 45]),
      await action(f.identityRegistry, "revokeRole", [registrarRole, f.registrar.address]),
      await action(f.identityRegistry, "grantRole", [registrarRole, newRegistrar.address]),
      await action(f.assetRegistry, "createAsset", [
        { name: "Shenzhen Metro Share", symbol: "SZMT", decimals: 0 },
        {
          kind: 0,
          code: ethers.hexlify(ethers.toUtf8Bytes(CODE)),
          issuer: ethers.id(ISSUER),
          maturity: 0,
          termsURI: "",
          termsHash: ethers.ZeroHash,
        },
        operators,
      ]),
    ],
    "New weight, registrar and share",
  );
  const token = (await f.assetRegistry.assetByCode(ethers.hexlify(ethers.toUtf8Bytes(CODE)))).token;
  const created = await ethers.getContractAt("SecurityToken", token);
  return { ...f, first, second, newcomer, newAgent, newRegistrar, created };
}

async function asTimelock(f: Fixture) {
  return impersonate(await f.timelock.getAddress());
}

describe("consortium:verify-deployment: live state against the deployment and the executed proposals", function () {
  it("passes right after the deployment: no proposal replayed (--json: the documented shape)", async function () {
    const f = await loadFixture(tasksFixture);
    const { text } = await verifyPasses(f);
    expect(rowDetail(text, "proposals: executed proposals replayed")).to.equal(
      "none executed: the expected state is the deployment's",
    );
    expect(rowDetail(text, "assets: asset CNSZPH000008")).to.match(
      /^0x[0-9a-fA-F]{40} active \(listed by the deployment\)$/,
    );
    const { lines } = await runTask(VERIFY, { deployment: f.deployment, parameters: LOCALHOST_PARAMETERS, json: true });
    const report = JSON.parse(lines.join("\n")) as Report & Record<string, unknown>;
    expect(Object.keys(report)).to.deep.equal([
      "deployment",
      "parameters",
      "network",
      "chainId",
      "deployer",
      "fromBlock",
      "executedProposals",
      "checks",
      "passed",
      "failed",
    ]);
    expect(report).to.include({ network: "hardhat", chainId: "31337", deployer: f.deployer.address, failed: 0 });
    expect(report.executedProposals).to.deep.equal([]);
    expect(report.passed).to.equal(report.checks.length);
    expect(Object.keys(report.checks[0])).to.deep.equal(["group", "name", "ok", "detail"]);
  });

  it("still passes after executed proposals changed members, weights, operators and assets", async function () {
    const f = await loadFixture(governedFixture);
    // logs read 7 blocks at a time: the replay and the role holders come through the chunked reader
    const { text, result } = await verifyPasses(f, { logRange: "7" });
    expect(result.executedProposals.map((p) => p.id)).to.deep.equal([f.first.toString(), f.second.toString()]);
    expect(result.executedProposals.map((p) => p.calls)).to.deep.equal([2, 4]);
    expect(rowDetail(text, "proposals: executed proposals replayed")).to.equal(
      `2 executed (#${f.first}, #${f.second}) replayed on the deployment's state`,
    );
    expect(rowDetail(text, "members: member Shenzhen Bank")).to.equal(
      `${f.newcomer.address} weight 10 (admitted by proposal #${f.first})`,
    );
    expect(rowDetail(text, "members: member Pearl River Bank")).to.equal(
      `${f.bank.address} weight 45 (weight set by proposal #${f.second})`,
    );
    expect(rowDetail(text, "members: total weight")).to.match(/^115 \(expected 115/);
    expect(rowDetail(text, "roles: security-token SUPPLY_ROLE")).to.include(
      `${f.newAgent.address} (proposal #${f.first})`,
    );
    expect(rowDetail(text, "roles: identity-registry REGISTRAR_ROLE")).to.equal(
      `${f.newRegistrar.address} (proposal #${f.second})`,
    );
    expect(rowDetail(text, `roles: asset ${CODE} SUPPLY_ROLE`)).to.match(
      /^transfer agent 0x996550… \(proposal #\d+\)$/,
    );
    expect(rowDetail(text, `roles: asset ${CODE} GUARDIAN_ROLE`)).to.include("asset-registry");
    expect(rowDetail(text, `roles: asset ${CODE} DEFAULT_ADMIN_ROLE`)).to.match(/^timelock 0x/);
    expect(rowDetail(text, `assets: asset ${CODE}`)).to.equal(
      `${await f.created.getAddress()} active (listed by proposal #${f.second})`,
    );
    expect(rowDetail(text, "assets: no other assets")).to.match(/^3 asset\(s\)/);
  });

  it("fails, naming each difference, on changes made outside governance", async function () {
    const f = await loadFixture(governedFixture);
    const timelock = await asTimelock(f);
    const outsider = f.others[6].address;
    // a role granted by the admin directly, on a system contract and on a token governance created
    await f.securityToken.connect(timelock).grantRole(await f.securityToken.FREEZE_ROLE(), outsider);
    await f.created.connect(timelock).grantRole(await f.created.RECOVERY_ROLE(), outsider);
    // a weight a proposal set, changed again directly; the new asset suspended directly
    await f.membership.connect(timelock).setWeight(f.bank.address, 50);
    await f.assetRegistry.connect(timelock).suspendAsset(await f.created.getAddress());
    // an operator a proposal appointed, revoked directly
    await f.identityRegistry
      .connect(timelock)
      .revokeRole(await f.identityRegistry.REGISTRAR_ROLE(), f.newRegistrar.address);
    const { failed, text, message } = await verifyFails(f);
    expect(failed).to.deep.equal([
      "roles: identity-registry REGISTRAR_ROLE",
      "roles: security-token FREEZE_ROLE",
      `roles: asset ${CODE} RECOVERY_ROLE`,
      "members: member Pearl River Bank",
      "members: total weight",
      `assets: asset ${CODE}`,
    ]);
    expect(message).to.match(/^deployment verification failed: 6 of \d+ checks/);
    expect(rowDetail(text, "roles: security-token FREEZE_ROLE")).to.equal(
      `held by ${outsider} but no deployment step or executed proposal granted it`,
    );
    expect(rowDetail(text, `roles: asset ${CODE} RECOVERY_ROLE`)).to.equal(
      `held by ${outsider} but no deployment step or executed proposal granted it`,
    );
    expect(rowDetail(text, "roles: identity-registry REGISTRAR_ROLE")).to.equal(
      `not held by ${f.newRegistrar.address}, which proposal #${f.second} granted and no executed proposal revoked`,
    );
    expect(rowDetail(text, "members: member Pearl River Bank")).to.equal(
      `${f.bank.address}: weight 50, set by proposal #${f.second} 45`,
    );
    expect(rowDetail(text, `assets: asset ${CODE}`)).to.equal(
      `${await f.created.getAddress()}: status suspended, proposal #${f.second} left it active`,
    );
    // --json: the same checks, and the task still exits non-zero
    const json = await expectTaskError(
      VERIFY,
      { deployment: f.deployment, parameters: LOCALHOST_PARAMETERS, json: true },
      /^deployment verification failed: 6 of/,
    );
    const report = JSON.parse(json.text) as Report;
    expect(report.failed).to.equal(6);
    expect(report.checks.filter((c) => !c.ok).map((c) => `${c.group}: ${c.name}`)).to.deep.equal(failed);
  });

  it("does not count a proposal that was queued but not executed", async function () {
    const f = await loadFixture(governedFixture);
    const outsider = f.others[7].address;
    const id = await propose(
      f.governor,
      f.bank,
      [
        await action(f.membership, "addMember", [outsider, 5, "Qianhai Leasing", ""]),
        await action(f.dvpSettlement, "grantRole", [await f.dvpSettlement.GUARDIAN_ROLE(), outsider]),
      ],
      "Admit Qianhai Leasing as a member and a settlement guardian",
    );
    await toVotingStart(f.governor, id);
    for (const m of f.members) await f.governor.connect(m).castVote(id, Vote.For);
    await toVotingEnd(f.governor, id);
    await f.governor.connect(f.bank)["queue(uint256)"](id);
    const { result } = await verifyPasses(f);
    expect(result.executedProposals.map((p) => p.id)).to.deep.equal([f.first.toString(), f.second.toString()]);
    // the queued proposal's changes, made directly: nothing executed them through governance
    const timelock = await asTimelock(f);
    await f.membership.connect(timelock).addMember(outsider, 5, "Qianhai Leasing", "");
    await f.dvpSettlement.connect(timelock).grantRole(await f.dvpSettlement.GUARDIAN_ROLE(), outsider);
    const { failed, text } = await verifyFails(f);
    expect(failed).to.deep.equal([
      "roles: dvp-settlement GUARDIAN_ROLE",
      "members: no other members",
      "members: total weight",
    ]);
    expect(rowDetail(text, "members: no other members")).to.equal(
      `admitted by no deployment step or executed proposal: ${outsider} (Qianhai Leasing, weight 5)`,
    );
  });

  it("fails when an executed proposal made a call the replay cannot follow (an upgrade that runs data)", async function () {
    const f = await loadFixture(governedFixture);
    const v2 = await (await ethers.getContractFactory("SecurityTokenV2")).deploy();
    const data = v2.interface.encodeFunctionData("version");
    const id = await passProposal(
      f.governor,
      f.members,
      [await action(f.securityToken, "upgradeToAndCall", [await v2.getAddress(), data])],
      "Upgrade the share token, calling version()",
    );
    const { failed, text } = await verifyFails(f, { implementations: "security-token=SecurityTokenV2" });
    expect(failed).to.deep.equal(["proposals: executed proposals replayed"]);
    expect(rowDetail(text, "proposals: executed proposals replayed")).to.equal(
      `3 executed (#${f.first}, #${f.second}, #${id}) replayed on the deployment's state; cannot replay: ` +
        `proposal #${id} call 1: upgradeToAndCall of ${await f.securityToken.getAddress()} runs data ${data.slice(0, 10)}…`,
    );
  });

  it("names a proposer governance appointed besides the governor: its proposals are not replayed", async function () {
    const f = await loadFixture(governedFixture);
    const successor = f.others[8].address;
    const id = await passProposal(
      f.governor,
      f.members,
      [await action(f.timelock, "grantRole", [await f.timelock.PROPOSER_ROLE(), successor])],
      "A second proposer",
    );
    const { failed, text } = await verifyFails(f);
    expect(failed).to.deep.equal(["proposals: executed proposals replayed"]);
    expect(rowDetail(text, "proposals: executed proposals replayed")).to.match(
      new RegExp(
        `; cannot replay: the timelock's proposer ${successor} \\(appointed by proposal #${id}\\): its proposals are not replayed$`,
      ),
    );
    expect(rowDetail(text, "roles: timelock PROPOSER_ROLE")).to.include(`${successor} (proposal #${id})`);
  });
});
