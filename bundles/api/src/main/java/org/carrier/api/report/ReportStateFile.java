package org.carrier.api.report;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.carrier.api.file.FileModes;

/**
 * The events of a report not sent yet, on disk: one text snapshot after a header line naming its format, replaced
 * whole ({@link FileModes#replace}: a crash leaves the old or the new snapshot, never a mix), 0600 in a 0700 folder
 * whatever the umask, since it holds peer addresses and the domains mailed to.
 * <p>
 * A file that cannot be read is logged with its line and moved aside ({@code NAME.corrupt-MILLIS}, kept for a look),
 * and counting starts afresh: a damaged state must not stop mail or the reports to come.
 */
public final class ReportStateFile {
    /** Reads a snapshot's lines after the header, in order; throws on a line it cannot read. */
    public interface Reader<T> extends Consumer<String> {
        /** What was read, once every line was. */
        T result();
    }

    private final Path file;
    private final String header;
    private final String what;
    private final Consumer<String> errorLog;

    /**
     * @param header   the first line, e.g. {@code # carrier tls-report results 1}
     * @param what     what the file holds, for messages, e.g. "TLS report state"
     * @param errorLog where the one line about a damaged file goes
     */
    public ReportStateFile(Path file, String header, String what, Consumer<String> errorLog) {
        this.file = file;
        this.header = header;
        this.what = what;
        this.errorLog = errorLog;
    }

    public Path file() {
        return file;
    }

    /** The saved snapshot, or {@code none} when there is none or it cannot be read. */
    public <T> T load(Supplier<? extends Reader<T>> reader, T none) {
        if (!Files.exists(file)) {
            return none;
        }
        int lineNumber = 0;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line = in.readLine();
            lineNumber = 1;
            if (!header.equals(line)) {
                throw new IllegalArgumentException("not a " + what + " file (first line is not \"" + header + "\")");
            }
            Reader<T> lines = reader.get();
            while ((line = in.readLine()) != null) {
                lineNumber++;
                lines.accept(line);
            }
            return lines.result();
        } catch (IOException | RuntimeException e) {
            Path aside = file.resolveSibling(file.getFileName() + ".corrupt-" + System.currentTimeMillis());
            errorLog.accept(file + ":" + lineNumber + ": " + e.getMessage() + "; what it holds is not reported, the file is kept as "
                    + aside.getFileName());
            moveAside(aside);
            return none;
        }
    }

    private void moveAside(Path aside) {
        try {
            Files.move(file, aside);
        } catch (IOException e) {
            errorLog.accept("cannot move " + file + " aside: " + e.getMessage());
        }
    }

    /** Replaces the snapshot by {@code body} (the lines after the header, each ending in a line feed). */
    public void save(CharSequence body) throws IOException {
        FileModes.PRIVATE.replace(file, header + "\n" + body);
    }
}
