import { Type } from 'typebox';
import { dummy as dummyGoal } from '../goals/dummy.js';
import { defineStrategy } from './strategy.js';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

/**
 * Description: demonstrates scoring engines: classifies random host telemetry with `dummy_scorer` and averages
 * random numbers with `dummy_avg_scorer`, reporting both as NOP messages, then sleeps 5 s.
 * Requirements: the dummy scoring engines (built in).
 * Limitations: for testing only.
 */
export const dummyWithScorer = defineStrategy({
  name: 'dummy_with_scorer',
  goal: dummyGoal,
  displayName: 'Dummy Strategy using sample Scoring Engines',
  parameters: Type.Object({
    param1: Type.Optional(
      Type.Number({ description: 'number parameter example', default: 3.2, minimum: 1.0, maximum: 10.2 }),
    ),
    param2: Type.Optional(Type.String({ description: 'string parameter example', default: 'hello' })),
  }),
  metrics: [],
  supportLevel: 'core',
  planner: 'weight',
  docs: {
    description:
      'Demonstrates scoring engines: classifies random telemetry with `dummy_scorer`, averages random numbers with `dummy_avg_scorer`, and sleeps 5 s.',
    requirements: 'The built-in dummy scoring engines.',
    limitations: 'For testing only; its random inputs come from the audit seed.',
  },
  async execute(ctx) {
    const { solution, random } = ctx;
    ctx.signal.throwIfAborted();
    const scoringEngine = (name: string) => ctx.scoringEngine(name);
    const workloadScorer = scoringEngine('dummy_scorer');
    const workloads = (JSON.parse(workloadScorer.metainfo) as { workloads: string[] }).workloads;
    solution.nop('Hello from Dummy Strategy with Scorer!');
    const telemetry = [
      random.int(0, 101),
      4 * GIB,
      random.int(GIB, 4 * GIB + 1),
      random.int(0, 2001),
      random.int(0, 2001),
      random.int(0, 200 * MIB + 1),
      random.int(0, 200 * MIB + 1),
      random.int(0, 20 * MIB + 1),
      random.int(0, 10 * MIB + 1),
    ];
    const [workloadIndex] = JSON.parse(workloadScorer.calculateScore(JSON.stringify(telemetry))) as [number];
    solution.nop(`Detected Workload: ${workloads[workloadIndex] ?? String(workloadIndex)}`);
    const sample = Array.from({ length: 20 }, () => random.int(0, 1000));
    const [average] = JSON.parse(
      scoringEngine('dummy_avg_scorer').calculateScore(JSON.stringify(sample)),
    ) as [number];
    solution.nop(`AVG Scorer result: ${average}`);
    solution.sleep(5.0);
    return Promise.resolve();
  },
});
