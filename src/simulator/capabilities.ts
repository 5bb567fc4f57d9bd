/**
 * Instance capabilities, as the 2025.2 PTG proposed Nova report them: which lifecycle operations are valid for an
 * instance given what it is built from. Upstream has neither the field's name nor its microversion yet; the
 * simulator shows them as `capabilities` in the server's details from 2.100, its newest microversion.
 *
 * The rules are Nova's libvirt driver's: a guest with a passed-through PCI device or accelerator, or with encrypted
 * memory (SEV), cannot be live-migrated or suspended; everything else any KVM guest can do.
 */
import type { ClusterState, SimInstance } from './cluster.js';

export interface InstanceCapabilities {
  live_migratable: boolean;
  cold_migratable: boolean;
  evacuatable: boolean;
  shelvable: boolean;
  pausable: boolean;
  suspendable: boolean;
  rescuable: boolean;
  snapshottable: boolean;
}

export function capabilitiesOf(state: ClusterState, i: SimInstance): InstanceCapabilities {
  const specs = i.flavor.extraSpecs;
  const image = state.images.find((x) => x.id === i.imageId)?.properties ?? {};
  const passthrough = 'pci_passthrough:alias' in specs || 'accel:device_profile' in specs;
  const encryptedMemory = specs['hw:mem_encryption'] === 'true' || image.hw_mem_encryption === 'true';
  const pinnedToHost = passthrough || encryptedMemory;
  return {
    live_migratable: !pinnedToHost,
    cold_migratable: true,
    evacuatable: true,
    shelvable: true,
    pausable: true,
    suspendable: !pinnedToHost,
    rescuable: true,
    snapshottable: true,
  };
}
