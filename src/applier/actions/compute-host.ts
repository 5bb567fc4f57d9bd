/**
 * The compute host a host-level action names. Upstream puts the compute node uuid in `resource_id` and the host
 * name in `resource_name`; older plans and hand-written ones put the host name in `resource_id`.
 */
import type { ComputeApi, ComputeService } from '../../cloud/ports.js';

export async function hostnameOf(
  compute: ComputeApi,
  params: { resource_id: string; resource_name?: string | undefined },
): Promise<string> {
  if (params.resource_name) return params.resource_name;
  const hypervisor = (await compute.listHypervisors()).find((h) => h.id === params.resource_id);
  return hypervisor?.serviceHost ?? params.resource_id;
}

/** The host's nova-compute service, or undefined when Nova has none there. */
export async function computeServiceOf(
  compute: ComputeApi,
  params: { resource_id: string; resource_name?: string | undefined },
): Promise<ComputeService | undefined> {
  const host = await hostnameOf(compute, params);
  return (await compute.listServices({ binary: 'nova-compute', host })).find((s) => s.host === host);
}

/** Both names a host-level action may give its host by, for a targeted model refresh (`modelNodes`). */
export function nodeNamesOf(params: { resource_id: string; resource_name?: string | undefined }): string[] {
  return params.resource_name ? [params.resource_id, params.resource_name] : [params.resource_id];
}
