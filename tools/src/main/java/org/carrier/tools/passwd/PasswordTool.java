package org.carrier.tools.passwd;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.carrier.api.auth.PasswordHash;

/**
 * Prints a users-table line for a new password, so an administrator never writes a clear password into a file:
 *
 * <pre>
 * bin/carrier-passwd alice@example.org            (asks twice on the terminal)
 * echo 'secret' | bin/carrier-passwd --argon2id bob
 * </pre>
 *
 * Output: {@code alice@example.org = {bcrypt}$2y$10$...}, to append to {@code config/smtp-users.properties}.
 */
public final class PasswordTool {
    private static final String USAGE = "usage: carrier-passwd [--bcrypt | --argon2id | --scram-sha-256] [--cost N] USER\n"
            + "       carrier-passwd --benchmark [--cost N]   (how long one check of each kind takes here)\n"
            + "  reads the password from the terminal (twice) or one line of standard input,\n"
            + "  prints 'USER = HASH' for config/smtp-users.properties";

    private PasswordTool() {
    }

    public static void main(String[] args) throws IOException {
        System.exit(run(args, System.console(), System.in, System.out, System.err));
    }

    static int run(String[] args, Console console, InputStream in, PrintStream out, PrintStream err) throws IOException {
        String kind = "bcrypt";
        int cost = PasswordHash.BCRYPT_COST;
        String user = null;
        boolean benchmark = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--bcrypt", "--argon2id", "--scram-sha-256" -> kind = args[i].substring(2);
                case "--benchmark" -> benchmark = true;
                case "--cost" -> {
                    if (i + 1 >= args.length || !args[i + 1].matches("\\d{1,2}") || Integer.parseInt(args[i + 1]) < 4
                            || Integer.parseInt(args[i + 1]) > 31) {
                        err.println("--cost takes a bcrypt cost from 4 to 31\n" + USAGE);
                        return 2;
                    }
                    cost = Integer.parseInt(args[++i]);
                }
                default -> {
                    if (args[i].startsWith("-") || user != null) {
                        err.println(USAGE);
                        return 2;
                    }
                    user = args[i];
                }
            }
        }
        if (benchmark) {
            HashBenchmark.print(out, cost, 5);
            return 0;
        }
        if (user == null || user.isBlank() || !user.matches("[^\\s=:#!\\\\]+")) {
            err.println((user == null ? "" : "a user name has no spaces and none of = : # ! \\\n") + USAGE);
            return 2;
        }
        char[] password = console != null ? fromConsole(console) : fromStream(in);
        if (password == null || password.length == 0) {
            err.println(password == null ? "the passwords differ" : "empty password refused");
            return 1;
        }
        byte[] octets = utf8(password);
        Arrays.fill(password, '\0');
        String hash = switch (kind) {
            case "argon2id" -> PasswordHash.argon2id(octets);
            case "scram-sha-256" -> PasswordHash.scramSha256(octets);
            default -> PasswordHash.bcrypt(octets, cost);
        };
        Arrays.fill(octets, (byte) 0);
        out.println(user + " = " + hash);
        return 0;
    }

    private static char[] fromConsole(Console console) {
        char[] first = console.readPassword("Password: ");
        char[] second = console.readPassword("Again: ");
        if (first == null || second == null || !Arrays.equals(first, second)) {
            return null;
        }
        Arrays.fill(second, '\0');
        return first;
    }

    private static char[] fromStream(InputStream in) throws IOException {
        String line = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
        return line == null ? new char[0] : line.toCharArray();
    }

    private static byte[] utf8(char[] password) {
        var buffer = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
        byte[] octets = new byte[buffer.remaining()];
        buffer.get(octets);
        Arrays.fill(buffer.array(), (byte) 0);
        return octets;
    }
}
