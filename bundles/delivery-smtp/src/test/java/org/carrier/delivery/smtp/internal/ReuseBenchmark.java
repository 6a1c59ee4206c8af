package org.carrier.delivery.smtp.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.carrier.api.route.NextHop;
import org.carrier.api.transport.Outcome;

/**
 * Throughput of the SMTP client against a peer (smtp-sink in src/bench/reuse.sh), with and without connection
 * reuse: {@code port messages threads}. Prints messages per second for each setting. Not a test.
 */
public final class ReuseBenchmark {
    private ReuseBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int messages = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        String body = "Subject: bench\r\n\r\n" + "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz\r\n".repeat(50);
        run("warm-up", port, messages / 4, threads, 100, body);
        for (int maxPerConnection : new int[] {1, 100}) {
            run(maxPerConnection == 1 ? "no reuse" : "reuse (100 per connection)", port, messages, threads, maxPerConnection, body);
        }
    }

    private static void run(String label, int port, int messages, int threads, int maxPerConnection, String body)
            throws Exception {
        Settings settings = new Settings("bench.test", Settings.Timeouts.RFC_5321,
                new Settings.Reuse(maxPerConnection, 30_000, threads, threads, 60_000, 5, 60_000), true, true);
        AtomicInteger delivered = new AtomicInteger();
        try (Watchdog watchdog = new Watchdog();
             ClientDelivery client = new ClientDelivery(Protocol.SMTP, settings, TlsContexts.create(null), watchdog, () -> null)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            long start = System.nanoTime();
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < messages; i++) {
                int n = i;
                done.add(pool.submit(() -> {
                    var out = client.deliver(Fixtures.request(body, List.of(new NextHop("127.0.0.1", port)), "r" + n + "@sink.test"));
                    if (out.get(0).outcome() == Outcome.DELIVERED) {
                        delivered.incrementAndGet();
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            pool.shutdown();
            System.out.printf("%-28s %6d messages, %2d threads: %7.0f msg/s (%d delivered, %.2f s)%n", label, messages,
                    threads, messages / seconds, delivered.get(), seconds);
        }
    }
}
