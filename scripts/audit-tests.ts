/**
 * Lists the custom errors no test reaches and the guarded functions no test calls unauthorized
 * (see scripts/lib/testAudit.ts for the rules). Exits 1 when there is a finding.
 *
 *   npx ts-node scripts/audit-tests.ts [--json]
 */
import path from "node:path";
import { auditRepository, formatReport } from "./lib/testAudit";

const report = auditRepository(path.resolve(__dirname, ".."));
if (process.argv.includes("--json")) console.log(JSON.stringify(report, null, 2));
else for (const line of formatReport(report)) console.log(line);
const findings = report.declaredNeverRaised.length + report.untestedErrors.length + report.untestedGuards.length;
process.exit(findings > 0 ? 1 : 0);
