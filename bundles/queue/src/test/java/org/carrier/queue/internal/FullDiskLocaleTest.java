package org.carrier.queue.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.carrier.api.queue.QueueUnavailableException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JDK's message for a failed write is the C library's {@code strerror}, in the language of LC_MESSAGES: on a German
 * host ENOSPC reads "Auf dem Gerät ist kein Speicherplatz mehr verfügbar". A full disk must still be the low-space
 * refusal (452 4.3.1) there. A JVM is started with a German locale (compiled into a temporary folder with glibc's
 * {@code localedef}, Debian's package {@code locales}) and writes to Linux's /dev/full.
 */
class FullDiskLocaleTest {
    @TempDir
    Path dir;

    /** Run in the child JVM: one write to /dev/full, and what the queue makes of its failure. */
    public static void main(String[] args) {
        try (FileChannel full = FileChannel.open(Path.of("/dev/full"), StandardOpenOption.WRITE)) {
            full.write(ByteBuffer.wrap(new byte[1]));
            System.out.println("no failure");
        } catch (IOException e) {
            IOException seen = FreeSpace.refusalIfFull(e);
            System.out.println((seen instanceof QueueUnavailableException ? "refusal" : "error") + "|" + e.getMessage());
        }
    }

    @Test
    void aFullDiskIsTheLowSpaceRefusalWhateverTheSystemsLanguage() throws Exception {
        Path locales = Files.createDirectories(dir.resolve("locales"));
        Process localedef = new ProcessBuilder("localedef", "-i", "de_DE", "-f", "UTF-8", locales.resolve("de_DE.UTF-8").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("localedef.out").toFile()).start();
        assertTrue(localedef.waitFor(60, TimeUnit.SECONDS), "localedef did not finish");
        assertEquals(0, localedef.exitValue(), "localedef (Debian's locales): " + Files.readString(dir.resolve("localedef.out")));

        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
                FullDiskLocaleTest.class.getName())).redirectErrorStream(true).redirectOutput(dir.resolve("child.out").toFile());
        pb.environment().put("LOCPATH", locales.toString());
        pb.environment().put("LC_ALL", "de_DE.UTF-8");
        Process child = pb.start();
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child JVM did not finish");
        String out = Files.readString(dir.resolve("child.out"), StandardCharsets.UTF_8).strip();
        assertFalse(out.contains("No space left on device"), "the locale did not apply, so this proves nothing: " + out);
        assertTrue(out.startsWith("refusal|"), "ENOSPC in German must be the low-space refusal: " + out);
    }
}
