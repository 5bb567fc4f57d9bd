/**
 * Drives action plans through Steward's API for end-to-end tests: an actuator audit emits the given actions, the
 * plan is started and awaited; the cloud is read back over HTTP with Steward's own clients, as an operator would.
 */
import { expect } from 'vitest';
import { createCloudClients, type CloudClients } from '../../src/cloud/openstack.js';
import { eventually, type TestServer } from './server.js';

export type Json = Record<string, unknown>;

export interface PlanRun {
  plan: Json;
  actions: Json[];
}

export function actionPlans(server: () => TestServer) {
  const api = async (
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Json }> => {
    const response = await fetch(`${server().url}${path}`, {
      method,
      headers: {
        'OpenStack-API-Version': 'infra-optim latest',
        ...(body !== undefined && { 'Content-Type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json };
  };

  /** Runs an actuator audit with these actions, starts its plan and waits for the plan to finish. */
  const runPlan = async (actions: Json[], timeoutMs = 90_000): Promise<PlanRun> => {
    const audit = await api('POST', '/v1/audits', {
      goal: 'unclassified',
      strategy: 'actuator',
      audit_type: 'ONESHOT',
      parameters: { actions },
    });
    expect(audit.status).toBe(201);
    const uuid = audit.body.uuid as string;
    const finished = await eventually(
      () => api('GET', `/v1/audits/${uuid}`),
      (answer) => answer.body.state === 'SUCCEEDED' || answer.body.state === 'FAILED',
    );
    expect(finished.body.state).toBe('SUCCEEDED');
    const plans = (await api('GET', `/v1/action_plans?audit_uuid=${uuid}`)).body.action_plans as Json[];
    const plan = plans[0]!.uuid as string;
    expect((await api('POST', `/v1/action_plans/${plan}/start`)).status).toBe(200);
    const done = await eventually(
      () => api('GET', `/v1/action_plans/${plan}`),
      (answer) => ['SUCCEEDED', 'FAILED'].includes(answer.body.state as string),
      timeoutMs,
    );
    const list = (await api('GET', `/v1/actions/detail?action_plan_uuid=${plan}`)).body.actions as Json[];
    return { plan: done.body, actions: list };
  };

  /** Steward's clients on the embedded simulated cloud, through its Keystone. */
  const cloudClients = (): CloudClients => {
    const simulator = server().steward.simulator;
    if (!simulator) throw new Error('the test server runs no simulated cloud');
    const c = simulator.credentials;
    return createCloudClients({
      auth: {
        authUrl: c.authUrl,
        username: c.username,
        password: c.password,
        projectName: c.projectName,
        userDomainName: c.userDomainName,
        projectDomainName: c.projectDomainName,
      },
    });
  };

  /** Steward's live compute model (what strategies read). */
  const model = () => {
    const current = server().steward.models?.current;
    if (!current) throw new Error('the test server keeps no compute model');
    return current;
  };

  return { api, runPlan, cloudClients, model };
}
