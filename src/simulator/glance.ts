/**
 * The Glance (image v2) part of the simulator: just enough for the openstack client, whose `server list` and
 * `server show` build an image client (and fail without an `image` catalog entry) to turn image ids into names.
 * Read-only: the images are those of ClusterState.images.
 */
import { createHash } from 'node:crypto';
import type { ClusterState, SimImage } from './cluster.js';

export class GlanceError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(JSON.stringify(body));
  }
}
// Glance answers errors with webob's plain-text pages; the client only reads the status and the message line.
const err = (status: number, title: string, message: string): GlanceError =>
  new GlanceError(status, `${status} ${title}\n\n${message}\n\n   `);

export interface GlanceContext {
  state: ClusterState;
  baseUrl: () => string;
  ownerProjectId: string;
}

/** Glance's max_api_version in 2025.1. */
const API_VERSION = 'v2.17';

/** An image as `GET /v2/images/{id}` shows it: custom properties are top-level keys, beside the base ones. */
export function imageView(c: GlanceContext, i: SimImage): Record<string, unknown> {
  return {
    ...i.properties,
    id: i.id,
    name: i.name,
    status: 'active',
    visibility: 'public',
    protected: false,
    os_hidden: false,
    // Stable stand-ins for the checksums of bytes the simulator does not have.
    checksum: createHash('md5').update(i.name).digest('hex'),
    os_hash_algo: 'sha512',
    os_hash_value: createHash('sha512').update(i.name).digest('hex'),
    container_format: i.containerFormat,
    disk_format: i.diskFormat,
    size: i.sizeBytes,
    virtual_size: i.virtualSizeBytes,
    min_disk: i.minDiskGb,
    min_ram: i.minRamMb,
    owner: c.ownerProjectId,
    tags: [],
    created_at: i.created,
    updated_at: i.created,
    self: `/v2/images/${i.id}`,
    file: `/v2/images/${i.id}/file`,
    schema: '/v2/schemas/image',
    stores: 'file',
  };
}

/** Handles `/image…` (the part after `/image`). */
export function glance(
  c: GlanceContext,
  method: string,
  path: string,
  q: URLSearchParams,
): { status: number; body: unknown } {
  const seg = path.split('/').filter(Boolean);
  if (method !== 'GET' && method !== 'HEAD')
    throw err(405, 'Method Not Allowed', 'The method is not allowed for the requested URL.');
  if (seg.length === 0 || (seg.length === 1 && seg[0] === 'versions')) {
    // Glance answers its root with 300 Multiple Choices; keystoneauth's version discovery reads it.
    return {
      status: 300,
      body: {
        versions: [
          { id: API_VERSION, status: 'CURRENT', links: [{ rel: 'self', href: `${c.baseUrl()}/image/v2/` }] },
        ],
      },
    };
  }
  if (seg[0] !== 'v2') throw err(404, 'Not Found', 'The resource could not be found.');
  if (seg[1] !== 'images' || seg.length > 3) throw err(404, 'Not Found', 'The resource could not be found.');
  if (seg[2]) {
    const image = c.state.images.find((i) => i.id === seg[2]);
    if (!image) throw err(404, 'Not Found', `No image found with ID ${seg[2]}`);
    return { status: 200, body: imageView(c, image) };
  }
  let list = c.state.images;
  const name = q.get('name');
  if (name !== null) list = list.filter((i) => i.name === name);
  const id = q.get('id');
  if (id !== null) list = list.filter((i) => i.id === id);
  const status = q.get('status');
  if (status !== null && status !== 'active') list = [];
  const visibility = q.get('visibility');
  if (visibility !== null && visibility !== 'public' && visibility !== 'all') list = [];
  let start = 0;
  const marker = q.get('marker');
  if (marker) {
    start = list.findIndex((i) => i.id === marker) + 1;
    if (start === 0) throw err(400, 'Bad Request', `marker ${marker} could not be found.`);
  }
  const limit = q.has('limit') ? Number(q.get('limit')) : 25;
  if (!Number.isInteger(limit) || limit < 0) throw err(400, 'Bad Request', 'limit param must be an integer');
  const page = list.slice(start, start + limit);
  const last = page[page.length - 1];
  const body: Record<string, unknown> = {
    images: page.map((i) => imageView(c, i)),
    first: '/v2/images',
    schema: '/v2/schemas/images',
  };
  if (last && start + limit < list.length) body.next = `/v2/images?marker=${last.id}&limit=${limit}`;
  return { status: 200, body };
}
