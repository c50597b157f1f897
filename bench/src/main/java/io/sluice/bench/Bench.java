package io.sluice.bench;

import java.util.List;

/** Entry point of {@code bench/run <stage> [--quick]}. */
public final class Bench {

    private Bench() {}

    public static void main(String[] args) throws Exception {
        List<String> arguments = List.of(args);
        boolean quick = arguments.contains("--quick");
        String stage = arguments.isEmpty() ? "" : arguments.get(0);
        Report report = switch (stage) {
            case "getter" -> new GetterBench(quick).run();
            case "loader" -> new LoaderBench(quick).run();
            case "handler" -> new HandlerBench(quick).run();
            case "codec" -> new CodecBench(quick).run();
            case "files" -> new FilesBench(quick).run();
            case "e2e" -> {
                Report e2e = new EndToEndBench(quick).run();
                new TpcbBench(quick).run(e2e); // OLTP's small transactions, beside the bulk inserts
                yield e2e;
            }
            case "tpcb" -> new TpcbBench(quick).run();
            default -> {
                System.err.println(
                        "unknown stage '" + stage + "'; stages: getter, files, handler, codec, loader, e2e, tpcb");
                System.exit(2);
                yield null;
            }
        };
        report.print(System.out);
        System.exit(0); // embedded PostgreSQL and client threads would otherwise keep the JVM alive
    }
}
