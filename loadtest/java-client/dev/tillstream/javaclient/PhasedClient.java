package dev.tillstream.javaclient;

import io.swagger.client.ApiClient;
import io.swagger.client.ApiException;
import io.swagger.client.ApiResponse;
import io.swagger.client.api.PurchaseApi;
import io.swagger.client.model.Purchase;
import io.swagger.client.model.PurchaseItems;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A CS6650-style phased purchase client on the generated PurchaseApi. Usage:
 * PhasedClient baseUrl stores purchasesPerHour hours maxItemId ledgerFile. The ledger gets one line per
 * acknowledged purchase: "storeID itemID:quantity …".
 */
public final class PhasedClient {
  private static final String DATE = "20210101";
  private static final int ITEMS_PER_PURCHASE = 5;

  private final String baseUrl;
  private final int purchasesPerHour;
  private final int hours;
  private final int maxItemId;
  private final CountDownLatch centralStart = new CountDownLatch(1);
  private final CountDownLatch westStart = new CountDownLatch(1);
  private final AtomicInteger sent = new AtomicInteger();
  private final AtomicInteger created = new AtomicInteger();
  private final ConcurrentLinkedQueue<String> ledger = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

  private PhasedClient(String baseUrl, int purchasesPerHour, int hours, int maxItemId) {
    this.baseUrl = baseUrl;
    this.purchasesPerHour = purchasesPerHour;
    this.hours = hours;
    this.maxItemId = maxItemId;
  }

  /** One store: its purchases one after another, releasing the next phases at 3 and 5 hours. */
  private void store(int storeId) {
    ApiClient client = new ApiClient();
    client.setBasePath(baseUrl);
    PurchaseApi api = new PurchaseApi(client);
    Random random = new Random(6650L * 31 + storeId);
    int total = purchasesPerHour * hours;
    for (int n = 0; n < total; n++) {
      int custId = storeId * 1000 + random.nextInt(1000);
      Purchase purchase = new Purchase();
      StringBuilder line = new StringBuilder().append(storeId);
      for (int i = 0; i < ITEMS_PER_PURCHASE; i++) {
        String itemId = String.valueOf(random.nextInt(maxItemId + 1));
        purchase.addItemsItem(new PurchaseItems().itemID(itemId).numberOfItems(1));
        line.append(' ').append(itemId).append(":1");
      }
      sent.incrementAndGet();
      try {
        ApiResponse<Void> response = api.newPurchaseWithHttpInfo(purchase, storeId, custId, DATE);
        if (response.getStatusCode() == 201) {
          created.incrementAndGet();
          ledger.add(line.toString());
        } else {
          failures.add("store " + storeId + ": status " + response.getStatusCode());
        }
      } catch (ApiException e) {
        failures.add("store " + storeId + ": " + e.getCode() + " " + e.getResponseBody());
      }
      if (n + 1 == purchasesPerHour * 3) centralStart.countDown();
      if (n + 1 == purchasesPerHour * 5) westStart.countDown();
    }
    // A store too short to reach a threshold still starts the next phases when it ends.
    centralStart.countDown();
    westStart.countDown();
  }

  private List<Thread> start(int first, int count) {
    List<Thread> threads = new ArrayList<>();
    for (int storeId = first; storeId < first + count; storeId++) {
      final int id = storeId;
      Thread thread = new Thread(() -> store(id), "store-" + id);
      thread.start();
      threads.add(thread);
    }
    return threads;
  }

  public static void main(String[] args) throws InterruptedException, IOException {
    String baseUrl = args[0];
    int stores = Integer.parseInt(args[1]);
    PhasedClient run =
        new PhasedClient(baseUrl, Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
    int east = Math.max(1, stores / 4);
    int central = Math.min(stores - east, stores / 4);
    int west = stores - east - central;
    long started = System.nanoTime();
    List<Thread> threads = new ArrayList<>(run.start(0, east));
    run.centralStart.await();
    threads.addAll(run.start(east, central));
    run.westStart.await();
    threads.addAll(run.start(east + central, west));
    for (Thread thread : threads) thread.join();
    long wallMs = (System.nanoTime() - started) / 1_000_000;
    try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(Paths.get(args[5])))) {
      for (String line : run.ledger) out.println(line);
    }
    StringBuilder failed = new StringBuilder();
    for (String failure : run.failures) {
      if (failed.length() > 0) failed.append(',');
      failed.append('"').append(failure.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
    }
    System.out.println(
        "{\"stores\":" + stores + ",\"phases\":[" + east + "," + central + "," + west + "],\"sent\":"
            + run.sent.get() + ",\"created\":" + run.created.get() + ",\"wallMs\":" + wallMs
            + ",\"failures\":[" + failed + "]}");
  }
}
