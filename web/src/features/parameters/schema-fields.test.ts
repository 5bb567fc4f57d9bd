import { describe, expect, it } from 'vitest';
import { fieldsOf, initialValues, placeServerErrors, readParameters } from './schema-fields.js';

// The dummy strategy's parameters_spec as the API serves it, plus the kinds other strategies use.
const spec = {
  type: 'object',
  required: ['maintenance_node'],
  properties: {
    para1: {
      type: 'number',
      description: 'number parameter example',
      default: 3.2,
      minimum: 1,
      maximum: 10.2,
    },
    para2: { type: 'string', description: 'string parameter example', default: 'hello' },
    maintenance_node: { type: 'string', description: 'host to drain' },
    granularity: { type: 'integer', default: 300 },
    metric: {
      type: 'string',
      enum: ['instance_cpu_usage', 'instance_ram_usage'],
      default: 'instance_cpu_usage',
    },
    live: { type: 'boolean', default: true },
    hosts: { type: 'array', items: { type: 'string' }, default: ['a', 'b'] },
    thresholds: { type: 'object', properties: { cpu: { type: 'number' } }, default: { cpu: 0.8 } },
  },
};

describe('fieldsOf', () => {
  it('makes one field per property with its kind, range, enum, default and requiredness', () => {
    const fields = fieldsOf(spec);
    expect(fields.map((field) => [field.name, field.kind])).toEqual([
      ['para1', 'number'],
      ['para2', 'string'],
      ['maintenance_node', 'string'],
      ['granularity', 'integer'],
      ['metric', 'enum'],
      ['live', 'boolean'],
      ['hosts', 'list'],
      ['thresholds', 'json'],
    ]);
    expect(fields[0]).toMatchObject({ minimum: 1, maximum: 10.2, default: 3.2, required: false });
    expect(fields[2]).toMatchObject({ required: true });
    expect(fields[4]?.enumValues).toEqual(['instance_cpu_usage', 'instance_ram_usage']);
  });

  it('has no fields for a strategy without parameters', () => {
    expect(fieldsOf(undefined)).toEqual([]);
    expect(fieldsOf({ type: 'object', properties: {} })).toEqual([]);
  });
});

describe('readParameters', () => {
  const fields = fieldsOf(spec);

  it('reads the defaults back as the values they were', () => {
    const { parameters, errors } = readParameters(fields, initialValues(fields));
    expect(errors).toEqual({});
    expect(parameters).toEqual({
      para1: 3.2,
      para2: 'hello',
      granularity: 300,
      metric: 'instance_cpu_usage',
      live: true,
      hosts: ['a', 'b'],
      thresholds: { cpu: 0.8 },
    });
  });

  it('leaves out empty fields so the server fills their defaults', () => {
    expect(readParameters(fields, { para1: '', maintenance_node: 'compute-1' }).parameters).toEqual({
      maintenance_node: 'compute-1',
    });
  });

  it('passes out-of-range numbers on for the server to judge, refuses text that is not of the type', () => {
    const { parameters, errors } = readParameters(fields, {
      para1: '11',
      granularity: '2.5',
      thresholds: '{',
    });
    expect(parameters).toEqual({ para1: 11 });
    expect(errors).toEqual({
      granularity: 'granularity must be an integer',
      thresholds: 'thresholds must be JSON',
    });
  });
});

describe('placeServerErrors', () => {
  const names = ['para1', 'para2', 'maintenance_node'];

  it.each([
    ['Invalid parameters for strategy dummy: para1 must be <= 10.2', { para1: 'para1 must be <= 10.2' }, []],
    [
      'Invalid parameters for strategy dummy: para1 must be >= 1; para2 must be string',
      { para1: 'para1 must be >= 1', para2: 'para2 must be string' },
      [],
    ],
    [
      "Invalid parameters for strategy host_maintenance: parameters must have required property 'maintenance_node'",
      { maintenance_node: "parameters must have required property 'maintenance_node'" },
      [],
    ],
    [
      'Invalid default_parameters for strategy dummy: Audit parameter para9 are not allowed',
      {},
      ['Audit parameter para9 are not allowed'],
    ],
    ['Goal nope could not be found.', {}, ['Goal nope could not be found.']],
  ])('places %s', (message, byField, rest) => {
    expect(placeServerErrors(message, names)).toEqual({ byField, rest });
  });
});
