package dev.tillstream.javaclient;

import io.swagger.client.store.ApiClient;
import io.swagger.client.store.ApiException;
import io.swagger.client.store.api.ItemsApi;
import io.swagger.client.store.model.TopItems;
import io.swagger.client.store.model.TopItemsStoresInner;
import io.swagger.client.store.model.TopStores;
import io.swagger.client.store.model.TopStoresStoresInner;

/**
 * Asks the generated ItemsApi for the top items of stores and the top stores of items, printing one JSON
 * line per answer. Usage: StoreAnswers baseUrl store|item id…
 */
public final class StoreAnswers {
  public static void main(String[] args) {
    ApiClient client = new ApiClient();
    client.setBasePath(args[0]);
    ItemsApi api = new ItemsApi(client);
    for (int i = 1; i + 1 < args.length; i += 2) {
      int id = Integer.parseInt(args[i + 1]);
      StringBuilder rows = new StringBuilder();
      try {
        if (args[i].equals("store")) {
          TopItems answer = api.topItems(id);
          for (TopItemsStoresInner row : answer.getStores()) {
            if (rows.length() > 0) rows.append(',');
            rows.append("{\"itemID\":").append(row.getItemID());
            rows.append(",\"numberOfItems\":").append(row.getNumberOfItems()).append('}');
          }
        } else {
          TopStores answer = api.topStores(id);
          for (TopStoresStoresInner row : answer.getStores()) {
            if (rows.length() > 0) rows.append(',');
            rows.append("{\"storeID\":").append(row.getStoreID());
            rows.append(",\"numberOfItems\":").append(row.getNumberOfItems()).append('}');
          }
        }
        System.out.println(
            "{\"kind\":\"" + args[i] + "\",\"id\":" + id + ",\"status\":200,\"stores\":[" + rows + "]}");
      } catch (ApiException e) {
        System.out.println("{\"kind\":\"" + args[i] + "\",\"id\":" + id + ",\"status\":" + e.getCode() + "}");
      }
    }
  }
}
