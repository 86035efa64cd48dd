// Mocha reporter: the normal `spec` output, plus the run's totals (and each failure's and each
// retried attempt's title and first error lines) written as JSON to $MOCHA_TOTALS_FILE when the
// run ends. Used by scripts/ci/test-all.ts, which repeats them at the end of the run so that the
// tail of a CI log names them: a test that passed only on its retry (hardhat.config.ts,
// `mocha.retries`) is named there as flaky, not hidden.
import fs from "fs";
import path from "path";
import Mocha from "mocha";

interface Failure {
  title: string;
  file: string;
  error: string;
}

class TotalsReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    const failures: Failure[] = [];
    const retried: Failure[] = [];
    const entry = (test: Mocha.Test, err: Error): Failure => ({
      title: test.fullTitle(),
      file: path.relative(process.cwd(), test.file ?? ""),
      error: String(err?.message ?? err)
        .split("\n")
        .slice(0, 3)
        .join(" | ")
        .slice(0, 2000),
    });
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (test: Mocha.Test, err: Error) =>
      failures.push(entry(test, err)),
    );
    runner.on(Mocha.Runner.constants.EVENT_TEST_RETRY, (test: Mocha.Test, err: Error) =>
      retried.push(entry(test, err)),
    );
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
          failed: failures,
          // the retried tests that passed in the end (a failed one is listed as failed)
          retried: retried.filter(
            (r) => !failures.some((f) => f.title === r.title && f.file === r.file),
          ),
        }),
      );
    });
  }
}

export = TotalsReporter;
