package org.carrier.admin.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.junit.jupiter.api.Test;

class ConsoleCredentialsTest {

    @Test
    void basicCredentialsAreDecoded() {
        String header = "Basic " + Base64.getEncoder().encodeToString("admin:pa:ss".getBytes(StandardCharsets.UTF_8));
        assertArrayEquals(new String[] {"admin", "pa:ss"}, ConsoleCredentials.basicCredentials(header));
        assertNull(ConsoleCredentials.basicCredentials("Bearer abc"));
        assertNull(ConsoleCredentials.basicCredentials("Basic !!!"));
        assertNull(ConsoleCredentials.basicCredentials(null));
    }

    @Test
    void randomPasswordsDiffer() {
        assertNotEquals(ConsoleCredentials.randomPassword(), ConsoleCredentials.randomPassword());
    }
}
