import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { INVOICE_VERIFIER_ROLE, RECOVERY_AGENT_ROLE } from "../fixtures/invoice";
import { expectTaskError, runTask, tasksFixture } from "./helpers";

/** The (targets, calldatas) of stored proposal `id`. */
async function storedCalls(f: Awaited<ReturnType<typeof tasksFixture>>, id: bigint) {
  const details = await f.governor.proposalDetails(id);
  return details[0].map((target, i) => ({ target, data: details[2][i] }));
}

describe("tasks: gov:propose actions for the invoice registry (verifier, recovery agent, attestation rule)", () => {
  it("encode each action as the timelock's call on the invoice registry; gov:show says them in words", async () => {
    const f = await loadFixture(tasksFixture);
    const [verifier, agent] = f.others;
    const actions = [
      `grant-invoice-verifier ${verifier.address}`,
      `revoke-invoice-verifier ${verifier.address}`,
      `grant-invoice-recovery ${agent.address}`,
      `revoke-invoice-recovery ${agent.address}`,
      "set-invoice-attestation required",
      "set-invoice-attestation optional",
    ];
    const { result: id } = await runTask<bigint>("gov:propose", {
      deployment: f.deployment,
      from: f.bank.address,
      description: "Invoice verification",
      actions,
    });
    const registry = f.invoiceRegistry.interface;
    const expected = [
      registry.encodeFunctionData("grantRole", [INVOICE_VERIFIER_ROLE, verifier.address]),
      registry.encodeFunctionData("revokeRole", [INVOICE_VERIFIER_ROLE, verifier.address]),
      registry.encodeFunctionData("grantRole", [RECOVERY_AGENT_ROLE, agent.address]),
      registry.encodeFunctionData("revokeRole", [RECOVERY_AGENT_ROLE, agent.address]),
      registry.encodeFunctionData("setAttestationRequired", [true]),
      registry.encodeFunctionData("setAttestationRequired", [false]),
    ];
    const stored = await storedCalls(f, id);
    expect(stored.map((c) => c.data)).to.deep.equal(expected);
    for (const c of stored) expect(c.target).to.equal(await f.invoiceRegistry.getAddress());

    const { text } = await runTask("gov:show", { deployment: f.deployment, proposalId: id.toString() });
    expect(text).to.include(
      `→ grant INVOICE_VERIFIER_ROLE (attests invoices (e.g. a tax-authority oracle)) on invoice-registry to ${verifier.address}`,
    );
    expect(text).to.include(`→ revoke INVOICE_VERIFIER_ROLE (attests invoices`);
    expect(text).to.include(
      `→ grant RECOVERY_AGENT_ROLE (moves receivables of a lost wallet to a wallet of the same entity) on invoice-registry to ${agent.address}`,
    );
    expect(text).to.include("→ require an invoice verifier's attestation before any invoice is financed");
    expect(text).to.include("→ let invoices be financed without an attestation");
  });

  it("--dry-run: every action succeeds as the timelock; the timelock's execution applies them", async () => {
    const f = await loadFixture(tasksFixture);
    const [verifier] = f.others;
    const actions = [`grant-invoice-verifier ${verifier.address}`, "set-invoice-attestation required"];
    const { result } = await runTask<{ results: { ok: boolean }[] }>("gov:propose", {
      deployment: f.deployment,
      dryRun: true,
      description: "check",
      actions,
    });
    expect(result.results.map((r) => r.ok)).to.deep.equal([true, true]);
    // what the timelock would do, done by the timelock itself: the role and the rule take effect
    const timelock = await ethers.getImpersonatedSigner(await f.timelock.getAddress());
    await f.deployer.sendTransaction({ to: timelock.address, value: ethers.parseEther("1") });
    await f.invoiceRegistry.connect(timelock).grantRole(INVOICE_VERIFIER_ROLE, verifier.address);
    await f.invoiceRegistry.connect(timelock).setAttestationRequired(true);
    expect(await f.invoiceRegistry.hasRole(INVOICE_VERIFIER_ROLE, verifier.address)).to.equal(true);
    expect((await f.invoiceRegistry.settings()).attestationRequired).to.equal(true);
  });

  it("refuse a bad setting or account with one line, sending nothing", async () => {
    const f = await loadFixture(tasksFixture);
    const base = { deployment: f.deployment, from: f.bank.address, description: "bad" };
    await expectTaskError(
      "gov:propose",
      { ...base, actions: ["set-invoice-attestation maybe"] },
      /action "set-invoice-attestation": say "required" or "optional", not "maybe"/,
    );
    await expectTaskError(
      "gov:propose",
      { ...base, actions: ["grant-invoice-verifier 0x123"] },
      /action "grant-invoice-verifier" account: "0x123" is not an address/,
    );
    await expectTaskError(
      "gov:propose",
      { ...base, actions: ["grant-invoice-recovery"] },
      /expected grant-invoice-recovery <account>/,
    );
  });
});
