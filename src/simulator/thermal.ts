/**
 * What a host's baseboard management controller reports through Ceilometer's IPMI agent (Intel Node Manager's
 * power, airflow, inlet and outlet temperatures) and what Intel CMT reports of each instance's L3-cache occupancy,
 * all computed from the simulated load, so that moving work moves them:
 *
 *   power    P = 150 W + 300 W · b            b: the host's busy fraction, clamped to 0..1
 *   airflow  A = 300 + 0.5 · (P − 150 W)      in 0.1 CFM (upstream's unit): the fans follow the power
 *   inlet    T_in = the host's `inletC`, 22 °C unless set (the cold aisle: load does not warm it)
 *   outlet   T_out = T_in + 1.76 · P / (A / 10)   the air's heating, ΔT[°C] ≈ 1.76 · W / CFM
 *
 * A powered-off node draws nothing and moves no air, so its outlet reads its inlet. All are gauges: an instant
 * reading, whose history is computed from the current placement like every other series.
 */
import { instancesOnHost, type ClusterState, type SimHost, type SimInstance } from './cluster.js';
import { hostCpu, instanceCpu } from './load.js';

export const IDLE_POWER_W = 150;
export const BUSY_POWER_W = 300;
export const IDLE_AIRFLOW_DECI_CFM = 300;
export const AIRFLOW_DECI_CFM_PER_W = 0.5;
export const DEFAULT_INLET_C = 22;
/** °C of heating per W of power per CFM of air (sea-level air: 3.16 °F·CFM/W). */
export const HEATING_C_CFM_PER_W = 1.76;

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

export function hostPowerW(state: ClusterState, host: SimHost, t: number): number {
  if (host.powerState === 'off') return 0;
  return IDLE_POWER_W + BUSY_POWER_W * clamp01(hostCpu(state, host, t));
}

export const airflowForPower = (powerW: number): number =>
  powerW === 0 ? 0 : IDLE_AIRFLOW_DECI_CFM + AIRFLOW_DECI_CFM_PER_W * (powerW - IDLE_POWER_W);

export const hostInletC = (host: SimHost): number => host.inletC ?? DEFAULT_INLET_C;

export function outletForPower(inletC: number, powerW: number): number {
  const airflow = airflowForPower(powerW);
  return airflow === 0 ? inletC : inletC + (HEATING_C_CFM_PER_W * powerW) / (airflow / 10);
}

/**
 * L3 cache (Intel CMT): a host has 1 MiB per CPU thread; each running instance wants 2 MiB per busy vCPU. While
 * the demands fit, each instance holds its demand; past that, the cache is shared in proportion to demand, so a
 * hungry neighbour takes the others' share. An instance started over the API (boot, os-start) held nothing before
 * it started: its arrival is what a neighbour's drop in occupancy shows, which noisy-neighbour detection compares.
 */
export const L3_MIB_PER_HOST_CPU = 1;
export const L3_DEMAND_MIB_PER_BUSY_VCPU = 2;

function l3DemandMiB(instance: SimInstance, t: number): number {
  if (instance.startedAtS !== undefined && t < instance.startedAtS) return 0;
  return L3_DEMAND_MIB_PER_BUSY_VCPU * instance.flavor.vcpus * instanceCpu(instance, t);
}

export function instanceL3CacheMiB(state: ClusterState, instance: SimInstance, t: number): number {
  const demand = l3DemandMiB(instance, t);
  if (demand === 0 || !instance.host) return 0;
  const host = state.hostsByName.get(instance.host);
  if (!host) return 0;
  let total = 0;
  for (const neighbour of instancesOnHost(state, host.hostname)) total += l3DemandMiB(neighbour, t);
  const size = L3_MIB_PER_HOST_CPU * host.vcpus;
  return total <= size ? demand : (demand * size) / total;
}

/** The share of the L3 cache the instance wants that its neighbours hold (0 while the demands fit). */
export function instanceL3Shortfall(state: ClusterState, instance: SimInstance, t: number): number {
  const demand = l3DemandMiB(instance, t);
  return demand === 0 ? 0 : 1 - instanceL3CacheMiB(state, instance, t) / demand;
}
