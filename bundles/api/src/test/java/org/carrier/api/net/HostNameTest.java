package org.carrier.api.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HostNameTest {
    @AfterEach
    void clear() {
        System.clearProperty(HostName.PROPERTY);
    }

    @Test
    void theSettingNamesThisHost() {
        System.setProperty(HostName.PROPERTY, " mx1.example.test ");
        assertEquals("mx1.example.test", HostName.local());
    }

    @Test
    void withoutItTheKernelsNameWithoutADnsLookup() throws Exception {
        Path kernel = Path.of("/proc/sys/kernel/hostname");
        String expected = Files.isReadable(kernel) ? Files.readString(kernel).strip() : java.net.InetAddress.getLocalHost().getHostName();
        assertEquals(expected, HostName.local());
        assertFalse(HostName.local().isBlank());
    }
}
