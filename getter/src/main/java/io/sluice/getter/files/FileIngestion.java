package io.sluice.getter.files;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.common.metrics.SluiceMetric;
import io.sluice.getter.files.FileLedger.Claim;
import io.sluice.getter.files.FileLedger.FileState;
import io.sluice.getter.files.FileLedger.Registration;
import io.sluice.getter.files.FileProperties.OnDone;
import io.sluice.getter.files.FileStore.StoredFile;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * One file source's loop on its own thread: scan the store for complete files, register them in the ledger, claim
 * one, load it, then archive, delete or quarantine it. A failure (broker, database) is retried after a pause with the
 * claim kept; a file that is gone fails in the ledger; one that cannot be read, or has too many bad lines, is
 * quarantined with the reason, and the source goes on with its other files.
 */
final class FileIngestion {

    private static final Logger log = LoggerFactory.getLogger(FileIngestion.class);

    private final FileSource source;
    private final FileLedger ledger;
    private final FileLoad load;
    private final String owner;
    private final Duration lease;
    private final Duration pollInterval;
    private final MeterRegistry meters;
    private final Set<StoredFile> registered = new HashSet<>();
    private volatile boolean running;
    private volatile String lastError;
    private Thread thread;

    FileIngestion(
            FileSource source,
            FileLedger ledger,
            FileLoad load,
            String owner,
            Duration lease,
            Duration pollInterval,
            MeterRegistry meters) {
        this.source = source;
        this.ledger = ledger;
        this.load = load;
        this.owner = owner;
        this.lease = lease;
        this.pollInterval = pollInterval;
        this.meters = meters;
    }

    void start() {
        running = true;
        thread = Thread.ofPlatform().name("getter-files-" + source.name()).start(this::run);
    }

    void stop() {
        running = false;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    String name() {
        return source.name();
    }

    String store() {
        return source.store().describe();
    }

    /** The last failure's message, or null while all goes well. */
    String lastError() {
        return lastError;
    }

    private void run() {
        log.info(
                "file source '{}' polls {} for {}",
                source.name(),
                source.store().describe(),
                source.table());
        Duration backoff = pollInterval;
        while (running) {
            try {
                registerNewFiles();
                Optional<Claim> claim = ledger.claimNext(source.name(), owner, lease);
                if (claim.isPresent()) {
                    loadAndFinish(claim.get());
                } else {
                    Thread.sleep(pollInterval);
                }
                lastError = null;
                backoff = pollInterval;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                if (!running) {
                    return;
                }
                lastError = String.valueOf(e.getMessage());
                log.warn("file source '{}' failed, retrying in {}: {}", source.name(), backoff, e.toString());
                sleep(backoff);
                backoff = backoff.multipliedBy(2).compareTo(Duration.ofMinutes(1)) > 0
                        ? Duration.ofMinutes(1)
                        : backoff.multipliedBy(2);
            }
        }
    }

    private void registerNewFiles() throws Exception {
        List<StoredFile> complete = source.store().scan();
        registered.retainAll(complete);
        for (StoredFile file : complete) {
            if (registered.contains(file)) {
                continue;
            }
            Registration registration =
                    ledger.register(source.name(), file.name(), file.size(), file.mtime(), file.checksum());
            if (!registration.added()) {
                finishKnown(file, registration);
            }
            registered.add(file);
        }
    }

    /** A file whose content the ledger knows: left where it is, unless its content is done or set aside. */
    private void finishKnown(StoredFile file, Registration known) throws Exception {
        if (known.state() == FileState.DONE) {
            if (!known.path().equals(file.name())) {
                log.info("{} has the content of {}, loaded before: not loaded again", file.name(), known.path());
            }
            dispose(file.name(), false);
        } else if (known.state() == FileState.QUARANTINED) {
            dispose(file.name(), true);
        }
    }

    private void loadAndFinish(Claim claim) throws Exception {
        log.info("loading {} from line {} (version {})", claim.path(), claim.confirmedLine() + 1, claim.version());
        FileLoad.Outcome outcome;
        try {
            outcome = load.load(claim);
        } catch (NoSuchFileException | NoSuchKeyException gone) {
            ledger.fail(claim, owner, "the file is gone: " + gone.getMessage());
            count("failed");
            return;
        } catch (UnreadableFileException unreadable) {
            quarantine(claim, unreadable.getMessage());
            return;
        } catch (java.io.UncheckedIOException readFailure) {
            // Reading failed in a way a retry may mend (the store's I/O): retried with backoff, a bounded number of
            // times.
            int attempts = ledger.failedAttempt(claim, owner, String.valueOf(readFailure.getCause()));
            if (attempts >= MAX_READ_ATTEMPTS) {
                quarantine(claim, "reading failed " + attempts + " times, last: " + readFailure.getCause());
                return;
            }
            throw readFailure;
        } catch (java.util.zip.ZipException | com.github.luben.zstd.ZstdIOException broken) {
            quarantine(claim, "broken compression: " + broken.getMessage()); // found at the start of the file
            return;
        } catch (FileLedger.LostClaimException lost) {
            log.warn("{} was taken over by another replica: {}", claim.path(), lost.getMessage());
            return;
        }
        if (outcome.quarantined()) {
            quarantine(claim, outcome.reason());
            return;
        }
        ledger.done(claim, owner);
        count("done");
        log.info("loaded {}: {} rows, {} bad lines", claim.path(), outcome.rows(), outcome.badLines());
        dispose(claim.path(), false);
    }

    /** Failures to read one file before it is quarantined. */
    static final int MAX_READ_ATTEMPTS = 5;

    private void quarantine(Claim claim, String reason) throws Exception {
        log.warn("quarantined {}: {}", claim.path(), reason);
        ledger.quarantine(claim, owner, reason);
        count("quarantined");
        dispose(claim.path(), true);
    }

    private void dispose(String name, boolean quarantined) throws Exception {
        FileProperties.Source config = source.config();
        if (config.onDone() == OnDone.KEEP) {
            return;
        }
        if (quarantined) {
            source.store().moveTo(name, config.quarantineFolder());
        } else if (config.onDone() == OnDone.DELETE) {
            source.store().delete(name);
        } else {
            source.store().moveTo(name, config.archiveFolder());
        }
    }

    private void count(String outcome) {
        SluiceMetric.GETTER_FILES
                .counter()
                .tags("source", source.name(), "outcome", outcome)
                .register(meters)
                .increment();
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
