import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { internal, invalid } from '../errors.js';
import { createLogger, type LogFormat } from './logger.js';

/** A destination that keeps what the logger wrote, as a terminal (isTTY) or as a pipe. */
function capture(isTTY: boolean) {
  const chunks: string[] = [];
  const destination = Object.assign(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString());
        done();
      },
    }),
    { isTTY },
  );
  return { destination, text: () => chunks.join('') };
}

describe('createLogger', () => {
  it.each<[LogFormat, boolean, 'pretty' | 'json']>([
    ['auto', true, 'pretty'],
    ['auto', false, 'json'],
    ['json', true, 'json'],
    ['pretty', false, 'pretty'],
  ])('with format %s on a terminal=%s writes %s lines', (format, isTTY, expected) => {
    const out = capture(isTTY);
    createLogger({ format, destination: out.destination })
      .child({ part: 'applier' })
      .info({ actionPlan: 'p1' }, 'action plan started');
    const text = stripVTControlCharacters(out.text());
    if (expected === 'json')
      expect(JSON.parse(text)).toMatchObject({ level: 30, part: 'applier', msg: 'action plan started' });
    else expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO.*: action plan started .*"actionPlan":"p1"/);
  });

  it('writes no colour when NO_COLOR is set, even on a terminal', () => {
    const saved = process.env.NO_COLOR;
    process.env.NO_COLOR = '1';
    try {
      const out = capture(true);
      createLogger({ format: 'pretty', destination: out.destination }).warn('careful');
      expect(out.text()).not.toContain('\x1b[');
    } finally {
      if (saved === undefined) delete process.env.NO_COLOR;
      else process.env.NO_COLOR = saved;
    }
  });

  it.each(['json', 'pretty'] as const)(
    'logs a modelled failure with its code and no stack, a bug with its stack (%s)',
    (format) => {
      const out = capture(false);
      const logger = createLogger({ format, destination: out.destination });
      logger.warn({ err: invalid('the audit names no goal') }, 'audit failed');
      const expected = out.text();
      expect(expected).toContain('the audit names no goal');
      expect(expected).toContain('INVALID_INPUT');
      expect(expected).not.toMatch(/stack|at .*\.ts:\d+/);
      logger.error({ err: internal('a bug') }, 'audit failed unexpectedly');
      logger.error({ err: new TypeError('x is not iterable') }, 'audit failed unexpectedly');
      const bugs = out.text().slice(expected.length);
      expect(bugs.match(/logger\.test\.ts:\d+/g)).toHaveLength(2);
    },
  );
});
