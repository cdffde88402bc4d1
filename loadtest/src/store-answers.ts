/** A few Store API answers for the demo's output. */
import { fetchStoreTopItems } from './verify.js';

export async function showStoreAnswers(storeUrl: string, storeIds: readonly number[]): Promise<string> {
  const lines: string[] = [];
  let topItem: number | undefined;
  for (const storeId of storeIds) {
    const answer = await fetchStoreTopItems(storeUrl, storeId);
    const items = answer.items.slice(0, 5).map((i) => `${i.itemId}×${i.quantity}`);
    topItem ??= answer.items[0]?.itemId;
    lines.push(
      `  GET /items/store/${storeId}  → ${answer.status}  top: ${items.join(', ')}${answer.items.length > 5 ? ', …' : ''}`,
    );
  }
  if (topItem !== undefined) {
    const response = await fetch(`${storeUrl}/items/top10/${topItem}`, {
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json().catch(() => ({}))) as {
      stores?: { storeID: number; numberOfItems: number }[];
    };
    const stores = (body.stores ?? []).slice(0, 5).map((s) => `store ${s.storeID}×${s.numberOfItems}`);
    lines.push(`  GET /items/top10/${topItem}  → ${response.status}  top: ${stores.join(', ')}`);
  }
  return lines.join('\n');
}
