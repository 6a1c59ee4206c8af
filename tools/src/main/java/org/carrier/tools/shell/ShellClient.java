package org.carrier.tools.shell;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

import org.carrier.api.shell.ShellFrames;
import org.carrier.api.shell.UnixSocketAddresses;

/**
 * {@code bin/carrier shell [COMMAND ARGS...]}: runs Gogo commands in the running Carrier through its shell socket
 * ({@link ShellSocket}). With a command, runs it and exits with its status (0: done, 1: the command failed, 69: Carrier
 * is not running); without, reads command lines from standard input (with a prompt on a terminal) until end of input
 * or {@code exit}. Plain Java, outside OSGi: the tools jar and the api jar (the socket's protocol) on the class path.
 */
public final class ShellClient {
    /** sysexits.h EX_UNAVAILABLE: the service is not there. */
    public static final int NOT_RUNNING = 69;
    static final String DEFAULT_SOCKET = "data/run/carrier.sock";

    private ShellClient() {
    }

    public static void main(String[] args) {
        System.exit(run(List.of(args), socketFile(), System.out, System.err));
    }

    /**
     * {@code CARRIER_SOCKET} if set, else the default socket; relative to the home folder the script passes, as the
     * server's socketPath is.
     */
    static Path socketFile() {
        String configured = System.getenv("CARRIER_SOCKET");
        Path home = Paths.get(System.getProperty("carrier.home", "."));
        return home.resolve(configured == null || configured.isBlank() ? DEFAULT_SOCKET : configured.trim());
    }

    public static int run(List<String> command, Path socket, PrintStream out, PrintStream err) {
        SocketChannel channel;
        try {
            UnixDomainSocketAddress address = UnixSocketAddresses.of(socket);
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(address);
        } catch (IOException e) {
            err.println("carrier shell: cannot reach the running Carrier at " + socket + " (" + e.getMessage()
                    + "); is Carrier running, and are you the user it runs as?");
            return NOT_RUNNING;
        }
        try (channel) {
            Writer requests = new BufferedWriter(new OutputStreamWriter(Channels.newOutputStream(channel), StandardCharsets.UTF_8));
            DataInputStream answers = new DataInputStream(Channels.newInputStream(channel));
            if (!command.isEmpty()) {
                return send(commandLine(command), requests, answers, out, err);
            }
            return interactive(requests, answers, out, err);
        } catch (EOFException e) {
            err.println("carrier shell: Carrier closed the connection (stopped?)");
            return NOT_RUNNING;
        } catch (IOException e) {
            err.println("carrier shell: the connection to Carrier ended (" + e.getMessage() + ")");
            return NOT_RUNNING;
        }
    }

    private static int interactive(Writer requests, DataInputStream answers, PrintStream out, PrintStream err) throws IOException {
        boolean terminal = System.console() != null;
        BufferedReader input = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        int status = 0;
        while (true) {
            if (terminal) {
                out.print("carrier> ");
                out.flush();
            }
            String line = input.readLine();
            if (line == null || line.trim().equals("exit") || line.trim().equals("quit")) {
                return status;
            }
            if (!line.isBlank()) {
                status = send(line, requests, answers, out, err);
            }
        }
    }

    private static int send(String line, Writer requests, DataInputStream answers, PrintStream out, PrintStream err) throws IOException {
        requests.write(line.replace('\n', ' ').replace('\r', ' '));
        requests.write('\n');
        requests.flush();
        return ShellFrames.readAnswer(answers, out, err);
    }

    /**
     * The arguments as one Gogo command line. An argument with a blank or a character Gogo gives a meaning to
     * ({@code <>} redirect, {@code ;|&} separate, {@code $} expands, braces, quotes) is put in double quotes.
     */
    public static String commandLine(List<String> args) {
        StringBuilder line = new StringBuilder();
        for (String arg : args) {
            if (line.length() > 0) {
                line.append(' ');
            }
            if (!arg.isEmpty() && arg.chars().noneMatch(c -> Character.isWhitespace(c) || "<>;|&$\"'{}()[]\\#".indexOf(c) >= 0)) {
                line.append(arg);
            } else {
                line.append('"');
                arg.chars().forEach(c -> {
                    if (c == '"' || c == '\\' || c == '$') {
                        line.append('\\');
                    }
                    line.append((char) c);
                });
                line.append('"');
            }
        }
        return line.toString();
    }
}
