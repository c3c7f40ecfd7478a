import path from "node:path";
import { expect } from "chai";
import { audit, auditRepository, formatReport, parseAssertions, parseSolidity } from "../../scripts/lib/testAudit";

/**
 * The team's test rules, checked on the whole tree (scripts/audit-tests.ts prints the same list):
 * every custom error declared under contracts/ is raised and reached by a test of its area, and
 * every guarded function is called by a test from an account without the right.
 */
describe("audit: errors reached and guards tested", function () {
  it("finds every declared error reached and every guarded function tested unauthorized", function () {
    const report = auditRepository(path.resolve(__dirname, "../.."));
    expect(report.counts.errors, "declared errors found").to.be.greaterThan(100);
    expect(report.counts.guarded, "guarded functions found").to.be.greaterThan(80);
    const findings = formatReport(report).slice(0, -1);
    expect(findings, findings.join("\n")).to.deep.equal([]);
  });

  describe("the audit itself (synthetic contracts and tests)", function () {
    const contract = parseSolidity(
      `// SPDX-License-Identifier: UNLICENSED
      pragma solidity ^0.8.27;
      interface IVault {
          error Empty();
          error NotOwner(address caller);
          error NeverUsed();
      }
      abstract contract Pausable {
          function pause() external onlyRole(GUARDIAN_ROLE) {}
      }
      contract Vault is IVault, Pausable {
          address private owner;
          modifier onlyOwner() {
              if (msg.sender != owner) revert NotOwner(msg.sender);
              _;
          }
          /* function commented(uint256 x) external onlyRole(X) { revert Empty(); } */
          function deposit(uint256 amount) external {
              if (amount == 0) revert Empty(); // "revert NeverUsed()" in a comment or string is no raise
          }
          function sweep(address to) external onlyOwner {}
          function setLimit(uint256 limit) external { _checkAdmin(); }
          function _checkAdmin() private view { _checkRole(DEFAULT_ADMIN_ROLE); }
          function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}
      }`,
      "contracts/vault/Vault.sol",
      "vault",
    );

    it("reads errors, raises and guards (modifiers, helpers, inherited, upgrades), not comments", function () {
      const report = audit(contract, []);
      expect(report.declaredNeverRaised.map((d) => d.error)).to.deep.equal(["NeverUsed"]);
      expect(report.untestedErrors.map((e) => e.error).sort()).to.deep.equal(["Empty", "NotOwner"]);
      expect(report.untestedGuards.map((g) => `${g.fn}:${g.guardErrors.join("|")}`).sort()).to.deep.equal([
        "pause:AccessControlUnauthorizedAccount",
        "setLimit:AccessControlUnauthorizedAccount",
        "sweep:NotOwner",
        "upgradeToAndCall:AccessControlUnauthorizedAccount",
      ]);
    });

    it("counts an assertion only in the contract's area, for the functions it calls unauthorized", function () {
      const tests = `
        describe("Vault", function () {
          it("refuses", async function () {
            await expect(vault.deposit(0)).to.be.revertedWithCustomError(vault, "Empty");
            await expect(vault.connect(outsider).sweep(a)).to.be.revertedWithCustomError(vault, "NotOwner");
            await expect(vault.connect(outsider).pause()).to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount");
          });
          describe("table", function () {
            const guarded = [{ name: "setLimit", call: (v) => v.setLimit(1) }];
            for (const { call } of guarded) {
              it("refuses outsiders", async function () {
                await expect(call(vault.connect(outsider))).to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount");
              });
            }
          });
        });`;
      const elsewhere = parseAssertions(tests, "test/other/Vault.test.ts");
      expect(audit(contract, elsewhere).untestedErrors).to.have.length(2);
      const report = audit(contract, parseAssertions(tests, "test/vault/Vault.test.ts"));
      expect(report.untestedErrors).to.deep.equal([]);
      // Only the upgrade is left: nothing calls upgradeToAndCall (or upgradeProxy) unauthorized.
      expect(report.untestedGuards.map((g) => g.fn)).to.deep.equal(["upgradeToAndCall"]);
    });

    it("takes the error names of a table when the asserted name is a variable", function () {
      const tests = `
        it("refuses bad input", async function () {
          const cases = [[0, "Empty"], [1, "NotOwner"]];
          for (const [amount, error] of cases) {
            await expect(vault.deposit(amount)).to.be.revertedWithCustomError(vault, error);
          }
        });`;
      const [assertion] = parseAssertions(tests, "test/vault/Vault.test.ts");
      expect([...assertion.errors].sort()).to.deep.equal(["Empty", "NotOwner"]);
      expect(assertion.names.has("deposit")).to.equal(true);
    });
  });
});
