import { task } from "hardhat/config";
import { bps, duration, labelAddress, labelOf, loadLabels, percent } from "./lib/describe";
import { loadSystem } from "./lib/system";
import { reporter } from "./lib/output";
import { oneLineErrors } from "./lib/tx";

task("members", "Lists the consortium's members, their voting weights and names, and the voting rules")
  .addOptionalParam(
    "deployment",
    "The system's deployed_addresses.json (or its folder); default: ignition/deployments/chain-<chainId>/",
  )
  .addFlag("json", "Print the register and the voting rules as JSON (members, weights, thresholds, periods)")
  .setAction(async (args: { deployment?: string; json: boolean }, hre) =>
    oneLineErrors(async () => {
      const out = reporter(args.json);
      const sys = await loadSystem(hre, args.deployment);
      const [labels, totalWeight] = await Promise.all([loadLabels(sys), sys.membership.totalWeight()]);
      const members = [...labels.members.values()].map((m) => ({ ...m, label: m.name }));
      const g = sys.governor;
      const [quorumBps, approvalBps, votingDelay, votingPeriod, proposalThreshold, timelockDelay] = await Promise.all([
        g["quorumNumerator()"](),
        g["approvalThreshold()"](),
        g.votingDelay(),
        g.votingPeriod(),
        g.proposalThreshold(),
        sys.timelock.getMinDelay(),
      ]);
      out.line(
        `${members.length} member(s), total weight ${totalWeight} (membership ${sys.deployment.addresses.membership}):`,
      );
      const nameWidth = Math.max(4, ...members.map((m) => m.name.length)) + 2;
      out.line(
        `  ${"account".padEnd(44)}${"weight".padStart(8)}${"share".padStart(9)}  ${"name".padEnd(nameWidth)}uri`,
      );
      for (const m of members) {
        out.line(
          `  ${m.account.padEnd(44)}${m.weight.toString().padStart(8)}${percent(m.weight, totalWeight).padStart(9)}  ` +
            `${m.name.padEnd(nameWidth)}${m.uri}`,
        );
      }
      out.line(`  ${"total".padEnd(44)}${totalWeight.toString().padStart(8)}`);
      out.line("Voting rules now (a vote uses those in force at its snapshot):");
      out.line(`  quorum:         ${bps(quorumBps)} of the total weight must vote (For, Against or Abstain)`);
      out.line(
        `  approval:       For must be above ${percent(approvalBps, 10_000n)} of For + Against (${approvalBps} bps)`,
      );
      const [[sensitiveQuorumBps, sensitiveApprovalBps], guardian, minimumMembers, activeMembers] = await Promise.all([
        g.sensitiveThresholds(await g.clock()),
        g.proposalGuardian(),
        sys.membership.minimumMembers(),
        sys.membership.activeMemberCount(),
      ]);
      out.line(
        `  sensitive:      quorum ${bps(sensitiveQuorumBps)}, For above ${percent(sensitiveApprovalBps, 10_000n)} ` +
          `(${sensitiveApprovalBps} bps), for upgrades, roles, membership changes and governance settings`,
      );
      out.line(
        `  guardian:       ${labelAddress(labels, guardian)} (cancels proposals before execution, suspends stolen keys)`,
      );
      out.line(
        `  members:        ${activeMembers} active (not suspended); governance keeps at least ${minimumMembers}`,
      );
      out.line(`  proposing:      weight ${proposalThreshold} or more (any member)`);
      out.line(`  voting delay:   ${duration(votingDelay)} after the proposal (weights are counted then)`);
      out.line(`  voting period:  ${duration(votingPeriod)}`);
      out.line(`  timelock delay: ${duration(timelockDelay)} between queueing and execution`);
      return out.done({
        members,
        totalWeight,
        quorumBps,
        approvalBps,
        sensitiveQuorumBps,
        sensitiveApprovalBps,
        guardian,
        guardianLabel: labelOf(labels, guardian),
        minimumMembers,
        votingDelay,
        votingPeriod,
        timelockDelay,
      });
    })(args),
  );
