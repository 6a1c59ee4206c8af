package org.carrier.tools.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The client's own part; its exchanges with the server are in the admin bundle's ShellSocketTest and in ShellIT. */
class ShellClientTest {

    @Test
    void argumentsAreQuotedForGogo() {
        assertEquals("carrier:queue --sender \"a b\"", ShellClient.commandLine(List.of("carrier:queue", "--sender", "a b")));
        assertEquals("carrier:route \"<bob@example.com>\"", ShellClient.commandLine(List.of("carrier:route", "<bob@example.com>")));
        assertEquals("echo \"\\$x \\\"q\\\"\" \"\"", ShellClient.commandLine(List.of("echo", "$x \"q\"", "")));
    }
}
