/**
 * A vitest reporter that ends the run with one line when the real-Prometheus tests were skipped because
 * `prometheus`/`promtool` are not installed (CI installs them and fails instead): how many, where, and how to
 * install them, so a green run on a laptop does not read as if they had passed.
 */
import type { Reporter, TestModule } from 'vitest/node';
import { REAL_PROMETHEUS } from './prometheus.js';

export default class PrometheusSkipReporter implements Reporter {
  #line = '';

  onTestRunEnd(testModules: readonly TestModule[]): void {
    const skipped = testModules.flatMap((module) =>
      [...module.children.allTests()]
        .filter((test) => test.fullName.includes(REAL_PROMETHEUS) && test.result().state === 'skipped')
        .map(() => module.moduleId),
    );
    if (skipped.length === 0) return;
    const files = [...new Set(skipped)].map((file) => file.replace(`${process.cwd()}/`, '')).join(', ');
    this.#line =
      `\nSkipped ${skipped.length} real-Prometheus tests (${files}): prometheus and promtool are not on PATH. ` +
      'Install them to run these: sudo apt-get install prometheus (Debian/Ubuntu; it brings promtool).\n';
  }

  // Printed once the default reporter has printed its summary, so the line closes the run.
  onFinished(): void {
    process.stdout.write(this.#line);
  }
}
