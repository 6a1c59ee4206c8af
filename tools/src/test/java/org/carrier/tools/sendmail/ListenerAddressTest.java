package org.carrier.tools.sendmail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ListenerAddressTest {
    @TempDir
    Path config;

    @Test
    void theLoopbackMxListenerIsChosen() throws IOException, SubmitFailure {
        Files.writeString(config.resolve("org.carrier.smtp.listener-submission.cfg"), "name = submission\nport = 587\nrole = submission\n");
        Files.writeString(config.resolve("org.carrier.smtp.listener-proxied.cfg"), "port = 2600\nproxyNetworks = 10.0.0.5/32\n");
        Files.writeString(config.resolve("org.carrier.smtp.listener-public.cfg"), "name = public\nbindAddress = 192.0.2.10\nport = 25\n");
        Files.writeString(config.resolve("org.carrier.smtp.listener-default.cfg"), "name = default\nbindAddress = 127.0.0.1\nport = 31025\n");
        assertEquals(new InetSocketAddress("127.0.0.1", 31025), ListenerAddress.find(config, null));
    }

    @Test
    void aWildcardListenerIsReachedOnLoopbackAndTypedValuesAreRead() throws IOException, SubmitFailure {
        Files.writeString(config.resolve("org.carrier.smtp.listener-all.cfg"), "bindAddress = 0.0.0.0\nport = I\"2526\"\n");
        assertEquals(new InetSocketAddress("127.0.0.1", 2526), ListenerAddress.find(config, null));
    }

    @Test
    void theEnvironmentOverridesAndNothingUsableIsAnError() throws SubmitFailure {
        assertEquals(new InetSocketAddress("::1", 2700), ListenerAddress.find(config, "[::1]:2700"));
        SubmitFailure none = assertThrows(SubmitFailure.class, () -> ListenerAddress.find(config, null));
        assertEquals(SubmitFailure.UNAVAILABLE, none.exitStatus());
    }
}
