// Mocha reporter: the normal `spec` output, plus the run's totals written as JSON to
// $MOCHA_TOTALS_FILE when the run ends. Used by scripts/ci/test-all.ts.
import fs from "fs";
import path from "path";
import Mocha from "mocha";

class TotalsReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const out = process.env.MOCHA_TOTALS_FILE;
      if (!out) return;
      const s = runner.stats ?? this.stats;
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(
        out,
        JSON.stringify({
          tests: s.tests,
          passes: s.passes,
          failures: s.failures,
          pending: s.pending,
        }),
      );
    });
  }
}

export = TotalsReporter;
