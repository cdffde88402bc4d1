import { decodePurchaseEvent, type PurchaseEvent } from '@tillstream/contract';
import type { DeadLetterReason } from '../errors.js';

/** A delivery as the rabbitmq baseline sees it: its content and the broker's tag. */
export interface Delivery {
  readonly deliveryTag: number;
  readonly content: Buffer;
}

export interface DeliveryPlan<D extends Delivery> {
  /** Events to write, in delivery order. */
  readonly events: PurchaseEvent[];
  /** Deliveries that are not a valid purchase event: rejected without requeue. */
  readonly poison: { readonly delivery: D; readonly reason: DeadLetterReason; readonly detail: string }[];
  /** The highest delivery tag of the batch: one ack with `allUpTo` covers the batch after the commit. */
  readonly lastTag: number;
}

/** Splits a batch of deliveries into events to write and poison (the same decoder as the Kafka path). */
export function planDeliveries<D extends Delivery>(deliveries: readonly D[]): DeliveryPlan<D> {
  const events: PurchaseEvent[] = [];
  const poison: DeliveryPlan<D>['poison'] = [];
  let lastTag = 0;
  for (const delivery of deliveries) {
    lastTag = Math.max(lastTag, delivery.deliveryTag);
    const decoded = decodePurchaseEvent(delivery.content);
    if (decoded.ok) events.push(decoded.event);
    else poison.push({ delivery, reason: decoded.reason, detail: decoded.detail });
  }
  return { events, poison, lastTag };
}
