/** The dry run's plan as text. */
import type { DeployReport } from "./deploy";
import { formatProposals } from "./timelock";

export function formatPlan(report: DeployReport): string {
  const lines: string[] = ["plan (dry run, nothing sent):"];
  for (const d of report.drift) lines.push(`  drift    ${d}`);
  const deploys = report.plan.filter((p) => p.kind === "deploy");
  const calls = report.plan.filter((p) => p.kind === "call");
  lines.push(
    `  ${deploys.length} deployment(s), ${calls.length} call(s), ${report.proposals.length} proposal(s)`,
  );
  for (const p of report.plan) {
    const where = p.target ? ` -> ${p.target}` : "";
    lines.push(`  ${p.kind.padEnd(8)} ${p.label}${where}`);
  }
  if (report.plan.length === 0) lines.push("  nothing to do: the chain matches the config");
  if (report.proposals.length) lines.push(formatProposals(report.proposals));
  return lines.join("\n");
}
