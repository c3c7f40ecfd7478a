// The digital asset registry's command line: asset:list and asset:show (read-only).
import { ethers } from "ethers";
import { task } from "hardhat/config";
import { formatUnits } from "./lib/assets";
import { type AssetRow, DUTIES, assetDetail, assetRows, requireAssetRegistry, resolveAsset } from "./lib/assetRegistry";
import {
  formatTime,
  labelAddress,
  labelEntity,
  labelOf,
  loadLabels,
  withEntityLabels,
  withLabels,
} from "./lib/describe";
import { type CommonArgs, withDeployment } from "./lib/options";
import { reporter, withJson } from "./lib/output";
import { loadSystem } from "./lib/system";
import { oneLineErrors } from "./lib/tx";

const statusText = (row: AssetRow) =>
  row.paused && row.status === "active" ? "active (token paused by a guardian)" : row.status;

withJson(
  withDeployment(
    task("asset:list", "Lists the assets of the asset registry: code, symbol, kind, issuer, status, supply, holders"),
  ),
).setAction(async (args: CommonArgs & { json?: boolean }, hre) =>
  oneLineErrors(async () => {
    const out = reporter(args.json);
    const sys = await loadSystem(hre, args.deployment);
    const registry = requireAssetRegistry(sys);
    const rows = await assetRows(sys);
    const labels = await loadLabels(sys);
    out.line(`${rows.length} asset(s) in the asset registry ${registry.target as string}:`);
    out.line(
      `  ${"code".padEnd(14)}${"symbol".padEnd(10)}${"kind".padEnd(11)}${"issuer".padEnd(13)}${"status".padEnd(12)}` +
        `${"supply".padEnd(22)}holders`,
    );
    for (const r of rows) {
      out.line(
        `  ${r.code.padEnd(14)}${r.symbol.padEnd(10)}${r.kind.padEnd(11)}${labelEntity(labels, r.issuer, true).padEnd(13)}` +
          `${statusText(r).padEnd(12)}${formatUnits(r.totalSupply, r.decimals).padEnd(22)}${r.holders}`,
      );
    }
    return out.done(rows.map((r) => withLabels(labels, withEntityLabels(labels, r, "issuer"), "token")));
  })(args),
);

withJson(
  withDeployment(
    task(
      "asset:show",
      "Shows one asset: its directory entry, rules in force, documents, operators by duty, supply and holders",
    ).addPositionalParam("asset", "The asset's code (e.g. CNSZPH000008) or its token's address"),
  ),
).setAction(async (args: CommonArgs & { json?: boolean; asset: string }, hre) =>
  oneLineErrors(async () => {
    const out = reporter(args.json);
    const sys = await loadSystem(hre, args.deployment);
    const entry = await resolveAsset(sys, args.asset, "asset");
    const d = await assetDetail(sys, entry);
    const labels = await loadLabels(sys);
    const who = (a: string) => labelAddress(labels, a);
    out.line(`Asset ${d.code}: "${d.name}" (${d.symbol}), ${d.kind}, token ${who(d.token)}`);
    out.line(`  status:         ${statusText(d)}${d.paused ? ", token paused" : ""}`);
    out.line(`  issuer entity:  ${labelEntity(labels, d.issuer)}`);
    out.line(`  decimals:       ${d.decimals}`);
    if (d.maturity > 0n) out.line(`  maturity:       ${formatTime(d.maturity)}`);
    out.line(`  terms:          ${d.termsURI || "(none)"} (hash ${d.termsHash})`);
    out.line(`  supply:         ${formatUnits(d.totalSupply, d.decimals)} ${d.symbol}, held by ${d.holders} entities`);
    out.line(`  implementation: ${d.implementation}; admin ${d.admins.map(who).join(", ") || "nobody"}`);
    out.line("  rules in force:");
    out.line(
      `    required attributes: ${d.rules.requiredAttributes === 0 ? "none" : `0x${d.rules.requiredAttributes.toString(16)}`}`,
    );
    out.line(
      `    country rule:        ${d.rules.countryRestricted ? `on, ${d.rules.allowedCountryCount} allowed countries` : "off (every country)"}`,
    );
    out.line(
      `    max entity balance:  ${d.rules.maxEntityBalance === 0n ? "no limit" : formatUnits(d.rules.maxEntityBalance, d.decimals)}`,
    );
    out.line(`    max holders:         ${d.rules.maxHolders === 0 ? "no limit" : d.rules.maxHolders}`);
    out.line(
      `    compliance contract: ${d.rules.complianceHook === ethers.ZeroAddress ? "none" : who(d.rules.complianceHook)}`,
    );
    out.line(`  documents (${d.documents.length}):`);
    for (const doc of d.documents)
      out.line(`    ${doc.name}: ${doc.uri} (hash ${doc.hash}, ${formatTime(doc.lastModified)})`);
    out.line("  operators by duty:");
    for (const [duty, role] of DUTIES) {
      out.line(`    ${role.padEnd(21)} ${d.operators[duty].map(who).join(", ") || "nobody"}`);
    }
    const operatorLabels: Record<string, (string | null)[]> = {};
    for (const [duty] of DUTIES) operatorLabels[duty] = d.operators[duty].map((a) => labelOf(labels, a));
    return out.done({
      ...withLabels(labels, withEntityLabels(labels, d, "issuer"), "token", "admins"),
      operatorLabels,
    });
  })(args),
);
