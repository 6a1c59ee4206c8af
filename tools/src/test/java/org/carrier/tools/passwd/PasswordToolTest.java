package org.carrier.tools.passwd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import org.carrier.api.auth.PasswordHash;
import org.carrier.api.auth.ScramCredential;
import org.junit.jupiter.api.Test;

class PasswordToolTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String stdin, String... args) throws Exception {
        return PasswordTool.run(args, null, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void printsALineTheUsersFileAccepts() throws Exception {
        assertEquals(0, run("tränen pw\n", "--cost", "5", "alice@example.org"));
        String line = out.toString(StandardCharsets.UTF_8);
        assertTrue(line.startsWith("alice@example.org = {bcrypt}$2y$05$"), line);
        out.reset();
        assertEquals(0, run("bob pw\n", "--argon2id", "bob"));
        line += out.toString(StandardCharsets.UTF_8);
        out.reset();
        assertEquals(0, run("carol pw\n", "--scram-sha-256", "carol"));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("carol = {scram-sha-256}50000,"), out.toString(StandardCharsets.UTF_8));
        line += out.toString(StandardCharsets.UTF_8);

        // What the server reads from these lines is the api's scheme; CarrierPasswdIT logs in with them for real.
        Map<String, String> hashes = new HashMap<>();
        for (String entry : line.split("\n")) {
            String[] userAndHash = entry.split(" = ", 2);
            hashes.put(userAndHash[0], userAndHash[1]);
        }
        hashes.values().forEach(hash -> assertNull(PasswordHash.problem(hash), hash));
        assertTrue(PasswordHash.matches(hashes.get("alice@example.org"), "tränen pw".getBytes(StandardCharsets.UTF_8)));
        assertTrue(PasswordHash.matches(hashes.get("bob"), "bob pw".getBytes(StandardCharsets.UTF_8)));
        assertTrue(PasswordHash.matches(hashes.get("carol"), "carol pw".getBytes(StandardCharsets.UTF_8)));
        assertTrue(ScramCredential.isScram(hashes.get("carol")));
    }

    @Test
    void benchmarksEachKindOfHash() throws Exception {
        assertEquals(0, run("", "--benchmark", "--cost", "4"));
        String report = out.toString(StandardCharsets.UTF_8);
        assertTrue(report.matches("(?s)bcrypt cost 4 +\\d+ ms per check \\(5 checks\\)\n"
                + "argon2id m=19456,t=2,p=1 +\\d+ ms per check \\(5 checks\\)\n"
                + "scram-sha-256 i=50000 +\\d+ ms per check \\(5 checks\\)\n"), report);
    }

    @Test
    void refusesBadArgumentsAndEmptyPasswords() throws Exception {
        assertEquals(2, run("pw\n"));
        assertEquals(2, run("pw\n", "two", "users"));
        assertEquals(2, run("pw\n", "a=b"));
        assertEquals(2, run("pw\n", "--cost", "3", "alice"));
        assertEquals(2, run("pw\n", "--sha1", "alice"));
        assertEquals(1, run("", "alice"));
        assertEquals(1, run("\n", "alice"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("empty password refused"));
        assertEquals("", out.toString(StandardCharsets.UTF_8), "nothing printed on error");
    }
}
