// Fails when coverage of contracts/ (test helpers excluded by .solcover.js) is below the thresholds.
const fs = require("node:fs");
const THRESHOLDS = { lines: 95, branches: 90 };
const summary = JSON.parse(fs.readFileSync("coverage/coverage-summary.json", "utf8")).total;
let failed = false;
for (const [metric, minimum] of Object.entries(THRESHOLDS)) {
  const pct = summary[metric].pct;
  const ok = pct >= minimum;
  if (!ok) failed = true;
  console.log(`${ok ? "ok  " : "FAIL"} ${metric}: ${pct}% (minimum ${minimum}%)`);
}
process.exit(failed ? 1 : 0);
