import { describe, expect, it } from 'vitest';
import { asNotification, decodeOsloEnvelope, encodeOsloEnvelope } from './oslo-envelope.js';

const notification = {
  message_id: 'a3b0c1f2-0000-4000-8000-000000000001',
  publisher_id: 'nova-compute:compute-00001',
  event_type: 'instance.update',
  priority: 'INFO',
  payload: { 'nova_object.name': 'InstanceUpdatePayload', 'nova_object.data': { uuid: 'u1' } },
  timestamp: '2026-11-25 05:00:00.000000',
};

describe('oslo envelope', () => {
  it('round-trips a notification through encode and decode', () => {
    const wire = JSON.stringify(encodeOsloEnvelope(notification));
    expect(JSON.parse(wire)).toMatchObject({ 'oslo.version': '2.0' });
    expect(decodeOsloEnvelope(Buffer.from(wire))).toEqual({
      ok: true,
      message: notification,
      enveloped: true,
    });
  });

  it('passes a bare (messaging v1) notification through', () => {
    expect(decodeOsloEnvelope(JSON.stringify(notification))).toEqual({
      ok: true,
      message: notification,
      enveloped: false,
    });
  });

  it.each([
    ['not JSON', '{oops', 'body is not JSON'],
    ['a JSON array', '[1]', 'not a JSON object'],
    [
      'a future major version',
      JSON.stringify({ 'oslo.version': '3.0', 'oslo.message': '{}' }),
      'unsupported oslo.version',
    ],
    [
      'a non-string oslo.message',
      JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': {} }),
      'not a string',
    ],
    [
      'an oslo.message that is not JSON',
      JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': '{x' }),
      'oslo.message is not JSON',
    ],
  ])('returns a reason instead of throwing for %s', (_name, body, reason) => {
    const result = decodeOsloEnvelope(body);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toContain(reason);
  });

  it.each([
    ['a notification', notification, true],
    ['a message without event_type', { ...notification, event_type: undefined }, false],
    ['a message without payload', { publisher_id: 'p', event_type: 'e', priority: 'INFO' }, false],
  ])('recognises %s', (_name, message, ok) => {
    expect(asNotification(message).ok).toBe(ok);
  });
});
